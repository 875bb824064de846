"""Countdowns on the pages (issue 13): the deadlines services/timers.py acts on.

Registered as the template global `countdowns(rma, request)`: the running deadlines
of a request under this process's settings, for the party who must act.
"""

from __future__ import annotations

from starlette.requests import Request

from returnflow.domain.returns import ReturnRequest
from returnflow.services.timers import Countdowns, TimerRules
from returnflow.services.timers import countdowns as running
from returnflow.web import templating


def countdowns(rma: ReturnRequest, request: Request) -> Countdowns:
    rules = TimerRules.from_settings(request.app.state.context.settings)
    return running(rma, rules)


for _environment in templating._ENVIRONMENTS.values():
    _environment.globals["countdowns"] = countdowns
