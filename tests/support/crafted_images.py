"""Real PNG files made byte by byte: tiny on disk, huge once decoded.

A decompression bomb needs no library: a PNG is a signature and CRC'd chunks, and a
1-bit greyscale image of zeros compresses about a thousandfold.
"""

from __future__ import annotations

import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(width: int, height: int, idat: bytes) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )


def declared_png(width: int, height: int) -> bytes:
    """~60 bytes that only claim the size: the pixel data is a few bytes of nothing."""
    return _png(width, height, zlib.compress(b"\x00" * 16))


def real_png(width: int, height: int) -> bytes:
    """A complete, valid black image of that size (144 MP ≈ 17 KB)."""
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    packer = zlib.compressobj(9)
    parts = [packer.compress(row * 500) for _ in range(height // 500)]
    parts.append(packer.compress(row * (height % 500)))
    parts.append(packer.flush())
    return _png(width, height, b"".join(parts))
