"""The demo's festival surge opens incidents when the monitors replay its past (issue 14).

Nine days after the 11.11 sales festival, with five weeks of history before it: the
replay opens incidents only after the festival, the older ones worked to a review, the
recent ones still open; replaying again opens nothing twice.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from tempfile import TemporaryDirectory

from returnflow.app_context import AppContext
from returnflow.config import Settings
from returnflow.demo import incidents as demo_incidents
from returnflow.demo.accounts import create_demo_accounts
from returnflow.demo.generator import generate
from returnflow.domain.incidents import IncidentStatus
from returnflow.services import incident_rota, incidents, reports
from returnflow.storage.scratch import scratch_database

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
FESTIVAL = date(2026, 11, 11)
ORDERS = 3_300  # about 41 days of a busy shop: the festival and 28 days before it


def test_the_festival_surge_opens_incidents() -> None:
    with scratch_database("sqlite") as url, TemporaryDirectory() as uploads:
        context = AppContext.from_settings(Settings(database_url=url, upload_dir=uploads))
        try:
            generate(context, orders=ORDERS, seed=7, now=NOW)
            opened = demo_incidents.replay(context, NOW)
            assert opened
            with context.uow() as uow:
                found = incidents.listing(uow)
            after = [i for i in found if i.opened_at.date() > FESTIVAL]
            assert after and all(not i.drill for i in found)
            assert {i.kind for i in after} & {"return_rate", "backlog", "complaint_rate"}
            for incident in found:
                if (NOW - incident.opened_at) >= demo_incidents.WORKED:
                    assert incident.status is IncidentStatus.CLOSED and incident.review
                else:
                    assert incident.status is IncidentStatus.OPEN
            assert any(i.status is IncidentStatus.OPEN for i in after)
            assert demo_incidents.replay(context, NOW) == []  # replayed once only
        finally:
            context.engine.dispose()


def test_the_demo_rota_covers_the_replay_and_two_weeks_ahead(context: AppContext) -> None:
    """Day and night shifts in turn between the manager and the admin, with no gap."""
    create_demo_accounts(context, seed=7, now=NOW)
    demo_incidents._seed_rota(context, NOW)
    demo_incidents._seed_rota(context, NOW)  # once only
    with context.uow() as uow:
        first = NOW - demo_incidents.REPLAY
        who = [
            incident_rota.on_call_at(uow, first + timedelta(hours=h)) for h in range(0, 24 * 44, 6)
        ]
        shifts = uow.on_call.overlapping(first, NOW + demo_incidents.AHEAD)
    assert all(len(found) == 1 for found in who)  # always exactly one person on call
    assert {found[0].member.username for found in who} == {"manager", "admin"}
    local = [s.starts_at.astimezone(demo_incidents.ZONE).hour for s in shifts]
    assert set(local) == {8, 20}
    assert [s.member.username for s in shifts[:2]] in (["manager", "admin"], ["admin", "manager"])
    assert len({s.member.username for s in shifts[::2]}) == 1  # day shifts: one person
    with context.uow() as uow:
        manager = next(s.member for s in shifts if s.member.username == "manager")
        subscribed = reports.subscription(uow, manager.user_id)
        assert reports.has_address(uow, manager.user_id)
    assert subscribed is not None and "week" in subscribed.kinds  # the weekly report by mail
