"""The demo's monitors and incidents (issue 14, R13.1): the festival surge opens one.

The demo writes months of history at once, so no worker watched it happen. This step
plays the worker's evaluation once a simulated day over the last `REPLAY` days, each
at that day's moment: the returns that follow the 11.11 sales festival push some
category's return rate above its baseline and the monitors open incidents then, and the
managers' bells ring for them. Incidents older than `WORKED` were handled by the demo's
manager as a real one would be: acknowledged, its first steps done, mitigated, closed
with a review; the recent ones are still open for whoever signs in. Before the replay,
the demo's manager and admin (when their accounts exist) share an on-call rota over the
replayed month and the next two weeks, day and night shifts in turn, so each incident
gets the person on call as its owner. Deterministic for the same data; running it again
opens nothing twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from returnflow.app_context import AppContext
from returnflow.domain.incidents import IncidentStatus
from returnflow.services import incidents, monitors
from returnflow.services.incidents import Action

REPLAY = timedelta(days=30)
WORKED = timedelta(days=5)
MANAGER = "manager:demo"
ROTA = ("manager", "admin")  # demo accounts taking day (08:00–20:00) and night shifts in turn
AHEAD = timedelta(days=14)
ZONE = ZoneInfo("Asia/Shanghai")
_REVIEW = (
    "节后集中退货导致该指标短时超出基线；已抽检并通知商家整改，指标已回落。"
    " / Returns after the sales festival pushed the indicator past its baseline; "
    "goods were sampled, the merchant was told to fix the listing, and it fell back."
)


def replay(context: AppContext, now: datetime) -> list[int]:
    """Evaluate the monitors once a day over the last 30 days; the incidents opened."""
    with context.uow() as uow:
        if incidents.listing(uow):
            return []  # replayed before: the past is not evaluated twice
    _seed_rota(context, now)
    opened: list[int] = []
    day = now - REPLAY
    while day <= now:
        with context.uow() as uow:  # the bus runs: managers hear each incident
            opened.extend(monitors.evaluate(uow, day).opened)
            uow.commit(day)
        day += timedelta(days=1)
    for incident_id in opened:
        _work(context, incident_id, now)
    return opened


def _seed_rota(context: AppContext, now: datetime) -> None:
    """Twelve-hour shifts from the replay's first day to two weeks ahead, made-up past
    included (the repository takes them as given; the service refuses shifts in the past)."""
    with context.uow() as uow:
        members = {m.username: m.user_id for m in uow.on_call.members()}
        people = [members[name] for name in ROTA if name in members]
        if not people or uow.on_call.overlapping(now - REPLAY, now + AHEAD):
            return
        day = (now - REPLAY - timedelta(days=1)).astimezone(ZONE).date()
        start = datetime.combine(day, time(8), tzinfo=ZONE)
        turn = 0
        while start < now + AHEAD:
            end = start + timedelta(hours=12)
            who = people[turn % len(people)]
            uow.on_call.add(who, start.astimezone(UTC), end.astimezone(UTC), "system:demo", now)
            start, turn = end, turn + 1
        uow.commit(now)


def _work(context: AppContext, incident_id: int, now: datetime) -> None:
    with context.uow() as uow:
        found = incidents.incident(uow, incident_id)
        if found.status is not IncidentStatus.OPEN or now - found.opened_at < WORKED:
            return
        at = found.opened_at + timedelta(minutes=20)
        incidents.act(uow, incident_id, Action("acknowledge"), MANAGER, at)
        for number in (1, 2, 3):
            at += timedelta(hours=2)
            incidents.act(uow, incident_id, Action("step", step=number), MANAGER, at)
        at += timedelta(days=1)
        incidents.act(uow, incident_id, Action("mitigate", text="已加派质检人手"), MANAGER, at)
        at += timedelta(days=1)
        incidents.act(uow, incident_id, Action("close", text=_REVIEW), MANAGER, at)
        uow.commit(at)
