"""Who is on call for incidents (issue 14, R13.1)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # reserved: filled in by the work it names


def downgrade() -> None:
    pass
