"""The demo's festival surge opens incidents when the monitors replay its past (issue 14).

Nine days after the 11.11 sales festival, with five weeks of history before it: the
replay opens incidents only after the festival, the older ones worked to a review, the
recent ones still open; replaying again opens nothing twice.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from tempfile import TemporaryDirectory

from returnflow.app_context import AppContext
from returnflow.config import Settings
from returnflow.demo import incidents as demo_incidents
from returnflow.demo.generator import generate
from returnflow.domain.incidents import IncidentStatus
from returnflow.services import incidents
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
