"""Evaluate every monitor at `now`; a breach opens one incident (issue 14, R13.1).

The numbers are this issue's own bounded queries (storage/monitor_queries.py): per key,
the day's (numerator, denominator) and the baseline's days before it. Each monitor keeps
its last readings (its breaches and its highest keys) for the monitors page. A breach
opens an incident unless one is already open for the same monitor and key: one breach,
one incident, however often the worker looks (services/incidents.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from returnflow.domain import monitors
from returnflow.domain.monitors import Indicator, Monitor, Reading, Scope, Severity, Thresholds
from returnflow.domain.text import Text
from returnflow.services import incidents
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import UnitOfWork

SHOWN_KEYS = 8  # readings kept per monitor besides its breaches
SYSTEM = "system:monitors"


@dataclass(frozen=True, slots=True)
class Evaluation:
    readings: int
    breaches: int
    opened: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class MonitorView:
    monitor: Monitor
    readings: tuple[Reading, ...]
    read_at: datetime | None

    @property
    def breached(self) -> bool:
        return any(r.breached for r in self.readings)


def ensure_defaults(uow: UnitOfWork, now: datetime) -> list[Monitor]:
    """The monitors, the default set added the first time anyone looks."""
    found = uow.monitors.all()
    if found:
        return found
    for monitor in monitors.default_monitors():
        uow.monitors.add(monitor, SYSTEM, now)
    return uow.monitors.all()


def evaluate(uow: UnitOfWork, now: datetime) -> Evaluation:
    """Read every enabled monitor at `now`, keep its readings, open incidents (caller commits)."""
    total, breaches, opened = 0, 0, []
    for monitor in ensure_defaults(uow, now):
        if not monitor.thresholds.enabled:
            continue
        readings = read_monitor(uow, monitor, now)
        total += len(readings)
        for reading in readings:
            if reading.breached:
                breaches += 1
                summary = describe(monitor, reading)
                made = incidents.open_for_breach(uow, monitor, reading, summary, now)
                if made is not None:
                    opened.append(made)
        uow.monitors.record(monitor.id, _kept(readings), now)
    return Evaluation(total, breaches, tuple(opened))


def read_monitor(uow: UnitOfWork, monitor: Monitor, now: datetime) -> list[Reading]:
    days = monitor.baseline_days + 1
    readings = []
    for key, pairs in uow.monitors.series(monitor.indicator, monitor.scope, now, days).items():
        *history, (num, den) = pairs
        if monitor.indicator.is_rate:
            values = [monitors.rate(n, d) for n, d in history if d > 0]
            readings.append(monitors.read(monitor, key, monitors.rate(num, den), den, values))
        else:
            readings.append(
                monitors.read(monitor, key, float(num), num, [float(n) for n, _ in history])
            )
    return readings


def _kept(readings: list[Reading]) -> list[Reading]:
    def ratio(r: Reading) -> float:
        return r.value / r.threshold if r.threshold > 0 else r.value

    ranked = sorted(readings, key=lambda r: (not r.breached, -ratio(r), r.key))
    return [r for i, r in enumerate(ranked) if r.breached or i < SHOWN_KEYS]


def overview(uow: UnitOfWork, now: datetime) -> list[MonitorView]:
    """Every monitor with its last readings, as the monitors page and API show them."""
    found = uow.monitors.readings()
    views = []
    for monitor in ensure_defaults(uow, now):
        pairs = found.get(monitor.id, [])
        read_at = pairs[0][1] if pairs else None
        views.append(MonitorView(monitor, tuple(r for r, _ in pairs), read_at))
    return views


@dataclass(frozen=True, slots=True)
class ThresholdValues:
    factor: float
    k_sd: float
    min_volume: int
    severity: Severity
    enabled: bool


def retune(
    uow: UnitOfWork, monitor_id: int, values: ThresholdValues, actor: str, now: datetime
) -> Monitor:
    """A manager's new thresholds for one monitor (caller commits)."""
    found = uow.monitors.get(monitor_id)
    if found is None:
        raise NotFound("monitor_not_found", Text("找不到该监控项", "The monitor was not found"))
    thresholds = Thresholds(
        values.factor, values.k_sd, values.min_volume, values.severity, values.enabled
    )
    changed = found.retuned(thresholds)
    uow.monitors.save(changed, actor, now)
    return changed


def describe(monitor: Monitor, reading: Reading) -> Text:
    """What breached, in words: “Return rate (category 数码): 18.0% vs baseline 6.1%”."""
    where = _where(monitor.scope, reading.key)
    value, mean = (
        _shown(monitor.indicator, reading.value),
        _shown(monitor.indicator, reading.baseline.mean),
    )
    line = _shown(monitor.indicator, reading.threshold)
    label, n = monitor.indicator.label, reading.volume
    return Text(
        f"{label.zh}{where.zh}：当前 {value}，基线 {mean}，阈值 {line}，样本 {n}",
        f"{label.en}{where.en}: now {value}, baseline {mean}, threshold {line}, volume {n}",
    )


def _where(scope: Scope, key: str) -> Text:
    if scope is Scope.ALL or not key:
        return Text("（全平台）", " (whole platform)")
    words = monitors.key_label(scope, key)
    return Text(f"（{scope.label.zh[1:]} {words.zh}）", f" ({scope.value} {words.en})")


def _shown(indicator: Indicator, value: float) -> str:
    return f"{value * 100:.1f}%" if indicator.is_rate else f"{value:.0f}"
