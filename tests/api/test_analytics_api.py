"""The KPI API answers what a hand count over a small planted data set gives (issue 14,
R9.1, R9.4), on SQLite and PostgreSQL; merchants see only their own numbers; bad
periods are problems in both languages. The data: tests/api/test_analytics_planted.py.

Hand count, local days 2026-11-01..11-30 (orders delivered in the period: O1 3 units,
O2 3, O3 4, O4 1; O5 delivered 10-31 local and O6 never delivered are outside):
units delivered 11, orders 4; returned R1 1 + R3 2 + R4 1 = 4 (R2 rejected, R6
cancelled, R5's order is outside); refunds paid on counted lines: R1 8900 + R4 5000.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.services import analytics
from tests.api.test_analytics_planted import plant

RATES = "/api/v1/analytics/return-rates"
KPIS = "/api/v1/analytics/kpis"
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


@pytest.fixture
def planted(context: AppContext) -> None:
    plant(context)
    with context.uow(publish=False) as uow:
        analytics.rebuild(uow, context.clock())
        uow.commit(context.clock())


def _rates(client: TestClient, group_by: str, **params: str) -> list[tuple[Any, ...]]:
    answer = client.get(RATES, params={**NOVEMBER, "group_by": group_by, **params})
    assert answer.status_code == 200, answer.text
    return [
        (
            r["key"],
            r["orders"],
            r["units_delivered"],
            r["units_returned"],
            r["return_rate"],
            r["refund_amount"],
        )
        for r in answer.json()["rows"]
    ]


def test_return_rates_by_each_grouping_are_the_hand_count(
    client: TestClient, planted: None
) -> None:
    assert _rates(client, "category") == [
        ("baby", 2, 5, 3, 0.6, 8900),  # O1 line 1 (2) + O2 (3); R1 1 + R3 2
        ("home", 1, 4, 1, 0.25, 5000),
        ("toys", 2, 2, 0, 0.0, 0),  # R2 was rejected
    ]
    assert _rates(client, "merchant") == [
        ("m-a", 3, 7, 3, 0.4286, 8900),
        ("m-b", 1, 4, 1, 0.25, 5000),
    ]
    assert _rates(client, "day") == [
        ("2026-11-01", 1, 1, 0, 0.0, 0),  # O4: 10-31 16:00 UTC is 11-01 local
        ("2026-11-03", 1, 3, 1, 0.3333, 8900),
        ("2026-11-04", 1, 3, 2, 0.6667, 0),  # O2: 11-03 17:00 UTC is 11-04 local
        ("2026-11-10", 1, 4, 1, 0.25, 5000),
    ]
    assert _rates(client, "sku") == [
        ("A1", 2, 5, 3, 0.6, 8900),
        ("A2", 2, 2, 0, 0.0, 0),
        ("B1", 1, 4, 1, 0.25, 5000),
    ]
    # a reason's or carrier's returns against every unit delivered in scope
    assert _rates(client, "reason") == [
        ("not_as_described", 4, 11, 2, 0.1818, 0),
        ("quality", 4, 11, 2, 0.1818, 13900),
    ]
    assert _rates(client, "carrier") == [
        ("sf", 4, 11, 2, 0.1818, 13900),
        ("zto", 4, 11, 2, 0.1818, 0),
    ]


def _kpis(client: TestClient, **params: str) -> dict[str, dict[str, Any]]:
    answer = client.get(KPIS, params={**NOVEMBER, **params})
    assert answer.status_code == 200, answer.text
    return {k["name"]: k for k in answer.json()["kpis"]}


def test_every_kpi_is_the_hand_count_with_its_inputs(client: TestClient, planted: None) -> None:
    k = _kpis(client)
    assert k["return_rate"]["value"] == 0.3636
    assert k["return_rate"]["inputs"] == {"units_returned": 4, "units_delivered": 11, "orders": 4}
    # submit → approve: R1 30 min, R3 20 min, R4 10 min: median 20 min, p90 30 min
    stage = k["stage_filed_decided"]
    assert (stage["value"], stage["unit"]) == (1200, "seconds")
    assert stage["inputs"] == {
        "count": 3,
        "p50_seconds": 1200,
        "p90_seconds": 1800,
        "mean_seconds": 1200,
    }
    assert k["stage_decided_shipped"]["inputs"]["p50_seconds"] == 5400  # 90 min
    assert k["stage_shipped_received"]["value"] == 86400
    assert k["stage_received_inspected"]["value"] == 3600
    assert k["stage_inspected_refunded"]["value"] == 90000  # 25 h
    assert k["stage_refunded_completed"]["value"] == 3600
    # refund cycle: R1 filed 11-04 00:00, paid 11-06 04:00 (52 h); R4 48 h
    cycle = k["refund_cycle"]["inputs"]
    assert (cycle["p50_seconds"], cycle["p90_seconds"]) == (172800, 187200)
    assert k["complaint_first_response"]["value"] == 2700
    assert k["complaint_resolution"]["value"] == 86400
    assert k["complaint_rate"]["value"] == 0.75  # 3 complaints ÷ 4 orders
    assert k["csat"]["value"] == 66.67 and k["csat"]["inputs"] == {"satisfied": 2, "answers": 3}
    assert k["nps"]["value"] == 0.0
    assert k["nps"]["inputs"] == {"promoters": 1, "detractors": 1, "answers": 3}
    assert k["logistics_cost_per_return"]["value"] == 1550  # (2100 + 1000) ÷ 2
    assert k["recovery_value"]["inputs"] == {"value": 8900, "units": 1}  # the scrap is not
    compliance = k["refund_deadline_compliance"]
    assert compliance["value"] == 0.5
    assert compliance["inputs"] == {
        "on_time": 1,
        "with_deadline": 2,
        "paid": 2,
        "paid_amount": 13900,
    }
    assert k["return_rate"]["label_zh"].startswith("退货率")


def test_a_merchant_sees_only_its_own_numbers(
    client: TestClient, planted: None, tokens: Any
) -> None:
    client.headers["Authorization"] = f"Bearer {tokens(Role.MERCHANT, merchant_id='m-a')}"
    assert [r[0] for r in _rates(client, "merchant")] == ["m-a"]
    k = _kpis(client)
    assert k["return_rate"]["inputs"] == {"units_returned": 3, "units_delivered": 7, "orders": 3}
    assert k["complaint_rate"]["inputs"] == {"complaints": 1, "orders": 3}
    assert k["nps"]["inputs"] == {"promoters": 1, "detractors": 0, "answers": 2}
    assert _kpis(client, merchant="m-a")["return_rate"]["value"] == 0.4286
    refused = client.get(KPIS, params={**NOVEMBER, "merchant": "m-b"})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_staff_may_pick_a_merchant(client: TestClient, planted: None) -> None:
    assert _rates(client, "category", merchant="m-b") == [("home", 1, 4, 1, 0.25, 5000)]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from": "2026-11-31", "to": "2026-11-30"}, "date_invalid"),
        ({"from": "2026-12-01", "to": "2026-11-30"}, "date_range_reversed"),
        ({"from": "2025-01-01", "to": "2026-11-30"}, "date_range_too_long"),
    ],
)
def test_bad_periods_are_problems_in_both_languages(
    client: TestClient, params: dict[str, str], code: str
) -> None:
    for url, extra in ((RATES, {"group_by": "day"}), (KPIS, {})):
        answer = client.get(url, params={**params, **extra})
        assert answer.status_code == 422, answer.text
        body = answer.json()
        assert body["code"] == code
        en = client.get(url, params={**params, **extra}, headers={"Accept-Language": "en"})
        assert en.json()["detail"] != body["detail"] and en.json()["code"] == code


def test_an_unknown_grouping_is_refused(client: TestClient) -> None:
    assert client.get(RATES, params={**NOVEMBER, "group_by": "colour"}).status_code == 422


def test_a_customer_facing_role_may_not_read_the_numbers(client: TestClient, tokens: Any) -> None:
    client.headers["Authorization"] = f"Bearer {tokens(Role.WAREHOUSE)}"
    assert client.get(KPIS, params=NOVEMBER).status_code == 403
