"""Staff and merchant notifications in the worker (issue 13): the sweep and the mail.

`sweep` makes the notifications no event makes (at most every `SWEEP_EVERY`): a merchant's
request that is approved by silence within 24 h ("answer within …", once per wait), and a
dispute whose evidence deadline passed and now waits for a mediator. `recover` is the
safety net behind the bus handlers (at most every `RECOVER_EVERY`): the notifications the
events of the last `LOOKBACK` should have made, made now if a failed handler or a crash
left them unmade. `StaffNoticeJobs.deliver` consumes the outbox's `notify.staff_mail`
messages: the merchant's notification, mailed in both languages to each of its accounts
with an address, each at most once (a retried message skips the accounts already sent; a
failure raises, the outbox retries).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from returnflow.app_context import AppContext
from returnflow.domain.lifecycle import Status
from returnflow.domain.staff_notice_words import RULES
from returnflow.domain.staff_notices import REVIEW_WARNING, AudienceKind, StaffNotice
from returnflow.domain.text import DomainError
from returnflow.jobs.outbox import Consumer
from returnflow.log_privacy import describe_error
from returnflow.notify.mail_policy import new_message
from returnflow.notify.mailer import Mailer
from returnflow.services import staff_notice_handlers as handlers
from returnflow.services import timers
from returnflow.services.staff_notices import MAIL_TOPIC
from returnflow.services.unit_of_work import ConcurrentUpdate
from returnflow.storage.staff_notices import MailRecipient


def sweep(context: AppContext, now: datetime) -> int:
    """Review deadlines at risk and disputes waiting for a mediator; how many were made."""
    return warn_review_due(context, now) + tell_mediators(context, now)


# the sweep's pace: deadlines are announced within a minute, not re-checked every tick
SWEEP_EVERY = timedelta(minutes=1)
# the safety net: how far back, how often, how fresh an event is left to its handler
LOOKBACK = timedelta(minutes=30)
RECOVER_EVERY = timedelta(minutes=5)
SETTLE = timedelta(minutes=1)
SCAN = 20_000  # at most this many of the newest outbox rows are read per pass


def recover(context: AppContext, now: datetime) -> int:
    """What the events committed in the last `LOOKBACK` should have made; how many were missing.

    Events younger than `SETTLE` are left to their handler, which is running right now;
    the next pass looks at them. An event that happened long before it was committed (the
    demo writes months of history at once) is not news: it is left alone. Idempotent
    through the dedupe keys.
    """
    since = now - LOOKBACK
    try:
        with context.uow() as uow:
            stored = uow.staff_notices.recent_events(tuple(RULES), since, now - SETTLE, SCAN)
            events = [(name, data) for name, data in stored if _happened_since(data, since)]
            made = handlers.notify_missed(uow, events, now) if events else 0
            if made:
                uow.commit(now)
    except (ConcurrentUpdate, DomainError):
        return 0  # a handler made one meanwhile; the next pass looks again
    return made


def _happened_since(data: dict[str, Any], since: datetime) -> bool:
    try:
        return datetime.fromisoformat(str(data.get("occurred_at"))) >= since
    except (TypeError, ValueError):
        return True  # no time of its own: its commit was recent


def warn_review_due(context: AppContext, now: datetime) -> int:
    rules = timers.TimerRules.from_settings(context.settings)
    # waiting since at or before (deadline - 24 h) ⇔ entered <= now + 24 h - review days
    cutoff = now + REVIEW_WARNING - timedelta(days=rules.review_days) + timedelta(microseconds=1)
    with context.uow() as uow:
        waiting = uow.journeys.resting_since([Status.PENDING_REVIEW], cutoff)
    made = 0
    for rma_no in waiting:
        try:
            with context.uow() as uow:
                if handlers.warn_review_due(uow, rma_no, rules, now):
                    uow.commit(now)
                    made += 1
        except (ConcurrentUpdate, DomainError):
            continue  # the next sweep looks again; the dedupe key keeps it once
    return made


def tell_mediators(context: AppContext, now: datetime) -> int:
    with context.uow() as uow:
        waiting = uow.staff_notices.disputes_under_review()
    made = 0
    for dispute_no, _rma_no in waiting:
        try:
            with context.uow() as uow:
                if handlers.tell_mediators(uow, dispute_no, now):
                    uow.commit(now)
                    made += 1
        except (ConcurrentUpdate, DomainError):
            continue
    return made


def staff_mail(notice: StaffNotice, address: str, mail_from: str) -> EmailMessage:
    """A notification as an e-mail: Chinese first, English after it."""
    message = new_message()
    message["From"] = mail_from
    message["To"] = address
    message["Subject"] = f"{notice.subject.zh} / {notice.subject.en}"
    message["Message-ID"] = make_msgid(domain="returnflow.example")
    message.set_content(
        f"{notice.body.zh}\n在控制台查看：{notice.link}\n\n— ReturnFlow 退换货平台\n\n"
        f"{notice.body.en}\nOpen it in the console: {notice.link}\n\n— ReturnFlow Returns\n"
    )
    return message


class StaffNoticeJobs:
    """The worker's part: `tick` sweeps, `consumers` mails."""

    def __init__(self, context: AppContext, mailer: Mailer) -> None:
        self.context, self.mailer = context, mailer
        self.recovered_at: datetime | None = None  # the safety net's last pass
        self.swept_at: datetime | None = None  # the deadlines sweep's last pass

    def tick(self, now: datetime) -> int:
        made = 0
        if self.swept_at is None or now - self.swept_at >= SWEEP_EVERY:
            made += sweep(self.context, now)
            self.swept_at = now
        if self.recovered_at is None or now - self.recovered_at >= RECOVER_EVERY:
            made += recover(self.context, now)
            self.recovered_at = now
        return made

    def consumers(self) -> dict[str, Consumer]:
        return {MAIL_TOPIC: self.deliver}

    def deliver(self, topic: str, payload: dict[str, Any]) -> None:
        del topic
        with self.context.uow() as uow:
            found = uow.staff_notices.by_key(str(payload.get("dedupe_key", "")))
            if found is None or found[2].kind is not AudienceKind.MERCHANT:
                return
            notice_id, notice, audience = found
            recipients = uow.staff_notices.merchant_recipients(audience.value)
        errors = [error for who in recipients if (error := self._once(notice_id, notice, who))]
        if errors:
            raise RuntimeError("; ".join(errors))

    def _once(self, notice_id: int, notice: StaffNotice, who: MailRecipient) -> str | None:
        """Mail one account unless the log says it was sent; the error, if any."""
        with self.context.uow() as uow:
            if uow.staff_notices.mailed(notice_id, who.user_id):
                return None
        error = None
        try:
            self.mailer.send(staff_mail(notice, who.address, self.context.settings.mail_from))
        except Exception as exc:
            error = f"mail to account {who.user_id}: {describe_error(exc)}"[:2000]
        now = self.context.clock()
        with self.context.uow() as uow:
            uow.staff_notices.record_mail(notice_id, who, error, now)
            uow.commit(now)
        return error
