"""Refunds from owed to paid (R6.1, R6.4): request, submit, settle, retry, recover.

Requesting a refund writes the refund row, its ledger entry and the outbox message
that will submit it, in one transaction; the worker submits with the refund's own
idempotency key; the gateway's answer or its signed notification moves it on. Every
step that moves money posts a balanced journal entry whose key makes it happen once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from returnflow.config import Settings
from returnflow.domain.access import Forbidden
from returnflow.domain.authority import SYSTEM, AuthorityCheck, check_authority
from returnflow.domain.ledger import Account, transfer
from returnflow.domain.lifecycle import Action, Status, transition_for
from returnflow.domain.money import Money
from returnflow.domain.refund_life import RefundLife, RefundState, RetryPolicy
from returnflow.domain.refunds import Deduction, net_refund, pays_money
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.text import DomainError, Text
from returnflow.payments.gateway import (
    refund_idempotency_key,
)
from returnflow.services import approvals, refund_deductions
from returnflow.services.errors import Conflict
from returnflow.services.returns import get_return, policy_for
from returnflow.storage import codecs
from returnflow.storage.refunds import Approvals, Recoveries, RefundStore, life_of, store_life
from returnflow.storage.resolutions import RefundIntents
from returnflow.storage.schema import AmountApprovalRow, RefundRow
from returnflow.storage.uow import UnitOfWork

SUBMIT_TOPIC = "refund.submit"
GAP_TRIGGER = "exchange_gap"  # the refund of an exchange whose replacement costs less
# the returned goods passed inspection: the gap may go out (a fast replacement's gap
# waits for this, because a failed or missing return is charged instead)
GAP_PAYABLE = (Status.INSPECTED, Status.EXCHANGED, Status.COMPLETED, Status.CONFIRMED)
LAW_MAXIMUM = timedelta(days=7)  # after the goods were received (R6.1)


@dataclass(frozen=True)
class RefundRules:
    """The refund settings a service needs, read once from configuration."""

    gateway: str = "sandbox"
    deadline: timedelta = timedelta(hours=24)
    at_risk: timedelta = timedelta(hours=4)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    auto_request: bool = True
    instant_enabled: bool = True
    instant_max_amount: int = 20_000
    instant_max_failures: int = 0
    limits: Mapping[str, int | None] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> RefundRules:
        return cls(
            gateway=settings.payment_gateway,
            deadline=timedelta(hours=settings.refund_deadline_hours),
            at_risk=timedelta(hours=settings.refund_at_risk_hours),
            retry=RetryPolicy(
                max_attempts=settings.refund_max_attempts,
                base=timedelta(seconds=settings.refund_retry_base_seconds),
            ),
            auto_request=settings.refund_auto_request,
            instant_enabled=settings.instant_refund_enabled,
            instant_max_amount=settings.instant_refund_max_amount,
            instant_max_failures=settings.instant_refund_max_failed_inspections,
            limits=dict(settings.authority_limits),
        )


# --- the amount and its workings ------------------------------------------------------


def refund_amount(request: ReturnRequest, deductions: Sequence[Deduction]) -> Money:
    """The estimate less deductions, never below zero (R6.1)."""
    return net_refund(request.estimate.total, deductions)


def workings(request: ReturnRequest, deductions: Sequence[Deduction]) -> dict[str, Any]:
    """Price, discount share, shipping and deductions: what every view of the amount shows."""
    estimate = request.estimate
    amount = refund_amount(request, deductions)
    return {
        "currency": estimate.total.currency,
        "lines": codecs.estimate_to_json(estimate)["lines"],
        "shipping_fee": estimate.shipping_fee.cents,
        "shipping_payer": request.shipping_payer.value,
        "estimate": estimate.total.cents,
        "deductions": [
            {
                "code": d.code,
                "zh": d.reason.zh,
                "en": d.reason.en,
                "amount": d.amount.cents,
                "line_no": d.line_no,
            }
            for d in deductions
        ],
        "total": amount.cents,
    }


def _check_deductions(request: ReturnRequest, deductions: Sequence[Deduction]) -> None:
    for deduction in deductions:
        if (
            deduction.amount.cents <= 0
            or deduction.amount.currency != request.estimate.total.currency
        ):
            raise DomainError(
                "deduction_out_of_range",
                Text("扣减金额须为正数", "A deduction must be a positive amount"),
                field="deductions",
            )
        if not deduction.reason.zh.strip() and not deduction.reason.en.strip():
            raise DomainError(
                "reason_required",
                Text("扣减必须说明顾客可见的原因", "A deduction must give the customer the reason"),
                field="deductions",
            )


# --- requesting -----------------------------------------------------------------------


def request_refund(
    uow: UnitOfWork,
    rma_no: str,
    actor: str,
    now: datetime,
    rules: RefundRules,
    *,
    deductions: Sequence[Deduction] = (),
    trigger: str = "manual",
    merchant_scope: str | None = None,
) -> RefundRow:
    """Owe the customer their refund; within the actor's authority it goes straight out.

    `trigger` is "manual" (finance), "inspection", "approval" or "instant". Automatic
    triggers act under policy (the system's authority); an agent's approval of a
    refund-only request and finance's own action are bounded by their role (R12.3).
    """
    request = get_return(uow, rma_no, merchant_scope=merchant_scope, for_update=True)
    if not pays_money(request.request_type):
        raise Conflict(
            "not_a_refund",
            Text("该申请不退款", "This request does not pay money back"),
        )
    if trigger == "instant":
        if request.status not in (Status.IN_TRANSIT, Status.RECEIVED, Status.APPROVED):
            raise Conflict("instant_refund_not_open", Text("不能即时退款", "No instant refund now"))
    else:
        transition_for(Action.REFUND, request.status, request.request_type)
    store = RefundStore(uow.session)
    existing = store.for_rma(rma_no, for_update=True)
    if existing is not None and existing.status != RefundState.DECLINED.value:
        raise Conflict(
            "refund_exists",
            Text("该申请已发起退款，不能重复退款", "A refund for this request already exists"),
        )
    _check_deductions(request, deductions)
    stored = list(uow.warehouse.accepted_deductions(rma_no))
    if request.status is Status.INSPECTION_FAILED and not stored:
        # R5.3: after a failed inspection only an accepted partial-refund offer pays
        raise Conflict(
            "refund_needs_accepted_offer",
            Text(
                "验收未通过，顾客接受部分退款后才能退款",
                "Inspection failed: a refund needs the customer's accepted partial offer",
            ),
        )
    taken = [*refund_deductions.standing(uow, request), *deductions]
    amount = refund_amount(request, taken)
    order, _ = policy_for(uow, request)
    authority, actor = _authority(uow, request, actor, trigger, amount, rules)
    # a declined refund asked for again pays under a new key: the old one paid nothing
    group = life_of(existing).key_group + 1 if existing is not None else 0
    state = RefundState.AWAITING_APPROVAL if authority.needs_approval else RefundState.REQUESTED
    life = RefundLife(state, key_group=group)
    fields: dict[str, Any] = {
        "amount": amount.cents,
        "currency": amount.currency,
        "method": order.payment.method,
        "reference": order.payment.transaction_id,
        "paid_at": None,
        "gateway": rules.gateway,
        "idempotency_key": refund_idempotency_key(rma_no, f"refund{group}" if group else "refund"),
        "trigger": trigger,
        "requested_at": now,
        "requested_by": actor,
        "approved_by": None,
        "due_by": due_by(request, now, rules),
        "breached_at": None,
        "instant": trigger == "instant",
        "workings": workings(request, taken),
        "gateway_refund_id": None,
    }
    if existing is not None:
        for name, value in fields.items():
            setattr(existing, name, value)
        row = existing
    else:
        row = store.create(rma_no, **fields)
    store_life(row, life)
    if authority.needs_approval:
        ask_manager(uow, rma_no, amount, actor, authority, now)
    else:
        accept(uow, row, request, now)
    return row


def _authority(
    uow: UnitOfWork,
    request: ReturnRequest,
    actor: str,
    trigger: str,
    amount: Money,
    rules: RefundRules,
) -> tuple[AuthorityCheck, str]:
    """Whose limit bounds this refund, and who is named as asking for it (R12.3).

    Finance's own refund and an agent's approval of a refund-only request are bounded
    by that person; automatic triggers by policy. After a failed inspection policy
    pays nothing: the money goes out only because someone offered a partial refund,
    so the offer's maker is bounded too (and named, when the worker asks).
    """
    bounded = actor if trigger in ("manual", "approval") else SYSTEM
    checks = [check_authority(bounded, amount, rules.limits)]
    offer = uow.warehouse.offer(request.rma_no)
    if request.status is Status.INSPECTION_FAILED and offer is not None and offer.offered_by:
        checks.append(check_authority(offer.offered_by, amount, rules.limits))
        if bounded == SYSTEM:
            actor = offer.offered_by
    over = [check for check in checks if check.needs_approval]
    return (over[0] if over else checks[0]), actor


def due_by(request: ReturnRequest, now: datetime, rules: RefundRules) -> datetime:
    """The committed deadline, never later than the law's seven days after receipt."""
    due = now + rules.deadline
    received = [c.at for c in request.history if c.action is Action.RECEIVE]
    if received:
        due = min(due, received[-1] + LAW_MAXIMUM)
    return due


def accept(uow: UnitOfWork, row: RefundRow, request: ReturnRequest, now: datetime) -> None:
    """The refund is owed and may go out: book it, and queue its submission."""
    amount = Money(row.amount, row.currency)
    if row.trigger == GAP_TRIGGER:
        # booked as owed when the exchange was released; only the submission is left
        uow.outbox.put(SUBMIT_TOPIC, {"refund_id": row.id, "rma_no": request.rma_no}, now)
        return
    if amount.is_zero:
        # everything was deducted: nothing to send, the request is settled as it is
        store_life(row, life_of(row).succeeded())
        row.paid_at = now
        finish_request(uow, row, request, now)
        return
    booked = uow.ledger.post(
        transfer(
            f"refund:{request.rma_no}:{row.idempotency_key}:accepted",
            now,
            f"refund owed for {request.rma_no}",
            debit=Account.SALES_RETURNS,
            credit=Account.REFUNDS_PAYABLE,
            amount=amount,
            rma_no=request.rma_no,
        )
    )
    if booked:  # one submission per key: a twin that lost the ledger race queues none
        uow.outbox.put(SUBMIT_TOPIC, {"refund_id": row.id, "rma_no": request.rma_no}, now)


def ask_manager(
    uow: UnitOfWork,
    rma_no: str,
    amount: Money,
    requester: str,
    authority: AuthorityCheck,
    now: datetime,
) -> None:
    assert authority.limit is not None
    Approvals(uow.session).open(
        "refund",
        rma_no,
        amount.cents,
        amount.currency,
        requester,
        authority.limit.cents,
        f"{authority.role} limit {authority.limit}",
        now,
    )


def finish_request(uow: UnitOfWork, row: RefundRow, request: ReturnRequest, now: datetime) -> None:
    """The request moves to refunded if its state allows; else the customer is told now."""
    amount = Money(row.amount, row.currency)
    if may_refund(request):
        request.pay_refund(
            SYSTEM,
            now,
            row.method,
            row.reference,
            amount=amount,
            note=audit_note(row),
            notify=not row.instant,  # an instant refund's customer heard when it was paid
        )
        return
    if row.trigger == GAP_TRIGGER:
        RefundIntents(uow.session).paid(request.rma_no)
    if row.instant or row.trigger == GAP_TRIGGER:
        uow.outbox.put(
            "return.refund_paid",
            {
                "rma_no": request.rma_no,
                "order_no": request.order_no,
                "customer_id": request.customer_id,
                "email": request.contact.get("email", ""),
                "amount": amount.cents,
                "currency": amount.currency,
                "method": row.method,
                "occurred_at": now.isoformat(),
            },
            now,
        )


def may_refund(request: ReturnRequest) -> bool:
    try:
        transition_for(Action.REFUND, request.status, request.request_type)
    except DomainError:
        return False
    return True


def audit_note(row: RefundRow) -> str:
    """Both names (R12.3): who asked for the refund and who approved it, if anyone."""
    amount = Money(row.amount, row.currency)
    note = f"{amount}; requested by {row.requested_by or SYSTEM}"
    if row.approved_by:
        note += f"; approved by {row.approved_by}"
    return note


# --- submitting, hearing back, retrying: services/refund_gateway.py -------------------
# --- recovering an instant refund (the rest: services/refund_recoveries.py) ---------


def resolve_recovery(
    uow: UnitOfWork,
    rma_no: str,
    outcome: str,
    actor: str,
    now: datetime,
    limits: Mapping[str, int | None],
) -> None:
    """Recovered (the customer paid back) or written off (we bear it).

    A write-off is compensation: money the customer keeps at our cost, so it is bounded
    by the actor's authority like a refund (over it, a manager writes it off).
    """
    if outcome not in ("recovered", "written_off"):
        raise DomainError(
            "outcome_invalid", Text("处理结果无效", "Unknown outcome"), field="outcome"
        )
    row = Recoveries(uow.session).get(rma_no, for_update=True)
    if row is None or row.status != "open":
        raise Conflict("recovery_not_open", Text("该追回已处理", "This recovery is not open"))
    if outcome == "written_off":
        authority = check_authority(actor, Money(row.amount, row.currency), limits)
        if authority.needs_approval:
            raise Forbidden(
                "authority_exceeded",
                Text(
                    "核销金额超出您的权限 {limit}，请由主管办理",
                    "Writing this off is over your limit of {limit}: a manager must do it",
                ).format(limit=str(authority.limit)),
            )
    row.status, row.resolved_at, row.resolved_by = outcome, now, actor
    uow.ledger.post(
        transfer(
            f"recovery:{rma_no}:{outcome}",
            now,
            f"recovery {outcome} for {rma_no} by {actor}",
            debit=Account.CASH if outcome == "recovered" else Account.COMPENSATION,
            credit=Account.CUSTOMER_RECEIVABLE,
            amount=Money(row.amount, row.currency),
            rma_no=rma_no,
            credit_party=row.customer_id,
        )
    )


# --- approvals over an agent's authority (R12.3) -------------------------------------


def _refund_decided(
    uow: UnitOfWork, approval: AmountApprovalRow, approved: bool, decider: str, now: datetime
) -> None:
    row = RefundStore(uow.session).for_rma(approval.subject, for_update=True)
    if row is None:
        return
    life = life_of(row)
    row.approved_by = decider
    if not approved:
        store_life(row, life.decline())
        row.last_error = f"declined by {decider}: {approval.decision_note or ''}".strip()
        if row.trigger == GAP_TRIGGER:
            _gap_declined(uow, approval.subject, Money(row.amount, row.currency), now)
        return
    store_life(row, life.approve())
    request = uow.returns.get(approval.subject, for_update=True)
    assert request is not None
    accept(uow, row, request, now)


def _gap_declined(uow: UnitOfWork, rma_no: str, amount: Money, now: datetime) -> None:
    """A manager refused to pay an exchange gap back: it is no longer owed."""
    RefundIntents(uow.session).declined(rma_no)
    uow.ledger.post(
        transfer(
            f"exchange:{rma_no}:gap_owed_declined",
            now,
            "exchange price gap declined by a manager: not paid back",
            debit=Account.REFUNDS_PAYABLE,
            credit=Account.SALES_RETURNS,
            amount=amount,
            rma_no=rma_no,
        )
    )


approvals.register("refund", _refund_decided)
