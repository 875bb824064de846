"""Merchants' own after-sales profiles ⇄ rows, and the small reads the terms pages and the
public help centre need (issue 15, R11.1, R2.1): `uow.merchant_profiles`.

Besides the profile itself: whether a merchant exists and its name, the merchants a
manager may pick from, one product's title and category, the categories a merchant
sells, and the published policy versions with who published them and when (the
terms page's history). Every read is bounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnflow.domain.merchant_profiles import MerchantProfile
from returnflow.domain.policy import PolicyVersion
from returnflow.domain.shipping import ReturnMethod, Warehouse
from returnflow.domain.text import Text
from returnflow.storage import codecs
from returnflow.storage.schema import MerchantRow, PolicyVersionRow, ProductRow
from returnflow.storage.schema.merchant_profiles import MerchantProfileRow

LIMIT = 500
HISTORY_LIMIT = 200
_ADDRESS = ("name", "phone", "province", "city", "district", "detail")


@dataclass(frozen=True, slots=True)
class Product:
    merchant_id: str
    sku: str
    title: str
    category: str
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Published:
    """One stored policy version with who published it and when."""

    policy: PolicyVersion
    published_at: datetime
    published_by: str


class MerchantProfileStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, merchant_id: str) -> MerchantProfile | None:
        row = self.session.get(MerchantProfileRow, merchant_id)
        return None if row is None else _profile(row)

    def save(self, profile: MerchantProfile, now: datetime, by: str) -> None:
        row = self.session.get(MerchantProfileRow, profile.merchant_id)
        if row is None:
            row = MerchantProfileRow(merchant_id=profile.merchant_id)
            self.session.add(row)
        row.methods = [method.value for method in profile.methods]
        for name in _ADDRESS:
            value = None if profile.warehouse is None else getattr(profile.warehouse, name)
            setattr(row, f"warehouse_{name}", value)
        row.note_zh = None if profile.note is None else profile.note.zh
        row.note_en = None if profile.note is None else profile.note.en
        row.updated_at, row.updated_by = now, by[:100]
        self.session.flush()

    def merchant_name(self, merchant_id: str) -> str | None:
        """The merchant's display name; None when no such merchant is known."""
        row = self.session.get(MerchantRow, merchant_id)
        return None if row is None else (row.name or row.id)

    def merchants(self) -> list[tuple[str, str]]:
        """(id, name) of every merchant, by name, at most LIMIT."""
        rows = self.session.execute(
            select(MerchantRow.id, MerchantRow.name).order_by(MerchantRow.name).limit(LIMIT)
        )
        return [(merchant_id, name or merchant_id) for merchant_id, name in rows]

    def product(self, merchant_id: str, sku: str) -> Product | None:
        row = self.session.get(ProductRow, (merchant_id, sku))
        return (
            None
            if row is None
            else Product(
                row.merchant_id, row.sku, row.title, row.category, tuple(str(f) for f in row.flags)
            )
        )

    def categories(self, merchant_id: str) -> list[str]:
        """The categories this merchant's products are in."""
        rows = self.session.scalars(
            select(ProductRow.category)
            .where(ProductRow.merchant_id == merchant_id)
            .distinct()
            .order_by(ProductRow.category)
            .limit(LIMIT)
        )
        return list(rows)

    def published(self) -> list[Published]:
        """The latest HISTORY_LIMIT stored versions, newest first."""
        rows = self.session.scalars(
            select(PolicyVersionRow).order_by(PolicyVersionRow.version.desc()).limit(HISTORY_LIMIT)
        )
        return [
            Published(codecs.policy_from_json(r.document), r.published_at, r.published_by)
            for r in rows
        ]


def _profile(row: MerchantProfileRow) -> MerchantProfile:
    address = [getattr(row, f"warehouse_{name}") for name in _ADDRESS]
    known = {method.value for method in ReturnMethod}
    return MerchantProfile(
        merchant_id=row.merchant_id,
        methods=tuple(ReturnMethod(m) for m in row.methods if m in known),
        warehouse=None if any(v is None for v in address) else Warehouse(*address),
        note=None if row.note_zh is None or row.note_en is None else Text(row.note_zh, row.note_en),
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )
