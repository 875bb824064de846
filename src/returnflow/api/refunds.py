"""Refunds through the API: request one, read it with its workings, hear the gateway.

`POST /returns/{rma_no}/refund` no longer pays on the spot: it owes the refund (or
queues it for a manager when it is over the caller's authority) and the worker pays
it through the gateway. The gateway's settlement notifications are authenticated by
their signature alone, so that route needs no token.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from returnflow.api import schemas
from returnflow.api.roles import Payer, Viewer
from returnflow.app_context import AppContext
from returnflow.domain.money import Money
from returnflow.domain.refund_life import RefundState
from returnflow.domain.refunds import Deduction
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.deps import Context, Language
from returnflow.entrypoints.problems import problem
from returnflow.entrypoints.steps import perform
from returnflow.payments.gateway import (
    GatewayResponseInvalid,
    NotificationUnsupported,
    SignatureInvalid,
)
from returnflow.services import finance_queries, refund_gateway
from returnflow.services import refunds as refund_service
from returnflow.services.errors import NotFound
from returnflow.services.finance_queries import RefundView, Workings
from returnflow.services.returns import get_return
from returnflow.services.unit_of_work import UnitOfWork

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


class NotificationOut(BaseModel):
    received: bool
    outcome: str  # applied | unknown | amount_mismatch | ignored


def _m(money: Money) -> schemas.Money:
    return schemas.Money(amount=money.cents, currency=money.currency)


def workings_out(workings: Workings | None) -> WorkingsOut | None:
    if workings is None:
        return None
    return WorkingsOut(
        lines=[
            WorkingLineOut(
                line_no=line.line_no,
                quantity=line.quantity,
                unit_price=_m(line.unit_price),
                gross=_m(line.gross),
                discount_share=_m(line.discount_share),
                amount=_m(line.amount),
            )
            for line in workings.lines
        ],
        shipping_fee=_m(workings.shipping_fee),
        shipping_payer=workings.shipping_payer,
        estimate=_m(workings.estimate),
        deductions=[
            DeductionOut(code=d.code, reason=d.reason, amount=_m(d.amount), line_no=d.line_no)
            for d in workings.deductions
        ],
        total=_m(workings.total),
        kind=workings.kind,
        returned_value=None if workings.returned_value is None else _m(workings.returned_value),
        replacement_value=(
            None if workings.replacement_value is None else _m(workings.replacement_value)
        ),
    )


def refund_out(view: RefundView) -> RefundOut:
    return RefundOut(
        rma_no=view.rma_no,
        status=view.status,
        status_label=view.status_label,
        amount=_m(view.amount),
        method=view.method,
        reference=view.reference,
        gateway=view.gateway,
        gateway_refund_id=view.gateway_refund_id,
        idempotency_key=view.idempotency_key,
        attempts=view.attempts,
        next_attempt_at=view.next_attempt_at,
        last_error=view.last_error,
        trigger=view.trigger,
        instant=view.instant,
        requested_at=view.requested_at,
        requested_by=view.requested_by,
        approved_by=view.approved_by,
        approval_id=view.approval_id,
        due_by=view.due_by,
        breached=view.breached,
        paid_at=view.paid_at,
        workings=workings_out(view.workings),
    )


def _deductions(body: RefundIn | None, currency: str) -> list[Deduction]:
    if body is None:
        return []
    return [
        Deduction(
            d.code,
            Text(d.reason_zh or d.reason_en, d.reason_en or d.reason_zh),
            Money(d.amount, currency),
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
    principal: Payer,
    body: RefundIn | None = None,
) -> RefundOut:
    """Owe the refund now; the worker pays it through the gateway (R6.1, R6.4).

    Over the caller's authority (R12.3) it waits for a manager: `status` is then
    `awaiting_approval` and `approval_id` names the queue entry.
    """
    rules = refund_service.RefundRules.from_settings(context.settings)
    scope = principal.merchant_scope

    def step(uow: UnitOfWork, now: datetime) -> RefundView:
        currency = get_return(uow, rma_no, merchant_scope=scope).estimate.total.currency
        refund_service.request_refund(
            uow,
            rma_no,
            principal.actor,
            now,
            rules,
            deductions=_deductions(body, currency),
            merchant_scope=scope,
        )
        return finance_queries.refund_of(uow, rma_no, now, language, scope)

    return refund_out(perform(context, step))


@router.get("/refunds/{rma_no}", response_model=RefundOut)
def read_refund(
    rma_no: str,
    context: Context,
    language: Language,
    principal: Viewer,
) -> RefundOut:
    now = context.clock()
    with context.uow() as uow:
        view = finance_queries.refund_of(uow, rma_no, now, language, principal.merchant_scope)
    return refund_out(view)


@router.post("/refunds/{rma_no}/reopen", response_model=RefundOut)
def reopen_refund(
    rma_no: str,
    context: Context,
    language: Language,
    principal: Payer,
) -> RefundOut:
    """Finance sends an escalated refund again, once the gateway says it was not paid.

    The gateway is asked first under the refund's idempotency key: a refund it paid is
    marked paid, one pending waits, and only one it failed for good gets a new key.
    """
    rules = refund_service.RefundRules.from_settings(context.settings)

    def step(uow: UnitOfWork, now: datetime) -> RefundView:
        get_return(uow, rma_no, merchant_scope=principal.merchant_scope)
        refund = refund_gateway.reopen(
            uow, rma_no, principal.actor, now, context.payment_gateway(), rules
        )
        return finance_queries.refund_view(refund, language, now)

    return refund_out(perform(context, step))


@router.post("/payments/{gateway}/notifications", status_code=200, response_model=NotificationOut)
async def gateway_notification(
    gateway: str, request: Request, context: Context
) -> NotificationOut | Response:
    """A signed settlement notification from the gateway; the signature is the auth."""
    if gateway != context.settings.payment_gateway:
        raise NotFound("gateway_not_found", Text("未知的支付渠道", "Unknown payment gateway"))
    body = await request.body()
    try:
        outcome = _hear(context, body, dict(request.headers))
    except SignatureInvalid:
        message = Text("通知签名无效", "The notification signature is invalid")
        return problem(request, 401, "signature_invalid", message)
    except NotificationUnsupported:
        outcome = "ignored"
    except GatewayResponseInvalid as exc:
        raise DomainError(
            "notification_invalid", Text("通知内容无法读取", "The notification cannot be read")
        ) from exc
    return NotificationOut(received=True, outcome=outcome)


def _hear(context: AppContext, body: bytes, headers: dict[str, str]) -> str:
    rules = refund_service.RefundRules.from_settings(context.settings)
    gateway = context.payment_gateway()
    return perform(
        context,
        lambda uow, now: refund_gateway.handle_notification(
            uow, gateway, body, headers, now, rules
        ),
    )
