"""The analyses (issue 14, R9.2) and problem products (R9.5) over the API (`Analyst`).

`GET /api/v1/analytics/reasons`, `/segments`, `/correlations`, `/problem-products` take a
period of local days (`from`, `to`: `YYYY-MM-DD`, both inclusive; none: the last 90;
at most 366; a reversed or too long period is a 422 problem); `/forecast` looks at the
last 84 days and the next 14. A merchant account sees its own orders only.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from returnflow.api.roles import Analyst
from returnflow.domain.text import Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.steps import perform_read
from returnflow.services import analyses
from returnflow.services import analyses_forecast as forecasting
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])

DateFrom = Annotated[str, Query(alias="from", max_length=10)]
DateTo = Annotated[str, Query(alias="to", max_length=10)]


class Words(BaseModel):
    zh: str
    en: str


def words(text: Text) -> Words:
    return Words(zh=text.zh, en=text.en)


class ReasonClusterOut(BaseModel):
    terms: list[str]
    examples: list[str]
    size: int
    share: float
    reason: str
    mixed: bool  # little in common: the texts no theme took


class ReasonsOut(BaseModel):
    start: date
    end: date
    texts: int
    clusters: list[ReasonClusterOut]


class SegmentOut(BaseModel):
    description: Words
    customers: int
    share: float
    returns_per_customer: float
    average_value: int  # fen
    no_reason_share: float
    days_after_delivery: float


class SegmentsOut(BaseModel):
    start: date
    end: date
    customers: int
    segments: list[SegmentOut]


class CorrelationOut(BaseModel):
    factor: str
    label: Words
    coefficient: float | None
    n: int
    words: Words
    group_rate: float | None


class CorrelationsOut(BaseModel):
    start: date
    end: date
    lines: int
    return_rate: float
    rows: list[CorrelationOut]


class DayCountOut(BaseModel):
    day: date
    count: int


class ForecastDayOut(BaseModel):
    day: date
    expected: int
    low: int
    high: int
    inspectors: int
    more_inspectors: int


class ForecastOut(BaseModel):
    history: list[DayCountOut]
    days: list[ForecastDayOut]
    level: float
    per_inspector_day: float
    measured: bool
    roster: int
    headline: Words


class ProblemProductOut(BaseModel):
    key: str
    title: str
    category: str
    delivered: int
    fault_returns: int
    rate: float
    category_rate: float
    lift: float
    excess: float
    terms: list[str]
    quotes: list[str]


class ProblemProductsOut(BaseModel):
    start: date
    end: date
    by: str
    products: list[ProblemProductOut]


@router.get("/reasons", response_model=ReasonsOut)
def reasons(
    context: Context, principal: Analyst, date_from: DateFrom = "", date_to: DateTo = ""
) -> ReasonsOut:
    """The customers' free text on their return lines, clustered, each with its words."""
    when = analyses.window(date_from, date_to, context.clock())

    def read(uow: UnitOfWork, now: datetime) -> ReasonsOut:
        report = analyses.reason_clusters(uow, when, merchant_scope=principal.merchant_scope)
        clusters = [
            ReasonClusterOut(
                terms=list(c.terms), examples=list(c.examples), size=c.size,
                share=c.share, reason=c.reason, mixed=c.mixed,
            )
            for c in report.clusters
        ]  # fmt: skip
        return ReasonsOut(start=when.start, end=when.end, texts=report.texts, clusters=clusters)

    return perform_read(context, read)


@router.get("/segments", response_model=SegmentsOut)
def segments(
    context: Context, principal: Analyst, date_from: DateFrom = "", date_to: DateTo = ""
) -> SegmentsOut:
    """Returning customers grouped on frequency, value, reasons and timing, in words."""
    when = analyses.window(date_from, date_to, context.clock())

    def read(uow: UnitOfWork, now: datetime) -> SegmentsOut:
        report = analyses.customer_segments(uow, when, merchant_scope=principal.merchant_scope)
        found = [
            SegmentOut(
                description=words(s.description), customers=s.customers, share=s.share,
                returns_per_customer=s.returns_per_customer, average_value=s.average_value,
                no_reason_share=s.no_reason_share, days_after_delivery=s.days_after_delivery,
            )
            for s in report.segments
        ]  # fmt: skip
        return SegmentsOut(
            start=when.start, end=when.end, customers=report.customers, segments=found
        )

    return perform_read(context, read)


@router.get("/correlations", response_model=CorrelationsOut)
def correlations(
    context: Context, principal: Analyst, date_from: DateFrom = "", date_to: DateTo = ""
) -> CorrelationsOut:
    """Pearson's r of a delivered line's return rate with price, discount, delivery, category."""
    when = analyses.window(date_from, date_to, context.clock())

    def read(uow: UnitOfWork, now: datetime) -> CorrelationsOut:
        report = analyses.correlations(uow, when, merchant_scope=principal.merchant_scope)
        rows = [
            CorrelationOut(
                factor=r.factor, label=words(r.label), coefficient=r.coefficient, n=r.n,
                words=words(r.words), group_rate=r.group_rate,
            )
            for r in report.rows
        ]  # fmt: skip
        return CorrelationsOut(
            start=when.start, end=when.end, lines=report.lines,
            return_rate=report.return_rate, rows=rows,
        )  # fmt: skip

    return perform_read(context, read)


@router.get("/forecast", response_model=ForecastOut)
def forecast(context: Context, principal: Analyst) -> ForecastOut:
    """Requests filed per day, the next 14 days with a 95 % interval, and the inspectors."""

    def read(uow: UnitOfWork, now: datetime) -> ForecastOut:
        f = forecasting.incoming_forecast(uow, now, merchant_scope=principal.merchant_scope)
        return ForecastOut(
            history=[DayCountOut(day=d.day, count=d.count) for d in f.history],
            days=[ForecastDayOut.model_validate(d, from_attributes=True) for d in f.days],
            level=f.level, per_inspector_day=f.per_inspector_day, measured=f.measured,
            roster=f.roster, headline=words(f.headline),
        )  # fmt: skip

    return perform_read(context, read)


@router.get("/problem-products", response_model=ProblemProductsOut)
def problem_products(
    context: Context,
    principal: Analyst,
    by: Literal["sku", "listing", "merchant"] = "sku",
    date_from: DateFrom = "",
    date_to: DateTo = "",
) -> ProblemProductsOut:
    """Quality and not-as-described returns against the category's rate, worst first."""
    when = analyses.window(date_from, date_to, context.clock())

    def read(uow: UnitOfWork, now: datetime) -> ProblemProductsOut:
        report = analyses.problem_products(uow, when, by, merchant_scope=principal.merchant_scope)
        products = [
            ProblemProductOut.model_validate(p, from_attributes=True) for p in report.products
        ]
        return ProblemProductsOut(start=when.start, end=when.end, by=by, products=products)

    return perform_read(context, read)
