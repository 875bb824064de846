"""Time indexes on the request history and appeal decisions, for the period reads of the
analytics rollups and the scorecards (issue 14)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 08:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_return_events_at", "return_events", ["at"])
    op.create_index("ix_appeals_decided_at", "appeals", ["decided_at"])


def downgrade() -> None:
    op.drop_index("ix_appeals_decided_at", table_name="appeals")
    op.drop_index("ix_return_events_at", table_name="return_events")
