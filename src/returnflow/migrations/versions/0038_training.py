"""Training attempts and certificates (issue 17, R16.8)

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-07 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0038"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "training_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("skill", sa.String(20), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("drawn_on", sa.Date(), nullable=False),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("answers", sa.JSON(), nullable=True),
        sa.Column("correct", sa.Integer(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("scored_at", _TS, nullable=True),
    )
    op.create_index(
        "ix_training_attempts_username_skill", "training_attempts", ["username", "skill"]
    )
    op.create_table(
        "training_certificates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("skill", sa.String(20), nullable=False),
        sa.Column("granted_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("attempt_id", sa.Integer(), sa.ForeignKey("training_attempts.id"), nullable=True),
        sa.Column("waived_by", sa.String(100), nullable=True),
        sa.Column("reason", sa.String(500), nullable=False),
    )
    op.create_index(
        "ix_training_certificates_username_skill",
        "training_certificates",
        ["username", "skill"],
    )
    op.create_index("ix_training_certificates_expires_at", "training_certificates", ["expires_at"])
    if op.get_bind().dialect.name == "postgresql":  # certificates are never rewritten (0014)
        op.execute(
            "CREATE TRIGGER training_certificates_append_only BEFORE UPDATE OR DELETE "
            "ON training_certificates FOR EACH ROW EXECUTE FUNCTION returnflow_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP TRIGGER IF EXISTS training_certificates_append_only ON training_certificates"
        )
    op.drop_index("ix_training_certificates_expires_at", table_name="training_certificates")
    op.drop_index("ix_training_certificates_username_skill", table_name="training_certificates")
    op.drop_table("training_certificates")
    op.drop_index("ix_training_attempts_username_skill", table_name="training_attempts")
    op.drop_table("training_attempts")
