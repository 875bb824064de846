"""The server's copies of product pictures (issue 16): `uow.product_images`.

Rows ⇄ `ProductImage` (the URL and how fetching it went) and, for the route, the bytes
as a `CachedImage`. The bytes are read only by `content`: asking which of an order's
pictures are ready reads keys, not megabytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnflow.domain.product_images import CachedImage, ImageStatus, ProductImage
from returnflow.storage.schema.product_images import ProductImageRow

_CHUNK = 500


class ProductImageStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def known(self, keys: Collection[str]) -> set[str]:
        """Those of `keys` that have a row, whatever became of it."""
        return self._keys(keys, None)

    def ready(self, keys: Collection[str]) -> set[str]:
        """Those of `keys` whose copy is stored."""
        return self._keys(keys, ImageStatus.READY)

    def _keys(self, keys: Collection[str], status: ImageStatus | None) -> set[str]:
        wanted = sorted(set(keys))
        found: set[str] = set()
        for start in range(0, len(wanted), _CHUNK):
            query = select(ProductImageRow.key).where(
                ProductImageRow.key.in_(wanted[start : start + _CHUNK])
            )
            if status is not None:
                query = query.where(ProductImageRow.status == status.value)
            found.update(self.session.scalars(query))
        return found

    def add(self, image: ProductImage, now: datetime) -> None:
        self.session.add(
            ProductImageRow(
                key=image.key,
                url=image.url,
                status=image.status.value,
                attempts=image.attempts,
                last_error=image.last_error,
                requested_at=now,
            )
        )

    def get(self, key: str, *, for_update: bool = False) -> ProductImage | None:
        query = select(
            ProductImageRow.key,
            ProductImageRow.url,
            ProductImageRow.status,
            ProductImageRow.attempts,
            ProductImageRow.last_error,
        ).where(ProductImageRow.key == key)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).first()
        if row is None:
            return None
        return ProductImage(row.key, row.url, ImageStatus(row.status), row.attempts, row.last_error)

    def save(
        self,
        image: ProductImage,
        now: datetime,
        content: tuple[bytes, str] | None = None,
    ) -> None:
        """Write back how fetching went; `content` (bytes, type) is the fetched copy."""
        row = self.session.get(ProductImageRow, image.key)
        if row is None:
            row = ProductImageRow(key=image.key, url=image.url, requested_at=now)
            self.session.add(row)
        row.status, row.attempts = image.status.value, image.attempts
        row.last_error = image.last_error
        if content is not None:
            data, content_type = content
            row.data, row.content_type = data, content_type
            row.etag = hashlib.sha256(data).hexdigest()
            row.fetched_at = now

    def content(self, key: str) -> CachedImage | None:
        row = self.session.execute(
            select(ProductImageRow.data, ProductImageRow.content_type, ProductImageRow.etag).where(
                ProductImageRow.key == key, ProductImageRow.status == ImageStatus.READY.value
            )
        ).first()
        if row is None or row.data is None or row.content_type is None or row.etag is None:
            return None
        return CachedImage(bytes(row.data), row.content_type, row.etag)
