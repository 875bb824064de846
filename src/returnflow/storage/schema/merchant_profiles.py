"""Merchants' own after-sales profile (issue 15, R11.1, R2.1, migration 0035): one row a
merchant with the return methods it accepts, its warehouse (all six address fields or
none) and its help-centre note in both languages; who changed it last, and when.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from returnflow.storage.schema.base import Base


class MerchantProfileRow(Base):
    __tablename__ = "merchant_profiles"
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), primary_key=True)
    methods: Mapped[list[Any]]
    warehouse_name: Mapped[str | None] = mapped_column(String(100))
    warehouse_phone: Mapped[str | None] = mapped_column(String(40))
    warehouse_province: Mapped[str | None] = mapped_column(String(40))
    warehouse_city: Mapped[str | None] = mapped_column(String(40))
    warehouse_district: Mapped[str | None] = mapped_column(String(40))
    warehouse_detail: Mapped[str | None] = mapped_column(String(200))
    note_zh: Mapped[str | None] = mapped_column(String(500))
    note_en: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(100))
