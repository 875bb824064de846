"""The default ruling's reason (R8.3): stored as a code, read in the reader's language.

A side silent past the evidence deadline is ruled against by the sweep; the ruling's
reason is stored as `silent_merchant` / `silent_customer` and shown in words. Rulings
stored before the code carry both languages in one string ("zh / en"): they are read
the same way. A person's reason is shown as they wrote it.
"""

from __future__ import annotations

from returnflow.domain.text import Text

# the silent side's value ("merchant", "customer") → the reason's words
_SILENT = {
    "merchant": Text("商家未在举证期限内举证", "The merchant gave no evidence by the deadline"),
    "customer": Text("顾客未在举证期限内举证", "The customer gave no evidence by the deadline"),
}
_WORDS = {f"silent_{side}": text for side, text in _SILENT.items()} | {
    f"{text.zh} / {text.en}": text for text in _SILENT.values()
}


def silent_code(side: str) -> str:
    """The stored reason of a ruling against the silent `side`."""
    if side not in _SILENT:
        raise ValueError(side)
    return f"silent_{side}"


def reason_words(reason: str) -> Text:
    """A ruling's reason in both languages."""
    return _WORDS.get(reason.strip()) or Text(reason, reason)
