"""The read side of return requests: lists, the review queue, a customer's history, photos.

Pages and lists read many requests at once and change none, so they do not load
aggregates: each question here is one query over the `returns` table that answers with
small frozen read models (`ReturnSummary`), never rows. The unit of work hangs one
`ReturnQueries` on itself as `uow.return_queries`; services hand the results on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, cast, func, select
from sqlalchemy.orm import Session

from returnflow.domain.kinds import Channel, Outcome, RequestType
from returnflow.domain.lifecycle import Status
from returnflow.domain.money import Money
from returnflow.domain.text import Text
from returnflow.storage import codecs
from returnflow.storage.schema import ReturnRow

# photos are looked for by a text match first; more candidates than this are not read
_PHOTO_CANDIDATES = 50


@dataclass(frozen=True)
class ReturnFilter:
    """What a list asks for; every field left empty matches everything."""

    status: Status | None = None
    merchant_id: str | None = None
    customer_id: str | None = None
    order_no: str | None = None
    rma_no: str | None = None
    created_from: datetime | None = None  # inclusive
    created_to: datetime | None = None  # exclusive
    request_type: RequestType | None = None  # issue 16: the request list's type filter
    sort: str = "newest"  # issue 16: a key of LIST_ORDERS


@dataclass(frozen=True)
class ReturnSummary:
    """One request as lists show it, with the automated decision's outcome and words."""

    rma_no: str
    order_no: str
    merchant_id: str
    customer_id: str
    request_type: RequestType
    channel: Channel
    status: Status
    outcome: Outcome | None
    reasons: tuple[Text, ...]  # the decision's messages
    refund_total: Money
    created_at: datetime
    review_due_at: datetime | None

    def overdue(self, now: datetime) -> bool:
        return self.review_due_at is not None and self.review_due_at <= now


@dataclass(frozen=True)
class ReturnPage:
    """One page of a list, newest first, and how many match in all."""

    items: tuple[ReturnSummary, ...]
    total: int


@dataclass(frozen=True)
class ReviewQueue:
    """Requests waiting for a person, oldest first, and how many are past their deadline."""

    entries: tuple[ReturnSummary, ...]
    total: int
    overdue: int


def _summary(row: ReturnRow) -> ReturnSummary:
    decision = codecs.decision_from_json(row.decision) if row.decision else None
    return ReturnSummary(
        rma_no=row.rma_no,
        order_no=row.order_no,
        merchant_id=row.merchant_id,
        customer_id=row.customer_id,
        request_type=RequestType(row.request_type),
        channel=Channel(row.channel),
        status=Status(row.status),
        outcome=decision.outcome if decision else None,
        reasons=tuple(r.message for r in decision.reasons) if decision else (),
        refund_total=Money(row.refund_total, row.currency),
        created_at=row.created_at,
        review_due_at=row.review_due_at,
    )


def _filtered(where: ReturnFilter) -> Select[ReturnRow]:
    query = select(ReturnRow)
    if where.status is not None:
        query = query.where(ReturnRow.status == where.status.value)
    if where.merchant_id:
        query = query.where(ReturnRow.merchant_id == where.merchant_id)
    if where.customer_id:
        query = query.where(ReturnRow.customer_id == where.customer_id)
    if where.order_no:
        query = query.where(ReturnRow.order_no == where.order_no)
    if where.rma_no:
        query = query.where(ReturnRow.rma_no == where.rma_no)
    if where.created_from:
        query = query.where(ReturnRow.created_at >= where.created_from)
    if where.created_to:
        query = query.where(ReturnRow.created_at < where.created_to)
    if where.request_type is not None:
        query = query.where(ReturnRow.request_type == where.request_type.value)
    return query


# how the request list may be ordered (issue 16); an unknown key is the newest first
LIST_ORDERS: dict[str, tuple[Any, ...]] = {
    "newest": (ReturnRow.created_at.desc(), ReturnRow.id.desc()),
    "oldest": (ReturnRow.created_at.asc(), ReturnRow.id.asc()),
    "amount_high": (ReturnRow.refund_total.desc(), ReturnRow.id.desc()),
    "amount_low": (ReturnRow.refund_total.asc(), ReturnRow.id.desc()),
    "updated": (ReturnRow.updated_at.desc(), ReturnRow.id.desc()),
}


class ReturnQueries:
    """Questions lists and pages ask about many requests; nothing here writes."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def page(self, where: ReturnFilter, page: int, page_size: int) -> ReturnPage:
        """Newest first; `page` counts from 1."""
        query = _filtered(where)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.scalars(
            query.order_by(*LIST_ORDERS.get(where.sort, LIST_ORDERS["newest"]))
            .limit(page_size)
            .offset((page - 1) * page_size)
        ).all()
        return ReturnPage(tuple(_summary(row) for row in rows), int(total))

    def review_queue(self, now: datetime, *, merchant_scope: str | None, limit: int) -> ReviewQueue:
        waiting = ReturnRow.status == Status.PENDING_REVIEW.value
        scope = [ReturnRow.merchant_id == merchant_scope] if merchant_scope is not None else []
        rows = self.session.scalars(
            select(ReturnRow)
            .where(waiting, *scope)
            .order_by(ReturnRow.created_at.asc(), ReturnRow.id.asc())
            .limit(limit)
        ).all()
        total = self.session.scalar(select(func.count(ReturnRow.id)).where(waiting, *scope))
        overdue = self.session.scalar(
            select(func.count(ReturnRow.id)).where(waiting, ReturnRow.review_due_at <= now, *scope)
        )
        return ReviewQueue(tuple(_summary(row) for row in rows), int(total or 0), int(overdue or 0))

    def customer_history(
        self,
        customer_id: str,
        *,
        before: datetime,
        other_than: str,
        merchant_scope: str | None,
        limit: int,
    ) -> tuple[ReturnSummary, ...]:
        """A customer's requests filed up to `before`, newest first, except `other_than`."""
        query = (
            select(ReturnRow)
            .where(
                ReturnRow.customer_id == customer_id,
                ReturnRow.rma_no != other_than,
                ReturnRow.created_at <= before,
            )
            .order_by(ReturnRow.created_at.desc(), ReturnRow.id.desc())
            .limit(limit)
        )
        if merchant_scope is not None:
            query = query.where(ReturnRow.merchant_id == merchant_scope)
        return tuple(_summary(row) for row in self.session.scalars(query))

    def photo_merchants(self, name: str) -> set[str]:
        """The merchants whose requests carry the photo `name`.

        Stored names are random (`<32 hex>.<ext>`), so a text match on the JSON list finds
        the candidates and the exact membership check settles it.
        """
        query = select(ReturnRow.photos, ReturnRow.merchant_id).where(
            cast(ReturnRow.photos, String).contains(name)
        )
        found = self.session.execute(query.limit(_PHOTO_CANDIDATES))
        return {merchant for photos, merchant in found if name in (photos or [])}

    def photos_of(self, order_no: str, customer_id: str, limit: int) -> set[str]:
        """Stored names of every photo sent with a customer's requests on one order."""
        query = (
            select(ReturnRow.photos)
            .where(ReturnRow.order_no == order_no, ReturnRow.customer_id == customer_id)
            .order_by(ReturnRow.created_at.desc(), ReturnRow.id.desc())
            .limit(limit)
        )
        return {str(name) for photos in self.session.scalars(query) for name in photos or []}
