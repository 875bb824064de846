"""Risk at intake over the API (issue 15, R10.3).

- The create-return answer carries `risk` {score, level, signals[{code, points,
  message}]} (`FiledReturnOut`); the body may carry `device_id` (`FiledReturnIn`), one of
  the identifiers that link accounts.
- `GET /api/v1/returns/{rma_no}/risk` (risk.view): the stored score and staff's verdicts.
- `POST /api/v1/returns/{rma_no}/risk/feedback` (risk.judge): {verdict: fraud|safe, note}.
- `GET|POST /api/v1/risk/watch-list`, `DELETE /api/v1/risk/watch-list/{entry_id}`
  (risk.manage): the watch list, paged; entries with a reason and an optional expiry.

Merchants hold none of these permissions: risk signals are the platform's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import AwareDatetime, BaseModel, Field
from starlette.responses import Response

from returnflow.api import schemas
from returnflow.api.roles import RiskJudge, RiskManager, RiskViewer
from returnflow.entrypoints.deps import Context, Language
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.steps import perform
from returnflow.services import risk as risk_service
from returnflow.services import risk_staff
from returnflow.services.returns import get_return
from returnflow.services.risk import RiskView
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["risk"])
RmaNo = Annotated[str, Path(min_length=1, max_length=32)]


class RiskSignalOut(BaseModel):
    code: str
    points: int
    message: str


class RiskOut(BaseModel):
    score: int = Field(ge=0, le=100)
    level: Literal["low", "medium", "high"]
    signals: list[RiskSignalOut]
    actions: list[str]  # review, no_instant_refund, no_fast_exchange, no_keep_item, …


class FiledReturnIn(schemas.ReturnIn):
    device_id: str | None = Field(default=None, min_length=1, max_length=200)


class FiledReturnOut(schemas.ReturnOut):
    risk: RiskOut | None  # None only where the request was filed before scoring existed


class FeedbackIn(schemas.Strict):
    verdict: Literal["fraud", "safe"]
    note: str = Field(default="", max_length=risk_staff.MAX_NOTE)


class FeedbackOut(BaseModel):
    verdict: str
    score: int
    level: str
    note: str
    by: str
    at: datetime


class RiskDetailOut(RiskOut):
    rma_no: str
    assessed_at: datetime
    thresholds_version: str
    feedback: list[FeedbackOut]


class WatchIn(schemas.Strict):
    customer_id: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=500)
    expires_at: AwareDatetime | None = None


class WatchOut(BaseModel):
    id: int
    customer_id: str
    reason: str
    expires_at: datetime | None
    added_by: str
    added_at: datetime


class WatchPageOut(BaseModel):
    items: list[WatchOut]
    total: int
    page: int
    page_size: int


def risk_out(view: RiskView | None, language: str) -> RiskOut | None:
    if view is None:
        return None
    return RiskOut(
        score=view.score,
        level=view.level.value,
        signals=[
            RiskSignalOut(code=s.code, points=s.points, message=s.message.in_language(language))
            for s in view.signals
        ],
        actions=[a.value for a in view.actions],
    )


def _detail(uow: UnitOfWork, view: RiskView, language: str) -> RiskDetailOut:
    base = risk_out(view, language)
    assert base is not None
    return RiskDetailOut(
        **base.model_dump(),
        rma_no=view.rma_no,
        assessed_at=view.assessed_at,
        thresholds_version=view.thresholds_version,
        feedback=[
            FeedbackOut(
                verdict=f.verdict, score=f.score, level=f.level, note=f.note, by=f.by, at=f.at
            )
            for f in risk_staff.feedback(uow, view.rma_no)
        ],
    )


@router.get("/returns/{rma_no}/risk", response_model=RiskDetailOut)
def request_risk(
    rma_no: RmaNo,
    context: Context,
    language: Language,
    principal: RiskViewer,
) -> RiskDetailOut:
    def step(uow: UnitOfWork, now: datetime) -> RiskDetailOut:
        get_return(uow, rma_no, merchant_scope=principal.merchant_scope)
        view = risk_service.risk_of(uow, rma_no)
        if view is None:
            raise risk_staff.risk_not_found(rma_no)
        return _detail(uow, view, language)

    return perform(context, step)


@router.post("/returns/{rma_no}/risk/feedback", response_model=RiskDetailOut)
def risk_feedback(
    rma_no: RmaNo,
    body: FeedbackIn,
    context: Context,
    language: Language,
    principal: RiskJudge,
) -> RiskDetailOut:
    """Mark the request's risk fraud or safe; "safe" lifts its holds (see services)."""

    def step(uow: UnitOfWork, now: datetime) -> RiskDetailOut:
        view = risk_staff.judge(
            uow,
            rma_no,
            body.verdict,
            body.note,
            principal.actor,
            now,
            merchant_scope=principal.merchant_scope,
        )
        return _detail(uow, view, language)

    return perform(context, step)


def _watch_out(entry: risk_staff.WatchEntry) -> WatchOut:
    return WatchOut(
        id=entry.id,
        customer_id=entry.customer_id,
        reason=entry.reason,
        expires_at=entry.expires_at,
        added_by=entry.added_by,
        added_at=entry.added_at,
    )


@router.get("/risk/watch-list", response_model=WatchPageOut)
def watch_list(
    context: Context,
    principal: RiskManager,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> WatchPageOut:
    def step(uow: UnitOfWork, now: datetime) -> WatchPageOut:
        found = risk_staff.watch_list(uow, now, page, page_size)
        return WatchPageOut(
            items=[_watch_out(e) for e in found.items],
            total=found.total,
            page=page,
            page_size=page_size,
        )

    return perform(context, step)


@router.post("/risk/watch-list", status_code=201, response_model=WatchOut)
def add_watch(body: WatchIn, context: Context, principal: RiskManager) -> WatchOut:
    def step(uow: UnitOfWork, now: datetime) -> WatchOut:
        entry_id = risk_staff.add_to_watch_list(
            uow, body.customer_id, body.reason, body.expires_at, principal.actor, now
        )
        return WatchOut(
            id=entry_id,
            customer_id=body.customer_id.strip(),
            reason=body.reason.strip(),
            expires_at=body.expires_at,
            added_by=principal.actor,
            added_at=now,
        )

    return perform(context, step)


@router.delete("/risk/watch-list/{entry_id}", status_code=204)
def remove_watch(entry_id: RowId, context: Context, principal: RiskManager) -> Response:
    perform(
        context,
        lambda uow, now: risk_staff.remove_from_watch_list(uow, entry_id, principal.actor, now),
    )
    return Response(status_code=204)
