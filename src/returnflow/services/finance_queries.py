"""What the finance pages, the refund panels and the finance API read: typed read models.

One function per page or list, each reading in the caller's unit of work, so a page
opens one transaction and renders frozen values (no rows, no session left open). The
API turns the same models into its bodies; the pages show them as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from returnflow.domain.approvals import AmountApproval
from returnflow.domain.kinds import RequestType
from returnflow.domain.ledger import Account
from returnflow.domain.lifecycle import Status
from returnflow.domain.money import Money
from returnflow.domain.recoveries import RefundRecovery
from returnflow.domain.refund import Refund
from returnflow.domain.refund_life import RefundState
from returnflow.domain.text import Text
from returnflow.services.errors import NotFound
from returnflow.services.returns import get_return
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.refund_queries import RefundListing
from returnflow.storage.return_queries import ReturnFilter

__all__ = ["RefundListing"]

OPEN_STATES = ("awaiting_approval", "requested", "submitted", "retrying", "escalated")
VIEWS = ("all", "open", "breached", "at_risk", "escalated")


# --- one refund with its workings --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkingLine:
    line_no: int
    quantity: int
    unit_price: Money
    gross: Money
    discount_share: Money
    amount: Money


@dataclass(frozen=True, slots=True)
class WorkingDeduction:
    code: str
    reason: str  # in the reader's language
    amount: Money
    line_no: int | None


@dataclass(frozen=True, slots=True)
class Workings:
    """How the amount was reached: price, discount share, shipping, deductions."""

    lines: tuple[WorkingLine, ...]
    shipping_fee: Money
    shipping_payer: str
    estimate: Money
    deductions: tuple[WorkingDeduction, ...]
    total: Money
    kind: str = "refund"  # or "exchange_gap": the replacement cost less than what came back
    returned_value: Money | None = None  # exchange gap only
    replacement_value: Money | None = None  # exchange gap only


@dataclass(frozen=True, slots=True)
class RefundView:
    """One refund as a reader in `language` sees it (the API body and the request panels)."""

    rma_no: str
    status: RefundState
    status_label: str
    amount: Money
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
    workings: Workings | None


def workings_of(data: Mapping[str, Any], language: str) -> Workings | None:
    if not data or "total" not in data:
        return None
    cur = str(data.get("currency", "CNY"))

    def m(key: str, source: Mapping[str, Any] = data) -> Money:
        return Money(int(source.get(key, 0)), cur)

    return Workings(
        lines=tuple(
            WorkingLine(
                int(line["line_no"]),
                int(line["quantity"]),
                m("unit_price", line),
                m("gross", line),
                m("discount_share", line),
                m("amount", line),
            )
            for line in data.get("lines", [])
        ),
        shipping_fee=m("shipping_fee"),
        shipping_payer=str(data.get("shipping_payer", "")),
        estimate=m("estimate"),
        deductions=tuple(
            WorkingDeduction(
                str(d["code"]),
                str(d["zh"] if language == "zh" else d["en"] or d["zh"]),
                m("amount", d),
                d.get("line_no"),
            )
            for d in data.get("deductions", [])
        ),
        total=m("total"),
        kind=str(data.get("kind", "refund")),
        returned_value=m("returned_value") if "returned_value" in data else None,
        replacement_value=m("replacement_value") if "replacement_value" in data else None,
    )


def refund_view(
    refund: Refund, language: str, now: datetime, approval_id: int | None = None
) -> RefundView:
    return RefundView(
        rma_no=refund.rma_no,
        status=refund.status,
        status_label=refund.status.label.in_language(language),
        amount=refund.amount,
        method=refund.method,
        reference=refund.reference,
        gateway=refund.gateway,
        gateway_refund_id=refund.gateway_refund_id,
        idempotency_key=refund.idempotency_key,
        attempts=refund.attempts,
        next_attempt_at=refund.next_attempt_at,
        last_error=refund.last_error,
        trigger=refund.trigger,
        instant=refund.instant,
        requested_at=refund.requested_at,
        requested_by=refund.requested_by,
        approved_by=refund.approved_by,
        approval_id=approval_id,
        due_by=refund.due_by,
        breached=refund.is_breached(now),
        paid_at=refund.paid_at,
        workings=workings_of(refund.workings, language),
    )


def refund_panel(uow: UnitOfWork, rma_no: str, now: datetime, language: str) -> RefundView | None:
    """The request's refund with the approval it waits for, or None before one is owed."""
    refund = uow.refunds.get(rma_no)
    if refund is None:
        return None
    pending = uow.approvals.pending_for("refund", rma_no)
    return refund_view(refund, language, now, pending.id if pending else None)


