"""Monitors over planted data open incidents, on SQLite and PostgreSQL (issue 14, R13.1).

Twenty-nine days of orders, each day four delivered (12 units of category "baby") and
one unit returned; on the last day the returns jump. The category's return-rate monitor
sees the jump against its 28-day baseline and opens exactly one incident, whose managers
hear at once; a second evaluation opens nothing more; without the jump, nothing opens.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.incidents import IncidentStatus
from returnflow.domain.monitors import Indicator, Scope, Severity
from returnflow.services import incidents as incident_service
from returnflow.services import monitors as monitor_service
from returnflow.services import staff_notices
from tests.support.clock import FakeClock

OrderPayload = Callable[..., dict[str, Any]]
DAYS = 29
ORDERS_A_DAY = 4


def _plant(
    client: TestClient, clock: FakeClock, order_payload: OrderPayload, last_day_returns: int
) -> None:
    start = clock.now
    for day in range(DAYS):
        clock.now = start + timedelta(days=day, hours=1)
        returns = last_day_returns if day == DAYS - 1 else 1
        for n in range(ORDERS_A_DAY):
            order_no = f"SO-{day}-{n}"
            body = order_payload(
                order_no=order_no,
                customer={"id": f"c-{day}-{n}", "name": "王小明", "phone": "13800138000"},
                placed_at=(clock.now - timedelta(days=3)).isoformat(),
                delivered_at=(clock.now - timedelta(minutes=30)).isoformat(),
            )
            assert client.post("/api/v1/orders", json=body).status_code == 201
            if n < returns:
                filed = {
                    "order_no": order_no,
                    "type": "refund",
                    "lines": [{"line_no": 2, "quantity": 1, "reason_code": "quality"}],
                }
                response = client.post("/api/v1/returns", json=filed)
                assert response.status_code == 201, response.text
    clock.now = start + timedelta(days=DAYS - 1, hours=2)


def _sensitive(context: AppContext) -> None:
    """The category monitor needs 10 units a day (the planted days have 12)."""
    now = context.clock()
    with context.uow() as uow:
        for m in monitor_service.ensure_defaults(uow, now):
            if m.indicator is Indicator.RETURN_RATE and m.scope is Scope.CATEGORY:
                values = monitor_service.ThresholdValues(1.5, 3.0, 10, Severity.HIGH, True)
                monitor_service.retune(uow, m.id, values, "manager:li", now)
        uow.commit(now)


def _evaluate(context: AppContext) -> monitor_service.Evaluation:
    now = context.clock()
    with context.uow() as uow:
        result = monitor_service.evaluate(uow, now)
        uow.commit(now)
    return result


def test_a_planted_spike_opens_exactly_one_incident(
    context: AppContext,
    client: TestClient,
    clock: FakeClock,
    order_payload: OrderPayload,
    tokens: Callable[..., str],
) -> None:
    tokens(Role.MANAGER, username="zhang.wei")
    _plant(client, clock, order_payload, last_day_returns=4)
    _sensitive(context)
    first = _evaluate(context)
    assert len(first.opened) == 1
    assert _evaluate(context).opened == ()  # the same breach: no second incident
    with context.uow() as uow:
        found = incident_service.listing(uow)
        assert [i.kind for i in found] == [Indicator.RETURN_RATE.value]
        incident = found[0]
        assert incident.status is IncidentStatus.OPEN and not incident.drill
        assert "Baby" in incident.title.en and incident.severity is Severity.HIGH
        assert "33.3%" in incident.summary.en and "8.3%" in incident.summary.en
        views = monitor_service.overview(uow, clock.now)
        category = next(v for v in views if v.monitor.scope is Scope.CATEGORY)
        assert category.breached and category.readings[0].key == "baby"
        manager = uow.accounts.credentials("zhang.wei")
        assert manager is not None
        heard = staff_notices.notices_for(uow, manager[0])
    assert [n.link for n in heard.notices] == [f"/staff/incidents/{incident.id}"]
    listed = client.get("/api/v1/incidents").json()
    assert [i["id"] for i in listed] == [incident.id]


def test_no_spike_opens_nothing(
    context: AppContext, client: TestClient, clock: FakeClock, order_payload: OrderPayload
) -> None:
    _plant(client, clock, order_payload, last_day_returns=1)
    _sensitive(context)
    result = _evaluate(context)
    assert result.opened == () and result.breaches == 0
    assert client.get("/api/v1/incidents").json() == []


def test_a_drill_worked_to_its_review_through_the_api(
    client: TestClient, tokens: Callable[..., str]
) -> None:
    tokens(Role.MANAGER, username="zhang.wei")
    made = client.post("/api/v1/incidents/drills", json={"kind": "backlog", "severity": "critical"})
    assert made.status_code == 201, made.text
    drill = made.json()
    assert drill["drill"] is True and drill["status"] == "open"
    assert drill["title"]["en"].startswith("Drill:") and drill["steps_total"] >= 5
    url = f"/api/v1/incidents/{drill['id']}/actions"
    assert client.post(url, json={"action": "acknowledge"}).status_code == 200
    owner = client.post(url, json={"action": "assign", "owner": "zhang.wei"})
    assert owner.json()["owner"] == "manager:zhang.wei"
    nobody = client.post(url, json={"action": "assign", "owner": "no.such"})
    assert nobody.status_code == 422 and nobody.json()["code"] == "owner_not_found"
    assert client.post(url, json={"action": "step", "step": 1}).json()["steps_done"] == 1
    early = client.post(url, json={"action": "close", "text": "复盘"})
    assert early.status_code == 409 and early.json()["code"] == "incident_wrong_status"
    assert client.post(url, json={"action": "mitigate", "text": "加派人手"}).status_code == 200
    blank = client.post(url, json={"action": "close", "text": "  "})
    assert blank.status_code == 422 and blank.json()["code"] == "review_required"
    closed = client.post(url, json={"action": "close", "text": "演练顺利，平均响应 6 分钟"})
    assert closed.json()["status"] == "closed" and closed.json()["review"].startswith("演练")
    actions = [
        e["action"] for e in client.get(f"/api/v1/incidents/{drill['id']}").json()["timeline"]
    ]
    assert actions == [
        "opened",
        "acknowledged",
        "assigned",
        "assigned",
        "step",
        "mitigated",
        "closed",
    ]


def test_monitor_thresholds_and_playbooks_are_edited(client: TestClient) -> None:
    monitors = client.get("/api/v1/monitors").json()
    assert {m["indicator"] for m in monitors} == {i.value for i in Indicator}
    target = monitors[0]["id"]
    body = {"factor": 2.5, "k_sd": 4, "min_volume": 50, "severity": "low", "enabled": False}
    changed = client.put(f"/api/v1/monitors/{target}", json=body)
    assert changed.status_code == 200 and changed.json()["factor"] == 2.5
    assert not changed.json()["enabled"]
    bad = client.put(f"/api/v1/monitors/{target}", json={**body, "factor": 0.5})
    assert bad.status_code == 422
    steps = [{"zh": "联系承运商", "en": "Call the carrier"}]
    saved = client.put(
        "/api/v1/playbooks/carrier_exception_rate",
        json={"title_zh": "承运商故障", "title_en": "Carrier outage", "steps": steps},
    )
    assert saved.status_code == 200, saved.text
    books = {b["kind"]: b for b in client.get("/api/v1/playbooks").json()}
    assert books["carrier_exception_rate"]["steps"] == steps
    one_language = client.put(
        "/api/v1/playbooks/backlog",
        json={"title_zh": "积压", "title_en": "Backlog", "steps": [{"zh": "加人", "en": ""}]},
    )
    assert one_language.status_code == 422
    assert one_language.json()["code"] == "step_needs_both_languages"


@pytest.mark.parametrize("role", [Role.AGENT, Role.MERCHANT, Role.FINANCE, Role.WAREHOUSE])
def test_only_incident_managers_see_incidents(
    context: AppContext, tokens: Callable[..., str], role: Role
) -> None:
    from tests.support.apps import shared_app

    token = tokens(role, merchant_id="m-babycare" if role is Role.MERCHANT else None)
    with TestClient(shared_app(context)) as other:
        other.headers["Authorization"] = f"Bearer {token}"
        for path in ("/api/v1/incidents", "/api/v1/monitors", "/api/v1/playbooks"):
            refused = other.get(path)
            assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
