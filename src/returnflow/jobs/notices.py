"""Customer notices on every channel (issue 13, R1.3, R7.3): email, SMS and the inbox.

The outbox's customer topics ("return.*") reach `deliver`. The notice is kept in the
customer's inbox, then mailed and/or texted by the channels `domain/notices.channels_for`
picks. Each channel's attempt is written to the delivery log, keyed by the notice (a
digest of topic and payload, the same on every retry of one outbox message) and the
channel: a channel already sent is skipped, so a message retried because SMS was
throttled never mails twice. A failed channel raises, and the outbox tries again with
its backoff; after its last attempt the message is marked failed there.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from returnflow.app_context import AppContext
from returnflow.domain.notices import EMAIL, SMS, NoticeOutcome, channels_for
from returnflow.domain.text import Text
from returnflow.jobs.outbox import Consumer
from returnflow.log_privacy import describe_error
from returnflow.notify.mailer import Mailer
from returnflow.notify.notices import notice_mail, render_notice
from returnflow.notify.sms import SmsSender, sms_from_settings


def notice_key(topic: str, payload: dict[str, Any]) -> str:
    """The same for every retry of one outbox message (its topic and payload)."""
    canonical = json.dumps([topic, payload], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def sms_text(words: tuple[Text, Text]) -> str:
    subject, body = words
    return f"【ReturnFlow】{subject.zh}\n{body.zh}\n{subject.en}\n{body.en}"


class NoticeJobs:
    def __init__(self, context: AppContext, mailer: Mailer, sms: SmsSender | None) -> None:
        self.context, self.mailer, self.sms = context, mailer, sms

    def deliver(self, topic: str, payload: dict[str, Any]) -> None:
        words = render_notice(topic, payload)
        if words is None:
            return
        key, now = notice_key(topic, payload), self.context.clock()
        customer_id = str(payload.get("customer_id") or "")
        with self.context.uow() as uow:
            found = uow.notices.recipient(customer_id)
            if customer_id:
                uow.notices.keep(
                    key, customer_id, topic, str(payload.get("rma_no", "")), words, now
                )
                uow.commit(now)
        email = str(payload.get("email") or found.email)
        channels = channels_for(found.chosen, email, found.phone, self.sms is not None)
        errors = [
            error
            for channel in channels
            if (error := self._once(key, channel, topic, customer_id, email, found.phone, words))
        ]
        if errors:
            raise RuntimeError("; ".join(errors))

    def _once(
        self,
        key: str,
        channel: str,
        topic: str,
        customer_id: str,
        email: str,
        phone: str,
        words: tuple[Text, Text],
    ) -> str | None:
        """Send on one channel unless the log says it was sent; the error, if any."""
        with self.context.uow() as uow:
            if uow.notices.sent(key, channel):
                return None
        provider_id, error = "", None
        try:
            provider_id = self._send(channel, email, phone, words, key)
        except Exception as exc:
            error = f"{channel}: {describe_error(exc)}"[:2000]
        now = self.context.clock()
        with self.context.uow() as uow:
            outcome = NoticeOutcome(key, channel, topic, customer_id, error, provider_id)
            uow.notices.record(outcome, now)
            uow.commit(now)
        return error

    def _send(
        self, channel: str, email: str, phone: str, words: tuple[Text, Text], key: str
    ) -> str:
        if channel == SMS and self.sms is not None:
            return self.sms.send(phone, sms_text(words))
        if channel == EMAIL:
            mail = notice_mail(words, email, self.context.settings.mail_from)
            # issue 11: a worker killed after the server took the mail but before the log
            # says so sends it again on redelivery; the same Message-ID lets mail clients
            # show it once
            mail.replace_header("Message-ID", f"<notice.{key}@returnflow.example>")
            self.mailer.send(mail)
        return ""


def notice_consumer(context: AppContext, mailer: Mailer) -> Consumer:
    """The outbox consumer for customer topics; SMS when Twilio's keys are set."""
    return NoticeJobs(context, mailer, sms_from_settings(context.settings)).deliver
