"""Refunds at the gateway: submit, hear back, poll, retry and re-open (R6.4, issue 9).

Every submission carries the refund's unchanging idempotency key. Before a retry or a
finance re-opening the gateway is asked what it made under that key, so one payable
never becomes two gateway refunds: a refund it paid is marked paid, one it failed for
good is the only one that gets a new key.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from returnflow.domain.ledger import Account, transfer
from returnflow.domain.refund import Refund
from returnflow.domain.refund_life import RefundState
from returnflow.domain.text import Text
from returnflow.payments.gateway import (
    GatewayRefund,
    GatewayRejected,
    GatewayUnavailable,
    PaymentGateway,
    RefundStatus,
    RefundSubmission,
    refund_idempotency_key,
)
from returnflow.services.errors import Conflict
from returnflow.services.refunds import RefundRules, finish_request, queue_submission
from returnflow.services.unit_of_work import UnitOfWork


def submit(
    uow: UnitOfWork, refund_id: int, gateway: PaymentGateway, now: datetime, rules: RefundRules
) -> RefundState | None:
    """One submission to the gateway, with the refund's unchanging idempotency key.

    A message for a refund that is no longer waiting (a duplicate, or one settled by
    a notification meanwhile) submits nothing.
    """
    refund = uow.refunds.by_id(refund_id, for_update=True)
    if refund is None:
        return None
    if refund.status is not RefundState.REQUESTED:
        return refund.status
    if refund.may_exist_at_gateway:
        # a retry or a re-opening: the gateway may already have made this refund
        try:
            found = find_at_gateway(gateway, refund)
        except GatewayUnavailable as exc:
            refund.fail(now, f"unavailable: {exc}", rules.retry)
            return refund.status
        if found is not None:
            apply_answer(uow, refund, found, now, rules)
            return refund.status
    submission = RefundSubmission(
        idempotency_key=refund.idempotency_key or refund_idempotency_key(refund.rma_no),
        payment_reference=refund.reference,
        amount=refund.amount,
        metadata={"rma_no": refund.rma_no, "refund_id": str(refund.id)},
    )
    try:
        answer = gateway.submit_refund(submission)
    except GatewayUnavailable as exc:
        refund.fail(now, f"unavailable: {exc}", rules.retry)
        return refund.status
    except GatewayRejected as exc:
        refund.fail(now, f"rejected: {exc}", rules.retry, final=True)
        return refund.status
    apply_answer(uow, refund, answer, now, rules)
    return refund.status


def apply_answer(
    uow: UnitOfWork, refund: Refund, answer: GatewayRefund, now: datetime, rules: RefundRules
) -> None:
    """Move the refund on by what the gateway says; repeated answers change nothing."""
    status = RefundStatus(answer.status).value
    if refund.hear(status, answer.gateway_refund_id, answer.failure_reason, now, rules.retry):
        _paid(uow, refund, now)


def _paid(uow: UnitOfWork, refund: Refund, now: datetime) -> None:
    rma_no = refund.rma_no
    uow.ledger.post(
        transfer(
            f"refund:{rma_no}:{refund.idempotency_key}:paid",
            now,
            f"refund paid for {rma_no} via {refund.gateway}; {refund.audit_note()}",  # both names
            debit=Account.REFUNDS_PAYABLE,
            credit=Account.GATEWAY_CLEARING,
            amount=refund.amount,
            rma_no=rma_no,
        )
    )
    request = uow.returns.get(rma_no, for_update=True)
    assert request is not None
    finish_request(uow, refund, request, now)


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
    refund = uow.refunds.by_gateway_id(answer.gateway_refund_id)
    if refund is None and answer.metadata.get("rma_no"):
        refund = uow.refunds.get(answer.metadata["rma_no"], for_update=True)
        if refund is not None and refund.gateway_refund_id not in (
            None,
            answer.gateway_refund_id,
        ):
            refund = None  # another refund of ours: do not mix them up
    if refund is None:
        return "unknown"
    if refund.amount != answer.amount:
        return "amount_mismatch"
    apply_answer(uow, refund, answer, now, rules)
    return "applied"


def poll(
    uow: UnitOfWork, refund_id: int, gateway: PaymentGateway, now: datetime, rules: RefundRules
) -> None:
    """Ask the gateway about a refund it accepted but has not reported on."""
    refund = uow.refunds.by_id(refund_id, for_update=True)
    if refund is None or refund.gateway_refund_id is None:
        return
    try:
        answer = gateway.refund_status(refund.gateway_refund_id)
    except (GatewayUnavailable, GatewayRejected):
        return  # the next sweep asks again
    apply_answer(uow, refund, answer, now, rules)


def resubmit_due(uow: UnitOfWork, refund_id: int, now: datetime) -> bool:
    refund = uow.refunds.by_id(refund_id, for_update=True)
    if refund is None or not refund.resubmit(now):
        return False
    queue_submission(uow, refund, now)
    return True


def flag_breach(uow: UnitOfWork, refund_id: int, now: datetime) -> bool:
    refund = uow.refunds.by_id(refund_id, for_update=True)
    return refund is not None and refund.flag_breach(now)


def find_at_gateway(gateway: PaymentGateway, refund: Refund) -> GatewayRefund | None:
    """What the gateway made under this refund's key, if anything (issue 9)."""
    if not refund.idempotency_key:
        return None
    try:
        return gateway.find_refund(
            refund.idempotency_key, refund.reference, refund.gateway_refund_id
        )
    except GatewayRejected:
        return None  # the gateway knows nothing under this key or id


def reopen(
    uow: UnitOfWork,
    rma_no: str,
    actor: str,
    now: datetime,
    gateway: PaymentGateway,
    rules: RefundRules,
) -> Refund:
    """Finance sends an escalated refund again, after asking the gateway about it.

    A refund the gateway paid (its "failed" notice forged or lost in a mix-up) is
    marked paid; one still pending waits for its settlement; nothing found under the
    key is sent again under the same key; only one the gateway failed for good gets a
    new key. So one payable never becomes two gateway refunds.
    """
    refund = uow.refunds.get(rma_no, for_update=True)
    if refund is None:
        raise Conflict("refund_missing", Text("该申请没有退款", "This request has no refund"))
    refund.ensure_reopenable()  # refuses anything but an escalated refund
    try:
        found = find_at_gateway(gateway, refund)
    except GatewayUnavailable as exc:
        raise Conflict(
            "gateway_unavailable",
            Text(
                "暂时无法向支付渠道核实该退款，请稍后再试",
                "The payment provider cannot confirm this refund now: try again later",
            ),
        ) from exc
    failed = found is not None and found.status in (RefundStatus.FAILED, RefundStatus.CANCELLED)
    new_key = refund_idempotency_key(rma_no, f"refund{refund.key_group + 1}") if failed else None
    refund.reopen(actor, now, new_key=new_key)
    if found is not None and not failed:
        apply_answer(uow, refund, found, now, rules)  # paid or pending: nothing is sent
        return refund
    queue_submission(uow, refund, now)
    return refund
