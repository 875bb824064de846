"""Who is on call for incidents (issue 14, R13.1)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "on_call_shifts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("starts_at", _TS, nullable=False),
        sa.Column("ends_at", _TS, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_index("ix_on_call_shifts_user_id", "on_call_shifts", ["user_id"])
    op.create_index("ix_on_call_shifts_starts_at", "on_call_shifts", ["starts_at"])
    op.create_index("ix_on_call_shifts_ends_at", "on_call_shifts", ["ends_at"])


def downgrade() -> None:
    op.drop_index("ix_on_call_shifts_ends_at", table_name="on_call_shifts")
    op.drop_index("ix_on_call_shifts_starts_at", table_name="on_call_shifts")
    op.drop_index("ix_on_call_shifts_user_id", table_name="on_call_shifts")
    op.drop_table("on_call_shifts")
