"""Logs carry no personal data and no portal links (R14.1).

A portal link opens a customer's order for three days to whoever holds it, so a path
such as `/portal/o/<token>/…` must never reach a log file; database errors echo the
values of the statement that failed (a customer's name in an IntegrityError, the value
in psycopg's DETAIL line), so they are logged by class, SQLSTATE and constraint only.

One filter does both and is attached to the loggers this process writes through
(`install`); the route a request came in on is kept in `current_route`, already
redacted, for the access log.
"""

from __future__ import annotations

import logging
import re
import traceback
from contextvars import ContextVar
from types import TracebackType
from typing import Any

from returnflow.storage.database import statement_error

# "/portal/o/<signed token>", a merchant applicant's status link, and "?t=<token>" forms
_PORTAL_PATH = re.compile(
    r"(/portal/o/|/merchants/apply/s/|/merchant-applications/status/)[^/?#\s\"']+"
)
_TOKEN_QUERY = re.compile(r"([?&](?:t|token|link)=)[^&#\s\"']+")
REDACTED = "[link]"

# The method and redacted path of the request being served: the access log's "route".
current_route: ContextVar[str] = ContextVar("returnflow_current_route", default="")

# Loggers that write request paths or exceptions; filters on a logger see only records
# made on that logger, so each one is named.
LOGGERS = (
    "returnflow",
    "returnflow.api",
    "returnflow.worker",
    "returnflow.bus",  # a failed event handler
    "returnflow.refunds",
    "returnflow.tracking",
    "returnflow.retention",
    "uvicorn",
    "uvicorn.access",
    "uvicorn.error",
    "sqlalchemy",
    "sqlalchemy.engine",
    "httpx",  # outgoing calls log their URLs
)


def redact(text: str) -> str:
    """The text with every portal token replaced by a marker."""
    return _TOKEN_QUERY.sub(rf"\g<1>{REDACTED}", _PORTAL_PATH.sub(rf"\g<1>{REDACTED}", text))


def safe_error(exc: BaseException) -> str:
    """What went wrong without the statement or its values: classes, SQLSTATE, constraint."""
    database = statement_error(exc)
    if database is None:
        return type(exc).__name__
    parts = [type(database).__name__]
    orig = getattr(database, "orig", None)
    if orig is not None:
        parts.append(type(orig).__name__)
        diag = getattr(orig, "diag", None)
        for label, attribute in (
            ("SQLSTATE", "sqlstate"),
            ("table", "table_name"),
            ("column", "column_name"),
            ("constraint", "constraint_name"),
        ):
            value = getattr(diag, attribute, None) or (
                getattr(orig, "sqlstate", None) if attribute == "sqlstate" else None
            )
            if value:
                parts.append(f"{label} {value}")
        if diag is None and type(orig).__module__.startswith("sqlite3"):
            # SQLite's messages name the constraint or column, never the values
            parts.append(str(orig).splitlines()[0][:200])
    return ", ".join(parts)


def describe_error(exc: BaseException) -> str:
    """An error as it may be stored (an outbox row's last_error) or logged on one line."""
    if statement_error(exc) is not None:
        return f"{safe_error(exc)} (statement and values hidden)"
    return redact(f"{type(exc).__name__}: {exc}")


def _safe_traceback(exc: BaseException, tb: TracebackType | None) -> str:
    frames = "".join(traceback.format_tb(tb))
    kind = type(exc)
    return (
        f"Traceback (most recent call last):\n{frames}"
        f"{kind.__module__}.{kind.__qualname__}: {safe_error(exc)} (statement and values hidden)"
    )


def _redact_arg(value: Any) -> Any:
    """Strings, and objects shown by `%s` (an httpx URL), lose their tokens; numbers stay."""
    if value is None or isinstance(value, (int, float)):
        return value
    shown = str(value)
    cleaned = redact(shown)
    return cleaned if cleaned != shown else value


class PrivacyFilter(logging.Filter):
    """Redacts portal tokens from messages and arguments; database errors lose their data."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redact_arg(arg) for key, arg in record.args.items()}
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            if statement_error(exc) is not None:
                record.exc_text = _safe_traceback(exc, record.exc_info[2])
                record.exc_info = None
            else:  # formatters reuse exc_text, so the redacted text is what gets written
                record.exc_text = redact(
                    record.exc_text or logging.Formatter().formatException(record.exc_info)
                )
        return True


_FILTER = PrivacyFilter()


def install() -> None:
    """Attach the filter to our loggers and the root handlers; calling it again is harmless."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
