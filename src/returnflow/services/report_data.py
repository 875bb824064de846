"""The numbers of a periodic report (issue 14, R9.3), gathered once for the PDF and the XLSX.

Every figure comes from the existing reads: KPIs and return rates by category, reason
and merchant from the rollups (services/analytics.py), customer segments and problem
products from the analyses (services/analyses.py), quality returns per category from
the same bounded reads the problem products use. Each is measured for the period and
for the one before it of the same kind, and the suggestions are written from the pair
(domain/reports.py). Names, never codes: categories, reasons and merchants in words.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from returnflow.domain import reports as rules
from returnflow.domain.analyses import FAULT_REASONS, category_label
from returnflow.domain.kinds import reason_label
from returnflow.domain.metrics import rate
from returnflow.domain.text import Text
from returnflow.notify.money_words import money_words
from returnflow.services import analyses, analytics
from returnflow.services.liability_queries import Period
from returnflow.services.merchants import merchant_names
from returnflow.services.unit_of_work import UnitOfWork

OVERVIEW = (
    "return_rate",
    "refund_cycle",
    "refund_deadline_compliance",
    "csat",
    "nps",
    "complaint_rate",
    "logistics_cost_per_return",
    "recovery_value",
)
TOP_MERCHANTS = 10


@dataclass(frozen=True, slots=True)
class KpiLine:
    name: str
    label: Text
    unit: str  # ratio, percent, seconds, fen
    now: float | None
    before: float | None


@dataclass(frozen=True, slots=True)
class RateLine:
    """A category's or a merchant's return rate, now and before."""

    label: Text
    delivered: int
    returned: int
    rate: float | None
    before: float | None
    refund_amount: int  # fen
    fault_rate: float | None = None  # quality and not-as-described
    fault_before: float | None = None


@dataclass(frozen=True, slots=True)
class ReasonLine:
    label: Text
    units: int
    share: float
    before: float | None


@dataclass(frozen=True, slots=True)
class ProblemLine:
    title: str
    sku: str
    merchant: str
    category: Text
    delivered: int
    fault_returns: int
    rate: float
    category_rate: float
    lift: float
    terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DayLine:
    day: date
    delivered: int
    returned: int
    rate: float | None


@dataclass(frozen=True, slots=True)
class ReportData:
    period: rules.ReportPeriod
    previous: rules.ReportPeriod
    orders: int
    units_delivered: int
    units_returned: int
    kpis: tuple[KpiLine, ...]
    categories: tuple[RateLine, ...]
    reasons: tuple[ReasonLine, ...]
    merchants: tuple[RateLine, ...]
    segments: analyses.SegmentReport
    problems: tuple[ProblemLine, ...]
    suggestions: tuple[Text, ...]
    days: tuple[DayLine, ...] = ()

    @property
    def return_rate(self) -> float | None:
        return rate(self.units_returned, self.units_delivered)

    @property
    def headline(self) -> Text:
        line = next(k for k in self.kpis if k.name == "return_rate")
        now, before = rules.pct(line.now), rules.pct(line.before)
        return Text(
            f"退货率 {now}（上期 {before}），{self.units_returned} 件退货 / "
            f"{self.units_delivered} 件签收",
            f"Return rate {now} (previous {before}), {self.units_returned} of "
            f"{self.units_delivered} units delivered",
        )


def _analytics_period(p: rules.ReportPeriod) -> analytics.Period:
    return analytics.Period(p.start, p.end)


def _kpis(uow: UnitOfWork, p: rules.ReportPeriod) -> tuple[analytics.KpiReport, ...]:
    return (
        analytics.kpis(uow, _analytics_period(p)),
        analytics.kpis(uow, _analytics_period(p.previous())),
    )


def _reasons(uow: UnitOfWork, p: rules.ReportPeriod) -> tuple[ReasonLine, ...]:
    def shares(when: rules.ReportPeriod) -> dict[str, tuple[int, float]]:
        rows = analytics.return_rates(uow, "reason", _analytics_period(when)).rows
        total = sum(r.units_returned for r in rows)
        return {r.key: (r.units_returned, r.units_returned / total) for r in rows if total}

    now, before = shares(p), shares(p.previous())
    lines = [
        ReasonLine(reason_label(key), units, round(share, 4), before.get(key, (0, 0.0))[1])
        for key, (units, share) in now.items()
        if units
    ]
    return tuple(sorted(lines, key=lambda r: -r.units))


def _faults(
    uow: UnitOfWork, p: rules.ReportPeriod
) -> tuple[dict[str, float | None], dict[str, list[str]]]:
    """Quality returns ÷ units delivered per category, and its merchants, heaviest first."""
    when = Period(p.start, p.end)
    delivered: Counter[str] = Counter()
    for line in uow.analysis.sold_lines(when.since, when.until):
        delivered[line.category] += line.quantity
    faults: Counter[str] = Counter()
    by_merchant: dict[str, Counter[str]] = {}
    for f in uow.analysis.return_facts(when.since, when.until):
        if f.counted and f.reason_code in FAULT_REASONS:
            faults[f.category] += f.quantity
            by_merchant.setdefault(f.category, Counter())[f.merchant_id] += f.quantity
    rates = {c: rate(faults[c], delivered[c]) for c in delivered}
    heaviest = {c: [m for m, _n in found.most_common(3)] for c, found in by_merchant.items()}
    return rates, heaviest


def _rates(
    uow: UnitOfWork, p: rules.ReportPeriod, group_by: analytics.GroupBy
) -> tuple[list[analytics.ReturnRateRow], dict[str, float | None]]:
    now = analytics.return_rates(uow, group_by, _analytics_period(p)).rows
    before = analytics.return_rates(uow, group_by, _analytics_period(p.previous())).rows
    return list(now), {r.key: r.return_rate for r in before}


def _categories(
    uow: UnitOfWork, p: rules.ReportPeriod
) -> tuple[tuple[RateLine, ...], dict[str, list[str]]]:
    rows, before = _rates(uow, p, "category")
    faults, heaviest = _faults(uow, p)
    faults_before, _ = _faults(uow, p.previous())
    lines = [
        RateLine(
            category_label(r.key), r.units_delivered, r.units_returned, r.return_rate,
            before.get(r.key), r.refund_amount, faults.get(r.key), faults_before.get(r.key),
        )
        for r in rows
        if r.units_delivered
    ]  # fmt: skip
    keyed = {category_label(r.key).zh: r.key for r in rows}
    lines.sort(key=lambda line: (-(line.rate or 0), -line.delivered))
    return tuple(lines), {z: heaviest.get(key, []) for z, key in keyed.items()}


def _merchants(uow: UnitOfWork, p: rules.ReportPeriod) -> tuple[RateLine, ...]:
    rows, before = _rates(uow, p, "merchant")
    names = merchant_names(uow, [r.key for r in rows])
    lines = [
        RateLine(
            Text(names.get(r.key, r.key), names.get(r.key, r.key)), r.units_delivered,
            r.units_returned, r.return_rate, before.get(r.key), r.refund_amount,
        )
        for r in rows
        if r.units_delivered
    ]  # fmt: skip
    lines.sort(key=lambda line: (-line.returned, -(line.rate or 0)))
    return tuple(lines[:TOP_MERCHANTS])


def _problems(uow: UnitOfWork, p: rules.ReportPeriod) -> tuple[ProblemLine, ...]:
    found = analyses.problem_products(uow, Period(p.start, p.end), "listing").products[:10]
    ids = [x.key.split("/", 1)[0] for x in found]
    names = merchant_names(uow, ids)
    return tuple(
        ProblemLine(
            x.title or x.key.split("/", 1)[1], x.key.split("/", 1)[1],
            names.get(merchant, merchant), category_label(x.category), x.delivered,
            x.fault_returns, x.rate, x.category_rate, x.lift, x.terms[:4],
        )
        for x, merchant in zip(found, ids, strict=True)
    )  # fmt: skip


def _days(uow: UnitOfWork, p: rules.ReportPeriod) -> tuple[DayLine, ...]:
    rows = {r.key: r for r in analytics.return_rates(uow, "day", _analytics_period(p)).rows}
    lines = []
    for n in range(p.days):
        day = p.start + timedelta(days=n)
        r = rows.get(day.isoformat())
        lines.append(
            DayLine(day, r.units_delivered, r.units_returned, r.return_rate)
            if r
            else DayLine(day, 0, 0, None)
        )
    return tuple(lines)


def gather(uow: UnitOfWork, p: rules.ReportPeriod) -> ReportData:
    """Every number of the report for period `p` and the one before it."""
    now, before = _kpis(uow, p)
    kpis = tuple(
        KpiLine(name, now.get(name).label, now.get(name).unit, now.get(name).value,
                before.get(name).value)
        for name in OVERVIEW
    )  # fmt: skip
    inputs = now.get("return_rate").inputs
    categories, heaviest = _categories(uow, p)
    reasons = _reasons(uow, p)
    problems = _problems(uow, p)
    segments = analyses.customer_segments(uow, Period(p.start, p.end))
    merchant_ids = {m for found in heaviest.values() for m in found}
    names = merchant_names(uow, merchant_ids)
    delivered = int(inputs["units_delivered"] or 0)
    figures = rules.Figures(
        return_rate=rules.Rate(now.get("return_rate").value, before.get("return_rate").value,
                               delivered),
        categories=tuple(
            rules.CategoryFault(
                c.label, rules.Rate(c.fault_rate, c.fault_before, c.delivered),
                tuple(names.get(m, m) for m in heaviest.get(c.label.zh, [])),
            )
            for c in categories
        ),
        reasons=tuple(rules.ReasonShare(r.label, rules.Rate(r.share, r.before, delivered))
                      for r in reasons),
        problems=tuple(rules.Problem(x.title, x.merchant, x.rate, x.category_rate, x.lift)
                       for x in problems),
        compliance=now.get("refund_deadline_compliance").value,
        csat=(now.get("csat").value, before.get("csat").value),
        cost_per_return=(now.get("logistics_cost_per_return").value,
                         before.get("logistics_cost_per_return").value),
    )  # fmt: skip
    return ReportData(
        period=p, previous=p.previous(), orders=int(inputs["orders"] or 0),
        units_delivered=delivered, units_returned=int(inputs["units_returned"] or 0),
        kpis=kpis, categories=categories, reasons=reasons, merchants=_merchants(uow, p),
        segments=segments, problems=problems,
        suggestions=tuple(rules.suggestions(figures, money_words)), days=_days(uow, p),
    )  # fmt: skip