def refund_of(
    uow: UnitOfWork, rma_no: str, now: datetime, language: str, merchant_scope: str | None
) -> RefundView:
    """The refund of a request the reader may see; none yet: not found."""
    get_return(uow, rma_no, merchant_scope=merchant_scope)
    found = refund_panel(uow, rma_no, now, language)
    if found is None:
        raise NotFound(
            "refund_not_found",
            Text("申请 {no} 尚无退款", "Request {no} has no refund yet").format(no=rma_no),
        )
    return found


# --- the finance lists ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RefundLine:
    """One refund in a finance list, by its deadline (R6.1)."""

    rma_no: str
    status: str
    amount: Money
    due_by: datetime | None
    breached: bool
    paid_at: datetime | None
    attempts: int
    last_error: str | None
    requested_by: str | None
    approved_by: str | None


def _line(item: RefundListing, now: datetime) -> RefundLine:
    open_ = item.status not in ("succeeded", "declined")
    late = open_ and item.due_by is not None and now > item.due_by
    return RefundLine(
        rma_no=item.rma_no,
        status=item.status,
        amount=Money(item.amount, item.currency),
        due_by=item.due_by,
        breached=item.breached_at is not None or late,
        paid_at=item.paid_at,
        attempts=item.attempts,
        last_error=item.last_error,
        requested_by=item.requested_by,
        approved_by=item.approved_by,
    )


def refund_lines(uow: UnitOfWork, view: str, now: datetime, at_risk: timedelta) -> list[RefundLine]:
    """breached, at_risk (deadline near), escalated, open, or all."""
    refunds = uow.refunds
    match view:
        case "breached":
            flagged = refunds.listing(breached=True)
            late = [r for r in refunds.listing(statuses=OPEN_STATES) if r.due_by and r.due_by < now]
            seen = {r.rma_no for r in flagged}
            found = flagged + [r for r in late if r.rma_no not in seen]
        case "at_risk":
            near = refunds.listing(statuses=OPEN_STATES, due_before=now + at_risk)
            found = [r for r in near if r.due_by is not None and r.due_by >= now]
        case "escalated":
            found = refunds.listing(statuses=("escalated",))
        case "open":
            found = refunds.listing(statuses=OPEN_STATES)
        case _:
            found = refunds.listing()
    return [_line(item, now) for item in found]


@dataclass(frozen=True, slots=True)
class Balance:
    account: Account
    amount: Money


def balances(uow: UnitOfWork, currency: str = "CNY") -> list[Balance]:
    """Every account of the books, on its normal side."""
    books = uow.ledger.balances()
    return [Balance(account, books.of(account, currency)) for account in Account]


@dataclass(frozen=True, slots=True)
class FinanceHome:
    """The finance page: deadlines, escalations, recoveries to settle, the books."""

    lists: Mapping[str, list[RefundLine]]
    recoveries: list[RefundRecovery]
    balances: list[Balance]  # the accounts that hold money
    # issue 16: returns that passed inspection and have no refund yet, finance's next work
    awaiting_refund: int = 0


def finance_home(uow: UnitOfWork, now: datetime, at_risk: timedelta) -> FinanceHome:
    lists = {
        view: refund_lines(uow, view, now, at_risk) for view in ("breached", "at_risk", "escalated")
    }
    books = uow.ledger.balances()
    held = [Balance(a, books.of(a)) for a in Account if not books.of(a).is_zero]
    inspected = ReturnFilter(status=Status.INSPECTED, request_type=RequestType.REFUND)
    waiting = uow.return_queries.page(inspected, 1, 1).total
    return FinanceHome(lists, uow.recoveries.listing("open"), held, waiting)


def approvals(uow: UnitOfWork, status: str = "pending") -> list[AmountApproval]:
    return uow.approvals.listing(status)


def recoveries(uow: UnitOfWork, status: str = "open") -> list[RefundRecovery]:
    return uow.recoveries.listing(status)
