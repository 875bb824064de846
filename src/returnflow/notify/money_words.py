"""Money in words, the one format of the platform (issue 16): Babel's currency format.

Pages (`web/templating.py` `money`/`yuan`), emails and text messages (`notify/notices.py`)
show an amount the same way: "¥84.00" to a Chinese reader, "CN¥84.00" to an English one,
thousands grouped. Amounts are held in integer fen (cents) with their currency; the
domain stays free of Babel, so the format lives here, beside the notices, where the web
layer and the worker both reach it.
"""

from __future__ import annotations

from babel.numbers import format_currency

from returnflow.domain.money import Money
from returnflow.domain.text import Text

BABEL_LOCALES = {"zh": "zh_Hans_CN", "en": "en_GB"}


def yuan_text(fen: int | float, language: str, currency: str = "CNY") -> str:
    """An amount held as a plain number of fen (cents) in `currency`, for `language`."""
    locale = BABEL_LOCALES.get(language, BABEL_LOCALES["zh"])
    return str(format_currency(fen / 100, currency, locale=locale))


def money_text(amount: Money, language: str) -> str:
    """A `Money` for a reader of `language` ("zh" or "en")."""
    return yuan_text(amount.cents, language, amount.currency)


def money_words(amount: Money) -> Text:
    """The amount in both languages, for bilingual notices."""
    return Text(money_text(amount, "zh"), money_text(amount, "en"))
