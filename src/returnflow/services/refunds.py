"""Refunds from owed to paid (R6.1, R6.4): asking for one, accepting it, finishing the request.

Requesting a refund adds the request's `Refund`, its ledger entry and the outbox message
that will submit it, in one transaction; the worker submits with the refund's own
idempotency key (services/refund_gateway.py); the gateway's answer or its signed
notification moves it on. Every step that moves money posts a balanced journal entry
whose key makes it happen once. Over the requester's authority the refund waits for a
manager (services/approvals.py); the decision releases it (`release_decided`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from returnflow.config import Settings
from returnflow.domain.authority import SYSTEM, AuthorityCheck, check_authority
from returnflow.domain.awards import SETTLING_TRIGGERS, Award
from returnflow.domain.inspection_record import PartialRefundOffer
from returnflow.domain.ledger import Account, transfer
from returnflow.domain.lifecycle import Action, Status, transition_for
from returnflow.domain.money import Money
from returnflow.domain.refund import GAP_TRIGGER, Refund, RefundTerms
from returnflow.domain.refund_life import RefundState, RetryPolicy
from returnflow.domain.refunds import Deduction, pays_money
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.text import DomainError, Text
from returnflow.payments.gateway import refund_idempotency_key
from returnflow.services import approvals, refund_deductions, training_gate
from returnflow.services.errors import Conflict, order_not_found
from returnflow.services.refund_amounts import check_deductions, refund_amount, workings
from returnflow.services.returns import get_return
from returnflow.services.unit_of_work import UnitOfWork

__all__ = ["GAP_TRIGGER", "RefundRules", "refund_amount", "request_refund", "workings"]

SUBMIT_TOPIC = "refund.submit"
REFUND_EXISTS = "refund_exists"  # the refusal's code: the bus and the safety nets know it
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
    award: Award | None = None,
) -> Refund:
    """Owe the customer their refund; within the actor's authority it goes straight out.

    `trigger` is "manual" (finance), "inspection", "approval" or "instant". Automatic
    triggers act under policy (the system's authority); an agent's approval of a
    refund-only request and finance's own action are bounded by their role (R12.3).
    An `award` (a ruling, a lost parcel: domain/awards.py) settles the request without
    its goods: its trigger is the award's source, its amount the award's total.
    """
    if award is not None:
        trigger = award.source
    request = get_return(uow, rma_no, merchant_scope=merchant_scope, for_update=True)
    _check_refundable(request, trigger)
    existing = uow.refunds.get(rma_no, for_update=True)
    if existing is not None and existing.status is not RefundState.DECLINED:
        raise refund_exists()
    offer = uow.warehouse.offer(rma_no)  # read once: deductions and authority both ask
    amount, working = _amount(uow, request, deductions, offer, award)
    order = uow.orders.get(request.order_no)  # its payment; the policy is not needed here
    if order is None:
        raise order_not_found(request.order_no)
    authority, actor = _authority(uow, request, actor, trigger, amount, rules, now, offer)
    # a declined refund asked for again pays under a new key: the old one paid nothing
    group = existing.key_group + 1 if existing is not None else 0
    terms = RefundTerms(
        amount=amount,
        method=order.payment.method,
        reference=order.payment.transaction_id,
        gateway=rules.gateway,
        idempotency_key=refund_idempotency_key(rma_no, f"refund{group}" if group else "refund"),
        trigger=trigger,
        requested_by=actor,
        due_by=due_by(request, now, rules),
        workings=working,
        needs_approval=authority.needs_approval,
    )
    if existing is None:
        refund = Refund.owe(rma_no, terms, now)
        uow.refunds.add(refund)
    else:
        refund = existing
        refund.owe_again(terms, now)
    if authority.needs_approval:
        ask_manager(uow, rma_no, amount, actor, authority, now)
    else:
        accept(uow, refund, request, now)
    return refund


def refund_exists() -> Conflict:
    return Conflict(
        REFUND_EXISTS,
        Text("该申请已发起退款，不能重复退款", "A refund for this request already exists"),
    )


def _check_refundable(request: ReturnRequest, trigger: str) -> None:
    if trigger in SETTLING_TRIGGERS:
        transition_for(Action.SETTLE, request.status, request.request_type)
        return
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


def _amount(
    uow: UnitOfWork,
    request: ReturnRequest,
    deductions: Sequence[Deduction],
    offer: PartialRefundOffer | None,
    award: Award | None,
) -> tuple[Money, dict[str, Any]]:
    """What the server computes is owed, and its workings: the standing deductions
    (`offer`, read once by the caller), then those the caller adds now.

    An `award` (a ruling, a lost parcel) decides the money itself, so a failed
    inspection needs no accepted partial offer first.
    """
    check_deductions(request, deductions)
    stored = [offer.deduction] if offer is not None and offer.accepted else []
    if request.status is Status.INSPECTION_FAILED and not stored and award is None:
        # R5.3: after a failed inspection only an accepted partial-refund offer pays
        raise Conflict(
            "refund_needs_accepted_offer",
            Text(
                "验收未通过，顾客接受部分退款后才能退款",
                "Inspection failed: a refund needs the customer's accepted partial offer",
            ),
        )
    taken = [*refund_deductions.standing(uow, request, accepted=stored), *deductions]
    amount = refund_amount(request, taken)
    working = workings(request, taken)
    if award is not None:
        working["award"] = award.workings(amount)
        amount = award.total(amount)
    return amount, working


def _authority(
    uow: UnitOfWork,
    request: ReturnRequest,
    actor: str,
    trigger: str,
    amount: Money,
    rules: RefundRules,
    now: datetime,
    offer: PartialRefundOffer | None,
) -> tuple[AuthorityCheck, str]:
    """Whose limit bounds this refund, and who is named as asking for it (R12.3).

    Finance's own refund and an agent's approval of a refund-only request are bounded
    by that person; automatic triggers by policy. After a failed inspection policy
    pays nothing: the money goes out only because someone offered a partial refund,
    so the offer's maker is bounded too (and named, when the worker asks).
    """
    if trigger == "manual":  # issue 17: a person's refund above the small amount
        training_gate.require_refund(uow, actor, amount, now)  # needs a refund certificate
    # a ruling or a lost-parcel remedy is bounded by the person who decided it
    bounded = actor if trigger in ("manual", "approval", *SETTLING_TRIGGERS) else SYSTEM
    checks = [check_authority(bounded, amount, rules.limits)]
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


def ask_manager(
    uow: UnitOfWork,
    rma_no: str,
    amount: Money,
    requester: str,
    authority: AuthorityCheck,
    now: datetime,
) -> None:
    assert authority.limit is not None
    approvals.ask(uow, "refund", rma_no, amount, requester, authority, now)


# --- accepting and finishing -----------------------------------------------------------


def accept(uow: UnitOfWork, refund: Refund, request: ReturnRequest, now: datetime) -> None:
    """The refund is owed and may go out: book it, and queue its submission."""
    if refund.is_gap:
        # booked as owed when the exchange was released; only the submission is left
        queue_submission(uow, refund, now)
        return
    if refund.amount.is_zero:
        # everything was deducted: nothing to send, the request is settled as it is
        refund.settle_nothing(now)
        finish_request(uow, refund, request, now)
        return
    booked = uow.ledger.post(
        transfer(
            f"refund:{request.rma_no}:{refund.idempotency_key}:accepted",
            now,
            f"refund owed for {request.rma_no}",
            debit=Account.SALES_RETURNS,
            credit=Account.REFUNDS_PAYABLE,
            amount=refund.amount,
            rma_no=request.rma_no,
        )
    )
    if booked:  # one submission per key: a twin that lost the ledger race queues none
        queue_submission(uow, refund, now)


def queue_submission(uow: UnitOfWork, refund: Refund, now: datetime) -> None:
    """The worker submits it (jobs/refunds.py consumes "refund.submit")."""
    uow.outbox.put(SUBMIT_TOPIC, {"refund_id": refund.id, "rma_no": refund.rma_no}, now)


def finish_request(
    uow: UnitOfWork, refund: Refund, request: ReturnRequest, now: datetime, *, told: bool = False
) -> None:
    """The request moves to refunded if its state allows; else the customer is told now.

    `told`: the customer already heard the money was paid (a refund paid while its
    request could not move yet, moved later), so the move itself stays silent.
    """
    settles = refund.trigger in SETTLING_TRIGGERS
    if may_refund(request, settles=settles):
        request.pay_refund(
            SYSTEM,
            now,
            refund.method,
            refund.reference,
            amount=refund.amount,
            note=refund.audit_note(),
            notify=not told,
            settles=settles,
        )
        return
    if refund.is_gap:
        uow.refund_intents.paid(request.rma_no)
    if refund.instant or refund.is_gap:
        uow.outbox.put(
            "return.refund_paid",
            {
                "rma_no": request.rma_no,
                "order_no": request.order_no,
                "customer_id": request.customer_id,
                "email": request.contact.get("email", ""),
                "amount": refund.amount.cents,
                "currency": refund.amount.currency,
                "method": refund.method,
                "occurred_at": now.isoformat(),
            },
            now,
        )


def may_refund(request: ReturnRequest, *, settles: bool = False) -> bool:
    try:
        action = Action.SETTLE if settles else Action.REFUND
        transition_for(action, request.status, request.request_type)
    except DomainError:
        return False
    return True


# --- a manager's decision (R12.3) --------------------------------------------------------


def release_decided(uow: UnitOfWork, approval_id: int, now: datetime) -> bool:
    """The refund a decided approval held goes out (or is declined); once only.

    Nothing happens for an approval still pending, for an older approval of a refund
    asked for again, or for a refund no longer waiting (released already).
    """
    approval = uow.approvals.get(approval_id)
    if approval is None or approval.kind != "refund" or approval.is_pending:
        return False
    latest = uow.approvals.latest_for("refund", approval.subject)
    if latest is None or latest.id != approval.id:
        return False
    refund = uow.refunds.get(approval.subject, for_update=True)
    if refund is None or refund.status is not RefundState.AWAITING_APPROVAL:
        return False
    decider = approval.decided_by or SYSTEM
    if not approval.approved:
        refund.decline(decider, approval.decision_note or "", now)
        if refund.is_gap:
            _gap_declined(uow, approval.subject, refund.amount, now)
        return True
    refund.approve(decider, now)
    request = uow.returns.get(approval.subject, for_update=True)
    assert request is not None
    accept(uow, refund, request, now)
    return True


def _gap_declined(uow: UnitOfWork, rma_no: str, amount: Money, now: datetime) -> None:
    """A manager refused to pay an exchange gap back: it is no longer owed."""
    uow.refund_intents.declined(rma_no)
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


def owe_gap(
    uow: UnitOfWork, terms: RefundTerms, rma_no: str, authority: AuthorityCheck, now: datetime
) -> Refund:
    """An exchange's price gap as the request's refund (services/exchange_gaps.py).

    Its "accepted" entry was booked when the exchange was released; only the
    submission is queued here, or the manager asked when it is over the chooser's limit.
    """
    if uow.refunds.get(rma_no, for_update=True) is not None:
        raise refund_exists()
    refund = Refund.owe(rma_no, terms, now)
    uow.refunds.add(refund)
    if authority.needs_approval:
        ask_manager(uow, rma_no, terms.amount, terms.requested_by, authority, now)
    else:
        queue_submission(uow, refund, now)
    return refund
