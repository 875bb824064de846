"""The periodic report in the worker (issue 14, R9.3): produce on schedule, mail subscribers.

`ReportJobs.tick` produces last week's report once it is Monday 06:00 China Standard
Time and last month's once it is the 1st 06:00 CST, if it is not stored yet. The check
is cheap: the worker remembers which periods it has seen stored, so between those
mornings a tick costs no query at all; a missing report costs one lookup on the unique
key. A period in which nothing was delivered and nothing returned is not produced (an
empty install mails no empty reports); it is looked at again after `RECHECK`.

A fresh worker produces a missing report on its first tick: that is right (the report
is due and nobody made it), and a stored one costs it one lookup. Issue 11 found two
things wrong around it: the report was read from rollups that might still be catching
up (so it waits until they hold everything from before it fell due), and two workers
started together both rendered it (seconds of CPU each) for the unique key to keep one;
now one renders while holding a turn (storage/turns.py) and the other looks again next
tick. The unique key remains the last word against a producer outside the turn (the CLI).

`deliver` consumes the outbox's `report.mail` messages: one subscriber's mail with the
PDF in their language and the XLSX attached; a failure raises and the outbox retries.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.utils import make_msgid
from typing import Any

from returnflow.app_context import AppContext
from returnflow.domain import reports as rules
from returnflow.jobs.outbox import Consumer
from returnflow.notify.mail_policy import new_message
from returnflow.notify.mailer import Mailer
from returnflow.services import analytics, reports
from returnflow.services.unit_of_work import ConcurrentUpdate
from returnflow.storage.turns import alone

log = logging.getLogger("returnflow.reports")
RECHECK = timedelta(hours=1)


def _due_at(period: rules.ReportPeriod) -> datetime:
    """The moment the period's report fell due: its next day, DUE_HOUR local time."""
    return period.until + timedelta(hours=rules.DUE_HOUR)


class ReportJobs:
    def __init__(self, context: AppContext, mailer: Mailer) -> None:
        self.context, self.mailer = context, mailer
        self.stored: set[tuple[str, str]] = set()  # (kind, first day) known to be stored
        self.empty_at: dict[tuple[str, str], datetime] = {}  # found empty, when

    def tick(self, now: datetime) -> int:
        """Produce what is due and missing; how many reports were stored."""
        made = 0
        for kind in rules.KINDS:
            period = rules.due(kind, now)
            key = (kind, period.start.isoformat())
            if key in self.stored:
                continue
            seen = self.empty_at.get(key)
            if seen is not None and timedelta(0) <= now - seen < RECHECK:
                continue
            try:
                made += self._produce(period, key, now)
            except Exception:
                log.exception("periodic report %s: failed; trying again next tick", key)
        return made

    def _produce(self, period: rules.ReportPeriod, key: tuple[str, str], now: datetime) -> int:
        if not self._ready(period, key, now):
            return 0
        # one worker renders it; another that finds the turn taken looks again next tick
        # (and finds it stored): issue 11, two workers started together rendered it twice
        with alone(self.context.engine, f"report:{key[0]}:{key[1]}") as mine:
            if not mine:
                log.info("periodic report %s: another worker is producing it", key)
                return 0
            return self._store(period, key, now)

    def _ready(self, period: rules.ReportPeriod, key: tuple[str, str], now: datetime) -> bool:
        """Missing, with something to report, and the rollups it reads caught up with
        everything before the moment it fell due (a fresh worker's first tick may come
        while the rollups still work through a backlog: the report would be stored with
        numbers missing, for good). Not yet caught up: the next tick looks again."""
        with self.context.uow() as uow:
            if reports.existing(uow, period) is not None:
                self.stored.add(key)
                return False
            if not analytics.rollups_current(uow, _due_at(period)):
                log.debug("periodic report %s: waiting for the rollups to catch up", key)
                return False
            totals = analytics.kpis(uow, analytics.Period(period.start, period.end))
            inputs = totals.get("return_rate").inputs
            if not inputs["units_delivered"] and not inputs["units_returned"]:
                self.empty_at[key] = now
                return False
        return True

    def _store(self, period: rules.ReportPeriod, key: tuple[str, str], now: datetime) -> int:
        with self.context.uow() as uow:  # the turn's last holder may have just stored it
            if reports.existing(uow, period) is not None:
                self.stored.add(key)
                return 0
        with self.context.read_uow() as reads:  # numbers and files: off the primary's lock
            if not analytics.rollups_current(reads, _due_at(period)):
                return 0  # a replica not yet caught up with the primary: next tick
            prepared = reports.prepare(reads, period, now)
        try:
            with self.context.uow() as uow:
                made = reports.produce(uow, period, "worker", now, prepared)
                uow.commit(now)
        except ConcurrentUpdate:
            made = None  # stored meanwhile by a producer outside the turn (the CLI)
        self.stored.add(key)
        if made is not None and made.created:
            log.info("periodic report %s stored, %d mail(s) queued", key, made.mailed)
            return 1
        return 0

    def consumers(self) -> dict[str, Consumer]:
        return {reports.MAIL_TOPIC: self.deliver}

    def deliver(self, topic: str, payload: dict[str, Any]) -> None:
        del topic
        language = "en" if payload.get("language") == "en" else "zh"
        report_id = int(payload["report_id"])
        with self.context.uow() as uow:
            mail = reports.mail(uow, report_id, language)
        if mail is None:
            return  # the report was deleted: nothing to send
        message = new_message()
        message["From"] = self.context.settings.mail_from
        message["To"] = str(payload["to"])
        message["Subject"] = mail.subject
        message["Message-ID"] = make_msgid(domain="returnflow.example")
        message.set_content(mail.body)
        for file in mail.files:
            main, sub = file.media_type.split("/", 1)
            message.add_attachment(file.content, maintype=main, subtype=sub, filename=file.filename)
        self.mailer.send(message)
