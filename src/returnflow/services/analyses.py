"""The analyses (issue 14, R9.2) and the problem products (R9.5), as typed read models.

Each takes a period of local days (`window`: none given, the last 90; at most 366) and
a merchant scope (a merchant sees its own orders only), reads bounded rows through
`uow.analysis`, and hands the numbers to `analyze/` (scikit-learn, statsmodels) and the
plain rules to `domain/analyses.py`.

- `reason_clusters`: the customers' words on their return lines, grouped.
- `customer_segments`: returning customers grouped on frequency, value, reasons, timing.
- `correlations`: Pearson's r of a delivered line's return rate with its price, discount
  share, delivery time and category.
- `incoming_forecast` (services/analyses_forecast.py): the next 14 days with staffing.
- `problem_products`: quality and not-as-described returns against the category's rate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import median
from typing import Literal

from returnflow.domain import analyses as rules
from returnflow.domain.input_bounds import day_range, optional_day, within_days
from returnflow.domain.text import Text
from returnflow.services.liability_queries import ZONE, Period
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.analysis_queries import ReturnFact, SoldLine

DEFAULT_DAYS = 90
MAX_DAYS = 366
MAX_TEXTS = 5000  # the newest texts a clustering reads
ProblemBy = Literal["sku", "listing", "merchant"]


def window(date_from: str, date_to: str, now: datetime) -> Period:
    """The local days asked for (`YYYY-MM-DD`, both inclusive); none: the last 90 days."""
    today = now.astimezone(ZONE).date()
    first, last = day_range(
        optional_day(date_from, "from"), optional_day(date_to, "to"), today, DEFAULT_DAYS
    )
    first, last = within_days(first, last, MAX_DAYS)
    return Period(first, last)


@dataclass(frozen=True)
class ReasonCluster:
    terms: tuple[str, ...]  # the label: heaviest terms first
    examples: tuple[str, ...]  # 2–3 of the customers' own words
    size: int
    share: float  # of the texts clustered, 0..1
    reason: str  # the most frequent reason code among its members
    mixed: bool = False  # texts with little in common: what no theme took


@dataclass(frozen=True)
class ReasonReport:
    period: Period
    texts: int
    clusters: tuple[ReasonCluster, ...]


def reason_clusters(
    uow: UnitOfWork, when: Period, *, merchant_scope: str | None = None
) -> ReasonReport:
    facts = [f for f in uow.analysis.return_facts(when.since, when.until, merchant_scope)]
    facts = [f for f in facts if f.text.strip()][:MAX_TEXTS]
    texts = [f.text.strip() for f in facts]
    # the analyses bring numpy and scikit-learn, about 100 MB an API process need not
    # hold until someone asks: loaded on the first analysis (issue 11: RSS)
    from returnflow.analyze import text as wording

    found = wording.cluster(texts) if texts else []
    total = sum(len(c.members) for c in found)
    clusters = tuple(
        ReasonCluster(
            terms=c.terms,
            examples=tuple(texts[i][:160] for i in c.examples),
            size=len(c.members),
            share=round(len(c.members) / total, 4) if total else 0.0,
            reason=Counter(facts[i].reason_code for i in c.members).most_common(1)[0][0],
            mixed=c.cohesion < wording.MIXED,
        )
        for c in found
        if c.members
    )
    return ReasonReport(when, total, clusters)


@dataclass(frozen=True)
class CustomerSegment:
    description: Text
    customers: int
    share: float
    returns_per_customer: float
    average_value: int  # fen per returned line
    no_reason_share: float
    days_after_delivery: float


@dataclass(frozen=True)
class SegmentReport:
    period: Period
    customers: int
    segments: tuple[CustomerSegment, ...]


def _customer_rows(facts: Sequence[ReturnFact]) -> list[tuple[float, float, float, float]]:
    by_customer: dict[str, list[ReturnFact]] = {}
    for fact in facts:
        by_customer.setdefault(fact.customer_id, []).append(fact)
    rows = []
    for customer in sorted(by_customer):
        lines = by_customer[customer]
        days = [
            max(0.0, (f.filed_at - f.delivered_at).total_seconds() / 86400)
            for f in lines
            if f.delivered_at is not None
        ]
        rows.append(
            (
                float(len({f.rma_no for f in lines})),
                sum(f.value for f in lines) / len(lines),
                sum(1 for f in lines if f.reason_code == "no_reason") / len(lines),
                float(median(days)) if days else 0.0,
            )
        )
    return rows


def customer_segments(
    uow: UnitOfWork, when: Period, *, merchant_scope: str | None = None
) -> SegmentReport:
    facts = uow.analysis.return_facts(when.since, when.until, merchant_scope)
    rows = _customer_rows([f for f in facts if f.counted])
    from returnflow.analyze import segments as segmenting  # reason_clusters says why here

    found = segmenting.segment(rows)
    overall = (
        _profile(tuple(sum(r[i] for r in rows) / len(rows) for i in range(4))) if rows else None
    )
    segments = []
    for s in found:
        profile = _profile(s.means)
        segments.append(
            CustomerSegment(
                description=rules.describe(profile, overall or profile),
                customers=len(s.members),
                share=round(len(s.members) / len(rows), 4),
                returns_per_customer=round(profile.returns, 2),
                average_value=round(profile.value),
                no_reason_share=round(profile.no_reason_share, 3),
                days_after_delivery=round(profile.days_after_delivery, 1),
            )
        )
    return SegmentReport(when, len(rows), tuple(segments))


def _profile(means: Sequence[float]) -> rules.Profile:
    return rules.Profile(means[0], means[1], means[2], means[3])


@dataclass(frozen=True)
class Correlation:
    factor: str  # price | discount | delivery_days | category:<name>
    label: Text
    coefficient: float | None
    n: int
    words: Text
    group_rate: float | None  # a category's own return rate (units), else None


@dataclass(frozen=True)
class CorrelationReport:
    period: Period
    lines: int
    return_rate: float  # units returned ÷ units delivered, all lines read
    rows: tuple[Correlation, ...]


FACTORS = (
    ("price", Text("单价", "unit price")),
    ("discount", Text("折扣比例", "discount share")),
    ("delivery_days", Text("配送天数", "delivery time (days)")),
)


def _feature(line: SoldLine, factor: str) -> float | None:
    if factor == "price":
        return line.unit_price / 100
    if factor == "discount":
        gross = line.unit_price * line.quantity
        return line.discount / gross if gross else None
    return line.delivery_days


def _in_category(category: str) -> Text:
    label = rules.category_label(category)
    return Text(f"品类：{label.zh}", f"Category: {label.en}")


def correlations(
    uow: UnitOfWork, when: Period, *, merchant_scope: str | None = None
) -> CorrelationReport:
    lines = [
        x for x in uow.analysis.sold_lines(when.since, when.until, merchant_scope) if x.quantity
    ]
    rates = [x.units_returned / x.quantity for x in lines]
    rows = []
    for factor, label in FACTORS:
        pairs = [
            (v, r)
            for x, r in zip(lines, rates, strict=True)
            if (v := _feature(x, factor)) is not None
        ]
        r = rules.pearson([p[0] for p in pairs], [p[1] for p in pairs])
        rows.append(Correlation(factor, label, r, len(pairs), rules.strength(r), None))
    for category in sorted({x.category for x in lines}):
        flags = [1.0 if x.category == category else 0.0 for x in lines]
        r = rules.pearson(flags, rates)
        inside = [x for x in lines if x.category == category]
        rate = sum(x.units_returned for x in inside) / sum(x.quantity for x in inside)
        rows.append(
            Correlation(
                f"category:{category}", _in_category(category),
                r, len(lines), rules.strength(r), round(rate, 4),
            )
        )  # fmt: skip
    delivered = sum(x.quantity for x in lines)
    overall = sum(x.units_returned for x in lines) / delivered if delivered else 0.0
    return CorrelationReport(when, len(lines), round(overall, 4), tuple(rows))


@dataclass(frozen=True)
class ProblemProduct:
    key: str  # the SKU, the merchant id, or "merchant/SKU" for a listing
    title: str
    category: str  # "" for a merchant: measured against the whole platform
    delivered: int
    fault_returns: int
    rate: float
    category_rate: float
    lift: float
    excess: float
    terms: tuple[str, ...]  # the customers' words on these returns
    quotes: tuple[str, ...]


@dataclass(frozen=True)
class ProblemReport:
    period: Period
    by: ProblemBy
    products: tuple[ProblemProduct, ...]


def _key(by: ProblemBy, merchant: str, sku: str) -> str:
    return {"sku": sku, "merchant": merchant, "listing": f"{merchant}/{sku}"}[by]


def problem_products(
    uow: UnitOfWork, when: Period, by: ProblemBy = "sku", *, merchant_scope: str | None = None
) -> ProblemReport:
    """Returns are those filed in the period; deliveries those delivered in it."""
    from returnflow.analyze import text as wording  # reason_clusters says why here

    sold = uow.analysis.sold_lines(when.since, when.until, merchant_scope)
    facts = uow.analysis.return_facts(when.since, when.until, merchant_scope)
    faults = [f for f in facts if f.counted and f.reason_code in rules.FAULT_REASONS]
    delivered: Counter[str] = Counter()
    titles: dict[str, tuple[str, str]] = {}
    for line in sold:
        key = _key(by, line.merchant_id, line.sku)
        delivered[key] += line.quantity
        titles.setdefault(
            key, ("" if by == "merchant" else line.title, "" if by == "merchant" else line.category)
        )
    returned: Counter[str] = Counter()
    words: dict[str, list[str]] = {}
    for f in faults:
        key = _key(by, f.merchant_id, f.sku)
        returned[key] += f.quantity
        if f.text.strip():
            words.setdefault(key, []).append(f.text.strip())
    tallies = [
        rules.Tally(key, titles[key][1], delivered[key], returned[key]) for key in sorted(delivered)
    ]
    products = tuple(
        ProblemProduct(
            key=r.tally.key, title=titles[r.tally.key][0], category=r.tally.category,
            delivered=r.tally.delivered, fault_returns=r.tally.fault_returns,
            rate=round(r.tally.rate, 4), category_rate=round(r.category_rate, 4),
            lift=round(min(r.lift, 999.0), 2), excess=round(r.excess, 1),
            terms=tuple(wording.top_terms(words.get(r.tally.key, []))),
            quotes=tuple(t[:160] for t in words.get(r.tally.key, [])[:2]),
        )
        for r in rules.rank_problems(tallies)
    )  # fmt: skip
    return ProblemReport(when, by, products)
