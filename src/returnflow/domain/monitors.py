"""Monitors: one indicator per scope, judged against its own baseline (issue 14, R13.1).

A monitor watches one indicator (return rate, complaint rate, SLA breach rate, carrier
exception rate, the backlog of parcels not yet received or inspected, refund failures)
split by a scope (each merchant, category, SKU or carrier, or the whole platform). Its
current value is the last day's; its baseline the `baseline_days` days before (mean and
spread of the daily values). A key breaches when its volume reaches `min_volume` (so one
return of two orders is no spike) and its value exceeds BOTH `mean × factor` and
`mean + k·sd` (either alone cries wolf: a flat baseline has no spread, a tiny mean has
no room). Breaches are judged here; the numbers come from storage (storage/monitor_queries.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from returnflow.domain.analyses import category_label
from returnflow.domain.text import DomainError, Text


class Indicator(StrEnum):
    RETURN_RATE = "return_rate"  # units returned ÷ units delivered
    COMPLAINT_RATE = "complaint_rate"  # complaints ÷ orders delivered
    SLA_BREACH_RATE = "sla_breach_rate"  # complaint first answers late ÷ due
    CARRIER_EXCEPTION_RATE = "carrier_exception_rate"  # exceptions ÷ parcels booked
    BACKLOG = "backlog"  # parcels shipped not received + received not inspected
    REFUND_FAILURES = "refund_failures"  # refunds failed ÷ refunds asked for

    @property
    def label(self) -> Text:
        return _LABELS[self]

    @property
    def is_rate(self) -> bool:
        return self is not Indicator.BACKLOG

    @property
    def scopes(self) -> tuple[Scope, ...]:
        return _SCOPES[self]


class Scope(StrEnum):
    ALL = "all"
    MERCHANT = "merchant"
    CATEGORY = "category"
    SKU = "sku"
    CARRIER = "carrier"

    @property
    def label(self) -> Text:
        return _SCOPE_LABELS[self]


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def label(self) -> Text:
        return _SEVERITY_LABELS[self]

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


@dataclass(frozen=True, slots=True)
class Thresholds:
    factor: float  # breach above mean × factor …
    k_sd: float  # … and above mean + k·sd
    min_volume: int  # the day's denominator (or count) must reach this
    severity: Severity
    enabled: bool = True

    def check(self) -> None:
        if not 1.0 <= self.factor <= 100.0:
            raise DomainError(
                "invalid_factor",
                Text("倍数须在 1 到 100 之间", "The factor is between 1 and 100"),
                field="factor",
            )
        if not 0.0 <= self.k_sd <= 20.0:
            raise DomainError(
                "invalid_k_sd",
                Text("标准差倍数须在 0 到 20 之间", "k (spreads) is between 0 and 20"),
                field="k_sd",
            )
        if not 1 <= self.min_volume <= 1_000_000:
            raise DomainError(
                "invalid_min_volume",
                Text("最小样本量须在 1 到 1000000 之间", "The minimum volume is 1 to 1,000,000"),
                field="min_volume",
            )


@dataclass(frozen=True, slots=True)
class Monitor:
    id: int
    indicator: Indicator
    scope: Scope
    thresholds: Thresholds
    baseline_days: int = 28

    @property
    def code(self) -> str:
        return f"{self.indicator.value}:{self.scope.value}"

    def retuned(self, thresholds: Thresholds) -> Monitor:
        thresholds.check()
        return replace(self, thresholds=thresholds)


@dataclass(frozen=True, slots=True)
class Baseline:
    mean: float
    sd: float
    days: int

    def threshold(self, t: Thresholds) -> float:
        return max(self.mean * t.factor, self.mean + t.k_sd * self.sd)


@dataclass(frozen=True, slots=True)
class Reading:
    """One key of one monitor at one moment: the day's value against its baseline."""

    monitor_id: int
    key: str  # "" for the whole platform
    value: float
    volume: int
    baseline: Baseline
    threshold: float
    breached: bool


MIN_BASELINE_DAYS = 7  # fewer days of history: no baseline, no breach


