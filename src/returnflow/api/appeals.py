"""Appeals and overturns (R3.2): file an appeal, decide it, overturn an automated decision.

Filing is for staff and the app on the customer's behalf (`Filer`); deciding and
overturning for reviewers (`Reviewer`), a merchant only on its own requests. Refusals
rise to the one error mapping: a second appeal is 409, a closed window or a missing
reason 422.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from returnflow.api import schemas, views
from returnflow.api.roles import Filer, Reviewer, Viewer
from returnflow.domain.appeals import MAX_REASON, MAX_STATEMENT, Appeal, AppealStatus
from returnflow.domain.photos import MAX_PHOTOS
from returnflow.entrypoints.deps import Context, Language
from returnflow.entrypoints.steps import perform
from returnflow.services import appeal_queries
from returnflow.services import appeals as appeal_service
from returnflow.services import returns as return_service
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["appeals"])

PhotoId = Annotated[str, Field(min_length=1, max_length=80)]


class AppealIn(schemas.Strict):
    statement: str = Field(min_length=1, max_length=MAX_STATEMENT)
    photo_ids: list[PhotoId] = Field(default_factory=list, max_length=MAX_PHOTOS)


class DecisionIn(schemas.Strict):
    decision: Literal["uphold", "overturn"]
    reason: str = Field(min_length=1, max_length=MAX_REASON)


class OverturnIn(schemas.Strict):
    reason: str = Field(min_length=1, max_length=MAX_REASON)


class AppealOut(BaseModel):
    rma_no: str
    subject: str  # rejection | inspection | partial_offer
    status: str  # open | upheld | overturned
    statement: str
    photo_ids: list[str]
    filed_by: str
    filed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None


class AppealSummaryOut(BaseModel):
    rma_no: str
    merchant_id: str
    subject: str
    status: str
    statement: str
    photo_count: int
    filed_at: datetime
    decided_at: datetime | None


class AppealPageOut(BaseModel):
    items: list[AppealSummaryOut]
    total: int
    page: int
    page_size: int


def appeal_out(appeal: Appeal) -> AppealOut:
    return AppealOut(
        rma_no=appeal.rma_no,
        subject=appeal.subject.value,
        status=appeal.status.value,
        statement=appeal.statement,
        photo_ids=list(appeal.photos),
        filed_by=appeal.filed_by,
        filed_at=appeal.filed_at,
        decided_by=appeal.decided_by,
        decided_at=appeal.decided_at,
        reason=appeal.reason,
    )


@router.post("/returns/{rma_no}/appeal", status_code=201, response_model=AppealOut)
def file_appeal(rma_no: str, body: AppealIn, context: Context, principal: Filer) -> AppealOut:
    """Appeal a rejection, a failed inspection or a partial-refund offer, once."""
    window = context.settings.appeal_window_days

    def step(uow: UnitOfWork, now: datetime) -> AppealOut:
        appeal = appeal_service.file_appeal(
            uow,
            rma_no,
            body.statement,
            body.photo_ids,
            principal.actor,
            now,
            window,
            merchant_scope=principal.merchant_scope,
        )
        return appeal_out(appeal)

    return perform(context, step)


@router.get("/returns/{rma_no}/appeal", response_model=AppealOut)
def read_appeal(rma_no: str, context: Context, principal: Viewer) -> AppealOut:
    def read(uow: UnitOfWork, now: datetime) -> AppealOut:
        view = appeal_queries.staff_view(uow, rma_no, merchant_scope=principal.merchant_scope)
        if view.appeal is None:
            raise appeal_service.appeal_not_found(rma_no)
        return appeal_out(view.appeal)

    return perform(context, read)


@router.post("/returns/{rma_no}/appeal/decision", response_model=AppealOut)
def decide_appeal(
    rma_no: str, body: DecisionIn, context: Context, principal: Reviewer
) -> AppealOut:
    """Uphold (the decision stands) or overturn, with the reason the customer reads."""

    def step(uow: UnitOfWork, now: datetime) -> AppealOut:
        appeal = appeal_service.decide_appeal(
            uow,
            rma_no,
            body.decision,
            body.reason,
            principal.actor,
            now,
            merchant_scope=principal.merchant_scope,
        )
        return appeal_out(appeal)

    return perform(context, step)


@router.post("/returns/{rma_no}/overturn", response_model=schemas.ReturnOut)
def overturn(
    rma_no: str, body: OverturnIn, context: Context, language: Language, principal: Reviewer
) -> schemas.ReturnOut:
    """Overturn an automated rejection (approved) or a failed inspection (passed)."""

    def step(uow: UnitOfWork, now: datetime) -> schemas.ReturnOut:
        request = appeal_service.overturn(
            uow, rma_no, body.reason, principal.actor, now, merchant_scope=principal.merchant_scope
        )
        shown = return_service.reveal_contact(uow, request, principal, now)
        return views.return_out(request, language, show_contact=shown)

    return perform(context, step)


@router.get("/appeals", response_model=AppealPageOut)
def list_appeals(
    context: Context,
    principal: Viewer,
    status: AppealStatus | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AppealPageOut:
    """Oldest first: `status=open` is the queue a reviewer works through."""
    with context.uow() as uow:
        found = appeal_queries.queue(
            uow, status, page, page_size, merchant_scope=principal.merchant_scope
        )
    return AppealPageOut(
        items=[
            AppealSummaryOut(
                rma_no=item.rma_no,
                merchant_id=item.merchant_id,
                subject=item.subject.value,
                status=item.status.value,
                statement=item.statement,
                photo_count=item.photo_count,
                filed_at=item.filed_at,
                decided_at=item.decided_at,
            )
            for item in found.items
        ],
        total=found.total,
        page=page,
        page_size=page_size,
    )
