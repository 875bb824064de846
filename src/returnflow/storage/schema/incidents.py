"""Monitors, their last readings, playbooks, incidents and their timelines (issue 14, 0028)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from returnflow.storage.schema.base import Base


class MonitorRow(Base):
    """One indicator per scope with its thresholds; managers tune them."""

    __tablename__ = "monitors"
    __table_args__ = (UniqueConstraint("indicator", "scope", name="uq_monitors_indicator_scope"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator: Mapped[str] = mapped_column(String(40))
    scope: Mapped[str] = mapped_column(String(20))
    factor: Mapped[float] = mapped_column(Float)
    k_sd: Mapped[float] = mapped_column(Float)
    min_volume: Mapped[int] = mapped_column(Integer)
    severity: Mapped[str] = mapped_column(String(16))
    enabled: Mapped[bool] = mapped_column(Boolean)
    baseline_days: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime]


class MonitorReadingRow(Base):
    """The last evaluation's readings of a monitor (its breaches and its highest keys)."""

    __tablename__ = "monitor_readings"
    __table_args__ = (Index("ix_monitor_readings_monitor", "monitor_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    monitor_id: Mapped[int] = mapped_column(ForeignKey("monitors.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    value: Mapped[float] = mapped_column(Float)
    volume: Mapped[int] = mapped_column(Integer)
    mean: Mapped[float] = mapped_column(Float)
    sd: Mapped[float] = mapped_column(Float)
    baseline_days: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[float] = mapped_column(Float)
    breached: Mapped[bool] = mapped_column(Boolean)
    read_at: Mapped[datetime]


class PlaybookRow(Base):
    """The planned response steps of one incident kind, in both languages."""

    __tablename__ = "playbooks"
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    steps: Mapped[list[Any]]  # [{"zh": …, "en": …}]
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime]


class IncidentRow(Base):
    """`open_key` is the breach key while the incident is not closed: unique, so one
    breach of one monitor's key opens one incident however often the worker looks."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_status_opened", "status", "opened_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(16))
    title_zh: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    summary_zh: Mapped[str] = mapped_column(Text)
    summary_en: Mapped[str] = mapped_column(Text)
    monitor_id: Mapped[int | None] = mapped_column(Integer)
    breach_key: Mapped[str] = mapped_column(String(160))
    open_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    drill: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str] = mapped_column(String(100))
    opened_at: Mapped[datetime]
    steps: Mapped[list[Any]]  # [{"zh", "en", "done_by", "done_at"}]
    review: Mapped[str] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=0)
    __mapper_args__ = {"version_id_col": version}


class IncidentEventRow(Base):
    """The timeline: appended, never changed."""

    __tablename__ = "incident_events"
    __table_args__ = (Index("ix_incident_events_incident", "incident_id", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text)
