"""Read-side queries for lists and search; they read rows and never change anything."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from returnflow.domain.lifecycle import Status
from returnflow.storage.schema import ReturnRow


@dataclass(frozen=True)
class ReturnFilter:
    status: Status | None = None
    merchant_id: str | None = None
    customer_id: str | None = None
    order_no: str | None = None
    rma_no: str | None = None
    created_from: datetime | None = None  # inclusive
    created_to: datetime | None = None  # exclusive


def list_returns(
    session: Session, where: ReturnFilter, page: int, page_size: int
) -> tuple[list[ReturnRow], int]:
    """Newest first; `page` counts from 1."""
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
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(ReturnRow.created_at.desc(), ReturnRow.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    return list(rows), int(total)
