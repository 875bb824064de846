"""The risk register over the API (issue 15, R10.1, R10.2), on SQLite and PostgreSQL.

Seeded with the five risk types of seed 000 §6.1.1 on the first read; edits rate a risk
at the level boundaries (4 × 4 = 16 high, 4 × 5 = 20 critical …) and keep a history;
the indicators show what the monitors read from a planted day of orders and returns.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.monitors import Indicator, Reading, Scope, baseline_of
from returnflow.services import incidents as incident_service
from returnflow.services import monitors as monitor_service
from tests.support.apps import shared_app
from tests.support.clock import FakeClock

OrderPayload = Callable[..., dict[str, Any]]
URL = "/api/v1/risk/register"
CODES = {
    "product_quality",
    "logistics",
    "after_sales_service",
    "information_asymmetry",
    "malicious_returns",
}


def _edit(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "probability": 3,
        "impact": 3,
        "owner": "",
        "mitigation": "抽检 / spot checks",
        "status": "mitigating",
        "review_on": "2027-01-15",
    }
    body.update(changes)
    return body


def test_seeded_with_the_five_types_in_the_seeds_words(client: TestClient) -> None:
    found = client.get(URL)
    assert found.status_code == 200, found.text
    risks = found.json()
    assert {r["code"] for r in risks} == CODES
    names = {r["code"]: r["name"]["zh"] for r in risks}
    assert names["information_asymmetry"] == "信息不对称风险"
    assert names["malicious_returns"] == "消费者恶意退换货"
    assert all(r["rating"] == 9 and r["level"] == "medium" for r in risks)
    assert client.get(URL).json() == risks  # the second read seeds nothing more


@pytest.mark.parametrize(
    ("p", "i", "level"),
    [(2, 2, "low"), (1, 5, "medium"), (3, 3, "medium"), (2, 5, "high"), (4, 4, "high"),
     (4, 5, "critical"), (5, 5, "critical")],
)  # fmt: skip
def test_levels_at_their_boundaries(client: TestClient, p: int, i: int, level: str) -> None:
    done = client.put(f"{URL}/logistics", json=_edit(probability=p, impact=i))
    assert done.status_code == 200, done.text
    assert (done.json()["rating"], done.json()["level"]) == (p * i, level)


def test_an_edit_keeps_its_history(client: TestClient, tokens: Callable[..., str]) -> None:
    tokens(Role.AGENT, username="li.na")
    first = client.put(f"{URL}/product_quality", json=_edit(probability=4, impact=4))
    assert first.json()["level"] == "high"
    second = client.put(
        f"{URL}/product_quality", json=_edit(probability=4, impact=4, owner="li.na")
    )
    assert second.json()["owner"] == "li.na" and second.json()["owner_name"] == "li.na"
    same = client.put(f"{URL}/product_quality", json=_edit(probability=4, impact=4, owner="li.na"))
    assert same.status_code == 200
    history = client.get(f"{URL}/product_quality/history").json()
    assert len(history) == 2  # an edit that changes nothing leaves no row
    assert history[0]["changes"] == {"owner": ["", "li.na"]}
    assert history[1]["actor"] == "admin:root"
    assert history[1]["changes"]["probability"] == ["3", "4"]
    assert history[1]["changes"]["status"] == ["identified", "mitigating"]
    assert history[1]["changes"]["review_on"] == ["", "2027-01-15"]
    first_of_top = client.get(URL).json()[0]
    assert first_of_top["code"] == "product_quality"  # highest rating first


def test_bad_input_is_problem_json(client: TestClient, tokens: Callable[..., str]) -> None:
    tokens(Role.MERCHANT, merchant_id="m-babycare", username="shop.owner")
    cases = [
        ("logistics", _edit(probability=6), 422, None),
        ("logistics", _edit(mitigation=""), 422, None),
        ("logistics", {**_edit(), "extra": 1}, 422, None),
        ("logistics", _edit(status="done"), 422, None),
        ("logistics", _edit(owner="no.such"), 422, "owner_not_found"),
        ("logistics", _edit(owner="shop.owner"), 422, "owner_not_found"),  # not staff
        ("no_such_risk", _edit(), 404, "risk_not_found"),
        ("Bad-Code", _edit(), 422, None),
    ]
    for code, body, status, problem in cases:
        answer = client.put(f"{URL}/{code}", json=body)
        assert answer.status_code == status, (code, body, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        if problem:
            assert answer.json()["code"] == problem
    assert client.get(f"{URL}/nope/history").status_code == 404


def test_who_may_read_and_edit(context: AppContext, tokens: Callable[..., str]) -> None:

    agent = tokens(Role.AGENT, username="agent.wu")
    merchant = tokens(Role.MERCHANT, merchant_id="m-babycare", username="m.owner")
    manager = tokens(Role.MANAGER, username="mgr.zhao")
    with TestClient(shared_app(context)) as c:
        as_ = {
            name: {"Authorization": f"Bearer {t}"}
            for name, t in [("agent", agent), ("merchant", merchant), ("manager", manager)]
        }
        assert c.get(URL, headers=as_["agent"]).status_code == 200
        assert c.put(f"{URL}/logistics", json=_edit(), headers=as_["agent"]).status_code == 403
        assert c.get(URL, headers=as_["merchant"]).status_code == 403
        assert c.put(f"{URL}/logistics", json=_edit(), headers=as_["manager"]).status_code == 200


def test_indicators_show_the_monitors_readings_and_open_incidents(
    context: AppContext, client: TestClient, clock: FakeClock, order_payload: OrderPayload
) -> None:
    """One planted day: 4 orders of 3 units delivered, 2 units returned: 2 / 12 = 16.7 %."""
    for n in range(4):
        body = order_payload(
            order_no=f"SO-R{n}",
            customer={"id": f"c-r{n}", "name": "王小明", "phone": "13800138000"},
            delivered_at=(clock.now - timedelta(minutes=30)).isoformat(),
        )
        assert client.post("/api/v1/orders", json=body).status_code == 201
        if n < 2:
            filed = {
                "order_no": f"SO-R{n}",
                "type": "refund",
                "lines": [{"line_no": 2, "quantity": 1, "reason_code": "quality"}],
            }
            assert client.post("/api/v1/returns", json=filed).status_code == 201
    clock.now += timedelta(hours=1)
    now = clock.now
    with context.uow() as uow:
        monitor_service.evaluate(uow, now)
        category = next(
            m
            for m in uow.monitors.all()
            if m.indicator is Indicator.RETURN_RATE and m.scope is Scope.CATEGORY
        )
        spike = Reading(category.id, "baby", 0.5, 40, baseline_of([0.1] * 7), 0.2, True)
        opened = incident_service.open_for_breach(
            uow, category, spike, monitor_service.describe(category, spike), now
        )
        uow.commit(now)
    risks = {r["code"]: r for r in client.get(URL).json()}
    quality = risks["product_quality"]
    row = next(
        i for i in quality["indicators"]
        if i["indicator"] == "return_rate" and i["scope"] == "category"
    )  # fmt: skip
    assert row["key"] == "baby" and row["value"] == pytest.approx(2 / 12)
    assert row["read_at"] is not None and row["breached_keys"] == 0
    assert row["open_incidents"] == [opened]
    indicators = {i["indicator"] for i in risks["logistics"]["indicators"]}
    assert indicators == {"carrier_exception_rate", "backlog"}
    assert {i["indicator"] for i in quality["indicators"]} == {"return_rate", "complaint_rate"}
