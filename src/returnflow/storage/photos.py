"""Customers' photos: checked by content, stored under random names.

A photo is accepted only if Pillow reads it as JPEG, PNG or WebP, whatever its name
or declared type says; at most 9 per request and 10 MB each (R1.2). All photos of a
request are checked before any is stored, so a refusal leaves nothing half-saved.

Its size in pixels is read from the header (Pillow opens lazily) and refused above
`MAX_PIXELS` before anything is decoded: a 100-byte PNG can declare 100000 × 100000
pixels and a 17 KB one really holds 144 million, and whoever later decodes it (a
thumbnail, the evidence PDF) would need gigabytes. Pillow's own decompression-bomb
guard is set to the same limit and its warning is an error in this process, so a
bomb is the same clear refusal wherever Pillow meets it.
"""

from __future__ import annotations

import io
import secrets
import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from returnflow.domain.photos import CONTENT_TYPES as CONTENT_TYPES
from returnflow.domain.photos import MAX_BYTES as MAX_BYTES
from returnflow.domain.photos import MAX_PHOTOS as MAX_PHOTOS
from returnflow.domain.photos import MAX_PIXELS as MAX_PIXELS
from returnflow.domain.photos import is_photo_name as is_photo_name
from returnflow.domain.text import DomainError, Text

Image.MAX_IMAGE_PIXELS = MAX_PIXELS
warnings.simplefilter("error", Image.DecompressionBombWarning)
_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def photo_extension(data: bytes, filename: str) -> str:
    """The file's real kind, or a refusal that names the file."""
    if len(data) > MAX_BYTES:
        raise DomainError(
            "photo_too_large",
            Text("照片 {name} 超过 10 MB", "The photo {name} is larger than 10 MB").format(
                name=filename
            ),
            field="photos",
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            width, height = image.size  # from the header: nothing is decoded yet
            if width * height > MAX_PIXELS:
                raise _too_many_pixels(filename)
            image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_many_pixels(filename) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise _not_a_photo(filename) from error
    if kind not in _FORMATS:
        raise _not_a_photo(filename)
    return _FORMATS[kind]


def _too_many_pixels(filename: str) -> DomainError:
    return DomainError(
        "photo_too_many_pixels",
        Text(
            "照片 {name} 超过 {mp} 百万像素，请缩小后再上传",
            "The photo {name} is larger than {mp} megapixels: shrink it and try again",
        ).format(name=filename, mp=MAX_PIXELS // 1_000_000),
        field="photos",
    )


def _not_a_photo(filename: str) -> DomainError:
    return DomainError(
        "photo_type_not_allowed",
        Text(
            "文件 {name} 不是 JPEG、PNG 或 WebP 图片",
            "The file {name} is not a JPEG, PNG or WebP picture",
        ).format(name=filename),
        field="photos",
    )


class PhotoStore:
    """Photos as files in one folder; names are random, so they cannot be guessed."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def check_all(self, files: list[tuple[str, bytes]]) -> list[str]:
        """Check every (filename, data) pair; return their extensions or refuse them all."""
        if len(files) > MAX_PHOTOS:
            raise DomainError(
                "too_many_photos",
                Text("最多上传 9 张照片", "Upload at most 9 photos"),
                field="photos",
            )
        return [photo_extension(data, name) for name, data in files]

    def save_all(self, files: list[tuple[str, bytes]]) -> list[str]:
        """Store checked photos; returns their stored names."""
        extensions = self.check_all(files)
        self.folder.mkdir(parents=True, exist_ok=True)
        names = []
        for (_, data), extension in zip(files, extensions, strict=True):
            name = f"{secrets.token_hex(16)}.{extension}"
            (self.folder / name).write_bytes(data)
            names.append(name)
        return names

    def discard(self, names: list[str]) -> None:
        """Remove photos whose request was not stored after all."""
        for name in names:
            if is_photo_name(name):
                (self.folder / name).unlink(missing_ok=True)

    def read(self, name: str) -> tuple[bytes, str] | None:
        if not is_photo_name(name):
            return None
        path = self.folder / name
        if not path.exists():
            return None
        return path.read_bytes(), CONTENT_TYPES[name.rsplit(".", 1)[1]]
