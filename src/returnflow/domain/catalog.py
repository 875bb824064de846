"""Product categories and the item flags that decide returnability.

Categories are open-ended strings (a marketplace adds new ones without a release);
the ones below are the categories the policy knows by name.
"""

from __future__ import annotations

import re
from enum import StrEnum

KNOWN_CATEGORIES = (
    "baby",
    "electronics",
    "cosmetics",
    "fresh_food",
    "apparel",
    "books_media",
    "home",
    "food",
)

_CATEGORY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def is_valid_category(name: str) -> bool:
    return bool(_CATEGORY_PATTERN.match(name))


class ItemFlag(StrEnum):
    """Facts about an item that the law and the policy care about (R2.2)."""

    CUSTOM_MADE = "custom_made"
    PERISHABLE = "perishable"
    DIGITAL_DOWNLOAD = "digital_download"
    # audio-visual media or software: non-returnable without reason once unsealed
    SEALED_MEDIA = "sealed_media"
    PERIODICAL = "periodical"
    # the customer confirmed at purchase that it cannot be returned without reason
    NON_RETURNABLE_CONFIRMED = "non_returnable_confirmed"
    # hygiene goods (baby bottles, cosmetics, underwear): not "intact" once unsealed
    HYGIENE_SEALED = "hygiene_sealed"
