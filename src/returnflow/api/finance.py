"""Finance through the API: refund lists, approvals, recoveries, ledger, reconciliation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from returnflow.api import schemas
from returnflow.api.schemas import RowId
from returnflow.app_context import AppContext
from returnflow.domain.access import Permission, Principal
from returnflow.domain.ledger import Account
from returnflow.domain.money import Money
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.deps import Allowed, Context, Language
from returnflow.payments.sandbox import SandboxGateway, settlement_records
from returnflow.services import approvals as approval_service
from returnflow.services import reconciliation
from returnflow.services import refunds as refund_service
from returnflow.storage.refunds import Approvals, Recoveries, RefundListing, RefundStore
from returnflow.storage.schema import AmountApprovalRow

router = APIRouter(prefix="/api/v1/finance", tags=["finance"])

Reconciler = Annotated[Principal, Depends(Allowed(Permission.FINANCE_RECONCILE))]
Approver = Annotated[Principal, Depends(Allowed(Permission.AMOUNTS_APPROVE))]


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


def _m(cents: int, currency: str) -> schemas.Money:
    return schemas.Money(amount=cents, currency=currency)


def refund_line(item: RefundListing, now: datetime) -> RefundLineOut:
    open_ = item.status not in ("succeeded", "declined")
    return RefundLineOut(
        rma_no=item.rma_no,
        status=item.status,
        amount=_m(item.amount, item.currency),
        due_by=item.due_by,
        breached=item.breached_at is not None
        or (open_ and item.due_by is not None and now > item.due_by),
        paid_at=item.paid_at,
        attempts=item.attempts,
        last_error=item.last_error,
        requested_by=item.requested_by,
        approved_by=item.approved_by,
    )


def approval_out(row: AmountApprovalRow) -> ApprovalOut:
    return ApprovalOut(
        id=row.id,
        kind=row.kind,
        subject=row.subject,
        amount=_m(row.amount, row.currency),
        limit=None if row.limit_cents is None else _m(row.limit_cents, row.currency),
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        status=row.status,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        decision_note=row.decision_note,
    )


def list_refunds(context: AppContext, view: str) -> list[RefundListing]:
    """breached, at_risk (deadline near), escalated, open, or all."""
    now = context.clock()
    rules = refund_service.RefundRules.from_settings(context.settings)
    open_states = ("awaiting_approval", "requested", "submitted", "retrying", "escalated")
    with context.uow() as uow:
        store = RefundStore(uow.session)
        match view:
            case "breached":
                flagged = store.listing(breached=True)
                late = [
                    r for r in store.listing(statuses=open_states) if r.due_by and r.due_by < now
                ]
                seen = {r.rma_no for r in flagged}
                return flagged + [r for r in late if r.rma_no not in seen]
            case "at_risk":
                near = store.listing(statuses=open_states, due_before=now + rules.at_risk)
                return [r for r in near if r.due_by is not None and r.due_by >= now]
            case "escalated":
                return store.listing(statuses=("escalated",))
            case "open":
                return store.listing(statuses=open_states)
            case _:
                return store.listing()


@router.get("/refunds", response_model=list[RefundLineOut])
def refunds(
    context: Context,
    principal: Reconciler,
    view: Literal["all", "open", "breached", "at_risk", "escalated"] = "open",
) -> list[RefundLineOut]:
    """Refunds by deadline (R6.1): breached, at risk, escalated to finance, or all open."""
    now = context.clock()
    return [refund_line(item, now) for item in list_refunds(context, view)]


@router.get("/approvals", response_model=list[ApprovalOut])
def approvals(
    context: Context,
    principal: Approver,
    status: Literal["pending", "approved", "declined"] = "pending",
) -> list[ApprovalOut]:
    with context.uow() as uow:
        return [approval_out(row) for row in Approvals(uow.session).listing(status)]


def _decide(
    context: AppContext, approval_id: int, approve: bool, principal: Principal, note: str
) -> ApprovalOut:
    now = context.clock()
    with context.uow() as uow:
        row = approval_service.decide(uow, approval_id, approve, principal.actor, now, note)
        out = approval_out(row)
        uow.commit(now)
    return out


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
        return [
            RecoveryOut(
                rma_no=row.rma_no,
                customer_id=row.customer_id,
                amount=_m(row.amount, row.currency),
                reason=row.reason,
                status=row.status,
                opened_at=row.opened_at,
                resolved_by=row.resolved_by,
            )
            for row in Recoveries(uow.session).listing(status)
        ]


@router.post("/recoveries/{rma_no}/resolve", status_code=204)
def resolve_recovery(
    rma_no: str, body: ResolveIn, context: Context, principal: Reconciler
) -> Response:
    now = context.clock()
    with context.uow() as uow:
        refund_service.resolve_recovery(
            uow,
            rma_no,
            body.outcome,
            principal.actor,
            now,
            dict(context.settings.authority_limits),
        )
        uow.commit(now)
    return Response(status_code=204)


@router.get("/ledger/balances", response_model=list[BalanceOut])
def ledger_balances(
    context: Context, principal: Reconciler, currency: str = "CNY"
) -> list[BalanceOut]:
    with context.uow() as uow:
        books = uow.ledger.balances()
    return [
        BalanceOut(account=account.value, balance=_m(books.of(account, currency).cents, currency))
        for account in Account
    ]


def gateway_records(context: AppContext) -> list[reconciliation.SettlementRecord]:
    """The configured gateway's own settlement list (the sandbox keeps one)."""
    gateway = context.payment_gateway()
    if not isinstance(gateway, SandboxGateway):
        raise DomainError(
            "settlement_file_required",
            Text(
                "该支付渠道需上传结算文件（CSV）",
                "Upload the gateway's settlement file (CSV) for this gateway",
            ),
            field="file",
        )
    return [
        reconciliation.SettlementRecord(
            str(r["gateway_refund_id"]),
            Money(int(r["amount"]), str(r["currency"])),
            str(r["reference"]),
        )
        for r in settlement_records(gateway)
    ]


