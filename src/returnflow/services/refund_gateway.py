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
from returnflow.domain.money import Money
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
from returnflow.services.refunds import SUBMIT_TOPIC, RefundRules, audit_note, finish_request
from returnflow.storage.refunds import RefundStore, life_of, store_life
from returnflow.storage.schema import RefundRow
from returnflow.storage.uow import UnitOfWork


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
    if life.attempts or row.gateway_refund_id or row.last_error:
        # a retry or a re-opening: the gateway may already have made this refund
        try:
            found = find_at_gateway(gateway, row)
        except GatewayUnavailable as exc:
            store_life(row, life.failed(now, f"unavailable: {exc}", rules.retry))
            return RefundState(row.status)
        if found is not None:
            apply_answer(uow, row, found, now, rules)
            return RefundState(row.status)
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
            f"refund paid for {rma_no} via {row.gateway}; {audit_note(row)}",  # both names
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
    finish_request(uow, row, request, now)


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


def find_at_gateway(gateway: PaymentGateway, row: RefundRow) -> GatewayRefund | None:
    """What the gateway made under this refund's key, if anything (issue 9)."""
    if not row.idempotency_key:
        return None
    try:
        return gateway.find_refund(row.idempotency_key, row.reference, row.gateway_refund_id)
    except GatewayRejected:
        return None  # the gateway knows nothing under this key or id


def reopen(
    uow: UnitOfWork,
    rma_no: str,
    actor: str,
    now: datetime,
    gateway: PaymentGateway,
    rules: RefundRules,
) -> RefundRow:
    """Finance sends an escalated refund again, after asking the gateway about it.

    A refund the gateway paid (its "failed" notice forged or lost in a mix-up) is
    marked paid; one still pending waits for its settlement; nothing found under the
    key is sent again under the same key; only one the gateway failed for good gets a
    new key. So one payable never becomes two gateway refunds.
    """
    row = RefundStore(uow.session).for_rma(rma_no, for_update=True)
    if row is None:
        raise Conflict("refund_missing", Text("该申请没有退款", "This request has no refund"))
    life = life_of(row)
    life.reopen(new_key=False)  # refuses anything but an escalated refund
    try:
        found = find_at_gateway(gateway, row)
    except GatewayUnavailable as exc:
        raise Conflict(
            "gateway_unavailable",
            Text(
                "暂时无法向支付渠道核实该退款，请稍后再试",
                "The payment provider cannot confirm this refund now: try again later",
            ),
        ) from exc
    failed = found is not None and found.status in (RefundStatus.FAILED, RefundStatus.CANCELLED)
    moved = life.reopen(new_key=failed)
    store_life(row, moved)
    row.last_error = f"re-opened by {actor}"
    if found is not None and not failed:
        apply_answer(uow, row, found, now, rules)  # paid or pending: nothing is sent
        return row
    if moved.key_group != life.key_group:
        row.idempotency_key = refund_idempotency_key(rma_no, f"refund{moved.key_group}")
        row.gateway_refund_id = None
    uow.outbox.put(SUBMIT_TOPIC, {"refund_id": row.id, "rma_no": rma_no}, now)
    return row
