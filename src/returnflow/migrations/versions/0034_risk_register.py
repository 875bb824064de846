"""The risk register and frequent-returner care (issue 15, R10.1, R10.2, R10.4)

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # reserved: filled in by the work it names


def downgrade() -> None:
    pass