def run_report(
    context: AppContext, records: list[reconciliation.SettlementRecord], *, settle: bool
) -> tuple[reconciliation.Report, int]:
    now = context.clock()
    gateway = context.settings.payment_gateway
    with context.uow() as uow:
        report = reconciliation.reconcile(
            reconciliation.paid_refunds(uow, gateway), records, gateway
        )
        settled = reconciliation.settle_matched(uow, report, now) if settle else 0
        uow.commit(now)
    return report, settled


def answer(report: reconciliation.Report, settled: int, fmt: str) -> Response | ReportOut:
    if fmt == "csv":
        return Response(
            reconciliation.to_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="reconciliation.csv"'},
        )
    if fmt == "xlsx":
        return Response(
            reconciliation.to_xlsx(report),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": 'attachment; filename="reconciliation.xlsx"'},
        )
    return ReportOut(
        gateway=report.gateway,
        matched=len(report.matched),
        differences=[
            DifferenceOut(
                kind=d.kind,
                gateway_refund_id=d.gateway_refund_id,
                rma_no=d.rma_no,
                ours=None if d.ours is None else _m(d.ours.cents, d.ours.currency),
                theirs=None if d.theirs is None else _m(d.theirs.cents, d.theirs.currency),
                count=d.count,
            )
            for d in report.differences
        ],
        settled=settled,
    )


Format = Annotated[Literal["json", "csv", "xlsx"], Query(alias="format")]


@router.get("/reconciliation", response_model=ReportOut)
def reconciliation_report(
    context: Context, language: Language, principal: Reconciler, fmt: Format = "json"
) -> Response | ReportOut:
    """Our paid refunds against the gateway's own settlement list (read only)."""
    report, settled = run_report(context, gateway_records(context), settle=False)
    return answer(report, settled, fmt)


@router.post("/reconciliation", response_model=ReportOut)
async def reconcile_upload(
    request: Request, context: Context, principal: Reconciler, fmt: Format = "json"
) -> Response | ReportOut:
    """Reconcile against an uploaded settlement CSV (body: text/csv); matched ones settle."""
    records = reconciliation.read_settlement_csv(await request.body())
    report, settled = run_report(context, records, settle=True)
    return answer(report, settled, fmt)
