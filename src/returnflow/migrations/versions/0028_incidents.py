"""Monitors, incidents, playbooks and drills (issue 14, R13.1)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)
# the monitors' time filters: (index, table, column)
_MONITOR_INDEXES = (
    ("ix_orders_delivered_at", "orders", "delivered_at"),
    ("ix_returns_created_at", "returns", "created_at"),
    ("ix_returns_shipped_at", "returns", "shipped_at"),
    ("ix_complaints_filed_at", "complaints", "filed_at"),
    ("ix_complaints_first_response_due_at", "complaints", "first_response_due_at"),
    ("ix_complaints_first_response_breached_at", "complaints", "first_response_breached_at"),
    ("ix_shipments_created_at", "shipments", "created_at"),
    ("ix_shipment_exceptions_raised_at", "shipment_exceptions", "raised_at"),
    ("ix_refunds_requested_at", "refunds", "requested_at"),
)


def upgrade() -> None:
    op.create_table(
        "monitors",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("indicator", sa.String(40), nullable=False),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("factor", sa.Float(), nullable=False),
        sa.Column("k_sd", sa.Float(), nullable=False),
        sa.Column("min_volume", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("baseline_days", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.UniqueConstraint("indicator", "scope", name="uq_monitors_indicator_scope"),
    )
    op.create_table(
        "monitor_readings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "monitor_id",
            sa.Integer(),
            sa.ForeignKey("monitors.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("volume", sa.Integer(), nullable=False),
        sa.Column("mean", sa.Float(), nullable=False),
        sa.Column("sd", sa.Float(), nullable=False),
        sa.Column("baseline_days", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("breached", sa.Boolean(), nullable=False),
        sa.Column("read_at", _TS, nullable=False),
    )
    op.create_index("ix_monitor_readings_monitor", "monitor_readings", ["monitor_id"])
    op.create_table(
        "playbooks",
        sa.Column("kind", sa.String(40), primary_key=True),
        sa.Column("title_zh", sa.String(200), nullable=False),
        sa.Column("title_en", sa.String(200), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    _incidents()
    for name, table, column in _MONITOR_INDEXES:
        op.create_index(name, table, [column])


def _incidents() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("title_zh", sa.String(300), nullable=False),
        sa.Column("title_en", sa.String(300), nullable=False),
        sa.Column("summary_zh", sa.Text(), nullable=False),
        sa.Column("summary_en", sa.Text(), nullable=False),
        sa.Column("monitor_id", sa.Integer(), nullable=True),
        sa.Column("breach_key", sa.String(160), nullable=False),
        sa.Column("open_key", sa.String(160), nullable=True, unique=True),
        sa.Column("drill", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("opened_at", _TS, nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("review", sa.Text(), nullable=False),
        sa.Column("closed_at", _TS, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_incidents_status_opened", "incidents", ["status", "opened_at"])
    op.create_table(
        "incident_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "incident_id",
            sa.Integer(),
            sa.ForeignKey("incidents.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index("ix_incident_events_incident", "incident_events", ["incident_id", "id"])


def downgrade() -> None:
    for name, table, _column in _MONITOR_INDEXES:
        op.drop_index(name, table_name=table)
    op.drop_index("ix_incident_events_incident", table_name="incident_events")
    op.drop_table("incident_events")
    op.drop_index("ix_incidents_status_opened", table_name="incidents")
    op.drop_table("incidents")
    op.drop_table("playbooks")
    op.drop_index("ix_monitor_readings_monitor", table_name="monitor_readings")
    op.drop_table("monitor_readings")
    op.drop_table("monitors")
