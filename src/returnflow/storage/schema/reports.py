"""Periodic reports and who receives them (issue 14, R9.3; migration 0030).

A report is stored once per kind and first day (`uq_periodic_reports_kind_start`): two
workers or a worker and the CLI producing the same week race on that key and one wins.
The files live in the row (a week's PDF is ~100 kB), with their sizes and SHA-256.
A subscription is one staff account's (or one address's) wish to receive the weekly
and/or monthly report in a language.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from returnflow.storage.schema.base import Base


class PeriodicReportRow(Base):
    __tablename__ = "periodic_reports"
    __table_args__ = (UniqueConstraint("kind", "start_day", name="uq_periodic_reports_kind_start"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # week | month
    start_day: Mapped[date] = mapped_column(Date)  # local (CST), inclusive
    end_day: Mapped[date] = mapped_column(Date)  # local (CST), inclusive
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(100))  # worker | cli | a username
    pdf_zh: Mapped[bytes] = mapped_column(LargeBinary)
    pdf_en: Mapped[bytes] = mapped_column(LargeBinary)
    xlsx: Mapped[bytes] = mapped_column(LargeBinary)
    pdf_zh_size: Mapped[int] = mapped_column(Integer)
    pdf_en_size: Mapped[int] = mapped_column(Integer)
    xlsx_size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(200))  # "pdf_zh:…;pdf_en:…;xlsx:…"
    headline_zh: Mapped[str] = mapped_column(String(300))
    headline_en: Mapped[str] = mapped_column(String(300))
    summary_zh: Mapped[str] = mapped_column(Text)  # the suggestions, one a line
    summary_en: Mapped[str] = mapped_column(Text)


class ReportSubscriptionRow(Base):
    __tablename__ = "report_subscriptions"
    __table_args__ = (
        UniqueConstraint("user_id", name="uq_report_subscriptions_user"),
        UniqueConstraint("email", name="uq_report_subscriptions_email"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    email: Mapped[str | None] = mapped_column(String(254))  # an address without an account
    kinds: Mapped[str] = mapped_column(String(20))  # "week", "month" or "week,month"
    language: Mapped[str] = mapped_column(String(2))  # zh | en
    created_at: Mapped[datetime]
