"""What a customer's photo may be (R1.2): how many, how large, and what its name looks like.

The limits are the platform's rules, so the pages, the API's body limits and the photo
store (`storage/photos.py`, which checks the bytes with Pillow) read them from here.
A stored photo's name is 128 random bits and its kind, issued by the store: nobody can
name a file they were not given, so a name of another shape is refused before anything
looks for it.
"""

from __future__ import annotations

import re

MAX_PHOTOS = 9  # per request, per receipt mismatch, per inspection
MAX_BYTES = 10 * 1024 * 1024  # per photo
MAX_PIXELS = 40_000_000  # 40 megapixels: more than any phone camera takes
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp)$")


def is_photo_name(name: str) -> bool:
    """Whether `name` has the shape of a name the photo store issued (random hex + kind)."""
    return bool(_NAME.match(name))
