"""Refunds through the API: request one, read it with its workings, hear the gateway.

`POST /returns/{rma_no}/refund` no longer pays on the spot: it owes the refund (or
queues it for a manager when it is over the caller's authority) and the worker pays
it through the gateway. The gateway's settlement notifications are authenticated by
their signature alone, so that route needs no token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from starlette.responses import JSONResponse

from returnflow.api import schemas
from returnflow.domain.access import Permission, Principal
from returnflow.domain.money import Money
from returnflow.domain.refund_life import RefundState
from returnflow.domain.refunds import Deduction
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.deps import Allowed, Context, Language
from returnflow.entrypoints.problems import problem
from returnflow.payments.gateway import (
    GatewayResponseInvalid,
    NotificationUnsupported,
    SignatureInvalid,
)
from returnflow.services import refund_gateway
from returnflow.services import refunds as refund_service
from returnflow.services.errors import NotFound
from returnflow.services.returns import get_return
from returnflow.storage.refunds import Approvals, RefundStore
from returnflow.storage.schema import RefundRow

router = APIRouter(prefix="/api/v1", tags=["refunds"])


class DeductionIn(BaseModel):
    code: str = Field(min_length=1, max_length=40)
    reason_zh: str = Field(default="", max_length=500)
    reason_en: str = Field(default="", max_length=500)
    amount: int = Field(gt=0, description="cents")
    line_no: int | None = None


class RefundIn(BaseModel):
    deductions: list[DeductionIn] = Field(default_factory=list, max_length=20)


class DeductionOut(BaseModel):
    code: str
    reason: str
    amount: schemas.Money
    line_no: int | None


class WorkingLineOut(BaseModel):
    line_no: int
    quantity: int
    unit_price: schemas.Money
    gross: schemas.Money
    discount_share: schemas.Money
    amount: schemas.Money


class WorkingsOut(BaseModel):
    """How the amount was reached: price, discount share, shipping, deductions."""

    lines: list[WorkingLineOut]
    shipping_fee: schemas.Money
    shipping_payer: str
    estimate: schemas.Money
    deductions: list[DeductionOut]
    total: schemas.Money
    kind: str = "refund"  # or "exchange_gap": the replacement cost less than what came back
    returned_value: schemas.Money | None = None  # exchange gap only
    replacement_value: schemas.Money | None = None  # exchange gap only


class RefundOut(BaseModel):
    rma_no: str
    status: RefundState
    status_label: str
    amount: schemas.Money
    method: str
    reference: str
    gateway: str | None
    gateway_refund_id: str | None
    idempotency_key: str | None
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    trigger: str
    instant: bool
    requested_at: datetime | None
    requested_by: str | None
    approved_by: str | None
    approval_id: int | None
    due_by: datetime | None
    breached: bool
    paid_at: datetime | None
    workings: WorkingsOut | None


def _m(cents: int, currency: str) -> schemas.Money:
    return schemas.Money(amount=cents, currency=currency)


def workings_out(data: dict[str, Any], language: str) -> WorkingsOut | None:
    if not data or "total" not in data:
        return None
    cur = str(data.get("currency", "CNY"))
    return WorkingsOut(
        lines=[
            WorkingLineOut(
                line_no=line["line_no"],
                quantity=line["quantity"],
                unit_price=_m(line["unit_price"], cur),
                gross=_m(line["gross"], cur),
                discount_share=_m(line["discount_share"], cur),
                amount=_m(line["amount"], cur),
            )
            for line in data.get("lines", [])
        ],
        shipping_fee=_m(int(data.get("shipping_fee", 0)), cur),
        shipping_payer=str(data.get("shipping_payer", "")),
        estimate=_m(int(data.get("estimate", 0)), cur),
        deductions=[
            DeductionOut(
                code=d["code"],
                reason=d["zh"] if language == "zh" else d["en"] or d["zh"],
                amount=_m(d["amount"], cur),
                line_no=d.get("line_no"),
            )
            for d in data.get("deductions", [])
        ],
        total=_m(int(data["total"]), cur),
        kind=str(data.get("kind", "refund")),
        returned_value=_m(int(data["returned_value"]), cur) if "returned_value" in data else None,
        replacement_value=(
            _m(int(data["replacement_value"]), cur) if "replacement_value" in data else None
        ),
    )


def refund_out(
    row: RefundRow, rma_no: str, language: str, now: datetime, approval_id: int | None = None
) -> RefundOut:
    state = RefundState(row.status)
    return RefundOut(
        rma_no=rma_no,
        status=state,
        status_label=state.label.in_language(language),
        amount=_m(row.amount, row.currency),
        method=row.method,
        reference=row.reference,
        gateway=row.gateway,
        gateway_refund_id=row.gateway_refund_id,
        idempotency_key=row.idempotency_key,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        trigger=row.trigger,
        instant=row.instant,
        requested_at=row.requested_at,
        requested_by=row.requested_by,
        approved_by=row.approved_by,
        approval_id=approval_id,
        due_by=row.due_by,
        breached=row.breached_at is not None
        or (state.is_open and row.due_by is not None and now > row.due_by),
        paid_at=row.paid_at,
        workings=workings_out(row.workings or {}, language),
    )


def _deductions(body: RefundIn | None) -> list[Deduction]:
    if body is None:
        return []
    return [
        Deduction(
            d.code,
            Text(d.reason_zh or d.reason_en, d.reason_en or d.reason_zh),
            Money(d.amount, "CNY"),
            d.line_no,
        )
        for d in body.deductions
    ]


@router.post(
    "/returns/{rma_no}/refund",
    response_model=RefundOut,
    summary="Refund to the original payment method",
)
def request_refund(
    rma_no: str,
    context: Context,
    language: Language,
    principal: Annotated[Principal, Depends(Allowed(Permission.REFUNDS_PAY))],
    body: RefundIn | None = None,
) -> RefundOut:
    """Owe the refund now; the worker pays it through the gateway (R6.1, R6.4).

    Over the caller's authority (R12.3) it waits for a manager: `status` is then
    `awaiting_approval` and `approval_id` names the queue entry.
    """
    now = context.clock()
    rules = refund_service.RefundRules.from_settings(context.settings)
    with context.uow() as uow:
        request = get_return(uow, rma_no, merchant_scope=principal.merchant_scope)
        currency = request.estimate.total.currency
        deductions = [
            Deduction(d.code, d.reason, Money(d.amount.cents, currency), d.line_no)
            for d in _deductions(body)
        ]
        row = refund_service.request_refund(
            uow,
            rma_no,
            principal.actor,
            now,
            rules,
            deductions=deductions,
            merchant_scope=principal.merchant_scope,
        )
        pending = Approvals(uow.session).pending_for("refund", rma_no)
        out = refund_out(row, rma_no, language, now, pending.id if pending else None)
        uow.commit(now)
    return out


@router.get("/refunds/{rma_no}", response_model=RefundOut)
def read_refund(
    rma_no: str,
    context: Context,
    language: Language,
    principal: Annotated[Principal, Depends(Allowed(Permission.RETURNS_VIEW))],
) -> RefundOut:
    now = context.clock()
    with context.uow() as uow:
        get_return(uow, rma_no, merchant_scope=principal.merchant_scope)
        row = RefundStore(uow.session).for_rma(rma_no)
        if row is None:
            raise NotFound(
                "refund_not_found",
                Text("申请 {no} 尚无退款", "Request {no} has no refund yet").format(no=rma_no),
            )
        pending = Approvals(uow.session).pending_for("refund", rma_no)
        return refund_out(row, rma_no, language, now, pending.id if pending else None)


@router.post("/refunds/{rma_no}/reopen", response_model=RefundOut)
def reopen_refund(
    rma_no: str,
    context: Context,
    language: Language,
    principal: Annotated[Principal, Depends(Allowed(Permission.REFUNDS_PAY))],
) -> RefundOut:
    """Finance sends an escalated refund again, once the gateway says it was not paid.

    The gateway is asked first under the refund's idempotency key: a refund it paid is
    marked paid, one pending waits, and only one it failed for good gets a new key.
    """
    now = context.clock()
    rules = refund_service.RefundRules.from_settings(context.settings)
    with context.uow() as uow:
        get_return(uow, rma_no, merchant_scope=principal.merchant_scope)
        row = refund_gateway.reopen(
            uow, rma_no, principal.actor, now, context.payment_gateway(), rules
        )
        out = refund_out(row, rma_no, language, now)
        uow.commit(now)
    return out


@router.post("/payments/{gateway}/notifications", status_code=200)
async def gateway_notification(gateway: str, request: Request, context: Context) -> JSONResponse:
    """A signed settlement notification from the gateway; the signature is the auth."""
    if gateway != context.settings.payment_gateway:
        raise NotFound("gateway_not_found", Text("未知的支付渠道", "Unknown payment gateway"))
    body = await request.body()
    now = context.clock()
    rules = refund_service.RefundRules.from_settings(context.settings)
    try:
        with context.uow() as uow:
            outcome = refund_gateway.handle_notification(
                uow, context.payment_gateway(), body, dict(request.headers), now, rules
            )
            uow.commit(now)
    except SignatureInvalid:
        message = Text("通知签名无效", "The notification signature is invalid")
        return problem(request, 401, "signature_invalid", message)
    except NotificationUnsupported:
        outcome = "ignored"
    except GatewayResponseInvalid as exc:
        raise DomainError(
            "notification_invalid", Text("通知内容无法读取", "The notification cannot be read")
        ) from exc
    return JSONResponse({"received": True, "outcome": outcome})
