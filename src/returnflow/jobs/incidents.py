"""The worker evaluates the monitors every few minutes (issue 14, R13.1).

Each evaluation reads every monitor at the tick's moment in one transaction, keeps the
readings and opens an incident for each new breach (services/monitors.py); the incident's
`incident.opened` event reaches the managers through the bus. Two workers racing open
one incident: the second one's commit loses on the unique open key and is dropped.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from returnflow.app_context import AppContext
from returnflow.services import monitors
from returnflow.services.monitors import Evaluation
from returnflow.services.unit_of_work import ConcurrentUpdate

log = logging.getLogger("returnflow.incidents")
EVERY = timedelta(minutes=15)


class IncidentJobs:
    def __init__(self, context: AppContext, every: timedelta = EVERY) -> None:
        self.context = context
        self.every = every
        self.last_run: datetime | None = None

    def tick(self, now: datetime) -> Evaluation | None:
        """Evaluate when `every` has passed since the last evaluation; None otherwise."""
        if self.last_run is not None and now - self.last_run < self.every:
            return None
        self.last_run = now
        return evaluate_now(self.context, now)


def evaluate_now(context: AppContext, now: datetime) -> Evaluation | None:
    try:
        with context.uow() as uow:
            result = monitors.evaluate(uow, now)
            uow.commit(now)
    except ConcurrentUpdate:
        return None  # another worker evaluated at the same moment: its incidents stand
    if result.opened:
        log.info("monitors opened incidents %s", list(result.opened))
    return result
