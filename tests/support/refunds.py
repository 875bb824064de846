"""Drive refunds the way production does: worker ticks against a gateway that settles at once."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

from returnflow.app_context import AppContext
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import FileMailer, Mailer
from returnflow.payments.sandbox import SandboxGateway


def pay_refunds(context: AppContext, mailer: Mailer | None = None, ticks: int = 2) -> Worker:
    """Run the worker until owed refunds are paid (the sandbox settling immediately)."""
    if context.gateway is None:
        context.gateway = SandboxGateway(context.clock, settle_after=timedelta(0))
    worker = Worker(context, mailer or FileMailer(Path(tempfile.mkdtemp())))
    for _ in range(ticks):
        worker.tick()
    return worker
