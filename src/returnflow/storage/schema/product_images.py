"""The server's copies of product pictures (issue 16, migration 0036): one row a picture
URL, named by the URL's SHA-256, with how fetching it went and, once fetched, the bytes
(at most 2 MB, a JPEG, PNG or WebP checked with Pillow) and their ETag. Order lines keep
the URL (`order_lines.image_url`); pages show `/images/products/{key}`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from returnflow.storage.schema.base import Base


class ProductImageRow(Base):
    __tablename__ = "product_images"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(40))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    etag: Mapped[str | None] = mapped_column(String(64))
    requested_at: Mapped[datetime]
    fetched_at: Mapped[datetime | None]
