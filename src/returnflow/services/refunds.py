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
from returnflow.domain.authority import SYSTEM, check_authority
from returnflow.domain.exchanges import ExchangeOrder
from returnflow.domain.kinds import RequestType
from returnflow.domain.ledger import Account, transfer
from returnflow.domain.lifecycle import Action, Status, transition_for
from returnflow.domain.money import Money
from returnflow.domain.refund_life import RefundLife, RefundState, RetryPolicy
from returnflow.domain.refunds import Deduction, net_refund, pays_money
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.text import DomainError, Text
from returnflow.payments.gateway import (
    GatewayRefund,
    GatewayRejected,
    GatewayUnavailable,
    PaymentGateway,
    RefundStatus,
    RefundSubmission,
    refund_idempotency_key,
)
from returnflow.services import approvals, refund_deductions
from returnflow.services.errors import Conflict
from returnflow.services.returns import get_return, policy_for
from returnflow.storage import codecs
from returnflow.storage.refunds import Approvals, Recoveries, RefundStore, life_of, store_life
from returnflow.storage.resolutions import ExchangeRepository, RefundIntents
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
    bounded = actor if trigger in ("manual", "approval") else SYSTEM
    authority = check_authority(bounded, amount, rules.limits)
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
        "due_by": _due_by(request, now, rules),
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
        assert authority.limit is not None
        Approvals(uow.session).open(
            "refund",
            rma_no,
            amount.cents,
            amount.currency,
            actor,
            authority.limit.cents,
            f"{authority.role} limit {authority.limit}",
            now,
        )
    else:
        accept(uow, row, request, now)
    return row


def _due_by(request: ReturnRequest, now: datetime, rules: RefundRules) -> datetime:
    """The committed deadline, never later than the law's seven days after receipt."""
    due = now + rules.deadline
    received = [c.at for c in request.history if c.action is Action.RECEIVE]
    if received:
        due = min(due, received[-1] + LAW_MAXIMUM)
    return due


