"""Carrier tracking pushes, a request's tracking, and the logistics exceptions queue (R4.3–R4.4).

The webhook has no bearer token: carriers sign their pushes, and the signature is the
authentication. A push that does not verify is a 401 and nothing of it is read.
Resolving a task takes a remedy (services/exception_remedies.py): refund without the
goods, a new label, compensation as store credit, or the note alone; the answer shows
what was done (the refund's state, the new parcel, the credit granted).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from returnflow.api.roles import ExceptionHandler, Viewer
from returnflow.api.schemas import Money as MoneyOut
from returnflow.app_context import AppContext
from returnflow.domain.exception_remedies import Remedy, RemedyTaken
from returnflow.domain.input_bounds import MAX_AMOUNT
from returnflow.domain.money import Money
from returnflow.domain.shipment_alerts import AlertKind
from returnflow.domain.text import Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.problems import problem
from returnflow.entrypoints.steps import perform
from returnflow.logistics.carriers import PushedEvents, PushSignatureInvalid
from returnflow.services import tracking as tracking_service
from returnflow.services.exception_remedies import (
    RemedyChoice,
    RemedyDeps,
    RemedyOutcome,
    resolve_with_remedy,
)
from returnflow.services.tracking import ExceptionTask
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["tracking"])


class LocalisedOut(BaseModel):
    zh: str
    en: str


class TrackingEventOut(BaseModel):
    at: datetime
    status: str
    label: LocalisedOut
    description: str
    location: str
    waybill_no: str


class RemedyOut(BaseModel):
    """What resolving the task did: the remedy and its amount or new parcel."""

    remedy: Remedy
    label: LocalisedOut
    amount: MoneyOut | None
    awaiting_approval: bool
    shipment_id: int | None
    method: str | None


class ExceptionOut(BaseModel):
    id: int
    rma_no: str
    kind: AlertKind
    label: LocalisedOut
    detail: LocalisedOut
    carrier: str
    waybill_no: str
    raised_at: datetime
    age_hours: float
    resolved_at: datetime | None
    resolved_by: str | None
    resolution_note: str | None
    remedy: RemedyOut | None = None


class ExceptionList(BaseModel):
    items: list[ExceptionOut]


class ResolveIn(BaseModel):
    note: str = Field(min_length=1, max_length=2000)
    remedy: Remedy = Remedy.CLOSE
    # compensation only: minor units, at most the goods' value (checked by the service)
    compensation_cents: int | None = Field(default=None, ge=1, le=MAX_AMOUNT)


class RemedyRefundOut(BaseModel):
    """The refund a refund-without-goods asked for, as it stands after the resolve."""

    status: str
    label: LocalisedOut
    amount: MoneyOut
    trigger: str


class NewParcelOut(BaseModel):
    """The new return parcel; its waybill comes once the carrier answers the worker."""

    shipment_id: int
    method: str
    carrier: str
    status: str
    waybill_no: str | None


class ResolvedOut(ExceptionOut):
    """The resolved task with what its remedy did."""

    request_status: str
    refund: RemedyRefundOut | None
    new_parcel: NewParcelOut | None
    credit: MoneyOut | None


def _localised(value: Text) -> LocalisedOut:
    return LocalisedOut(zh=value.zh, en=value.en)


def _money(amount: Money) -> MoneyOut:
    return MoneyOut(amount=amount.cents, currency=amount.currency)


def remedy_out(taken: RemedyTaken | None) -> RemedyOut | None:
    if taken is None:
        return None
    return RemedyOut(
        remedy=taken.remedy,
        label=_localised(taken.label),
        amount=_money(taken.amount) if taken.amount is not None else None,
        awaiting_approval=taken.awaiting_approval,
        shipment_id=taken.shipment_id,
        method=taken.method,
    )


def exception_out(task: ExceptionTask, now: datetime) -> ExceptionOut:
    return ExceptionOut(
        id=task.id,
        rma_no=task.rma_no,
        kind=task.kind,
        label=_localised(task.kind.label),
        detail=_localised(task.detail),
        carrier=task.carrier,
        waybill_no=task.waybill_no,
        raised_at=task.raised_at,
        age_hours=round(task.age(now).total_seconds() / 3600, 1),
        resolved_at=task.resolved_at,
        resolved_by=task.resolved_by,
        resolution_note=task.resolution_note,
        remedy=remedy_out(task.remedy),
    )


def resolved_out(outcome: RemedyOutcome, now: datetime) -> ResolvedOut:
    refund, parcel = outcome.refund, outcome.parcel
    return ResolvedOut(
        **exception_out(outcome.task, now).model_dump(),
        request_status=outcome.request_status.value,
        refund=None
        if refund is None
        else RemedyRefundOut(
            status=refund.status.value,
            label=_localised(refund.status.label),
            amount=_money(refund.amount),
            trigger=refund.trigger,
        ),
        new_parcel=None
        if parcel is None
        else NewParcelOut(
            shipment_id=parcel.id,
            method=parcel.method,
            carrier=parcel.carrier,
            status=parcel.status,
            waybill_no=parcel.waybill_no,
        ),
        credit=_money(outcome.credit) if outcome.credit is not None else None,
    )


@router.post("/carriers/{carrier}/webhook", response_class=Response)
async def carrier_webhook(carrier: str, request: Request) -> Response:
    """A carrier's tracking push: checked, normalised, stored once (R4.3).

    Unknown waybills are acknowledged and parked until their shipment appears; the
    carrier gets the answer its API expects, so it does not push again. The context is
    read off the app, not through the `Context` dependency: that is a plain function,
    which FastAPI runs in the thread pool, a thread hop on every push (issue 11).
    """
    context: AppContext = request.app.state.context
    feed = tracking_service.push_feed(context.carrier_registry(), carrier)
    body = await request.body()
    try:
        batches = feed.parse_push(dict(request.headers), body)
    except PushSignatureInvalid:
        return problem(
            request,
            401,
            "signature_invalid",
            Text("推送签名无效", "The push signature does not verify"),
        )
    except ValueError:
        return problem(
            request, 400, "push_malformed", Text("推送内容无法识别", "The push cannot be read")
        )
    await run_in_threadpool(_take, context, carrier, batches)
    reply = feed.push_reply()
    return Response(reply.body, status_code=reply.status_code, media_type=reply.media_type)


def _take(context: AppContext, carrier: str, batches: list[PushedEvents]) -> None:
    now = context.clock()
    limits = tracking_service.thresholds(context.settings)
    for batch in batches:
        tracking_service.record(
            context.uow, carrier, batch.waybill_no, batch.events, now, source="push", limits=limits
        )


@router.get("/returns/{rma_no}/tracking", response_model=list[TrackingEventOut])
def request_tracking(
    rma_no: str,
    context: Context,
    principal: Viewer,
) -> list[TrackingEventOut]:
    """Every carrier scan of the request's parcels, newest first."""
    with context.uow() as uow:
        entries = tracking_service.request_timeline(
            uow, rma_no, merchant_scope=principal.merchant_scope
        )
    return [
        TrackingEventOut(
            at=entry.at,
            status=entry.status.value,
            label=_localised(entry.label),
            description=entry.description,
            location=entry.location,
            waybill_no=entry.waybill_no,
        )
        for entry in entries
    ]


