"""The worker's half of a carrier's first pickup scan (issue 11, peak-day speed).

A push stores the scans and the shipment's state; the first pickup scan of a return
parcel leaves a "shipment.picked_up" outbox message, and the worker's outbox round puts
the request in transit (its "return.in_transit" then pays an instant refund on the
worker's bus). Tests that pushed and looked at the request run that round here: the
real worker's dispatcher and consumers, without the sweeps of a whole tick.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from returnflow.app_context import AppContext
from returnflow.jobs.outbox import DispatchReport
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import FileMailer, Mailer


def deliver_outbox(context: AppContext, mailer: Mailer | None = None) -> DispatchReport:
    """One outbox round of a real worker: what the pushes left for it is done."""
    worker = Worker(context, mailer or FileMailer(Path(tempfile.mkdtemp())))
    return worker.dispatcher.run_once(context.clock())


# a refund of line 1 of SO-1001 with no reason needed: approved at once
NO_REASON = {
    "order_no": "SO-1001",
    "type": "refund",
    "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
}


def approved_rma(
    client: Any,
    order_payload: Callable[..., dict[str, Any]],
    request: dict[str, Any] = NO_REASON,
) -> str:
    """Order SO-1001 imported and `request` filed on it, approved at once: its RMA number."""
    client.post("/api/v1/orders", json=order_payload())
    created = client.post("/api/v1/returns", json=request).json()
    assert created["status"] == "approved"
    return str(created["rma_no"])
