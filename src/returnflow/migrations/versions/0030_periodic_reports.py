"""Periodic reports and their subscribers (issue 14, R9.3)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # reserved: filled in by the work it names


def downgrade() -> None:
    pass
