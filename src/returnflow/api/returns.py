"""Return requests: filing (idempotent), reading, searching and lifecycle steps."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query
from starlette.responses import JSONResponse

from returnflow.api import risk as risk_api
from returnflow.api import schemas, views
from returnflow.api.roles import FilerWork, Inspector, Reviewer, Shipper, Viewer, ViewerWork
from returnflow.app_context import AppContext
from returnflow.domain.access import Permission, Principal
from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.returns import ReturnLine, ReturnRequest
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.deps import Allowed, Context, Language
from returnflow.entrypoints.steps import perform, perform_in
from returnflow.services import idempotency, merchant_desk
from returnflow.services import inspection as inspection_service
from returnflow.services import returns as return_service
from returnflow.services import risk as risk_service
from returnflow.services import shipping as shipping_service
from returnflow.services.queries import ReturnFilter, list_returns
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1/returns", tags=["returns"])

_SCOPE = "returns.create"
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)
]


@router.post("", status_code=201, response_model=risk_api.FiledReturnOut)
def create_return(
    body: risk_api.FiledReturnIn,
    context: Context,
    language: Language,
    work: FilerWork,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """File a request: an RMA number and the automated decision come back at once.

    A policy refusal is still a 201 (the request is recorded, with its reasons). With
    an `Idempotency-Key`, a retry returns the first answer and creates nothing.
    """
    new = _new_return(body)
    principal = work.principal

    def file(uow: UnitOfWork, now: datetime) -> idempotency.Answer:
        def work() -> tuple[int, dict[str, Any]]:
            request = return_service.file_return(uow, new, now, principal.actor)
            out = _render(uow, request, principal, language, now).model_dump()
            risk = risk_api.risk_out(risk_service.risk_of(uow, request.rma_no), language)
            filed = risk_api.FiledReturnOut(**out, risk=risk)  # R10.3: the score at filing
            return 201, filed.model_dump(mode="json")

        if not idempotency_key:
            status_code, out = work()
            return idempotency.Answer(status_code, out, replayed=False)
        request_hash = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
        return idempotency.once(uow, _SCOPE, idempotency_key, request_hash, now, work)

    answer = perform_in(context, work.uow, file)  # the unit of work the caller was read in
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


def _new_return(body: risk_api.FiledReturnIn) -> return_service.NewReturn:
    contact = body.contact.model_dump() if body.contact else {}
    return return_service.NewReturn(
        order_no=body.order_no,
        request_type=body.type,
        channel=body.channel,
        lines=tuple(
            ReturnLine(line.line_no, line.quantity, line.reason_code, line.reason_text, line.opened)
            for line in body.lines
        ),
        contact={k: str(v) for k, v in contact.items() if v},
        photos=tuple(body.photos),
        device_id=body.device_id or "",
    )


@router.get("", response_model=schemas.ReturnPage)
def search_returns(
    context: Context,
    principal: Viewer,
    status: Status | None = None,
    merchant_id: str | None = None,
    customer_id: str | None = None,
    order_no: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> schemas.ReturnPage:
    """Newest first, filtered, paginated."""
    for name, moment in (("created_from", created_from), ("created_to", created_to)):
        if moment is not None and moment.tzinfo is None:
            raise DomainError(
                "timezone_required",
                Text("时间必须带时区", "Times must carry a time zone"),
                field=name,
            )
    where = ReturnFilter(
        status=status,
        merchant_id=principal.merchant_scope or merchant_id,
        customer_id=customer_id,
        order_no=order_no,
        created_from=created_from,
        created_to=created_to,
    )
    with context.uow() as uow:
        found = list_returns(uow, where, page, page_size)
    return schemas.ReturnPage(
        items=[views.summary_out(item) for item in found.items],
        total=found.total,
        page=page,
        page_size=page_size,
    )


@router.get("/{rma_no}", response_model=schemas.ReturnOut)
def get_return(
    rma_no: str,
    context: Context,
    language: Language,
    work: ViewerWork,
) -> schemas.ReturnOut:
    principal = work.principal

    def read(uow: UnitOfWork, now: datetime) -> schemas.ReturnOut:
        request = return_service.get_return(uow, rma_no, merchant_scope=principal.merchant_scope)
        return _render(uow, request, principal, language, now)

    # in the unit of work the caller was read in (one connection); committed: an unmasked
    # look is logged
    return perform_in(context, work.uow, read)


def _render(
    uow: UnitOfWork, request: ReturnRequest, principal: Principal, language: str, now: datetime
) -> schemas.ReturnOut:
    """The request as this caller may see it; an unmasked look at contact data is logged (R14.1)."""
    show_contact = return_service.reveal_contact(uow, request, principal, now)
    return views.return_out(request, language, show_contact=show_contact)


def _step(
    context: AppContext,
    rma_no: str,
    action: Action,
    principal: Principal,
    language: str,
    *,
    note: str = "",
) -> schemas.ReturnOut:
    """One lifecycle step in one transaction, answered with the request as it now is."""

    def step(uow: UnitOfWork, now: datetime) -> schemas.ReturnOut:
        request = return_service.perform(
            uow,
            rma_no,
            action,
            principal.actor,
            now,
            note=note,
            merchant_scope=principal.merchant_scope,
        )
        return _render(uow, request, principal, language, now)

    return perform(context, step)


@router.post("/{rma_no}/reject", response_model=schemas.ReturnOut)
def reject(
    rma_no: str,
    body: schemas.RejectIn,
    context: Context,
    language: Language,
    principal: Reviewer,
) -> schemas.ReturnOut:
    """R3.3: the reason is shown to the customer."""
    return _step(context, rma_no, Action.REJECT, principal, language, note=body.reason)


@router.post("/{rma_no}/ship", response_model=schemas.ReturnOut)
def ship(
    rma_no: str,
    body: schemas.ShipIn,
    context: Context,
    language: Language,
    principal: Shipper,
) -> schemas.ReturnOut:
    """R4.3: the carrier and tracking number of a parcel the customer sent themselves."""

    def record(uow: UnitOfWork, now: datetime) -> schemas.ReturnOut:
        request = shipping_service.record_tracking(
            uow,
            rma_no,
            body.carrier,
            body.tracking_no,
            now,
            principal.actor,
            context.carrier_registry(),
            merchant_scope=principal.merchant_scope,
        )
        return _render(uow, request, principal, language, now)

    return perform(context, record)


@router.post("/{rma_no}/inspect", response_model=schemas.ReturnOut)
def inspect(
    rma_no: str,
    body: schemas.InspectIn,
    context: Context,
    language: Language,
    principal: Inspector,
) -> schemas.ReturnOut:
    merchant_desk.platform_only(principal.merchant_scope)  # issue 15: merchants use the checklist

    def step(uow: UnitOfWork, now: datetime) -> schemas.ReturnOut:
        request = inspection_service.record_verdict(
            uow, rma_no, body.passed, principal.actor, now, note=body.notes
        )
        return _render(uow, request, principal, language, now)

    return perform(context, step)


def _note_step(action: Action, permission: Permission, summary: str) -> None:
    """Register a step whose only input is an optional note."""
    allowed = Depends(Allowed(permission))  # annotations are strings: they cannot see locals

    def endpoint(
        rma_no: str,
        context: Context,
        language: Language,
        body: schemas.NoteIn | None = None,
        principal: Principal = allowed,
    ) -> schemas.ReturnOut:
        return _step(context, rma_no, action, principal, language, note=body.note if body else "")

    endpoint.__name__ = action.value
    router.add_api_route(
        f"/{{rma_no}}/{action.value}",
        endpoint,
        methods=["POST"],
        response_model=schemas.ReturnOut,
        summary=summary,
    )


for _action, _permission, _summary in (
    (Action.APPROVE, Permission.RETURNS_REVIEW, "Approve a request waiting for review"),
    # Action.RECEIVE: POST /{rma_no}/receive lives in api/receiving.py (records a receipt)
    # the refund step lives in api/refunds.py: it owes the refund, the worker pays it
    (Action.EXCHANGE, Permission.RETURNS_RESOLVE, "Ship the replacement"),
    (Action.REPAIR, Permission.RETURNS_RESOLVE, "Record the repair as done"),
    (Action.REISSUE, Permission.RETURNS_RESOLVE, "Send the missing parts"),
    (Action.COMPLETE, Permission.RETURNS_RESOLVE, "Complete the request"),
    (Action.CONFIRM, Permission.RETURNS_CONFIRM, "Confirm the result for the customer"),
    (Action.CANCEL, Permission.RETURNS_CANCEL, "Cancel the request"),
):
    _note_step(_action, _permission, _summary)
