"""Customer reminders sent once per deadline (issue 13)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 07:00:00

One row per request, deadline kind (ship_by | confirm_by) and deadline: the unique key
makes the reminder before a deadline go once, however often or concurrently the sweep
runs; a deadline set again (a request approved anew) gets its own reminder.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notice_reminders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rma_no", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("deadline", _TS, nullable=False),
        sa.Column("sent_at", _TS, nullable=False),
        sa.UniqueConstraint("rma_no", "kind", "deadline", name="uq_notice_reminder"),
    )


def downgrade() -> None:
    op.drop_table("notice_reminders")
