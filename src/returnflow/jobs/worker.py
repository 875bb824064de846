"""The worker loop: sweeps, then the outbox, every few seconds until told to stop.

Two kinds of work. The clock's own moves (auto-close, auto-confirm, deadlines, retries,
credit expiry) happen only here. Everything else a tick does is a safety net: what
follows a change (a refund asked for at inspection or approval, an instant refund at
the first scan, a released approval, a called-off pickup, a completed request) runs on
the message bus right after the change is committed (bootstrap.py); the pollers find
what a failed handler, or a crash between commit and handler, left undone. The outbox
delivers what leaves the platform: mail, carrier calls, payments, webhooks.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
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
from returnflow.jobs.retention import DailyRetention
from returnflow.jobs.staff_notices import StaffNoticeJobs
from returnflow.jobs.tracking import TrackingJobs
from returnflow.notify.mailer import Mailer, mailer_from_settings

log = logging.getLogger("returnflow.worker")
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class TickReport:
    closed: int
    confirmed: int
    outbox: DispatchReport
    completed: int = 0  # delivered requests the bus left behind (safety net)


class Worker:
    """One process's loop; several may run side by side (claims and row locks)."""

    def __init__(self, context: AppContext, mailer: Mailer | None = None) -> None:
        self.context = context
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
        )

    def tick(self) -> TickReport:
        """One round: the clock's moves, the safety-net polls, then the outbox."""
        now = self.context.clock()
        closed = sweeps.close_unshipped(self.context, now)
        confirmed = sweeps.confirm_due(self.context, now)
        completed = sweeps.complete_delivered(self.context, now)
        sweeps.run_timers(self.context, now)  # issue 13: review, inspection deadlines
        self.staff_notices.tick(now)  # issue 13: deadlines at risk, handlers' safety net
        self.tracking.tick(now)
        self.refunds.tick(now)
        self.complaints.tick(now)  # R8.2: breached deadlines, escalated to a manager
        complaint_mail.poll(self.context, now)  # R8.1: complaints mailed to the inbound Maildir
        resolutions.sweep(self.context, now)
        from returnflow.jobs import disputes  # R8.3: the silent side loses at the deadline

        disputes.rule_overdue(self.context, now)
        liability.book_left_unbooked(self.context, now)  # R8.4: what the bus left
        self.webhooks.tick(now)  # R15.1: outbound webhooks, in outbox order per subscriber
        self.rollups.refresh(now)  # issue 14: KPI rollups (R9.4)
        self.incidents.tick(now)  # R13.1: monitors every 15 minutes open incidents
        self.reports.tick(now)  # R9.3: last week's / month's report once due
        self.retention.tick(now)
        self.application_documents.tick(now)  # rejected applications' documents, daily
        self.assessments.tick(now)  # issue 17: periodic assessments due or overdue, daily
        if self.counters_pruned_at is None or now - self.counters_pruned_at >= HOUR:
            sweeps.forget_quiet_counters(self.context, now)
            self.counters_pruned_at = now
        outbox = self.dispatcher.run_once(now)
        return TickReport(closed, confirmed, outbox, completed)

    def run(self, stop: threading.Event) -> None:
        interval = self.context.settings.worker_interval_seconds
        while not stop.is_set():
            try:
                report = self.tick()
                if _worth_logging(report):
                    log.info("worker: %s", report)
            except Exception:
                log.exception("worker tick failed; trying again next interval")
            stop.wait(interval)

    def start_thread(self) -> tuple[threading.Thread, threading.Event]:
        stop = threading.Event()
        thread = threading.Thread(
            target=self.run, args=(stop,), name="returnflow-worker", daemon=True
        )
        thread.start()
        return thread, stop


def _worth_logging(report: TickReport) -> bool:
    """A tick that moved something or delivered or gave up on a message."""
    outbox = report.outbox
    return bool(
        report.closed or report.confirmed or report.completed or outbox.sent or outbox.failed
    )
