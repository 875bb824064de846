"""Fetching a product picture from the order system's image host (issue 16).

One small interface (`ImageFetcher.fetch(url) -> FetchedImage`) and one real
implementation over HTTP. The answer is bounded every way a stranger's server could
abuse it: `timeout` per read and for the whole download, at most `max_bytes` (read in
chunks, refused as soon as it is exceeded, whatever Content-Length said), only a
declared `image/jpeg`, `image/png` or `image/webp`, and then the bytes must be one of
those to Pillow (header pixel count bounded before anything is decoded, `verify()`).
The stored type is what Pillow found, not what the server declared.

The URL comes from an import, so the fetch must not become a way into the platform's
own network: every host (and every redirect's, at most `MAX_REDIRECTS`) must resolve
to public addresses only, unless `allow_private` (tests, an order system on the
intranet). Name resolution happens again when connecting, so a host that changes its
answer in between is not caught here; the platform's egress rules are the second line.

`ImageRefused` is final (the answer will not get better); `ImageUnavailable` is worth
another try later.
"""

from __future__ import annotations

import io
import ipaddress
import socket
import time
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urljoin, urlsplit

import httpx
from PIL import Image, UnidentifiedImageError

from returnflow.domain.product_images import IMAGE_TYPES, MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS
from returnflow.http_adapter import HttpAdapter

MAX_REDIRECTS = 3
_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class ImageRefused(Exception):
    """The answer is not a picture we keep (too large, wrong type, 404…): final."""


class ImageUnavailable(Exception):
    """The host did not answer well this time (timeout, 5xx, 429): try again later."""


@dataclass(frozen=True, slots=True)
class FetchedImage:
    data: bytes
    content_type: str


class ImageFetcher(Protocol):
    def fetch(self, url: str) -> FetchedImage: ...


class HttpImageFetcher(HttpAdapter):
    def __init__(
        self,
        *,
        timeout: float = 10.0,
        max_bytes: int = MAX_IMAGE_BYTES,
        allow_private: bool = False,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.allow_private = allow_private
        self._client = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            transport=transport,
            headers={"Accept": ", ".join(sorted(IMAGE_TYPES)), "User-Agent": "ReturnFlow/1"},
        )

    def fetch(self, url: str) -> FetchedImage:
        deadline = time.monotonic() + self.timeout
        for _ in range(MAX_REDIRECTS + 1):
            if not self.allow_private:
                _refuse_private(url)
            try:
                data, location = self._get(url, deadline)
            except httpx.HTTPError as error:
                raise ImageUnavailable(f"{type(error).__name__}: {error}"[:200]) from error
            if location is None:
                return FetchedImage(data, _picture_type(data))
            url = urljoin(url, location)
            if urlsplit(url).scheme not in ("http", "https"):
                raise ImageRefused("redirected away from http(s)")
        raise ImageRefused(f"more than {MAX_REDIRECTS} redirects")

    def _get(self, url: str, deadline: float) -> tuple[bytes, str | None]:
        """The body, or (b"", where a redirect points)."""
        with self._client.stream("GET", url) as response:
            status = response.status_code
            if status in _REDIRECTS and "location" in response.headers:
                return b"", response.headers["location"]
            if status == 429 or status >= 500:
                raise ImageUnavailable(f"HTTP {status}")
            if status != 200:
                raise ImageRefused(f"HTTP {status}")
            declared = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if declared not in IMAGE_TYPES:
                raise ImageRefused(f"not a JPEG, PNG or WebP: {declared or 'no type'}"[:200])
            length = response.headers.get("content-length", "")
            if length.isdigit() and int(length) > self.max_bytes:
                raise ImageRefused(f"larger than {self.max_bytes} bytes")
            return self._read(response, deadline), None

    def _read(self, response: httpx.Response, deadline: float) -> bytes:
        body = bytearray()
        for chunk in response.iter_bytes(64 * 1024):
            body += chunk
            if len(body) > self.max_bytes:
                raise ImageRefused(f"larger than {self.max_bytes} bytes")
            if time.monotonic() > deadline:
                raise ImageUnavailable("the download took too long")
        return bytes(body)


def _refuse_private(url: str) -> None:
    """Refuse a host that is, or resolves to, anything but public addresses."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError) as error:  # no such host (now): perhaps later
        raise ImageUnavailable(f"cannot resolve the host: {error}"[:200]) from error
    for answer in answers:
        address = ipaddress.ip_address(str(answer[4][0]).split("%")[0])
        if not address.is_global:
            raise ImageRefused("the host is not a public address")


def _picture_type(data: bytes) -> str:
    """The type Pillow reads the bytes as; a refusal for anything else or too many pixels."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            width, height = image.size  # from the header: nothing is decoded yet
            if width * height > MAX_IMAGE_PIXELS:
                raise ImageRefused("too many pixels")
            image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused("too many pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ImageRefused("not a readable JPEG, PNG or WebP picture") from None
    if kind not in _FORMATS:
        raise ImageRefused(f"not a JPEG, PNG or WebP picture: {kind or 'unknown'}")
    return _FORMATS[kind]
