"""The applicant's mail (issue 15): the outbox topic `onboarding.mail`, sent over SMTP.

The words were made when the step was stored (services/onboarding_mail.py); this only
sends them. A failure raises, and the outbox tries again with its backoff.
"""

from __future__ import annotations

from email.utils import make_msgid
from typing import Any

from returnflow.app_context import AppContext
from returnflow.jobs.outbox import Consumer
from returnflow.notify.mail_policy import new_message
from returnflow.notify.mailer import Mailer
from returnflow.services.onboarding_mail import MAIL_TOPIC


def consumers(context: AppContext, mailer: Mailer) -> dict[str, Consumer]:
    def deliver(topic: str, payload: dict[str, Any]) -> None:
        del topic
        to = str(payload.get("to") or "")
        if not to:
            return
        message = new_message()
        message["From"] = context.settings.mail_from
        message["To"] = to
        message["Subject"] = str(payload.get("subject", ""))[:300]
        message["Message-ID"] = make_msgid(domain="returnflow.example")
        message.set_content(str(payload.get("body", "")))
        mailer.send(message)

    return {MAIL_TOPIC: deliver}
