"""Incident and monitor pages name what breached (issue 14, R13.1): no merchant ids, bare SKUs
or carrier codes where a name exists. Planted: one order of 贝亲母婴旗舰店 (m-babycare) with
the SKU BOTTLE-240, then breaches keyed by that merchant, that SKU, the demo carrier and a
category, opened and recorded through the services on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain import monitors as rules
from returnflow.domain.access import Role
from returnflow.domain.monitors import Indicator, Scope
from returnflow.services import incidents, monitors
from tests.support.clock import FakeClock
from tests.test_console_pages import sign_in

KEYS = {
    (Indicator.RETURN_RATE, Scope.MERCHANT): "m-babycare",
    (Indicator.RETURN_RATE, Scope.SKU): "BOTTLE-240",
    (Indicator.CARRIER_EXCEPTION_RATE, Scope.CARRIER): "simulated",
    (Indicator.RETURN_RATE, Scope.CATEGORY): "baby",
}


@pytest.fixture
def breaches(
    client: TestClient,
    context: AppContext,
    clock: FakeClock,
    order_payload: Callable[..., dict[str, Any]],
) -> dict[str, int]:
    body = order_payload(merchant_name="贝亲母婴旗舰店")
    assert client.post("/api/v1/orders", json=body).status_code in (200, 201)
    opened: dict[str, int] = {}
    now = clock.now
    with context.uow() as uow:
        for monitor in monitors.ensure_defaults(uow, now):
            key = KEYS.get((monitor.indicator, monitor.scope))
            if key is None:
                continue
            reading = rules.read(monitor, key, 0.5, 500, [0.05, 0.06, 0.05, 0.04, 0.05, 0.06, 0.05])
            assert reading.breached
            made = incidents.open_for_breach(
                uow, monitor, reading, monitors.describe(monitor, reading), now
            )
            assert made is not None
            opened[key] = made
            uow.monitors.record(monitor.id, [reading], now)
        uow.commit(now)
    return opened


@pytest.fixture
def manager(context: AppContext, tokens: Callable[..., str]) -> Iterator[TestClient]:
    tokens(Role.MANAGER, username="zhang.wei")
    with sign_in(context, "zhang.wei") as browser:
        yield browser


def test_the_pages_show_names_not_codes(manager: TestClient, breaches: dict[str, int]) -> None:
    merchant = manager.get(f"/staff/incidents/{breaches['m-babycare']}").text
    assert "退货率异常 · 贝亲母婴旗舰店" in merchant and "（商家 贝亲母婴旗舰店）" in merchant
    assert "m-babycare" not in merchant
    sku = manager.get(f"/staff/incidents/{breaches['BOTTLE-240']}").text
    assert "宽口径玻璃奶瓶 240ml（BOTTLE-240）" in sku
    carrier = manager.get(
        f"/staff/incidents/{breaches['simulated']}", headers={"Accept-Language": "en"}
    ).text
    assert "Demo carrier" in carrier and "· simulated" not in carrier
    listing = manager.get("/staff/incidents").text
    assert "贝亲母婴旗舰店" in listing and "· m-babycare" not in listing
    assert "演示快递" in listing and "宽口径玻璃奶瓶 240ml" in listing
    page = manager.get("/staff/monitors").text
    assert "贝亲母婴旗舰店" in page and "宽口径玻璃奶瓶 240ml（BOTTLE-240）" in page
    assert "演示快递" in page and ">m-babycare<" not in page and ">simulated<" not in page
