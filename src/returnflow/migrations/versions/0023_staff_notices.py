"""In-console notifications for staff and merchants; staff e-mail addresses (issue 13)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 07:00:00

`staff_notices.dedupe_key` is unique: a retried handler or sweep never makes the same
notification twice; `staff_notice_mails` (notice, user) does the same for mail.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(254), nullable=True))
    op.create_table(
        "staff_notices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dedupe_key", sa.String(200), nullable=False, unique=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("audience_kind", sa.String(10), nullable=False),
        sa.Column("audience", sa.String(64), nullable=False),
        sa.Column("rma_no", sa.String(40), nullable=False),
        sa.Column("complaint_no", sa.String(40), nullable=False),
        sa.Column("dispute_no", sa.String(40), nullable=False),
        sa.Column("link", sa.String(200), nullable=False),
        sa.Column("subject_zh", sa.String(300), nullable=False),
        sa.Column("subject_en", sa.String(300), nullable=False),
        sa.Column("body_zh", sa.Text(), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_index(
        "ix_staff_notices_audience",
        "staff_notices",
        ["audience_kind", "audience", "created_at"],
    )
    op.create_table(
        "staff_notice_reads",
        sa.Column(
            "notice_id",
            sa.Integer(),
            sa.ForeignKey("staff_notices.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("read_at", _TS, nullable=False),
    )
    op.create_index("ix_staff_notice_reads_user_id", "staff_notice_reads", ["user_id"])
    op.create_table(
        "staff_notice_mails",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "notice_id",
            sa.Integer(),
            sa.ForeignKey("staff_notices.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("address", sa.String(254), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("sent_at", _TS, nullable=True),
        sa.UniqueConstraint("notice_id", "user_id", name="uq_staff_notice_mail"),
    )


def downgrade() -> None:
    op.drop_table("staff_notice_mails")
    op.drop_index("ix_staff_notice_reads_user_id", table_name="staff_notice_reads")
    op.drop_table("staff_notice_reads")
    op.drop_index("ix_staff_notices_audience", table_name="staff_notices")
    op.drop_table("staff_notices")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email")
