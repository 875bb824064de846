"""The sandbox gateway: one key pays once, refunds settle later, and failures on demand."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from returnflow.config import Settings
from returnflow.domain.money import Money
from returnflow.payments.gateway import (
    GatewayRejected,
    GatewayUnavailable,
    PaymentGateway,
    RefundStatus,
    RefundSubmission,
    SignatureInvalid,
    refund_idempotency_key,
)
from returnflow.payments.sandbox import (
    FORCED_FAILURE,
    SIGNATURE_HEADER,
    SandboxGateway,
    settlement_records,
)
from returnflow.payments.sandbox_store import state_path
from tests.support.clock import FakeClock

START = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def sandbox(clock: FakeClock) -> SandboxGateway:
    return SandboxGateway(clock, settle_after=timedelta(minutes=5))


def _submission(
    rma_no: str = "RMA-0001", amount: int = 4_300, reference: str = "pay_1"
) -> RefundSubmission:
    return RefundSubmission(
        idempotency_key=refund_idempotency_key(rma_no),
        payment_reference=reference,
        amount=Money(amount, "CNY"),
        metadata={"rma_no": rma_no},
    )


def test_is_a_payment_gateway(sandbox: SandboxGateway) -> None:
    assert isinstance(sandbox, PaymentGateway)


def test_idempotency_key_is_deterministic() -> None:
    assert refund_idempotency_key("RMA-0001") == refund_idempotency_key("RMA-0001")
    assert refund_idempotency_key("RMA-0001") == "rf-RMA-0001-refund"
    assert refund_idempotency_key("RMA-0001") != refund_idempotency_key("RMA-0002")
    assert refund_idempotency_key("RMA-0001", "partial-2") != refund_idempotency_key("RMA-0001")
    with pytest.raises(ValueError):
        refund_idempotency_key("")
    with pytest.raises(ValueError):
        refund_idempotency_key("RMA 1")


def test_submission_refuses_non_positive_amounts() -> None:
    with pytest.raises(ValueError):
        _submission(amount=0)


def test_same_key_returns_the_same_refund(sandbox: SandboxGateway) -> None:
    first = sandbox.submit_refund(_submission())
    second = sandbox.submit_refund(_submission())
    assert second.gateway_refund_id == first.gateway_refund_id
    assert sandbox.refund_count == 1


def test_different_keys_make_different_refunds(sandbox: SandboxGateway) -> None:
    first = sandbox.submit_refund(_submission("RMA-0001"))
    second = sandbox.submit_refund(_submission("RMA-0002"))
    assert first.gateway_refund_id != second.gateway_refund_id
    assert sandbox.refund_count == 2


def test_same_key_with_another_amount_is_rejected(sandbox: SandboxGateway) -> None:
    sandbox.submit_refund(_submission(amount=4_300))
    with pytest.raises(GatewayRejected) as caught:
        sandbox.submit_refund(_submission(amount=4_400))
    assert caught.value.code == "idempotency_mismatch"
    assert sandbox.refund_count == 1


def test_refund_settles_after_the_delay(sandbox: SandboxGateway, clock: FakeClock) -> None:
    refund = sandbox.submit_refund(_submission())
    assert refund.status is RefundStatus.PENDING

    clock.advance(minutes=4, seconds=59)
    assert sandbox.refund_status(refund.gateway_refund_id).status is RefundStatus.PENDING

    clock.advance(seconds=1)
    settled = sandbox.refund_status(refund.gateway_refund_id)
    assert settled.status is RefundStatus.SUCCEEDED
    assert settled.amount == Money(4_300, "CNY")
    assert settled.failure_reason is None
    # a late retry of the submission sees the settled refund, not a new one
    assert sandbox.submit_refund(_submission()).status is RefundStatus.SUCCEEDED
    assert sandbox.refund_count == 1


def test_unknown_refund_is_rejected(sandbox: SandboxGateway) -> None:
    with pytest.raises(GatewayRejected) as caught:
        sandbox.refund_status("sbx_re_999999")
    assert caught.value.code == "resource_missing"


def test_fail_next_fails_exactly_that_many(sandbox: SandboxGateway, clock: FakeClock) -> None:
    sandbox.fail_next(1)
    failing = sandbox.submit_refund(_submission("RMA-0001"))
    healthy = sandbox.submit_refund(_submission("RMA-0002"))
    assert failing.status is RefundStatus.PENDING  # failure shows only on settlement

    clock.advance(minutes=5)
    failed = sandbox.refund_status(failing.gateway_refund_id)
    assert failed.status is RefundStatus.FAILED
    assert failed.failure_reason == FORCED_FAILURE
    assert sandbox.refund_status(healthy.gateway_refund_id).status is RefundStatus.SUCCEEDED


def test_fail_payment_reference(sandbox: SandboxGateway, clock: FakeClock) -> None:
    sandbox.fail_payment_reference("pay_closed")
    bad = sandbox.submit_refund(_submission("RMA-0001", reference="pay_closed"))
    good = sandbox.submit_refund(_submission("RMA-0002", reference="pay_open"))
    clock.advance(minutes=5)
    assert sandbox.refund_status(bad.gateway_refund_id).status is RefundStatus.FAILED
    assert sandbox.refund_status(good.gateway_refund_id).status is RefundStatus.SUCCEEDED


def test_unavailable_next_creates_nothing(sandbox: SandboxGateway) -> None:
    sandbox.unavailable_next(2)
    for _ in range(2):
        with pytest.raises(GatewayUnavailable):
            sandbox.submit_refund(_submission())
    assert sandbox.refund_count == 0
    sandbox.submit_refund(_submission())
    assert sandbox.refund_count == 1


def test_lost_answer_then_retry_pays_once(sandbox: SandboxGateway) -> None:
    sandbox.unavailable_next(1, after_recording=True)
    with pytest.raises(GatewayUnavailable):
        sandbox.submit_refund(_submission())
    assert sandbox.refund_count == 1  # the money went out; the answer did not arrive

    retried = sandbox.submit_refund(_submission())
    assert sandbox.refund_count == 1
    assert retried.amount == Money(4_300, "CNY")


def test_settlement_notifications_are_sent_once_and_verify(
    sandbox: SandboxGateway, clock: FakeClock
) -> None:
    sandbox.fail_next(1)
    failing = sandbox.submit_refund(_submission("RMA-0001"))
    assert sandbox.due_notifications() == []  # still pending

    clock.advance(minutes=5)
    notices = sandbox.due_notifications()
    assert len(notices) == 1
    body, headers = notices[0]
    refund = sandbox.parse_notification(body, headers)
    assert refund.gateway_refund_id == failing.gateway_refund_id
    assert refund.status is RefundStatus.FAILED
    assert refund.metadata == {"rma_no": "RMA-0001"}
    assert sandbox.due_notifications() == []


def test_tampered_or_unsigned_notification_is_refused(
    sandbox: SandboxGateway, clock: FakeClock
) -> None:
    sandbox.fail_next(1)
    sandbox.submit_refund(_submission())
    clock.advance(minutes=5)
    [(body, headers)] = sandbox.due_notifications()

    event = json.loads(body)
    event["refund"]["status"] = "succeeded"
    tampered = json.dumps(event, sort_keys=True).encode()
    with pytest.raises(SignatureInvalid):
        sandbox.parse_notification(tampered, headers)
    with pytest.raises(SignatureInvalid):
        sandbox.parse_notification(body, {})

    other = SandboxGateway(clock, webhook_secret="another-secret")
    with pytest.raises(SignatureInvalid):
        other.parse_notification(body, {SIGNATURE_HEADER: headers[SIGNATURE_HEADER]})


def test_state_file_keeps_refunds_and_settlements_across_instances(
    clock: FakeClock, tmp_path: Path
) -> None:
    """A restart (or the server beside a demo run) sees what the sandbox paid before."""
    state = tmp_path / "sandbox.json"
    first = SandboxGateway(clock, settle_after=timedelta(minutes=5), state_file=state)
    paid = first.submit_refund(_submission("RMA-0001", 4_300))
    pending = first.submit_refund(_submission("RMA-0002", 900, reference="pay_2"))
    clock.advance(minutes=6)
    assert first.refund_count == 2

    again = SandboxGateway(clock, settle_after=timedelta(minutes=5), state_file=state)
    assert again.refund_count == 2
    assert again.refund_status(paid.gateway_refund_id).status is RefundStatus.SUCCEEDED
    assert again.refund_status(pending.gateway_refund_id).amount == Money(900, "CNY")
    assert sorted(r["reference"] for r in settlement_records(again)) == ["RMA-0001", "RMA-0002"]
    # one key still pays once, whichever instance is asked
    assert again.submit_refund(_submission("RMA-0001", 4_300)) == again.refund_status(
        paid.gateway_refund_id
    )
    with pytest.raises(GatewayRejected):
        again.submit_refund(_submission("RMA-0001", 5_000))
    # a refund made by the new instance reaches the old one too (demo process -> server)
    third = again.submit_refund(_submission("RMA-0003", 100, reference="pay_3"))
    assert first.refund_status(third.gateway_refund_id).amount == Money(100, "CNY")
    assert first.refund_count == 3


def test_notifications_are_not_sent_twice_after_a_restart(clock: FakeClock, tmp_path: Path) -> None:
    state = tmp_path / "sandbox.json"
    first = SandboxGateway(clock, settle_after=timedelta(minutes=5), state_file=state)
    first.submit_refund(_submission())
    clock.advance(minutes=6)
    assert len(first.due_notifications()) == 1
    assert SandboxGateway(clock, state_file=state).due_notifications() == []


def test_without_a_state_file_nothing_is_kept(clock: FakeClock, tmp_path: Path) -> None:
    SandboxGateway(clock).submit_refund(_submission())
    assert SandboxGateway(clock).refund_count == 0
    assert list(tmp_path.iterdir()) == []


def test_state_path_follows_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RETURNFLOW_SANDBOX_STATE_FILE")  # the suite points it at a temp file
    database = tmp_path / "shop.db"
    assert state_path(Settings(database_url=f"sqlite:///{database}")) == Path(
        f"{database}.sandbox.json"
    )
    assert state_path(Settings(database_url="sqlite://")) is None
    assert state_path(Settings(database_url="postgresql://u@h/db")) == Path("sandbox_state.json")
    chosen = tmp_path / "books.json"
    assert state_path(Settings(sandbox_state_file=str(chosen))) == chosen


def test_find_refund_answers_by_key_and_never_pays(
    sandbox: SandboxGateway, clock: FakeClock
) -> None:
    made = sandbox.submit_refund(_submission())
    key = _submission().idempotency_key
    assert sandbox.find_refund("rf-RMA-9999-refund", "pi_x") is None
    clock.advance(minutes=6)  # settled meanwhile
    found = sandbox.find_refund(key, "ignored")
    assert found is not None and found.gateway_refund_id == made.gateway_refund_id
    assert found.status is RefundStatus.SUCCEEDED
    sandbox.unavailable_next(1)
    with pytest.raises(GatewayUnavailable):
        sandbox.find_refund(key, "ignored")
    assert sandbox.refund_count == 1
