"""The analyses on planted data whose answer is known (issue 14, R9.2, R9.5).

The services read only `uow.analysis`; here it is an in-memory stand-in holding the
planted rows, so each case runs in milliseconds and every fit is seeded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import cast

import numpy as np
import pytest

from returnflow.analyze.forecast import forecast
from returnflow.domain.text import DomainError
from returnflow.services import analyses, analyses_forecast
from returnflow.services.liability_queries import ZONE
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.analysis_queries import ReturnFact, SoldLine

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
WHEN = analyses.window("2026-10-01", "2026-11-19", NOW)

ZH_QUALITY = [
    "屏幕有划痕，质量太差",
    "屏幕划痕很明显",
    "收到屏幕就有划痕",
    "屏幕碎了质量差",
    "质量差，屏幕有划痕",
    "屏幕划痕，做工差",
    "屏幕有裂痕质量差",
    "屏幕划痕太多了",
]
EN_SIZE = [
    "size too small, does not fit",
    "too small, the size runs small",
    "does not fit, size is small",
    "the size is too small for me",
    "runs small, order a bigger size",
    "small size, did not fit",
    "size too small",
    "fit is too small",
]


@dataclass
class Planted:
    facts: list[ReturnFact] = field(default_factory=list)
    sold: list[SoldLine] = field(default_factory=list)
    filed: list[datetime] = field(default_factory=list)
    done: list[tuple[str, datetime]] = field(default_factory=list)

    def return_facts(
        self, since: datetime, until: datetime, merchant: str | None
    ) -> list[ReturnFact]:
        return [f for f in self.facts if merchant in (None, f.merchant_id)]

    def sold_lines(self, since: datetime, until: datetime, merchant: str | None) -> list[SoldLine]:
        return [s for s in self.sold if merchant in (None, s.merchant_id)]

    def filed_times(self, since: datetime, until: datetime, merchant: str | None) -> list[datetime]:
        return [t for t in self.filed if since <= t < until]

    def inspections(self, since: datetime, until: datetime) -> list[tuple[str, datetime]]:
        return [d for d in self.done if since <= d[1] < until]


def uow(planted: Planted) -> UnitOfWork:
    return cast(UnitOfWork, SimpleNamespace(analysis=planted))


def fact(text: str = "", **changes: object) -> ReturnFact:
    values: dict[str, object] = {
        "rma_no": "RMA1", "customer_id": "c-1", "merchant_id": "m-1", "sku": "S-1",
        "title": "Phone", "category": "phones", "reason_code": "quality", "text": text,
        "quantity": 1, "value": 10_000, "filed_at": NOW - timedelta(days=3),
        "delivered_at": NOW - timedelta(days=5), "counted": True,
    }  # fmt: skip
    values.update(changes)
    return ReturnFact(**values)  # type: ignore[arg-type]


def sold(sku: str, quantity: int, returned: int, **changes: object) -> SoldLine:
    values: dict[str, object] = {
        "merchant_id": "m-1", "sku": sku, "title": f"Item {sku}", "category": "phones",
        "unit_price": 10_000, "discount": 0, "quantity": quantity, "delivery_days": 2.0,
        "units_returned": returned,
    }  # fmt: skip
    values.update(changes)
    return SoldLine(**values)  # type: ignore[arg-type]


def test_chinese_and_english_reasons_fall_into_their_own_clusters() -> None:
    planted = Planted(
        [fact(t, reason_code="quality") for t in ZH_QUALITY]
        + [fact(t, reason_code="no_reason") for t in EN_SIZE]
    )
    report = analyses.reason_clusters(uow(planted), WHEN)
    assert report.texts == 16
    assert sum(c.size for c in report.clusters) == 16
    for cluster in report.clusters:  # no cluster mixes the two complaints
        assert {e in ZH_QUALITY for e in cluster.examples} in ({True}, {False})
    zh = [c for c in report.clusters if c.examples[0] in ZH_QUALITY]
    en = [c for c in report.clusters if c.examples[0] in EN_SIZE]
    assert "屏幕划痕" in zh[0].terms[:2] and zh[0].reason == "quality"  # bigrams joined
    assert {"small", "size"} & set(en[0].terms[:2]) and en[0].reason == "no_reason"
    assert (zh[0].size, en[0].size) == (8, 8)  # each group whole, nothing else mixed in
    assert 2 <= len(report.clusters[0].examples) <= 3
    assert math.isclose(sum(c.share for c in report.clusters), 1.0, abs_tol=0.01)


def test_a_product_with_many_quality_returns_ranks_first() -> None:
    sold_lines = [sold("BAD", 40, 0), sold("OK-1", 200, 0), sold("OK-2", 200, 0)]
    sold_lines.append(sold("TINY", 5, 0))  # too few delivered to judge
    facts = [fact("屏幕坏了", sku="BAD", quantity=1) for _ in range(12)]
    facts += [fact("", sku="OK-1") for _ in range(4)] + [fact("", sku="TINY") for _ in range(4)]
    facts += [fact("", sku="OK-2", reason_code="no_reason") for _ in range(30)]
    facts += [fact("", sku="OK-2", counted=False) for _ in range(30)]  # rejected: not counted
    report = analyses.problem_products(uow(Planted(facts, sold_lines)), WHEN)
    assert [p.key for p in report.products] == ["BAD"]
    bad = report.products[0]
    assert (bad.delivered, bad.fault_returns, bad.rate) == (40, 12, 0.3)
    assert bad.category_rate == round(20 / 445, 4)
    assert bad.terms == ("屏幕坏",) and bad.quotes[0] == "屏幕坏了"  # bigrams joined
    by_merchant = analyses.problem_products(uow(Planted(facts, sold_lines)), WHEN, "merchant")
    assert by_merchant.products == ()  # one merchant is its own platform: no lift


def test_a_merchant_sees_its_own_products_only() -> None:
    sold_lines = [sold("BAD", 40, 0), sold("THEIRS", 40, 0, merchant_id="m-2")]
    sold_lines += [sold("OK", 400, 0), sold("OK2", 400, 0, merchant_id="m-2")]
    facts = [fact("", sku="BAD") for _ in range(10)]
    facts += [fact("", sku="THEIRS", merchant_id="m-2") for _ in range(10)]
    planted = uow(Planted(facts, sold_lines))
    mine = analyses.problem_products(planted, WHEN, "listing", merchant_scope="m-1")
    assert [p.key for p in mine.products] == ["m-1/BAD"]


def test_segments_are_told_apart_and_put_in_words() -> None:
    facts = []
    for c in range(12):  # frequent, low value, no reason, soon after delivery
        for r in range(5):
            facts.append(
                fact(customer_id=f"f{c}", rma_no=f"F{c}-{r}", reason_code="no_reason",
                     value=3_000, filed_at=NOW - timedelta(days=4, hours=r))
            )  # fmt: skip
    for c in range(12):  # once, high value, a fault, late
        facts.append(
            fact(customer_id=f"h{c}", rma_no=f"H{c}", value=90_000,
                 filed_at=NOW, delivered_at=NOW - timedelta(days=12))
        )  # fmt: skip
    report = analyses.customer_segments(uow(Planted(facts)), WHEN)
    assert report.customers == 24
    assert [s.customers for s in report.segments] == [12, 12]
    words = {s.description.en for s in report.segments}
    assert "frequent low-value no-reason returners, mostly within 1 day of delivery" in words
    assert any(w.startswith("occasional high-value fault-reason") for w in words)
    assert all(s.description.zh.endswith("天内退货") for s in report.segments)


def test_return_rate_goes_with_price_and_category() -> None:
    lines = [
        sold(f"S{i}", 10, i, unit_price=1_000 * (i + 1), category="a" if i < 5 else "b")
        for i in range(10)
    ]
    report = analyses.correlations(uow(Planted(sold=lines)), WHEN)
    rows = {r.factor: r for r in report.rows}
    assert rows["price"].coefficient == 1.0 and rows["price"].n == 10
    assert rows["price"].words.en == "strong positive"
    assert rows["discount"].coefficient is None  # no discount varies: not enough data
    assert rows["category:b"].group_rate == round(35 / 50, 4)
    assert rows["category:b"].coefficient is not None and rows["category:b"].coefficient > 0.5
    assert report.return_rate == round(45 / 100, 4)


def test_a_weekly_pattern_is_forecast_within_its_interval() -> None:
    pattern = [100, 80, 80, 90, 120, 200, 220]
    noise = np.random.default_rng(7).normal(0, 6, 84 + 14)
    series = [pattern[i % 7] + noise[i] for i in range(84 + 14)]
    predicted = forecast(series[:84], 14)
    actual = series[84:]
    inside = sum(p.low <= a <= p.high for p, a in zip(predicted, actual, strict=True))
    assert inside >= 13  # a 95 % interval: at most one of 14 outside
    assert all(p.high - p.low < 60 for p in predicted)  # and narrow enough to use
    assert predicted[5].expected > predicted[1].expected + 80  # the weekend peak is kept


def test_the_forecast_names_the_busy_day_and_the_inspectors() -> None:
    today = NOW.astimezone(ZONE).date()
    filed = []
    for back in range(1, 85):
        day = today - timedelta(days=back)
        count = 30 if day.weekday() == 0 else 10  # Mondays are busy
        at = datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC)
        filed += [at] * count
    done = [
        (f"inspector-{k}", datetime(d.year, d.month, d.day, 3, tzinfo=UTC))
        for back in range(1, 11)
        for d in [today - timedelta(days=back)]
        for k in range(2)
        for _ in range(10)
    ]  # two inspectors a day, 10 inspections each
    f = analyses_forecast.incoming_forecast(uow(Planted(filed=filed, done=done)), NOW)
    assert [d.count for d in f.history][-7:].count(30) == 1
    assert (f.measured, f.per_inspector_day, f.roster) == (True, 10.0, 2)
    monday = next(d for d in f.days if d.day.weekday() == 0)
    assert monday.expected == 30 and monday.low <= 30 <= monday.high
    assert (monday.inspectors, monday.more_inspectors) == (3, 1)
    assert f.headline.en == (
        f"Expected 30 parcels on Monday {monday.day:%d %b}, 1 more inspector needed (3 in all)"
    )
    assert "需增加 1 名质检员" in f.headline.zh


def test_without_inspections_the_default_pace_stands_in() -> None:
    f = analyses_forecast.incoming_forecast(uow(Planted()), NOW)
    assert (f.measured, f.per_inspector_day, f.roster) == (False, 120.0, 0)
    assert len(f.days) == 14 and all(d.expected == 0 for d in f.days)
    assert f.days[0].day == date(2026, 11, 20)


def test_a_period_too_long_or_reversed_is_refused() -> None:
    with pytest.raises(DomainError) as too_long:
        analyses.window("2025-01-01", "2026-11-19", NOW)
    assert too_long.value.code == "date_range_too_long"
    assert "366" in too_long.value.message.zh
    with pytest.raises(DomainError) as reversed_:
        analyses.window("2026-11-19", "2026-11-01", NOW)
    assert reversed_.value.code == "date_range_reversed"
    default = analyses.window("", "", NOW)
    assert (default.end - default.start).days == 89
