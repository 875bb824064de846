"""Appeals ⇄ rows, and the appeals queue's read side (issue 12, R3.2).

One appeal per request (unique `rma_no`), remembered for the unit of work like the
exchanges and repairs (`RequestOrders`): `get` hands out one object per request, commit
writes it back and hands over its events; the `version` column refuses a write based on
a stale read (`ConcurrentUpdate`). The queue answers frozen read models, never rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, String, cast, func, select
from sqlalchemy.orm import Session

from returnflow.domain.appeals import Appeal, AppealStatus, AppealSubject
from returnflow.storage.exchanges import RequestOrders
from returnflow.storage.schema.appeals import AppealRow

_PHOTO_CANDIDATES = 50


@dataclass(frozen=True)
class AppealSummary:
    """One appeal as a queue or a list shows it."""

    rma_no: str
    merchant_id: str
    customer_id: str
    subject: AppealSubject
    status: AppealStatus
    statement: str
    photo_count: int
    filed_by: str
    filed_at: datetime
    decided_at: datetime | None


@dataclass(frozen=True)
class AppealPage:
    items: tuple[AppealSummary, ...]
    total: int


class AppealRepository(RequestOrders[Appeal, AppealRow]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, _select_appeal, _appeal, _sync)

    def add(self, appeal: Appeal) -> None:
        row = AppealRow(
            rma_no=appeal.rma_no,
            merchant_id=appeal.merchant_id,
            customer_id=appeal.customer_id,
            subject=appeal.subject.value,
            filed_by=appeal.filed_by,
            filed_at=appeal.filed_at,
            appealed_decision_at=appeal.appealed_decision_at,
        )
        self._insert(appeal, row, appeal.filed_at)

    def page(
        self,
        status: AppealStatus | None,
        page: int,
        page_size: int,
        *,
        merchant_scope: str | None = None,
    ) -> AppealPage:
        """Oldest first (the queue's order); `page` counts from 1."""
        query = select(AppealRow)
        if status is not None:
            query = query.where(AppealRow.status == status.value)
        if merchant_scope is not None:
            query = query.where(AppealRow.merchant_id == merchant_scope)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.scalars(
            query.order_by(AppealRow.filed_at, AppealRow.id)
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
        return AppealPage(tuple(_summary(row) for row in rows), int(total))

    def photo_owners(self, name: str) -> set[str]:
        """The requests whose appeal carries the photo `name`."""
        query = select(AppealRow.rma_no, AppealRow.photos).where(
            cast(AppealRow.photos, String).contains(name)
        )
        found = self.session.execute(query.limit(_PHOTO_CANDIDATES))
        return {rma_no for rma_no, photos in found if name in (photos or [])}


def _select_appeal(rma_no: str) -> Select[AppealRow]:
    return select(AppealRow).where(AppealRow.rma_no == rma_no)


def _appeal(row: AppealRow) -> Appeal:
    return Appeal(
        rma_no=row.rma_no,
        merchant_id=row.merchant_id,
        customer_id=row.customer_id,
        subject=AppealSubject(row.subject),
        statement=row.statement,
        photos=tuple(str(name) for name in row.photos or []),
        filed_by=row.filed_by,
        filed_at=row.filed_at,
        appealed_decision_at=row.appealed_decision_at,
        status=AppealStatus(row.status),
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        reason=row.reason,
    )


def _sync(session: Session, appeal: Appeal, row: AppealRow, now: datetime | None) -> None:
    """The appeal onto its row (what filing set and what deciding changes)."""
    row.statement = appeal.statement
    row.photos = list(appeal.photos)
    row.status = appeal.status.value
    row.decided_by = appeal.decided_by
    row.decided_at = appeal.decided_at
    row.reason = appeal.reason


def _summary(row: AppealRow) -> AppealSummary:
    return AppealSummary(
        rma_no=row.rma_no,
        merchant_id=row.merchant_id,
        customer_id=row.customer_id,
        subject=AppealSubject(row.subject),
        status=AppealStatus(row.status),
        statement=row.statement,
        photo_count=len(row.photos or []),
        filed_by=row.filed_by,
        filed_at=row.filed_at,
        decided_at=row.decided_at,
    )
