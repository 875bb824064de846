"""The demo's product pictures (issue 16): simple tiles drawn here, stored as fetched.

Nothing may come from the internet while the demo runs, so the demo does not fetch its
catalogue's picture URLs (`catalog.Product.image_url`, on a reserved host): it draws a
tile per product with Pillow (the shop's colour, the product's code) and stores it as
the server's copy of that URL, exactly where a fetched picture would be. The portal then
shows `/images/products/{key}` like for any imported order.
"""

from __future__ import annotations

import hashlib
import io
from datetime import datetime
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from returnflow.app_context import AppContext
from returnflow.demo.catalog import MERCHANTS, Merchant, Product
from returnflow.services.product_images import cache_image

SIZE = 240
_PALETTE = (
    ((232, 244, 253), (33, 118, 174)),
    ((253, 237, 236), (192, 57, 43)),
    ((234, 248, 241), (30, 132, 73)),
    ((254, 245, 231), (202, 111, 30)),
    ((244, 236, 247), (125, 60, 152)),
    ((235, 245, 251), (40, 116, 166)),
    ((253, 242, 233), (186, 74, 0)),
    ((232, 246, 243), (17, 122, 101)),
)


def store_tiles(context: AppContext, now: datetime) -> int:
    """Every catalogue product's tile, stored as its picture's copy; how many."""
    stored = 0
    with context.uow(publish=False) as uow:
        for merchant in MERCHANTS:
            for product in merchant.products:
                cache_image(uow, product.image_url, tile(merchant, product), "image/png", now)
                stored += 1
        uow.commit(now)
    return stored


def tile(merchant: Merchant, product: Product) -> bytes:
    return _tile(merchant.id, product.sku)


@cache
def _tile(merchant_id: str, sku: str) -> bytes:
    """A PNG: the shop's pale colour, a card in its strong colour, the product's code."""
    shade = int(hashlib.sha256(merchant_id.encode()).hexdigest()[:4], 16) % len(_PALETTE)
    pale, strong = _PALETTE[shade]
    image = Image.new("RGB", (SIZE, SIZE), pale)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((28, 28, SIZE - 28, SIZE - 28), radius=24, fill=strong)
    draw.ellipse((SIZE // 2 - 34, 52, SIZE // 2 + 34, 120), fill=pale)
    parts = sku.split("-")
    word = parts[1] if len(parts) > 2 else parts[-1]
    code = parts[-1] if len(parts) > 2 else ""
    big, small = _fonts()
    draw.text((SIZE // 2, 150), word[:6], fill=pale, font=big, anchor="mm")
    if code:
        draw.text((SIZE // 2, 186), code[:8], fill=pale, font=small, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=3)
    return out.getvalue()


@cache
def _fonts() -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, ...]:
    return ImageFont.load_default(size=34), ImageFont.load_default(size=18)
