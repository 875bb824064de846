"""Risk at intake: scores, signals, identifiers, feedback, the watch list (issue 15, R10.3)

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # reserved: filled in by the work it names


def downgrade() -> None:
    pass
