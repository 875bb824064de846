"""Reminders of periodic assessments (issue 17): once a UTC day, each person once.

`services/training_schedule.remind` notifies whoever has an assessment due within the
week or overdue; each notification's key names the person, kind, due date and state,
so a second run the same day (another worker, a restart) notifies nobody twice.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from returnflow.app_context import AppContext
from returnflow.services import training_schedule

log = logging.getLogger("returnflow.training")


class DailyAssessmentReminders:
    """The worker ticks every few seconds; this lets the reminders through once per UTC day."""

    def __init__(self, context: AppContext) -> None:
        self.context = context
        self.last_day: date | None = None

    def tick(self, now: datetime) -> int | None:
        if self.last_day == now.date():
            return None
        with self.context.uow() as uow:
            made = training_schedule.remind(uow, now)
            uow.commit(now)
        self.last_day = now.date()
        if made:
            log.info("training: %d assessment reminders", made)
        return made
