"""The drop-off code a customer shows at a courier counter, as a QR image (R4.2).

A PNG, drawn module by module with Pillow from reportlab's QR encoder: reportlab's own
bitmap renderer needs a Cairo backend this project does not install, and a PNG is what
phones save and counters scan most reliably.
"""

from __future__ import annotations

import io
import secrets

# no 0/O, 1/I/L: the code is also read out and typed at the counter
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_QUIET = 4  # modules of white around the symbol, as the QR standard asks


def new_dropoff_code(length: int = 8) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def qr_png(data: str, scale: int = 8) -> bytes:
    """`data` as a black-on-white QR code PNG; the same data always gives the same bytes.

    Pillow and reportlab load on the first code drawn, not with the API (issue 11: RSS).
    """
    from PIL import Image, ImageDraw
    from reportlab.graphics.barcode import qrencoder  # type: ignore[import-untyped]

    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(data)
    code.make()
    count = int(code.getModuleCount())
    side = (count + 2 * _QUIET) * scale
    image = Image.new("1", (side, side), 1)
    draw = ImageDraw.Draw(image)
    for row in range(count):
        for col in range(count):
            if code.isDark(row, col):
                x, y = (col + _QUIET) * scale, (row + _QUIET) * scale
                draw.rectangle((x, y, x + scale - 1, y + scale - 1), fill=0)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
