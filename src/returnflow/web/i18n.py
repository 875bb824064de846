"""Page translations from Babel catalogs (`locale/<lang>/LC_MESSAGES/messages.po`).

Templates are written in English message ids; the Chinese catalogs translate them.
Each area keeps its own file (common.po, portal.po, staff.po …); they are merged and
compiled in memory at start-up, so no generated binaries live in git.
"""

from __future__ import annotations

from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = {"zh": "简体中文", "en": "English"}


def catalog_files(language: str) -> list[Path]:
    return sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po"))


@cache
def translations(language: str) -> NullTranslations:
    files = catalog_files(language)
    if not files:
        return NullTranslations()
    merged: Catalog | None = None
    for po in files:
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        if merged is None:
            merged = catalog
            continue
        for message in catalog:
            if message.id:
                merged[message.id] = message
    assert merged is not None
    compiled = BytesIO()
    write_mo(compiled, merged)
    compiled.seek(0)
    return Translations(compiled)
