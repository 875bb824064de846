"""The staff console's read side: the review queue, search, a customer's history (R3.1–R3.4).

These functions read rows and never change anything; the console renders what they
return. Every one takes the caller's merchant scope, so a merchant account sees only
its own requests here exactly as it does through the API (R11.1). Filing by phone
(R1.1) is the ordinary `file_return` with the hotline channel and the agent as actor.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from returnflow.domain.kinds import Channel, Outcome, RequestType
from returnflow.domain.lifecycle import Status
from returnflow.domain.money import Money
from returnflow.domain.returns import ReturnLine, ReturnRequest
from returnflow.domain.text import Text
from returnflow.services.queries import ReturnFilter, list_returns
from returnflow.services.returns import NewReturn, file_return
from returnflow.storage import codecs
from returnflow.storage.schema import ReturnRow
from returnflow.storage.uow import UnitOfWork


@dataclass(frozen=True)
class Summary:
    """One request as lists show it."""

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


def _summary(row: ReturnRow) -> Summary:
    decision = codecs.decision_from_json(row.decision) if row.decision else None
    return Summary(
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


@dataclass(frozen=True)
class Queue:
    entries: list[Summary]
    total: int
    overdue: int


def review_queue(
    session: Session, now: datetime, *, merchant_scope: str | None = None, limit: int = 200
) -> Queue:
    """Requests waiting for a person, oldest first, with how many are past their deadline."""
    waiting = ReturnRow.status == Status.PENDING_REVIEW.value
    scope = [ReturnRow.merchant_id == merchant_scope] if merchant_scope is not None else []
    rows = session.scalars(
        select(ReturnRow)
        .where(waiting, *scope)
        .order_by(ReturnRow.created_at.asc(), ReturnRow.id.asc())
        .limit(limit)
    ).all()
    total = session.scalar(select(func.count(ReturnRow.id)).where(waiting, *scope)) or 0
    overdue = (
        session.scalar(
            select(func.count(ReturnRow.id)).where(waiting, ReturnRow.review_due_at <= now, *scope)
        )
        or 0
    )
    return Queue([_summary(row) for row in rows], int(total), int(overdue))


def search(
    session: Session,
    where: ReturnFilter,
    page: int,
    page_size: int,
    *,
    merchant_scope: str | None = None,
) -> tuple[list[Summary], int]:
    """Newest first; `page` counts from 1. The scope overrides any merchant asked for."""
    if merchant_scope is not None:
        where = replace(where, merchant_id=merchant_scope)
    rows, total = list_returns(session, where, page, page_size)
    return [_summary(row) for row in rows], total


def customer_history(
    session: Session,
    request: ReturnRequest,
    *,
    merchant_scope: str | None = None,
    limit: int = 50,
) -> list[Summary]:
    """The customer's earlier requests on any of their orders, newest first, with outcomes."""
    query = (
        select(ReturnRow)
        .where(
            ReturnRow.customer_id == request.customer_id,
            ReturnRow.rma_no != request.rma_no,
            ReturnRow.created_at <= request.created_at,
        )
        .order_by(ReturnRow.created_at.desc(), ReturnRow.id.desc())
        .limit(limit)
    )
    if merchant_scope is not None:
        query = query.where(ReturnRow.merchant_id == merchant_scope)
    return [_summary(row) for row in session.scalars(query)]


def photo_visible(session: Session, name: str, *, merchant_scope: str | None = None) -> bool:
    """Whether a request this caller may see carries the photo `name`.

    Stored names are random (`<32 hex>.<ext>`), so a text match on the JSON list finds
    the candidates and the exact membership check below settles it.
    """
    query = select(ReturnRow.photos, ReturnRow.merchant_id).where(
        cast(ReturnRow.photos, String).contains(name)
    )
    owners = {m for photos, m in session.execute(query.limit(50)) if name in (photos or [])}
    # a photo copied onto another merchant's request (before issue 9) is no merchant's
    return bool(owners) and (merchant_scope is None or owners == {merchant_scope})


def file_by_phone(
    uow: UnitOfWork,
    *,
    order_no: str,
    request_type: RequestType,
    lines: tuple[ReturnLine, ...],
    actor: str,
    now: datetime,
) -> ReturnRequest:
    """R1.1: an agent files for a caller; the request records the hotline and the agent."""
    new = NewReturn(
        order_no=order_no, request_type=request_type, channel=Channel.HOTLINE, lines=lines
    )
    return file_return(uow, new, now, actor)


def mask_name(name: str) -> str:
    """王** : the family name is enough to greet a caller."""
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    return name[0] + "*" * min(len(name) - 1, 4)
