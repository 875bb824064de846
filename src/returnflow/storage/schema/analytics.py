"""Daily rollups behind the KPIs (issue 14, R9.1, R9.4; migration 0027).

Every column is additive (counts and sums), so any period, merchant or category is a
SUM over rows. Days are China Standard Time dates. The rows are derived: the worker
recomputes the days new outbox events touch, `returnflow analytics rebuild` all of them
(storage/analytics.py). Durations are histograms (bucket lower bound in seconds, see
domain/metrics.py) with counts and total seconds, so medians and p90 come from them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from returnflow.storage.schema.base import Base


class ReturnDayRow(Base):
    """Per delivery day × merchant × category × SKU × reason × carrier.

    Delivery rows have reason "" and carrier "": orders (distinct orders holding the SKU)
    and units delivered. Return rows carry the reason and carrier: units returned (requests
    not rejected or cancelled) and the lines' refund amount once the refund is paid.
    """

    __tablename__ = "analytics_return_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    merchant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(30), primary_key=True)
    carrier: Mapped[str] = mapped_column(String(64), primary_key=True)
    orders: Mapped[int] = mapped_column(Integer)
    units_delivered: Mapped[int] = mapped_column(BigInteger)
    units_returned: Mapped[int] = mapped_column(BigInteger)
    refund_amount: Mapped[int] = mapped_column(BigInteger)  # fen


class DayMeasureRow(Base):
    """Per day × merchant × category × measure: a count and an amount (fen).

    Measures: orders (category "": each order once; a category: orders holding it),
    complaints, survey_answers, csat_satisfied, nps_promoters, nps_detractors,
    logistics_cost (returns shipped, cost), recovery (units, value), refunds_paid,
    refunds_with_deadline, refunds_on_time. Merchant "" is a complaint without a merchant.
    """

    __tablename__ = "analytics_day_measures"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    merchant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    measure: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)


class DayDurationRow(Base):
    """Per day the duration ended × merchant × metric × bucket: how many, total seconds."""

    __tablename__ = "analytics_day_durations"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    merchant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    metric: Mapped[str] = mapped_column(String(40), primary_key=True)
    bucket: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(BigInteger)
    total_seconds: Mapped[int] = mapped_column(BigInteger)


class RollupMarkRow(Base):
    """The high-water marks: "outbox", the last outbox id whose days the rollups have
    recomputed; "orders", the last order id (an import raises no event)."""

    __tablename__ = "analytics_marks"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    outbox_id: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]