def accept(uow: UnitOfWork, row: RefundRow, request: ReturnRequest, now: datetime) -> None:
    """The refund is owed and may go out: book it, and queue its submission."""
    amount = Money(row.amount, row.currency)
    if amount.is_zero:
        # everything was deducted: nothing to send, the request is settled as it is
        store_life(row, life_of(row).succeeded())
        row.paid_at = now
        _finish_request(uow, row, request, now)
        return
    uow.ledger.post(
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
    uow.outbox.put(SUBMIT_TOPIC, {"refund_id": row.id, "rma_no": request.rma_no}, now)


def pay_exchange_gap(uow: UnitOfWork, intent_key: str, now: datetime, rules: RefundRules) -> bool:
    """Pay an exchange's negative price gap through the refund life.

    An exchange request pays no other refund, so the gap is its one refund row (kind
    `exchange_gap` in `trigger`): same idempotency key rules, retries, deadline and
    notification as any refund. The gap was already booked as owed when the exchange
    was released (`exchange:<rma>:gap_owed`, Dr sales_returns / Cr refunds_payable), so
    that entry is its "accepted" entry; only the payment is booked here.
    """
    intents = RefundIntents(uow.session)
    intent = intents.get(intent_key, for_update=True)
    if intent is None or intent.status != "pending":
        return False
    request = uow.returns.get(intent.rma_no, for_update=True)
    if request is None or request.status not in GAP_PAYABLE:
        return False
    store = RefundStore(uow.session)
    if store.for_rma(request.rma_no, for_update=True) is not None:
        raise Conflict(
            "refund_exists",
            Text("该申请已发起退款，不能重复退款", "A refund for this request already exists"),
        )
    exchange = ExchangeRepository(uow.session).get(request.rma_no)
    amount = Money(intent.amount, intent.currency)
    order, _ = policy_for(uow, request)
    row = store.create(
        request.rma_no,
        amount=amount.cents,
        currency=amount.currency,
        method=order.payment.method,
        reference=order.payment.transaction_id,
        paid_at=None,
        gateway=rules.gateway,
        idempotency_key=refund_idempotency_key(request.rma_no, "gap"),
        trigger=GAP_TRIGGER,
        requested_at=now,
        requested_by=SYSTEM,
        due_by=_due_by(request, now, rules),
        instant=False,
        workings=gap_workings(exchange, amount),
    )
    store_life(row, RefundLife(RefundState.REQUESTED))
    intent.status = "refunding"
    uow.outbox.put(SUBMIT_TOPIC, {"refund_id": row.id, "rma_no": request.rma_no}, now)
    return True


def gap_workings(exchange: ExchangeOrder | None, amount: Money) -> dict[str, Any]:
    """What came back, what replaced it, and the difference paid back."""
    returned = exchange.returned_value.cents if exchange else amount.cents
    replacement = exchange.replacement_value.cents if exchange else 0
    return {
        "kind": GAP_TRIGGER,
        "currency": amount.currency,
        "lines": [],
        "shipping_fee": 0,
        "shipping_payer": "",
        "estimate": amount.cents,
        "returned_value": returned,
        "replacement_value": replacement,
        "deductions": [],
        "total": amount.cents,
    }


def payable_gaps(uow: UnitOfWork) -> list[str]:
    return RefundIntents(uow.session).payable([s.value for s in GAP_PAYABLE])


# --- submitting and hearing back ------------------------------------------------------


def submit(
    uow: UnitOfWork, refund_id: int, gateway: PaymentGateway, now: datetime, rules: RefundRules
) -> RefundState | None:
    """One submission to the gateway, with the refund's unchanging idempotency key.

    A message for a refund that is no longer waiting (a duplicate, or one settled by
    a notification meanwhile) submits nothing.
    """
    store = RefundStore(uow.session)
    row = store.by_id(refund_id, for_update=True)
    if row is None:
        return None
    life = life_of(row)
    if life.state is not RefundState.REQUESTED:
        return life.state
    rma_no = store.rma_of(row)
    submission = RefundSubmission(
        idempotency_key=row.idempotency_key or refund_idempotency_key(rma_no),
        payment_reference=row.reference,
        amount=Money(row.amount, row.currency),
        metadata={"rma_no": rma_no, "refund_id": str(row.id)},
    )
    try:
        answer = gateway.submit_refund(submission)
    except GatewayUnavailable as exc:
        store_life(row, life.failed(now, f"unavailable: {exc}", rules.retry))
        return RefundState(row.status)
    except GatewayRejected as exc:
        store_life(row, life.failed(now, f"rejected: {exc}", rules.retry, final=True))
        return RefundState(row.status)
    apply_answer(uow, row, answer, now, rules)
    return RefundState(row.status)


def apply_answer(
    uow: UnitOfWork, row: RefundRow, answer: GatewayRefund, now: datetime, rules: RefundRules
) -> None:
    """Move the refund on by what the gateway says; repeated answers change nothing."""
    life = life_of(row)
    if life.state in (RefundState.SUCCEEDED, RefundState.DECLINED):
        return
    if row.gateway_refund_id is None:
        row.gateway_refund_id = answer.gateway_refund_id
    match answer.status:
        case RefundStatus.PENDING:
            if life.state is not RefundState.SUBMITTED and life.state is not RefundState.ESCALATED:
                store_life(row, life.submitted())
        case RefundStatus.SUCCEEDED:
            store_life(row, life.succeeded())
            row.paid_at = now
            _paid(uow, row, now)
        case RefundStatus.FAILED | RefundStatus.CANCELLED:
            if life.state is RefundState.ESCALATED:
                return
            reason = answer.failure_reason or answer.status.value
            store_life(row, life.failed(now, f"gateway: {reason}", rules.retry, final=True))


def _paid(uow: UnitOfWork, row: RefundRow, now: datetime) -> None:
    rma_no = RefundStore(uow.session).rma_of(row)
    amount = Money(row.amount, row.currency)
    uow.ledger.post(
        transfer(
            f"refund:{rma_no}:{row.idempotency_key}:paid",
            now,
            f"refund paid for {rma_no} via {row.gateway}",
            debit=Account.REFUNDS_PAYABLE,
            credit=Account.GATEWAY_CLEARING,
            amount=amount,
            rma_no=rma_no,
        )
    )
    if row.due_by is not None and now > row.due_by and row.breached_at is None:
        row.breached_at = now
    request = uow.returns.get(rma_no, for_update=True)
    assert request is not None
    _finish_request(uow, row, request, now)


def _finish_request(uow: UnitOfWork, row: RefundRow, request: ReturnRequest, now: datetime) -> None:
    """The request moves to refunded if its state allows; else the customer is told now."""
    amount = Money(row.amount, row.currency)
    if _may_refund(request):
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


def _may_refund(request: ReturnRequest) -> bool:
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


def handle_notification(
    uow: UnitOfWork,
    gateway: PaymentGateway,
    body: bytes,
    headers: Mapping[str, str],
    now: datetime,
    rules: RefundRules,
) -> str:
    """A signed settlement notification; raises the gateway's SignatureInvalid if forged.

    Returns what happened ("applied", "unknown"). A notification for a refund we do
    not know is acknowledged and ignored (the reconciliation report lists it).
    """
    answer = gateway.parse_notification(body, headers)
    store = RefundStore(uow.session)
    row = store.by_gateway_id(answer.gateway_refund_id)
    if row is None and answer.metadata.get("rma_no"):
        row = store.for_rma(answer.metadata["rma_no"], for_update=True)
        if row is not None and row.gateway_refund_id not in (None, answer.gateway_refund_id):
            row = None  # another refund of ours: do not mix them up
    if row is None:
        return "unknown"
    if Money(row.amount, row.currency) != answer.amount:
        return "amount_mismatch"
    apply_answer(uow, row, answer, now, rules)
    return "applied"


def poll(
    uow: UnitOfWork, refund_id: int, gateway: PaymentGateway, now: datetime, rules: RefundRules
) -> None:
    """Ask the gateway about a refund it accepted but has not reported on."""
    row = RefundStore(uow.session).by_id(refund_id, for_update=True)
    if row is None or row.gateway_refund_id is None:
        return
    try:
        answer = gateway.refund_status(row.gateway_refund_id)
    except (GatewayUnavailable, GatewayRejected):
        return  # the next sweep asks again
    apply_answer(uow, row, answer, now, rules)


# --- the clock's moves -----------------------------------------------------------------


def resubmit_due(uow: UnitOfWork, refund_id: int, now: datetime) -> bool:
    row = RefundStore(uow.session).by_id(refund_id, for_update=True)
    if row is None or not life_of(row).due(now):
        return False
    store_life(row, life_of(row).resubmit())
    uow.outbox.put(
        SUBMIT_TOPIC, {"refund_id": row.id, "rma_no": RefundStore(uow.session).rma_of(row)}, now
    )
    return True


def flag_breach(uow: UnitOfWork, refund_id: int, now: datetime) -> bool:
    row = RefundStore(uow.session).by_id(refund_id, for_update=True)
    if row is None or row.breached_at is not None or row.due_by is None or now <= row.due_by:
        return False
    if not RefundState(row.status).is_open:
        return False
    row.breached_at = now
    return True


def reopen(uow: UnitOfWork, rma_no: str, actor: str, now: datetime) -> RefundRow:
    """Finance sends an escalated refund again (a new key only after a final refusal)."""
    row = RefundStore(uow.session).for_rma(rma_no, for_update=True)
    if row is None:
        raise Conflict("refund_missing", Text("该申请没有退款", "This request has no refund"))
    life = life_of(row)
    final = bool(row.last_error) and not str(row.last_error).startswith("unavailable")
    moved = life.reopen(new_key=final)
    store_life(row, moved)
    if moved.key_group != life.key_group:
        row.idempotency_key = refund_idempotency_key(rma_no, f"refund{moved.key_group}")
        row.gateway_refund_id = None
    row.last_error = f"re-opened by {actor}"
    uow.outbox.put(SUBMIT_TOPIC, {"refund_id": row.id, "rma_no": rma_no}, now)
    return row


# --- instant refunds and their recovery ----------------------------------------------


def instant_allowed(uow: UnitOfWork, request: ReturnRequest, rules: RefundRules) -> bool:
    """Within the configured limits of amount and the customer's history."""
    if not rules.instant_enabled or request.request_type is not RequestType.REFUND:
        return False
    if request.estimate.total.cents > rules.instant_max_amount:
        return False
    failures = RefundStore(uow.session).failed_inspections(request.customer_id)
    open_recoveries = [
        r for r in Recoveries(uow.session).listing("open") if r.customer_id == request.customer_id
    ]
    return failures + len(open_recoveries) <= rules.instant_max_failures


def open_recovery(uow: UnitOfWork, rma_no: str, now: datetime) -> bool:
    """Goods refunded in advance failed inspection: the customer owes the money back."""
    recoveries = Recoveries(uow.session)
    if recoveries.get(rma_no) is not None:
        return False
    request = uow.returns.get(rma_no)
    row = RefundStore(uow.session).for_rma(rma_no, for_update=True)
    if request is None or row is None or not row.instant:
        return False
    if row.status != RefundState.SUCCEEDED.value:
        return False  # not paid: nothing to recover (an open one stays for finance)
    reason = request.inspection.notes if request.inspection else ""
    recoveries.open(rma_no, request.customer_id, row.amount, row.currency, reason, now)
    amount = Money(row.amount, row.currency)
    uow.ledger.post(
        transfer(
            f"recovery:{rma_no}:opened",
            now,
            f"instant refund to recover for {rma_no}",
            debit=Account.CUSTOMER_RECEIVABLE,
            credit=Account.SALES_RETURNS,
            amount=amount,
            rma_no=rma_no,
            debit_party=request.customer_id,
        )
    )
    uow.outbox.put(
        "return.refund_recovery",
        {
            "rma_no": rma_no,
            "order_no": request.order_no,
            "customer_id": request.customer_id,
            "email": request.contact.get("email", ""),
            "amount": amount.cents,
            "currency": amount.currency,
            "note": reason,
            "occurred_at": now.isoformat(),
        },
        now,
    )
    return True


def resolve_recovery(uow: UnitOfWork, rma_no: str, outcome: str, actor: str, now: datetime) -> None:
    """Recovered (the customer paid back) or written off (we bear it)."""
    if outcome not in ("recovered", "written_off"):
        raise DomainError(
            "outcome_invalid", Text("处理结果无效", "Unknown outcome"), field="outcome"
        )
    row = Recoveries(uow.session).get(rma_no, for_update=True)
    if row is None or row.status != "open":
        raise Conflict("recovery_not_open", Text("该追回已处理", "This recovery is not open"))
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


def settle_request_status(uow: UnitOfWork, rma_no: str, now: datetime) -> bool:
    """A refund paid before its request could move (instant): move it once it can."""
    request = uow.returns.get(rma_no, for_update=True)
    row = RefundStore(uow.session).for_rma(rma_no)
    if request is None or row is None or row.paid_at is None or not _may_refund(request):
        return False
    _finish_request(uow, row, request, now)
    return True


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
        return
    store_life(row, life.approve())
    request = uow.returns.get(approval.subject, for_update=True)
    assert request is not None
    accept(uow, row, request, now)


approvals.register("refund", _refund_decided)
