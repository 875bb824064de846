"""The care advice to frequent returners (issue 15, R10.4), through the notice pipeline.

`care.advice` outbox messages carry their words (services/returner_care.py writes them
from domain/returner_care.py): this consumer keeps each in the customer's inbox and
sends it on the customer's channels exactly as jobs/notices.py does for the request
notices, once per channel (the delivery log), retried by the outbox when a channel fails.
"""

from __future__ import annotations

from typing import Any

from returnflow.app_context import AppContext
from returnflow.domain.notices import channels_for
from returnflow.domain.text import Text
from returnflow.jobs.notices import NoticeJobs, notice_key
from returnflow.jobs.outbox import Consumer
from returnflow.notify.mailer import Mailer
from returnflow.notify.sms import sms_from_settings


class CareNotices(NoticeJobs):
    def deliver(self, topic: str, payload: dict[str, Any]) -> None:
        subject, body = payload.get("subject") or {}, payload.get("body") or {}
        customer_id = str(payload.get("customer_id") or "")
        if not customer_id or not subject or not body:
            return
        words = (Text(subject["zh"], subject["en"]), Text(body["zh"], body["en"]))
        key, now = notice_key(topic, payload), self.context.clock()
        with self.context.uow() as uow:
            found = uow.notices.recipient(customer_id)
            uow.notices.keep(key, customer_id, topic, "", words, now)
            uow.commit(now)
        channels = channels_for(found.chosen, found.email, found.phone, self.sms is not None)
        errors = [
            error
            for channel in channels
            if (
                error := self._once(
                    key, channel, topic, customer_id, found.email, found.phone, words
                )
            )
        ]
        if errors:
            raise RuntimeError("; ".join(errors))


def care_consumer(context: AppContext, mailer: Mailer) -> Consumer:
    """The outbox consumer for `care.` topics."""
    return CareNotices(context, mailer, sms_from_settings(context.settings)).deliver
