"""The sandbox's books grow by appending (issue 11): a payment no longer rewrites them.

Every submission used to read and rewrite the whole JSON file under the flock, so a
payment cost more with every refund in the books. Now it appends one line, another
instance reads only what was appended, and a file of the old shape still reads.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from returnflow.domain.money import Money
from returnflow.payments.gateway import RefundStatus, RefundSubmission, refund_idempotency_key
from returnflow.payments.sandbox import SandboxGateway
from returnflow.payments.sandbox_store import read_records
from tests.support.clock import FakeClock


def _submission(rma_no: str, amount: int = 1_000) -> RefundSubmission:
    return RefundSubmission(
        idempotency_key=refund_idempotency_key(rma_no),
        payment_reference=f"pay-{rma_no}",
        amount=Money(amount, "CNY"),
        metadata={"rma_no": rma_no},
    )


def _clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 20, 2, 0, tzinfo=UTC))


def test_a_payment_appends_one_line_and_rewrites_nothing(tmp_path: Path) -> None:
    clock = _clock()
    state = tmp_path / "sandbox.json"
    gateway = SandboxGateway(clock, settle_after=timedelta(0), state_file=state)
    for n in range(50):
        gateway.submit_refund(_submission(f"RMA-{n}"))
    before = state.stat()
    written = state.read_bytes()
    gateway.submit_refund(_submission("RMA-new"))
    after = state.stat()
    assert after.st_ino == before.st_ino  # not replaced by a rewritten copy
    grown = state.read_bytes()
    assert grown.startswith(written) and grown[len(written) :].count(b"\n") == 1
    gateway.submit_refund(_submission("RMA-new"))  # the same key: nothing new to write
    assert state.stat().st_size == after.st_size
    assert len(read_records(state)) == 51


def test_another_instance_takes_up_appended_refunds_and_settlements(tmp_path: Path) -> None:
    clock = _clock()
    state = tmp_path / "sandbox.json"
    first = SandboxGateway(clock, settle_after=timedelta(minutes=5), state_file=state)
    second = SandboxGateway(clock, settle_after=timedelta(minutes=5), state_file=state)
    made = first.submit_refund(_submission("RMA-1"))
    assert second.refund_status(made.gateway_refund_id).amount == Money(1_000, "CNY")
    other = second.submit_refund(_submission("RMA-2", 700))
    assert other.gateway_refund_id != made.gateway_refund_id  # an id of its own
    clock.advance(minutes=6)
    assert len(second.due_notifications()) == 2
    assert first.due_notifications() == []  # the notified marks reached it: never twice
    assert first.refund_status(other.gateway_refund_id).status is RefundStatus.SUCCEEDED
    assert first.refund_count == second.refund_count == 2
    assert all(record["notified"] for record in read_records(state))


def test_books_of_the_old_shape_still_read(tmp_path: Path) -> None:
    clock = _clock()
    state = tmp_path / "sandbox.json"
    old = SandboxGateway(clock, settle_after=timedelta(0), state_file=tmp_path / "scratch.json")
    made = old.submit_refund(_submission("RMA-1"))
    document = {"refunds": read_records(tmp_path / "scratch.json")}
    state.write_text(json.dumps(document, sort_keys=True))  # as the old store wrote it
    gateway = SandboxGateway(clock, settle_after=timedelta(0), state_file=state)
    assert gateway.refund_status(made.gateway_refund_id).amount == Money(1_000, "CNY")
    assert gateway.submit_refund(_submission("RMA-1")).gateway_refund_id == made.gateway_refund_id
    added = gateway.submit_refund(_submission("RMA-2"))
    assert SandboxGateway(clock, state_file=state).refund_count == 2
    assert added.gateway_refund_id != made.gateway_refund_id
