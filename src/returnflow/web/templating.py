"""Jinja2 rendering with the reader's language, money and local-time formatting."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from returnflow.domain.money import Money
from returnflow.domain.text import Text
from returnflow.entrypoints.language import preferred_language
from returnflow.notify.money_words import BABEL_LOCALES, money_text, yuan_text
from returnflow.web.code_words import label
from returnflow.web.i18n import LANGUAGES, translations

TEMPLATES = Path(__file__).parent / "templates"
DISPLAY_ZONE = ZoneInfo("Asia/Shanghai")
_BABEL_LOCALE = BABEL_LOCALES  # one locale per language for money, figures and dates


def _environment(language: str) -> Environment:
    """One environment per language, so compiled templates are cached once."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    return env


_ENVIRONMENTS = {language: _environment(language) for language in LANGUAGES}


def money(amount: Money | None, language: str) -> str:
    """The one money format (`notify/money_words.py`, Babel), shared with notices."""
    if amount is None:
        return ""
    return money_text(amount, language)


def yuan(fen: int | float | None, language: str, currency: str = "CNY") -> str:
    """An amount held as a plain number of fen (read models that keep `int`), as money."""
    if fen is None:
        return ""
    return yuan_text(fen, language, currency)


def number(value: float | int | None, language: str, digits: int = 1) -> str:
    """A figure with at most `digits` decimals and no trailing ".0" (Babel)."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=_BABEL_LOCALE[language])


def words(value: object, language: str, kind: str = "") -> str:
    """A code in the reader's language (web/code_words.py `label`)."""
    found = label(value, kind)
    return found.in_language(language) if isinstance(found, Text) else found


def local_time(moment: datetime | None, language: str) -> str:
    """Stored in UTC, shown in the platform's local time (Asia/Shanghai)."""
    if moment is None:
        return ""
    return format_datetime(
        moment.astimezone(DISPLAY_ZONE), "yyyy-MM-dd HH:mm", locale=_BABEL_LOCALE[language]
    )


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    language = preferred_language(request)
    values: dict[str, Any] = {
        "request": request,
        "lang": language,
        "languages": LANGUAGES,
        "money": lambda amount: money(amount, language),
        "yuan": lambda fen, currency="CNY": yuan(fen, language, currency),
        "number": lambda value, digits=1: number(value, language, digits),
        "label": lambda value, kind="": words(value, language, kind),
        "local_time": lambda moment: local_time(moment, language),
        "text": lambda value: value.in_language(language) if isinstance(value, Text) else value,
        "current_path": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    values.update(context or {})
    html = _ENVIRONMENTS[language].get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Content-Language"] = "zh-CN" if language == "zh" else "en"
    return response
