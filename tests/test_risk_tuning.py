"""Tuning the risk thresholds against staff's verdicts (issue 15, R10.3), on SQLite and
PostgreSQL: verdicts at the bands' edges (39/40, 69/70, and the ±10 edges 29/30,
59/60, 79/80), the latest verdict of a request replacing an earlier one, the 180-day
window's first instant included and the instant before left out; the page and its CSV.

Planted (score: latest verdict): fraud 39, 40, 50 (judged exactly 180 days ago), 70,
100; safe 0, 30, 60 (fraud first, safe later), 69, 80; and a fraud 50 judged 180 days
and one second ago (left out). Hand count at 40/70: low 1 fraud / 2 safe, medium 2 / 2,
high 2 / 1; "high" 2 of 3 precise, 2 of 5 recalled; "review" (≥ 40) 4 of 7, 4 of 5.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.risk import Level, RiskAction, Thresholds
from returnflow.services import risk_tuning
from returnflow.services.risk_tuning import Ratio, Scenario, shifted
from returnflow.storage.risk import StoredRisk
from tests.support.clock import FakeClock
from tests.test_console_pages import sign_in

DAY = timedelta(days=1)
WINDOW = timedelta(days=180)


def _plant(context: AppContext, clock: FakeClock) -> None:
    now = clock.now
    verdicts = [
        (39, "fraud", now - DAY),
        (40, "fraud", now - DAY),
        (50, "fraud", now - WINDOW),  # the window's first instant: in
        (70, "fraud", now - DAY),
        (100, "fraud", now - DAY),
        (0, "safe", now - DAY),
        (30, "safe", now - DAY),
        (60, "fraud", now - 5 * DAY),
        (60, "safe", now - DAY),  # the same request judged again: safe replaces fraud
        (69, "safe", now - DAY),
        (80, "safe", now - DAY),
    ]
    with context.uow() as uow:
        for n, (score, verdict, at) in enumerate(verdicts):
            rma = "RMA-T60" if score == 60 else f"RMA-T{n}"
            stored = StoredRisk(rma, f"c-{n}", "m-1", score, "low", (), frozenset(), "v", at)
            uow.risk.add_feedback(stored, verdict, "", "li.na", at)
        old = now - WINDOW - timedelta(seconds=1)  # one second too old: out
        stale = StoredRisk("RMA-OLD", "c-old", "m-1", 50, "medium", (), frozenset(), "v", old)
        uow.risk.add_feedback(stale, "fraud", "", "li.na", old)
        uow.commit(now)


def _bands(s: Scenario) -> list[tuple[int, int]]:
    return [(b.fraud, b.safe) for b in s.bands]


def test_verdicts_at_the_boundaries(context: AppContext, clock: FakeClock) -> None:
    _plant(context, clock)
    with context.uow() as uow:
        report = risk_tuning.tuning(uow, clock.now, Thresholds(40, 70))
    assert (report.fraud, report.safe, report.review_level) == (5, 5, Level.MEDIUM)
    lower, now, upper = report.scenarios
    assert (now.medium, now.high, now.review_from) == (40, 70, 40)
    assert [(b.lowest, b.highest) for b in now.bands] == [(0, 39), (40, 69), (70, 100)]
    assert _bands(now) == [(1, 2), (2, 2), (2, 1)]
    assert (now.high_precision, now.high_recall) == (Ratio(2, 3), Ratio(2, 5))
    assert (now.review_precision, now.review_recall) == (Ratio(4, 7), Ratio(4, 5))
    assert (lower.medium, lower.high) == (30, 60)
    assert _bands(lower) == [(0, 1), (3, 1), (2, 3)]
    assert (lower.high_precision, lower.review_recall) == (Ratio(2, 5), Ratio(5, 5))
    assert (upper.medium, upper.high) == (50, 80)
    assert _bands(upper) == [(2, 2), (2, 2), (1, 1)]
    assert (upper.high_recall, upper.review_precision) == (Ratio(1, 5), Ratio(3, 6))
    # review from the high level: the review cut is the high threshold
    reviewing_high = Thresholds(40, 70, ((RiskAction.REVIEW, Level.HIGH),))
    with context.uow() as uow:
        high_only = risk_tuning.tuning(uow, clock.now, reviewing_high).configured
    assert high_only.review_from == 70 and high_only.review_precision == Ratio(2, 3)


def test_shifted_thresholds_stay_in_range_and_nothing_divides_by_zero() -> None:
    assert shifted(Thresholds(5, 95), -10) == (1, 85)
    assert shifted(Thresholds(92, 98), 10) == (99, 100)
    empty = {"fraud": [0] * 101, "safe": [0] * 101}
    s = risk_tuning.scenario(empty, Thresholds(), 0)
    assert s.high_precision.value is None and s.review_recall.value is None
    assert Ratio(1, 4).value == 0.25


def test_the_page_and_its_csv_for_managers_only(
    context: AppContext, tokens: Callable[..., str], clock: FakeClock
) -> None:
    tokens(Role.MANAGER, username="boss")
    tokens(Role.AGENT, username="li.na")
    with sign_in(context, "boss") as manager:
        empty = manager.get("/staff/risk/tuning", params={"lang": "en"})
        assert empty.status_code == 200 and "data-empty" in empty.text
        _plant(context, clock)
        page = manager.get("/staff/risk/tuning", params={"lang": "en"})
        assert page.status_code == 200 and 'data-fraud="5" data-safe="5"' in page.text
        assert 'data-band="medium" data-fraud="2" data-safe="2"' in page.text
        assert 'data-shift="10" data-medium="50" data-high="80"' in page.text
        assert "66.7%" in page.text and "Threshold tuning" in page.text
        zh = manager.get("/staff/risk/tuning", params={"lang": "zh"})
        assert "阈值调优" in zh.text and "高风险：精确率" in zh.text
        csv = manager.get("/staff/risk/tuning.csv", params={"lang": "en"})
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        assert "attachment" in csv.headers["content-disposition"]
        lines = csv.content.decode("utf-8-sig").splitlines()
        assert lines[0].startswith("Shift,Medium from,High from,Low: fraud")
        assert lines[2] == "0,40,70,1,2,2,2,2,1,66.7,40.0,40,57.1,80.0"
        zh_csv = manager.get("/staff/risk/tuning.csv", params={"lang": "zh"})
        assert zh_csv.content.decode("utf-8-sig").startswith("阈值调整,中风险阈值")
    with sign_in(context, "li.na") as agent:
        assert agent.get("/staff/risk/tuning").status_code == 403
        assert agent.get("/staff/risk/tuning.csv").status_code == 403