def baseline_of(history: Sequence[float]) -> Baseline:
    """Mean and (population) spread of the daily values before today."""
    if not history:
        return Baseline(0.0, 0.0, 0)
    mean = math.fsum(history) / len(history)
    spread = math.sqrt(math.fsum((v - mean) ** 2 for v in history) / len(history))
    return Baseline(mean, spread, len(history))


def read(
    monitor: Monitor, key: str, value: float, volume: int, history: Sequence[float]
) -> Reading:
    """Judge one key: a breach needs enough volume, enough history and both thresholds."""
    base = baseline_of(history)
    t = monitor.thresholds
    line = base.threshold(t)
    breached = (
        t.enabled
        and volume >= t.min_volume
        and base.days >= MIN_BASELINE_DAYS
        and value > line
        and value > 0
    )
    return Reading(monitor.id, key, value, volume, base, line, breached)


def key_label(scope: Scope, key: str) -> Text:
    """A scope key in words: categories by name, the rest (merchant, SKU, carrier) as coded."""
    if not key:
        return Text("全平台", "Whole platform")
    return category_label(key) if scope is Scope.CATEGORY else Text(key, key)


def rate(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def default_monitors() -> list[Monitor]:
    """The monitors a new platform starts with (ids are given by storage)."""
    s = Severity
    plan = [
        (Indicator.RETURN_RATE, Scope.CATEGORY, Thresholds(1.5, 3.0, 20, s.HIGH)),
        (Indicator.RETURN_RATE, Scope.MERCHANT, Thresholds(1.5, 3.0, 30, s.MEDIUM)),
        (Indicator.RETURN_RATE, Scope.SKU, Thresholds(2.0, 3.0, 20, s.MEDIUM)),
        (Indicator.COMPLAINT_RATE, Scope.ALL, Thresholds(1.5, 3.0, 50, s.HIGH)),
        (Indicator.SLA_BREACH_RATE, Scope.ALL, Thresholds(1.5, 3.0, 10, s.HIGH)),
        (Indicator.CARRIER_EXCEPTION_RATE, Scope.CARRIER, Thresholds(2.0, 3.0, 20, s.HIGH)),
        (Indicator.BACKLOG, Scope.ALL, Thresholds(1.5, 3.0, 30, s.CRITICAL)),
        (Indicator.REFUND_FAILURES, Scope.ALL, Thresholds(2.0, 3.0, 10, s.CRITICAL)),
    ]
    return [Monitor(0, ind, scope, t) for ind, scope, t in plan]


_LABELS = {
    Indicator.RETURN_RATE: Text("退货率", "Return rate"),
    Indicator.COMPLAINT_RATE: Text("投诉率", "Complaint rate"),
    Indicator.SLA_BREACH_RATE: Text("时效超时率", "SLA breach rate"),
    Indicator.CARRIER_EXCEPTION_RATE: Text("承运商异常率", "Carrier exception rate"),
    Indicator.BACKLOG: Text("待收货/待质检积压", "Backlog to receive or inspect"),
    Indicator.REFUND_FAILURES: Text("退款失败率", "Refund failure rate"),
}
_SCOPES = {
    Indicator.RETURN_RATE: (Scope.ALL, Scope.MERCHANT, Scope.CATEGORY, Scope.SKU),
    Indicator.COMPLAINT_RATE: (Scope.ALL, Scope.MERCHANT),
    Indicator.SLA_BREACH_RATE: (Scope.ALL,),
    Indicator.CARRIER_EXCEPTION_RATE: (Scope.ALL, Scope.CARRIER),
    Indicator.BACKLOG: (Scope.ALL,),
    Indicator.REFUND_FAILURES: (Scope.ALL,),
}
_SCOPE_LABELS = {
    Scope.ALL: Text("全平台", "Whole platform"),
    Scope.MERCHANT: Text("按商家", "Per merchant"),
    Scope.CATEGORY: Text("按品类", "Per category"),
    Scope.SKU: Text("按商品", "Per SKU"),
    Scope.CARRIER: Text("按承运商", "Per carrier"),
}
_SEVERITY_LABELS = {
    Severity.CRITICAL: Text("紧急", "Critical"),
    Severity.HIGH: Text("高", "High"),
    Severity.MEDIUM: Text("中", "Medium"),
    Severity.LOW: Text("低", "Low"),
}
