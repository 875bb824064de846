"""Return rates and KPIs over the API (issue 14, R9.1, R9.4), read from the daily rollups.

`GET /api/v1/analytics/return-rates?group_by=&from=&to=[&merchant=]` and
`GET /api/v1/analytics/kpis?from=&to=[&merchant=]`: local days (China Standard Time)
`from`..`to`, both inclusive, at most 366. Bad or reversed dates and too long a range
are problem+json 422s with stable codes in both languages. A merchant account sees its
own numbers only: naming another merchant is a 403.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from returnflow.api.roles import Analyst
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.steps import perform_read
from returnflow.services import analytics
from returnflow.services.analytics import GroupBy, KpiReport, ReturnRateReport
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])

DateFrom = Annotated[str, Query(alias="from", max_length=10)]
DateTo = Annotated[str, Query(alias="to", max_length=10)]
Merchant = Annotated[str | None, Query(max_length=64)]


class ReturnRateRowOut(BaseModel):
    key: str
    orders: int
    units_delivered: int
    units_returned: int
    return_rate: float | None
    refund_amount: int  # fen


class ReturnRatesOut(BaseModel):
    group_by: str
    start: date
    end: date
    timezone: str
    merchant: str | None
    rows: list[ReturnRateRowOut]


class KpiOut(BaseModel):
    name: str
    value: float | None
    unit: str
    label_zh: str
    label_en: str
    inputs: dict[str, int | float | None]


class KpisOut(BaseModel):
    start: date
    end: date
    timezone: str
    merchant: str | None
    kpis: list[KpiOut]


def rates_out(report: ReturnRateReport) -> ReturnRatesOut:
    return ReturnRatesOut(
        group_by=report.group_by,
        start=report.period.start,
        end=report.period.end,
        timezone="Asia/Shanghai",
        merchant=report.merchant,
        rows=[ReturnRateRowOut.model_validate(row, from_attributes=True) for row in report.rows],
    )


def kpis_out(report: KpiReport) -> KpisOut:
    return KpisOut(
        start=report.period.start,
        end=report.period.end,
        timezone="Asia/Shanghai",
        merchant=report.merchant,
        kpis=[
            KpiOut(
                name=kpi.name,
                value=kpi.value,
                unit=kpi.unit,
                label_zh=kpi.label.zh,
                label_en=kpi.label.en,
                inputs=kpi.inputs,
            )
            for kpi in report.kpis
        ],
    )


@router.get("/return-rates", response_model=ReturnRatesOut)
def return_rates(
    context: Context,
    principal: Analyst,
    group_by: GroupBy,
    date_from: DateFrom,
    date_to: DateTo,
    merchant: Merchant = None,
) -> ReturnRatesOut:
    """Units returned ÷ units delivered, for orders delivered in the period, per key."""
    when = analytics.period(date_from, date_to)
    whose = analytics.scope(principal, merchant)

    def read(uow: UnitOfWork, now: datetime) -> ReturnRatesOut:
        return rates_out(analytics.return_rates(uow, group_by, when, whose))

    return perform_read(context, read)


@router.get("/kpis", response_model=KpisOut)
def kpis(
    context: Context,
    principal: Analyst,
    date_from: DateFrom,
    date_to: DateTo,
    merchant: Merchant = None,
) -> KpisOut:
    """Every KPI of the period with the inputs its definition names."""
    when = analytics.period(date_from, date_to)
    whose = analytics.scope(principal, merchant)

    def read(uow: UnitOfWork, now: datetime) -> KpisOut:
        return kpis_out(analytics.kpis(uow, when, whose))

    return perform_read(context, read)
