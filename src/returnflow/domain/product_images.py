"""Product pictures from the order import (issue 16): what an image URL may be, and the
life of the server's one copy of it.

An order line may name its product's picture (`OrderLine.image_url`). Pages never show
that outside URL: the server fetches the picture once, off the request path, and serves
its own copy at `/images/products/{key}`, where the key is the SHA-256 of the URL (the
same URL on a thousand orders is fetched once). A fetch that fails for a passing reason
(a timeout, a 5xx) is tried again up to `MAX_FETCH_ATTEMPTS` times; one the answer
refuses for good (too large, not a picture) is not. Either way the line then simply has
no picture.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from returnflow.domain.text import DomainError, Text

MAX_URL_LENGTH = 2000
MAX_IMAGE_BYTES = 2 * 1024 * 1024  # a product thumbnail, not a poster
MAX_IMAGE_PIXELS = 40_000_000  # as for customers' photos (domain/photos.py)
MAX_FETCH_ATTEMPTS = 4
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
PATH = "/images/products/{key}"
_KEY = re.compile(r"^[0-9a-f]{64}$")
_SCHEMES = ("http", "https")


class ImageStatus(StrEnum):
    PENDING = "pending"  # a fetch job is in the outbox
    READY = "ready"  # the copy is stored and served
    FAILED = "failed"  # given up on: the line shows no picture


def image_key(url: str) -> str:
    """The name of the server's copy of the picture at `url`."""
    return hashlib.sha256(url.encode()).hexdigest()


def is_image_key(key: str) -> bool:
    return bool(_KEY.match(key))


def image_path(key: str) -> str:
    """Where the server's own copy is served (the only picture address a page shows)."""
    return PATH.format(key=key)


def check_image_url(url: str, field: str) -> None:
    """An absolute http(s) URL with a host, without credentials, at most 2,000 characters."""
    if len(url) > MAX_URL_LENGTH:
        raise DomainError(
            "image_url_too_long",
            Text(
                "图片地址超过 {limit} 个字符", "The image URL is longer than {limit} characters"
            ).format(limit=MAX_URL_LENGTH),
            field=field,
        )
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port out of range raises here
    except ValueError:
        raise _invalid(field) from None
    if parts.scheme.lower() not in _SCHEMES:
        raise DomainError(
            "image_url_scheme",
            Text(
                "图片地址须以 http:// 或 https:// 开头", "The image URL must be http:// or https://"
            ),
            field=field,
        )
    if not parts.hostname or parts.username is not None or parts.password is not None:
        raise _invalid(field)
    if any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in url):
        raise _invalid(field)


def _invalid(field: str) -> DomainError:
    return DomainError(
        "image_url_invalid",
        Text(
            "图片地址无效：须是带主机名、不含账号密码和空格的完整网址",
            "The image URL is not valid: a full address with a host, no credentials, no spaces",
        ),
        field=field,
    )


@dataclass(frozen=True, slots=True)
class CachedImage:
    """The server's copy, as the route serves it."""

    data: bytes
    content_type: str
    etag: str


@dataclass(slots=True)
class ProductImage:
    """One picture URL and how fetching it went."""

    key: str
    url: str
    status: ImageStatus = ImageStatus.PENDING
    attempts: int = 0
    last_error: str | None = None

    @property
    def waiting(self) -> bool:
        return self.status is ImageStatus.PENDING

    def fetched(self) -> None:
        self.attempts += 1
        self.status, self.last_error = ImageStatus.READY, None

    def missed(self, reason: str, *, final: bool) -> bool:
        """A failed fetch; True when it is worth trying again later."""
        self.attempts += 1
        self.last_error = reason[:200]
        if final or self.attempts >= MAX_FETCH_ATTEMPTS:
            self.status = ImageStatus.FAILED
            return False
        return True
