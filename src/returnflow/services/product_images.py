"""Product pictures from the order import (issue 16): asked for, fetched once, served local.

Importing an order whose lines name picture URLs puts one fetch job (outbox topic
`FETCH_TOPIC`) for each URL the platform has not seen; `jobs/product_images.py` fetches
it off the request path and records what came of it here. Pages ask `image_path(uow,
line)` (or `image_paths` for many lines at once) for the local address of a line's
picture: a value only once the copy is stored, so a page never shows the outside URL
and never a broken picture.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from returnflow.domain.orders import Order, OrderLine
from returnflow.domain.product_images import (
    CachedImage,
    ImageStatus,
    ProductImage,
    image_key,
    is_image_key,
)
from returnflow.domain.product_images import (
    image_path as _local_path,
)
from returnflow.services.unit_of_work import UnitOfWork

FETCH_TOPIC = "product_image.fetch"


def request_images(uow: UnitOfWork, order: Order, now: datetime) -> int:
    """A fetch job for each of the order's picture URLs not seen before; how many."""
    wanted = {image_key(url): url for line in order.lines if (url := line.image_url)}
    if not wanted:
        return 0
    new = sorted(set(wanted) - uow.product_images.known(wanted))
    for key in new:
        uow.product_images.add(ProductImage(key, wanted[key]), now)
        uow.outbox.put(FETCH_TOPIC, {"key": key}, now)
    return len(new)


def image_path(uow: UnitOfWork, line: OrderLine) -> str | None:
    """The local address of the line's picture once the server holds it, else None."""
    return image_paths(uow, [line]).get(line.line_no)


def image_paths(uow: UnitOfWork, lines: Iterable[OrderLine]) -> dict[int, str]:
    """line_no → local picture address, for those lines whose picture is stored (one read)."""
    keys = {line.line_no: image_key(line.image_url) for line in lines if line.image_url}
    if not keys:
        return {}
    ready = uow.product_images.ready(set(keys.values()))
    return {line_no: _local_path(key) for line_no, key in keys.items() if key in ready}


def cached(uow: UnitOfWork, key: str) -> CachedImage | None:
    """The stored copy the route serves; None for an unknown, waiting or failed one."""
    if not is_image_key(key):
        return None
    return uow.product_images.content(key)


def waiting_url(uow: UnitOfWork, key: str) -> str | None:
    """The URL of a picture still to be fetched; None when there is nothing to do."""
    image = uow.product_images.get(key) if is_image_key(key) else None
    return image.url if image is not None and image.waiting else None


def fetched(uow: UnitOfWork, key: str, data: bytes, content_type: str, now: datetime) -> None:
    """The job brought the picture: store the copy (unless it was settled meanwhile)."""
    image = uow.product_images.get(key, for_update=True)
    if image is None or not image.waiting:
        return
    image.fetched()
    uow.product_images.save(image, now, (data, content_type))


def missed(uow: UnitOfWork, key: str, reason: str, *, final: bool, now: datetime) -> bool:
    """The job failed; True when it should be tried again (the outbox's backoff)."""
    image = uow.product_images.get(key, for_update=True)
    if image is None or not image.waiting:
        return False
    again = image.missed(reason, final=final)
    uow.product_images.save(image, now)
    return again


def cache_image(uow: UnitOfWork, url: str, data: bytes, content_type: str, now: datetime) -> str:
    """Store a picture the platform already has as the copy of `url` (the demo's own
    tiles, made without any network); answers its key. The bytes are trusted here."""
    key = image_key(url)
    image = ProductImage(key, url, ImageStatus.READY, attempts=0)
    uow.product_images.save(image, now, (data, content_type))
    return key
