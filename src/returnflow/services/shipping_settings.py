"""The return-method book per merchant and province: read, adjust, remove (R4.1).

The default book lives in code (`domain/shipping.py`); what operations change is stored
as adjustments, each applying to a merchant and a province ("*" for all of them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from returnflow.domain.shipping import ANY, Adjustment, MethodBook, book_for
from returnflow.domain.text import Text
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.shipments import adjustment_to_json


@dataclass(frozen=True, slots=True)
class BookView:
    """The book as it applies to one merchant in one province, and the adjustments behind it."""

    merchant_id: str
    province: str
    book: MethodBook
    adjustments: list[Adjustment]

    @property
    def documents(self) -> list[dict[str, Any]]:
        """Each adjustment as stored: who it applies to and what it changes."""
        return [
            {"merchant_id": a.merchant_id, "province": a.province, **adjustment_to_json(a)}
            for a in self.adjustments
        ]


def _view(merchant_id: str, province: str, adjustments: list[Adjustment]) -> BookView:
    return BookView(
        merchant_id, province, book_for(merchant_id, province, adjustments), adjustments
    )


def method_book(
    uow: UnitOfWork, merchant_id: str, province: str, *, merchant_scope: str | None = None
) -> BookView:
    """A merchant user sees the book of their own merchant and only the adjustments for it."""
    merchant = merchant_scope or merchant_id
    adjustments = [
        a
        for a in uow.shipments.adjustments()
        if merchant_scope is None or a.merchant_id in (ANY, merchant)
    ]
    return _view(merchant, province, adjustments)


def put_methods(uow: UnitOfWork, adjustment: Adjustment, actor: str, now: datetime) -> BookView:
    """Store the adjustment for its merchant and province, replacing the previous one."""
    adjustment.check()
    uow.shipments.put_adjustment(adjustment, now, actor)
    return _view(adjustment.merchant_id, adjustment.province, uow.shipments.adjustments())


def remove_methods(uow: UnitOfWork, merchant_id: str, province: str) -> None:
    if not uow.shipments.remove_adjustment(merchant_id, province):
        raise NotFound(
            "adjustment_not_found",
            Text("没有该商家和地区的配置", "No settings for that merchant and province"),
        )
