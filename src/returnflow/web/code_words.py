"""Codes in words for the pages (issue 16): the catalog is `services/code_words.py`.

Templates call `label(value, kind)` through `web/templating.py`; the words themselves
live in the services so notices and PDFs use the same ones. Add a code's words there.
"""

from __future__ import annotations

from returnflow.services.code_words import ENUMS, WORDS, label

__all__ = ["ENUMS", "WORDS", "label"]
