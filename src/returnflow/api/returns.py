"""Return requests: filing (idempotent), reading, searching and lifecycle steps."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query
from sqlalchemy.exc import IntegrityError
from starlette.responses import JSONResponse

from returnflow.api import schemas, views
from returnflow.app_context import AppContext
from returnflow.domain.access import Permission, Principal
from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.money import Money
from returnflow.domain.returns import ReturnLine, ReturnRequest
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.deps import Allowed, Context, Language
from returnflow.services import returns as return_service
from returnflow.services import shipping as shipping_service
from returnflow.services.queries import ReturnFilter, list_returns
from returnflow.storage.repository import StoredResponse
from returnflow.storage.uow import UnitOfWork

router = APIRouter(prefix="/api/v1/returns", tags=["returns"])

_SCOPE = "returns.create"
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)
]


@router.post("", status_code=201, response_model=schemas.ReturnOut)
def create_return(
    body: schemas.ReturnIn,
    context: Context,
    language: Language,
    principal: Annotated[Principal, Depends(Allowed(Permission.RETURNS_FILE))],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """File a request: an RMA number and the automated decision come back at once.

    A policy refusal is still a 201 (the request is recorded, with its reasons). With
    an `Idempotency-Key`, a retry returns the first answer and creates nothing.
    """
    now = context.clock()
    request_hash = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
    if idempotency_key:
        with context.uow() as uow:
            stored = uow.idempotency.get(_SCOPE, idempotency_key)
        if stored is not None:
            return _replay(stored, request_hash)
    new = return_service.NewReturn(
        order_no=body.order_no,
        request_type=body.type,
        channel=body.channel,
        lines=tuple(
            ReturnLine(line.line_no, line.quantity, line.reason_code, line.reason_text, line.opened)
            for line in body.lines
        ),
        contact={
            k: str(v) for k, v in (body.contact.model_dump() if body.contact else {}).items() if v
        },
        photos=tuple(body.photos),
    )
    with context.uow() as uow:
        if idempotency_key and not _claim(uow, idempotency_key, request_hash, now):
            uow.rollback()
            return _replay_after_race(context, idempotency_key, request_hash)
        request = return_service.file_return(uow, new, now, principal.actor)
        out = _render(uow, request, principal, language, now).model_dump(mode="json")
        if idempotency_key:
            uow.idempotency.store(_SCOPE, idempotency_key, 201, out)
        uow.commit(now)
    return JSONResponse(out, status_code=201)


def _claim(uow: UnitOfWork, key: str, request_hash: str, now: datetime) -> bool:
    """False when a concurrent twin with the same key got there first."""
    try:
        uow.idempotency.claim(_SCOPE, key, request_hash, now)
    except IntegrityError:
        return False
    return True


def _replay(stored: StoredResponse, request_hash: str) -> JSONResponse:
    if stored.request_hash != request_hash:
        raise DomainError(
            "idempotency_key_reused",
            Text(
                "该幂等键已用于另一份不同的申请",
                "This Idempotency-Key was used for a different request",
            ),
            field="Idempotency-Key",
        )
    if stored.status_code is None or stored.body is None:
        raise DomainError(
            "idempotency_in_progress",
            Text(
                "相同的申请正在处理中，请稍后重试",
                "The same request is still being processed: retry shortly",
            ),
        )
    return JSONResponse(
        stored.body, status_code=stored.status_code, headers={"Idempotent-Replayed": "true"}
    )


def _replay_after_race(context: AppContext, key: str, request_hash: str) -> JSONResponse:
    with context.uow() as uow:
        stored = uow.idempotency.get(_SCOPE, key)
    if stored is None:
        raise DomainError(
            "idempotency_in_progress",
            Text(
                "相同的申请正在处理中，请稍后重试",
                "The same request is still being processed: retry shortly",
            ),
        )
    return _replay(stored, request_hash)


@router.get("", response_model=schemas.ReturnPage)
def search_returns(
    context: Context,
    principal: Annotated[Principal, Depends(Allowed(Permission.RETURNS_VIEW))],
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
        rows, total = list_returns(uow.session, where, page, page_size)
        items = [
            schemas.ReturnSummary(
                rma_no=row.rma_no,
                order_no=row.order_no,
                merchant_id=row.merchant_id,
                customer_id=row.customer_id,
                type=row.request_type,
                channel=row.channel,
                status=row.status,
                refund_total=views.money(Money(row.refund_total, row.currency)),
                created_at=row.created_at,
                review_due_at=row.review_due_at,
            )
            for row in rows
        ]
    return schemas.ReturnPage(items=items, total=total, page=page, page_size=page_size)


@router.get("/{rma_no}", response_model=schemas.ReturnOut)
def get_return(
    rma_no: str,
    context: Context,
    language: Language,
    principal: Annotated[Principal, Depends(Allowed(Permission.RETURNS_VIEW))],
) -> schemas.ReturnOut:
    now = context.clock()
    with context.uow() as uow:
        request = return_service.get_return(uow, rma_no, merchant_scope=principal.merchant_scope)
        out = _render(uow, request, principal, language, now)
        uow.commit(now)
    return out


def _render(
    uow: UnitOfWork, request: ReturnRequest, principal: Principal, language: str, now: datetime
) -> schemas.ReturnOut:
    """The request as this caller may see it; an unmasked look at contact data is logged (R14.1)."""
    show_contact = principal.can(Permission.CONTACT_VIEW)
    if show_contact:
        uow.accounts.log_access(principal.actor, request.rma_no, "contact", now)
    return views.return_out(request, language, show_contact=show_contact)


def _step(
    context: AppContext,
    rma_no: str,
    action: Action,
    principal: Principal,
    language: str,
    *,
    note: str = "",
    carrier: str = "",
    tracking_no: str = "",
) -> schemas.ReturnOut:
    now = context.clock()
    with context.uow() as uow:
        request = return_service.perform(
            uow,
            rma_no,
            action,
            principal.actor,
            now,
            note=note,
            carrier=carrier,
            tracking_no=tracking_no,
            merchant_scope=principal.merchant_scope,
        )
        out = _render(uow, request, principal, language, now)
        uow.commit(now)
    return out


@router.post("/{rma_no}/reject", response_model=schemas.ReturnOut)
def reject(
    rma_no: str,
    body: schemas.RejectIn,
    context: Context,
    language: Language,
    principal: Annotated[Principal, Depends(Allowed(Permission.RETURNS_REVIEW))],
) -> schemas.ReturnOut:
    """R3.3: the reason is shown to the customer."""
    return _step(context, rma_no, Action.REJECT, principal, language, note=body.reason)


@router.post("/{rma_no}/ship", response_model=schemas.ReturnOut)
def ship(
    rma_no: str,
    body: schemas.ShipIn,
    context: Context,
    language: Language,
    principal: Annotated[Principal, Depends(Allowed(Permission.RETURNS_SHIP))],
) -> schemas.ReturnOut:
    """R4.3: the carrier and tracking number of a parcel the customer sent themselves."""
    now = context.clock()
    with context.uow() as uow:
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
        out = _render(uow, request, principal, language, now)
        uow.commit(now)
    return out


@router.post("/{rma_no}/inspect", response_model=schemas.ReturnOut)
def inspect(
    rma_no: str,
    body: schemas.InspectIn,
    context: Context,
    language: Language,
    principal: Annotated[Principal, Depends(Allowed(Permission.WAREHOUSE_INSPECT))],
) -> schemas.ReturnOut:
    action = Action.INSPECT_PASS if body.passed else Action.INSPECT_FAIL
    return _step(context, rma_no, action, principal, language, note=body.notes)


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
