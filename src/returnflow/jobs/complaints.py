"""The worker's complaint jobs (R8.2): breached deadlines each tick, and the invitation
to rate a resolved complaint by mail.

`tick` marks every clock that ran out (the first response, the resolution) and hands
the complaint to a manager (`services/complaints.flag_breaches`), in one transaction;
a lost race with an agent answering at that moment is left for the next tick. The
satisfaction invitation leaves through the outbox as "complaint.satisfaction_invite"
(a language-neutral payload); its bilingual words are in notify/notices.py, and it goes
by the customer's channels like every notice (jobs/notices.py: inbox, email, SMS).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from returnflow.app_context import AppContext
from returnflow.jobs.notices import NoticeJobs
from returnflow.notify.mailer import Mailer
from returnflow.notify.sms import sms_from_settings
from returnflow.services import complaints as complaint_service
from returnflow.services.unit_of_work import ConcurrentUpdate

log = logging.getLogger("returnflow.worker.complaints")


class ComplaintJobs:
    def __init__(self, context: AppContext, mailer: Mailer) -> None:
        self.context = context
        self.mailer = mailer
        self.notices = NoticeJobs(context, mailer, sms_from_settings(context.settings))

    def tick(self, now: datetime) -> int:
        """Breaches marked and escalated now (complaints touched)."""
        try:
            with self.context.uow() as uow:
                breached = complaint_service.flag_breaches(uow, now)
                if breached:
                    uow.commit(now)
        except ConcurrentUpdate:
            log.info("complaint breaches: a complaint changed meanwhile; next tick")
            return 0
        return breached

    def consumers(self) -> dict[str, Any]:
        return {complaint_service.SATISFACTION_INVITE: self.invite}

    def invite(self, topic: str, payload: dict[str, Any]) -> None:
        """The invitation to rate: inbox, email and/or SMS, once per channel (issue 13)."""
        words = {
            "customer_id": payload.get("customer_id") or "",
            "email": payload.get("email") or "",
            "note": payload.get("complaint_no", ""),
            "resolved_at": payload.get("resolved_at", ""),  # one notice per resolution
        }
        self.notices.deliver(topic, words)