@router.get("/logistics/exceptions", response_model=ExceptionList)
def list_exceptions(
    context: Context,
    _: ExceptionHandler,
    state: Literal["open", "resolved", "all"] = "open",
    kind: Annotated[AlertKind | None, Query()] = None,
) -> ExceptionList:
    """The exceptions queue (R4.4), oldest first."""
    now = context.clock()
    with context.uow() as uow:
        tasks = tracking_service.exceptions(uow, state=state, kind=kind.value if kind else None)
    return ExceptionList(items=[exception_out(task, now) for task in tasks])


@router.post("/logistics/exceptions/{task_id}/resolve", response_model=ResolvedOut)
def resolve_exception(
    task_id: RowId,
    body: ResolveIn,
    context: Context,
    principal: ExceptionHandler,
) -> ResolvedOut:
    """Close a task with a remedy and what was done about it; who and when are kept.

    `refund_without_goods` pays the request's refund (the carrier liable; over the
    caller's limit it waits for a manager), `new_label` books a new return parcel,
    `compensation` grants `compensation_cents` as store credit, `close` keeps the note.
    """
    choice = RemedyChoice(body.remedy, body.note, body.compensation_cents)
    deps = RemedyDeps(context.settings, context.carrier_registry())

    def step(uow: UnitOfWork, now: datetime) -> ResolvedOut:
        outcome = resolve_with_remedy(uow, task_id, choice, principal.actor, now, deps)
        return resolved_out(outcome, now)

    return perform(context, step)
