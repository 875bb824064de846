"""Merchant onboarding: applications, documents, steps, agreements (issue 15, seed 000 §9.1)

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # reserved: filled in by the work it names


def downgrade() -> None:
    pass
