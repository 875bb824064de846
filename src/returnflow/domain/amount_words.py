"""Amounts inside the domain's sentences, in the platform's one money format (issue 16).

The domain writes sentences with amounts in them (a training question's prices, a
report's advice on shipping costs) but must not format money itself: the one format is
Babel's (`notify/money_words.money_words`), which the domain cannot import. So a rule
that writes such a sentence takes a `MoneyWords` argument, the caller's formatter, and
`worded` fills a two-language template's amount placeholders with it, each language
with its own form ("¥84.00" in Chinese, "CN¥84.00" in English). The amounts stay
`Money` (integer fen and a currency) up to that point.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from returnflow.domain.money import Money
from returnflow.domain.text import Text

# An amount in both languages: services pass notify/money_words.money_words.
MoneyWords = Callable[[Money], Text]


def worded(
    template: Text, money: MoneyWords, amounts: Mapping[str, Money], **values: object
) -> Text:
    """`template` with `{name}` filled: amounts through `money`, the rest as given."""
    shown = {name: money(amount) for name, amount in amounts.items()}
    return Text(
        template.zh.format(**values, **{name: text.zh for name, text in shown.items()}),
        template.en.format(**values, **{name: text.en for name, text in shown.items()}),
    )
