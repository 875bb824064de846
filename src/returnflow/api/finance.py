"""Finance through the API: refund lists, approvals, recoveries, ledger, reconciliation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from returnflow.api import schemas
from returnflow.api.roles import Approver, Reconciler
from returnflow.app_context import AppContext
from returnflow.domain.access import Principal
from returnflow.domain.approvals import AmountApproval
from returnflow.domain.money import Money
from returnflow.domain.recoveries import RefundRecovery
from returnflow.entrypoints.deps import Context, Language
from returnflow.entrypoints.files import attachment
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.steps import perform
from returnflow.services import approvals as approval_service
from returnflow.services import finance_queries, reconciliation, refund_recoveries
from returnflow.services import refunds as refund_service
from returnflow.services.finance_queries import RefundLine
from returnflow.services.reconciliation import Reconciled, SettlementRecord

router = APIRouter(prefix="/api/v1/finance", tags=["finance"])


class RefundLineOut(BaseModel):
    rma_no: str
    status: str
    amount: schemas.Money
    due_by: datetime | None
    breached: bool
    paid_at: datetime | None
    attempts: int
    last_error: str | None
    requested_by: str | None
    approved_by: str | None


class ApprovalOut(BaseModel):
    id: int
    kind: str
    subject: str
    amount: schemas.Money
    limit: schemas.Money | None
    requested_by: str
    requested_at: datetime
    status: str
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None


class DecisionIn(BaseModel):
    note: str = Field(default="", max_length=1000)


class RecoveryOut(BaseModel):
    rma_no: str
    customer_id: str
    amount: schemas.Money
    reason: str
    status: str
    opened_at: datetime
    resolved_by: str | None


class ResolveIn(BaseModel):
    outcome: Literal["recovered", "written_off"]


class BalanceOut(BaseModel):
    account: str
    balance: schemas.Money


class DifferenceOut(BaseModel):
    kind: str
    gateway_refund_id: str
    rma_no: str
    ours: schemas.Money | None
    theirs: schemas.Money | None
    count: int


class ReportOut(BaseModel):
    gateway: str
    matched: int
    differences: list[DifferenceOut]
    settled: int


def _m(money: Money) -> schemas.Money:
    return schemas.Money(amount=money.cents, currency=money.currency)


def refund_line(item: RefundLine) -> RefundLineOut:
    return RefundLineOut(
        rma_no=item.rma_no,
        status=item.status,
        amount=_m(item.amount),
        due_by=item.due_by,
        breached=item.breached,
        paid_at=item.paid_at,
        attempts=item.attempts,
        last_error=item.last_error,
        requested_by=item.requested_by,
        approved_by=item.approved_by,
    )


def approval_out(approval: AmountApproval) -> ApprovalOut:
    assert approval.id is not None
    return ApprovalOut(
        id=approval.id,
        kind=approval.kind,
        subject=approval.subject,
        amount=_m(approval.amount),
        limit=None if approval.limit is None else _m(approval.limit),
        requested_by=approval.requested_by,
        requested_at=approval.requested_at,
        status=approval.status,
        decided_by=approval.decided_by,
        decided_at=approval.decided_at,
        decision_note=approval.decision_note,
    )


def recovery_out(recovery: RefundRecovery) -> RecoveryOut:
    return RecoveryOut(
        rma_no=recovery.rma_no,
        customer_id=recovery.customer_id,
        amount=_m(recovery.amount),
        reason=recovery.reason,
        status=recovery.status,
        opened_at=recovery.opened_at,
        resolved_by=recovery.resolved_by,
    )


@router.get("/refunds", response_model=list[RefundLineOut])
def refunds(
    context: Context,
    principal: Reconciler,
    view: Literal["all", "open", "breached", "at_risk", "escalated"] = "open",
) -> list[RefundLineOut]:
    """Refunds by deadline (R6.1): breached, at risk, escalated to finance, or all open."""
    now = context.clock()
    at_risk = refund_service.RefundRules.from_settings(context.settings).at_risk
    with context.uow() as uow:
        lines = finance_queries.refund_lines(uow, view, now, at_risk)
    return [refund_line(item) for item in lines]


@router.get("/approvals", response_model=list[ApprovalOut])
def approvals(
    context: Context,
    principal: Approver,
    status: Literal["pending", "approved", "declined"] = "pending",
) -> list[ApprovalOut]:
    with context.uow() as uow:
        return [approval_out(a) for a in finance_queries.approvals(uow, status)]


def _decide(
    context: AppContext, approval_id: int, approve: bool, principal: Principal, note: str
) -> ApprovalOut:
    """The decision is committed; the bus then releases (or declines) what it held."""
    return perform(
        context,
        lambda uow, now: approval_out(
            approval_service.decide(uow, approval_id, approve, principal.actor, now, note)
        ),
    )


@router.post("/approvals/{approval_id}/approve", response_model=ApprovalOut)
def approve(
    approval_id: RowId, context: Context, principal: Approver, body: DecisionIn | None = None
) -> ApprovalOut:
    """R12.3: the amount goes ahead; the manager's name joins the requester's."""
    return _decide(context, approval_id, True, principal, body.note if body else "")


@router.post("/approvals/{approval_id}/decline", response_model=ApprovalOut)
def decline(
    approval_id: RowId, context: Context, principal: Approver, body: DecisionIn | None = None
) -> ApprovalOut:
    return _decide(context, approval_id, False, principal, body.note if body else "")


@router.get("/recoveries", response_model=list[RecoveryOut])
def recoveries(
    context: Context,
    principal: Reconciler,
    status: Literal["open", "recovered", "written_off"] = "open",
) -> list[RecoveryOut]:
    with context.uow() as uow:
        return [recovery_out(r) for r in finance_queries.recoveries(uow, status)]


@router.post("/recoveries/{rma_no}/resolve", status_code=204)
def resolve_recovery(
    rma_no: str, body: ResolveIn, context: Context, principal: Reconciler
) -> Response:
    limits = dict(context.settings.authority_limits)
    perform(
        context,
        lambda uow, now: refund_recoveries.resolve_recovery(
            uow, rma_no, body.outcome, principal.actor, now, limits
        ),
    )
    return Response(status_code=204)


@router.get("/ledger/balances", response_model=list[BalanceOut])
def ledger_balances(
    context: Context, principal: Reconciler, currency: str = "CNY"
) -> list[BalanceOut]:
    with context.uow() as uow:
        books = finance_queries.balances(uow, currency)
    return [BalanceOut(account=b.account.value, balance=_m(b.amount)) for b in books]


def run_report(context: AppContext, records: list[SettlementRecord], *, settle: bool) -> Reconciled:
    gateway = context.settings.payment_gateway
    return perform(
        context, lambda uow, now: reconciliation.run(uow, records, gateway, now, settle=settle)
    )


def answer(done: Reconciled, fmt: str) -> Response | ReportOut:
    report = done.report
    if fmt in ("csv", "xlsx"):
        return download(report, fmt)
    return ReportOut(
        gateway=report.gateway,
        matched=len(report.matched),
        differences=[
            DifferenceOut(
                kind=d.kind,
                gateway_refund_id=d.gateway_refund_id,
                rma_no=d.rma_no,
                ours=None if d.ours is None else _m(d.ours),
                theirs=None if d.theirs is None else _m(d.theirs),
                count=d.count,
            )
            for d in report.differences
        ],
        settled=done.settled,
    )


def download(report: reconciliation.Report, fmt: str) -> Response:
    file = reconciliation.export(report, fmt)
    return attachment(file.content, file.media_type, file.filename)


Format = Annotated[Literal["json", "csv", "xlsx"], Query(alias="format")]


@router.get("/reconciliation", response_model=ReportOut)
def reconciliation_report(
    context: Context, language: Language, principal: Reconciler, fmt: Format = "json"
) -> Response | ReportOut:
    """Our paid refunds against the gateway's own settlement list (read only)."""
    records = reconciliation.gateway_records(context.payment_gateway())
    return answer(run_report(context, records, settle=False), fmt)


@router.post("/reconciliation", response_model=ReportOut)
async def reconcile_upload(
    request: Request, context: Context, principal: Reconciler, fmt: Format = "json"
) -> Response | ReportOut:
    """Reconcile against an uploaded settlement CSV (body: text/csv); matched ones settle."""
    records = reconciliation.read_settlement_csv(await request.body())
    return answer(run_report(context, records, settle=True), fmt)
