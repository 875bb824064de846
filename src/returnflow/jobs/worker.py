"""The worker loop: sweeps, then the outbox, every few seconds until told to stop.

Two kinds of work. The clock's own moves (auto-close, auto-confirm, deadlines, retries,
credit expiry) happen only here. Everything else a tick does is a safety net: what
follows a change (a refund asked for at inspection or approval, an instant refund at
the first scan, a released approval, a called-off pickup, a completed request) runs on
the message bus right after the change is committed (bootstrap.py); the pollers find
what a failed handler, or a crash between commit and handler, left undone. The outbox
delivers what leaves the platform: mail, carrier calls, payments, webhooks.

Idle, the loop does not sweep every few seconds (issue 11: an idle server and worker
under 2 % of a core). Each interval it delivers the outbox and reads the newest outbox
id, which moves with every committed change that announced anything; the whole tick
runs when that id moved, when the last tick still found work, and otherwise every
`SWEEP_EVERY`: the clock's moves (deadlines of hours and days, retries of minutes) come
at most that much later, the safety nets look as often as before whenever anything
happens. `tick()` is still the whole round, for tests and benchmarks.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime, timedelta

from returnflow.app_context import AppContext
from returnflow.jobs import (
    complaint_mail,
    liability,
    onboarding,
    product_images,
    resolutions,
    sweeps,
)
from returnflow.jobs.analytics import AnalyticsJobs
from returnflow.jobs.carrier_calls import carrier_consumer
from returnflow.jobs.complaints import ComplaintJobs
from returnflow.jobs.incidents import IncidentJobs
from returnflow.jobs.notices import notice_consumer  # R1.3, R7.3: inbox, email, SMS
from returnflow.jobs.onboarding_retention import DailyDocumentRetention
from returnflow.jobs.outbox import DispatchReport, OutboxDispatcher
from returnflow.jobs.refunds import RefundJobs
from returnflow.jobs.relay import brokered, consuming  # issue 11: a real broker
from returnflow.jobs.retention import DailyRetention
from returnflow.jobs.staff_notices import StaffNoticeJobs
from returnflow.jobs.tracking import TrackingJobs
from returnflow.memory import settle_heap
from returnflow.notify.mailer import Mailer, mailer_from_settings

log = logging.getLogger("returnflow.worker")
HOUR = timedelta(hours=1)
SWEEP_EVERY = timedelta(seconds=30)  # the whole tick at least this often, even when idle
# messages one round delivers; a round that handled this many runs the next at once
OUTBOX_BATCH = 50


@dataclass(frozen=True)
class TickReport:
    closed: int
    confirmed: int
    outbox: DispatchReport
    completed: int = 0  # delivered requests the bus left behind (safety net)
    moved: int = 0  # what the other sweeps and safety nets moved, sent or retried


class Worker:
    """One process's loop; several may run side by side (claims and row locks)."""

    def __init__(
        self,
        context: AppContext,
        mailer: Mailer | None = None,
        sweep_every: timedelta = SWEEP_EVERY,
    ) -> None:
        self.context = context
        self.sweep_every = sweep_every
        self.swept: tuple[datetime, int] | None = None  # the last whole tick: when, newest id
        self.busy = True  # the last whole tick moved or delivered something
        # the last round handed out a full batch: the next delivers the rest, no sweeps
        # between (issue 11: a backlog drains at delivery speed)
        self.draining = False
        self.mailer = mailer or mailer_from_settings(context.settings)
        self.tracking = TrackingJobs(context, self.mailer)
        self.refunds = RefundJobs(context)
        self.complaints = ComplaintJobs(context, self.mailer)  # R8.2: breaches, invitations
        self.retention = DailyRetention(context)  # R14.1: anonymise once a day
        self.application_documents = DailyDocumentRetention(context)  # issue 15: rejected
        from returnflow.jobs.training import DailyAssessmentReminders  # issue 17

        self.assessments = DailyAssessmentReminders(context)  # due within a week, overdue
        from returnflow.jobs.webhooks import WebhookJobs  # R15.1: outbound webhooks

        self.webhooks = WebhookJobs(context)
        self.staff_notices = StaffNoticeJobs(context, self.mailer)  # keeps its safety net's pace
        self.incidents = IncidentJobs(context)  # issue 14: monitors (R13.1)
        self.rollups = AnalyticsJobs(context)  # issue 14: KPI rollups (R9.4)
        from returnflow.jobs.reports import ReportJobs  # issue 14: periodic reports (R9.3)

        self.reports = ReportJobs(context, self.mailer)  # weekly, monthly; their mail
        from returnflow.jobs.returner_care import care_consumer  # issue 15 (R10.4)

        self.counters_pruned_at: datetime | None = None  # throttle counters, hourly
        self.dispatcher = OutboxDispatcher(
            context.session_factory,
            {
                "return.": notice_consumer(context, self.mailer),
                "carrier.": carrier_consumer(context),
                **self.tracking.consumers(),
                **self.refunds.consumers(),
                **self.complaints.consumers(),
                **resolutions.consumers(context),
                **self.staff_notices.consumers(),  # issue 13: merchants' mail
                **self.reports.consumers(),  # issue 14: the periodic report's mail
                "care.": care_consumer(context, self.mailer),  # issue 15: care advice
                **onboarding.consumers(context, self.mailer),  # issue 15: applicants' mail
                **product_images.consumers(context),  # issue 16: product pictures, fetched once
            },
            max_attempts=context.settings.outbox_max_attempts,
            lease=timedelta(seconds=context.settings.outbox_lease_seconds),  # issue 11
        )
        self.dispatcher = brokered(context, self.dispatcher)  # issue 11: RETURNFLOW_BROKER_URL

    def tick(self) -> TickReport:
        """One round: the clock's moves, the safety-net polls, then the outbox."""
        now = self.context.clock()
        closed = sweeps.close_unshipped(self.context, now)
        confirmed = sweeps.confirm_due(self.context, now)
        completed = sweeps.complete_delivered(self.context, now)
        moved: list[object] = [sweeps.run_timers(self.context, now)]  # issue 13: deadlines
        moved.append(self.staff_notices.tick(now))  # issue 13: deadlines at risk, safety net
        moved.append(self.tracking.tick(now))
        moved.append(self.refunds.tick(now))
        moved.append(self.complaints.tick(now))  # R8.2: breached deadlines, escalated
        complaint_mail.poll(self.context, now)  # R8.1: complaints mailed to the inbound Maildir
        moved.append(resolutions.sweep(self.context, now))
        from returnflow.jobs import disputes  # R8.3: the silent side loses at the deadline

        moved.append(disputes.rule_overdue(self.context, now))
        moved.append(liability.book_left_unbooked(self.context, now))  # R8.4: what the bus left
        moved.append(self.webhooks.tick(now))  # R15.1: outbound webhooks, in outbox order
        self.rollups.tick(now)  # issue 14: KPI rollups (R9.4), at most every 10 s
        self.incidents.tick(now)  # R13.1: monitors every 15 minutes open incidents
        self.reports.tick(now)  # R9.3: last week's / month's report once due
        self.retention.tick(now)
        self.application_documents.tick(now)  # rejected applications' documents, daily
        self.assessments.tick(now)  # issue 17: periodic assessments due or overdue, daily
        if self.counters_pruned_at is None or now - self.counters_pruned_at >= HOUR:
            sweeps.forget_quiet_counters(self.context, now)
            self.counters_pruned_at = now
        outbox = self.dispatcher.run_once(now, OUTBOX_BATCH)
        return TickReport(closed, confirmed, outbox, completed, sum(map(_count, moved)))

    def step(self) -> TickReport:
        """What the loop runs each interval: the whole tick when something may wait for
        it (see the module's docstring), else the outbox alone; right after a full
        batch, the outbox alone again, without the interval's pause (`run`)."""
        now = self.context.clock()
        if self.draining:  # the last round handed out a full batch: the rest first
            report = TickReport(0, 0, self.dispatcher.run_once(now, OUTBOX_BATCH))
            self.draining = _handled(report.outbox) >= OUTBOX_BATCH
            return report
        with self.context.uow(publish=False) as uow:
            newest = uow.outbox.newest_id()
        last = self.swept
        if (
            self.busy
            or last is None
            or last[1] != newest
            or not (timedelta(0) <= now - last[0] < self.sweep_every)
        ):
            report = self.tick()
            self.swept, self.busy = (now, newest), _worth_logging(report) or report.moved > 0
        else:
            report = TickReport(0, 0, self.dispatcher.run_once(now, OUTBOX_BATCH))
        self.draining = _handled(report.outbox) >= OUTBOX_BATCH
        return report

    def run(self, stop: threading.Event) -> None:
        interval = self.context.settings.worker_interval_seconds
        settle_heap()  # what the worker built at start: the collector may skip it (memory.py)
        with consuming(self.dispatcher):  # issue 11: a broker's actors, in this process
            while not stop.is_set():
                try:
                    report = self.step()
                    if _worth_logging(report):
                        log.info("worker: %s", report)
                except Exception:
                    self.draining = False
                    log.exception("worker tick failed; trying again next interval")
                if not self.draining:  # more wait behind a full batch: no pause (issue 11)
                    stop.wait(interval)

    def start_thread(self) -> tuple[threading.Thread, threading.Event]:
        stop = threading.Event()
        thread = threading.Thread(
            target=self.run, args=(stop,), name="returnflow-worker", daemon=True
        )
        thread.start()
        return thread, stop


def _count(report: object) -> int:
    """How many things a step's report says it moved: an int, or a report's int fields."""
    if isinstance(report, bool) or report is None:
        return 0
    if isinstance(report, int):
        return report
    if is_dataclass(report):
        values = (getattr(report, f.name) for f in fields(report))
        return sum(v for v in values if isinstance(v, int) and not isinstance(v, bool))
    return 0


def _handled(outbox: DispatchReport) -> int:
    return outbox.sent + outbox.retried + outbox.failed


def _worth_logging(report: TickReport) -> bool:
    """A tick that moved something or delivered or gave up on a message."""
    outbox = report.outbox
    return bool(
        report.closed or report.confirmed or report.completed or outbox.sent or outbox.failed
    )
