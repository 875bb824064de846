"""The demo defers the sandbox's state file to one write: nothing is lost, nothing early."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from returnflow.domain.money import Money
from returnflow.payments.gateway import RefundSubmission, refund_idempotency_key
from returnflow.payments.sandbox import SandboxGateway
from tests.support.clock import FakeClock


def _submission(rma_no: str) -> RefundSubmission:
    return RefundSubmission(
        idempotency_key=refund_idempotency_key(rma_no),
        payment_reference=f"pay-{rma_no}",
        amount=Money(1_000, "CNY"),
        metadata={"rma_no": rma_no},
    )


def test_deferred_saves_write_once_at_the_end(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 11, 20, 2, 0, tzinfo=UTC))
    state = tmp_path / "sandbox.json"
    gateway = SandboxGateway(clock, settle_after=timedelta(minutes=5), state_file=state)
    gateway.forget_all()
    written = state.stat().st_mtime_ns, state.stat().st_size
    with gateway.saves_deferred():
        for n in range(3):
            gateway.submit_refund(_submission(f"RMA-{n}"))
        assert gateway.refund_count == 3  # the deferring instance sees its own refunds
        assert (state.stat().st_mtime_ns, state.stat().st_size) == written
        assert SandboxGateway(clock, state_file=state).refund_count == 0
    assert SandboxGateway(clock, state_file=state).refund_count == 3
    gateway.submit_refund(_submission("RMA-9"))  # saves as before once the block ends
    assert SandboxGateway(clock, state_file=state).refund_count == 4
