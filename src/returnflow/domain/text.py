"""Bilingual text carried by domain results.

The domain speaks both platform languages itself, so that every rule result, error
and notice can be shown to a customer or an agent without a lookup table elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from returnflow.domain.frozen import quick_init

LANGUAGES = ("zh", "en")


@quick_init
@dataclass(frozen=True, slots=True)
class Text:
    zh: str
    en: str

    def in_language(self, language: str) -> str:
        return self.en if language.startswith("en") else self.zh

    def format(self, **values: object) -> Text:
        return Text(self.zh.format(**values), self.en.format(**values))


class DomainError(Exception):
    """A business rule refused an operation; `code` is stable and machine-readable."""

    def __init__(self, code: str, message: Text, *, field: str | None = None) -> None:
        super().__init__(message.en)
        self.code = code
        self.message = message
        self.field = field
