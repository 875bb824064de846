"""The demo's risk pages are not empty (issue 15, demo/risk.py), on both databases:
the register rated and owned, a frequent returner reached with an outcome, the
highest-scored requests judged so the tuning has verdicts; played twice, nothing twice.

Planted through the API (no whole demo: the generator's run is timed elsewhere):
customer "c-size" files three returns whose words speak of size, so they are a frequent
returner and their requests are scored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.demo import risk as demo_risk
from returnflow.domain.risk_register import RiskStatus
from returnflow.services import risk_register, risk_tuning
from tests.support.clock import FakeClock
from tests.test_returner_care import file_return


def test_the_demo_rates_reaches_and_judges_once(
    client: TestClient,
    context: AppContext,
    clock: FakeClock,
    order_payload: Callable[..., dict[str, Any]],
) -> None:
    for _ in range(3):
        file_return(client, clock, order_payload, "c-size", "no_reason", "尺码偏小")
    clock.advance(hours=30)
    demo_risk.play(context, clock.now)
    demo_risk.play(context, clock.now)  # again: nothing added twice
    with context.uow() as uow:
        entries = risk_register.register(uow, clock.now)
        history = risk_register.history(uow, "malicious_returns")
        care = uow.returner_care.outreach_of("c-size")
        report = risk_tuning.tuning(uow, clock.now)
    assert len(entries) == 5 and all(e.risk.owner for e in entries)
    quality = next(e for e in entries if e.risk.code == "product_quality")
    assert (quality.risk.rating, quality.risk.status) == (16, RiskStatus.MITIGATING)
    assert "After 11.11" in quality.risk.mitigation and quality.indicators is not None
    assert len(history) == 1 and history[0].actor == demo_risk.MANAGER
    assert len(care) == 1 and care[0].action.value == "size_guide"
    assert care[0].outcome is not None and care[0].outcome.value == "reached"
    assert report.total == 3  # the three scored requests, each judged once
