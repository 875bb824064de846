"""The sandbox gateway's books when several processes pay through it (issue 11).

`worker --processes M` gives every process its own `SandboxGateway` over one state file.
Each submission reads what others appended and appends its refund; without a lock
across processes two could give two refunds one id, or read a line half written. Two
real processes submit at once, half of the keys the same on both: every key must end
up as exactly one refund with an id of its own.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from returnflow.payments.sandbox_store import read_records

SUBMITTER = """
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from returnflow.domain.money import Money
from returnflow.payments.gateway import RefundReason, RefundSubmission
from returnflow.payments.sandbox import SandboxGateway

path, name, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
gateway = SandboxGateway(
    lambda: datetime.now(UTC), settle_after=timedelta(0), webhook_secret="k", state_file=path
)
sys.stdin.readline()  # both start together
for n in range(count):
    key = f"shared-{n}" if n % 2 else f"{name}-{n}"
    submission = RefundSubmission(
        key, f"pay-{key}", Money(100 + n, "CNY"), RefundReason.REQUESTED_BY_CUSTOMER, {}
    )
    gateway.submit_refund(submission)
"""
COUNT = 120


def test_two_processes_paying_through_one_sandbox_lose_no_refund(tmp_path: Path) -> None:
    books = tmp_path / "sandbox.json"
    submitters = [
        subprocess.Popen(
            [sys.executable, "-c", SUBMITTER, str(books), name, str(COUNT)],
            stdin=subprocess.PIPE,
        )
        for name in ("a", "b")
    ]
    for submitter in submitters:
        assert submitter.stdin is not None
        submitter.stdin.write(b"go\n")
        submitter.stdin.flush()
    assert [submitter.wait(timeout=120) for submitter in submitters] == [0, 0]
    refunds = read_records(books)
    keys = [r["idempotency_key"] for r in refunds]
    expected = {f"{name}-{n}" for name in "ab" for n in range(0, COUNT, 2)}
    expected |= {f"shared-{n}" for n in range(1, COUNT, 2)}
    assert sorted(keys) == sorted(expected)  # each key once: none lost, none doubled
    assert len({r["id"] for r in refunds}) == len(refunds)  # and an id of its own each
