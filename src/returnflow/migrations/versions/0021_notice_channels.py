"""Customer notice channels, a delivery log per notice and channel, the in-app inbox
(issue 13, R1.3, R7.3)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 06:30:00

The unique (notice_key, channel) pair keeps every notice sent once per channel however
often its outbox message is retried; inbox_messages.notice_key does the same for the inbox.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notice_channels",
        sa.Column("customer_id", sa.String(64), primary_key=True),
        sa.Column("channels", sa.String(40), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_table(
        "notice_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("notice_key", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("topic", sa.String(80), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.String(64), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("sent_at", _TS, nullable=True),
        sa.UniqueConstraint("notice_key", "channel", name="uq_notice_delivery"),
    )
    op.create_index("ix_notice_deliveries_customer_id", "notice_deliveries", ["customer_id"])
    op.create_table(
        "inbox_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("notice_key", sa.String(64), nullable=False, unique=True),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("topic", sa.String(80), nullable=False),
        sa.Column("rma_no", sa.String(40), nullable=False),
        sa.Column("subject_zh", sa.String(300), nullable=False),
        sa.Column("subject_en", sa.String(300), nullable=False),
        sa.Column("body_zh", sa.Text(), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("read_at", _TS, nullable=True),
    )
    op.create_index("ix_inbox_messages_customer", "inbox_messages", ["customer_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_inbox_messages_customer", table_name="inbox_messages")
    op.drop_table("inbox_messages")
    op.drop_index("ix_notice_deliveries_customer_id", table_name="notice_deliveries")
    op.drop_table("notice_deliveries")
    op.drop_table("notice_channels")
