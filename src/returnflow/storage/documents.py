"""Merchants' qualification documents: checked by content, stored under random names.

Beside the photo store (`storage/photos.py`) in `<upload_dir>/documents`: a document is
accepted only if its bytes are a PDF (a `%PDF-` header and an `%%EOF` trailer) or a
picture Pillow reads as JPEG or PNG (the photo store's pixel limit applies), whatever its
name or declared type says; at most `MAX_DOCUMENT_BYTES` each. Names are 128 random bits
and the kind, so nobody can name a file they were not given; reading a name of any other
shape finds nothing.
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from returnflow.domain.onboarding_words import DOCUMENT_TYPES, MAX_DOCUMENT_BYTES
from returnflow.domain.text import DomainError, Text
from returnflow.storage.photos import MAX_PIXELS  # also sets Pillow's bomb guard

_NAME = re.compile(r"^[0-9a-f]{32}\.(pdf|jpg|png)$")
_PICTURES = {"JPEG": "jpg", "PNG": "png"}


def is_document_name(name: str) -> bool:
    return bool(_NAME.match(name))


@dataclass(frozen=True, slots=True)
class StoredDocument:
    stored_name: str
    content_type: str
    size: int
    sha256: str


def _not_allowed(filename: str) -> DomainError:
    return DomainError(
        "document_type_not_allowed",
        Text(
            "文件 {name} 不是 PDF、JPEG 或 PNG", "The file {name} is not a PDF, JPEG or PNG"
        ).format(name=filename[:100]),
        field="documents",
    )


def document_extension(data: bytes, filename: str) -> str:
    """The file's real kind (pdf, jpg, png), or a refusal naming the file."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DomainError(
            "document_too_large",
            Text("文件 {name} 超过 {mb} MB", "The file {name} is larger than {mb} MB").format(
                name=filename[:100], mb=MAX_DOCUMENT_BYTES // (1024 * 1024)
            ),
            field="documents",
        )
    if not data:
        raise _not_allowed(filename)
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise _not_allowed(filename)
        return "pdf"
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise _not_allowed(filename)
            image.verify()
    except (Image.DecompressionBombError, UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _not_allowed(filename) from None
    if kind not in _PICTURES:
        raise _not_allowed(filename)
    return _PICTURES[kind]


class DocumentStore:
    """Documents as files in one folder; names are random, so they cannot be guessed."""

    def __init__(self, upload_dir: str | Path) -> None:
        self.folder = Path(upload_dir) / "documents"

    def check_all(self, files: list[tuple[str, bytes]]) -> list[str]:
        return [document_extension(data, name) for name, data in files]

    def save_all(self, files: list[tuple[str, bytes]]) -> list[StoredDocument]:
        """Check every file first, then store them all; nothing is kept if one is refused."""
        extensions = self.check_all(files)
        self.folder.mkdir(parents=True, exist_ok=True)
        stored = []
        for (_, data), extension in zip(files, extensions, strict=True):
            name = f"{secrets.token_hex(16)}.{extension}"
            (self.folder / name).write_bytes(data)
            digest = hashlib.sha256(data).hexdigest()
            stored.append(StoredDocument(name, DOCUMENT_TYPES[extension], len(data), digest))
        return stored

    def discard(self, names: list[str]) -> None:
        for name in names:
            if is_document_name(name):
                (self.folder / name).unlink(missing_ok=True)

    def read(self, name: str) -> tuple[bytes, str] | None:
        if not is_document_name(name):
            return None
        path = self.folder / name
        if not path.exists():
            return None
        return path.read_bytes(), DOCUMENT_TYPES[name.rsplit(".", 1)[1]]
