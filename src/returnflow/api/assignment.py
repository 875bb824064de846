"""The review queue and its assignments over the API (issue 16, seed 000 §7.2.3).

`GET /api/v1/review-queue` answers one page (50) of the requests waiting for review with
who holds each (`mine=true`: the caller's; `unassigned=true`; `holder_id`; `merchant_id`,
`type`, `sort` as on the console's queue; merchants see only their own).
`POST /api/v1/returns/{rma_no}/take` gives an unassigned request to the caller (anyone
who reviews); `POST /api/v1/returns/{rma_no}/assign` (`assignee_id`) gives or moves it to
a person who may review (`returns.assign`: managers). Both answer the current holder.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from returnflow.api import schemas
from returnflow.api.roles import Assigner, Reviewer
from returnflow.domain.kinds import RequestType
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.steps import perform
from returnflow.services import assignment
from returnflow.services.assignment import SORTS, QueueFilter
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["review"])
PAGE_SIZE = 50


class QueueItemOut(BaseModel):
    rma_no: str
    order_no: str
    merchant_id: str
    type: RequestType
    refund_total: schemas.Money
    created_at: datetime
    review_due_at: datetime | None
    overdue: bool
    assignee_id: int | None
    assignee_name: str | None
    assigned_by: str | None
    assigned_at: datetime | None


class QueueOut(BaseModel):
    items: list[QueueItemOut]
    total: int
    overdue: int
    page: int
    pages: int


class HolderOut(BaseModel):
    rma_no: str
    assignee_id: int
    assignee_name: str


class AssignIn(schemas.Strict):
    assignee_id: int = Field(ge=1, le=2**31 - 1)


@router.get("/review-queue", response_model=QueueOut)
def review_queue(
    context: Context,
    principal: Reviewer,
    mine: bool = False,
    unassigned: bool = False,
    holder_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    merchant_id: Annotated[str, Query(max_length=64)] = "",
    request_type: Annotated[RequestType | None, Query(alias="type")] = None,
    sort: Annotated[str, Query(pattern="^(" + "|".join(SORTS) + ")$")] = "oldest",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> QueueOut:
    """Oldest first unless sorted otherwise; `page` counts from 1."""
    where = QueueFilter(
        merchant_id=merchant_id or None,
        request_type=request_type,
        assignee_id=principal.user_id if mine else holder_id,
        unassigned=unassigned and not mine,
        sort=sort,
    )

    def step(uow: UnitOfWork, now: datetime) -> QueueOut:
        read = assignment.queue(
            uow, where, now, page, PAGE_SIZE, merchant_scope=principal.merchant_scope
        )
        items = [
            QueueItemOut(
                rma_no=e.rma_no,
                order_no=e.order_no,
                merchant_id=e.merchant_id,
                type=e.request_type,
                refund_total=schemas.Money(
                    amount=e.refund_total.cents, currency=e.refund_total.currency
                ),
                created_at=e.created_at,
                review_due_at=e.review_due_at,
                overdue=e.overdue(now),
                assignee_id=e.assignee_id,
                assignee_name=e.assignee_name,
                assigned_by=e.assigned_by,
                assigned_at=e.assigned_at,
            )
            for e in read.found.entries
        ]
        found = read.found
        return QueueOut(
            items=items, total=found.total, overdue=found.overdue, page=read.page, pages=read.pages
        )

    return perform(context, step)


@router.post("/returns/{rma_no}/take", response_model=HolderOut)
def take(rma_no: str, context: Context, principal: Reviewer) -> HolderOut:
    """The caller takes the request (a second take of one's own changes nothing)."""
    perform(context, lambda uow, now: assignment.take(uow, rma_no, principal, now))
    return HolderOut(
        rma_no=rma_no, assignee_id=principal.user_id, assignee_name=principal.display_name
    )


@router.post("/returns/{rma_no}/assign", response_model=HolderOut)
def assign(rma_no: str, body: AssignIn, context: Context, principal: Assigner) -> HolderOut:
    """A manager gives or moves the request to a person who may review."""
    person = perform(
        context,
        lambda uow, now: assignment.assign(uow, rma_no, body.assignee_id, principal, now),
    )
    return HolderOut(rma_no=rma_no, assignee_id=person.user_id, assignee_name=person.display_name)
