"""Daily rollups of returns for the KPIs and return rates (issue 14, R9.1, R9.4)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def _key(name: str, length: int) -> sa.Column[str]:
    return sa.Column(name, sa.String(length), primary_key=True, nullable=False)


def _big(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "analytics_return_days",
        sa.Column("day", sa.Date(), primary_key=True, nullable=False),
        _key("merchant_id", 64),
        _key("category", 40),
        _key("sku", 64),
        _key("reason", 30),
        _key("carrier", 64),
        sa.Column("orders", sa.Integer(), nullable=False),
        _big("units_delivered"),
        _big("units_returned"),
        _big("refund_amount"),
    )
    op.create_table(
        "analytics_day_measures",
        sa.Column("day", sa.Date(), primary_key=True, nullable=False),
        _key("merchant_id", 64),
        _key("category", 40),
        _key("measure", 40),
        _big("count"),
        _big("amount"),
    )
    op.create_table(
        "analytics_day_durations",
        sa.Column("day", sa.Date(), primary_key=True, nullable=False),
        _key("merchant_id", 64),
        _key("metric", 40),
        sa.Column("bucket", sa.BigInteger(), primary_key=True, nullable=False, autoincrement=False),
        _big("count"),
        _big("total_seconds"),
    )
    op.create_table(
        "analytics_marks",
        _key("name", 40),
        _big("outbox_id"),
        sa.Column("updated_at", _TS, nullable=False),
    )


def downgrade() -> None:
    for name in (
        "analytics_marks",
        "analytics_day_durations",
        "analytics_day_measures",
        "analytics_return_days",
    ):
        op.drop_table(name)
