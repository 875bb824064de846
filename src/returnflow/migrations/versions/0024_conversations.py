"""A conversation per request: messages and their attachments (issue 13, R11.1)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 07:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "conversation_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rma_no", sa.String(32), nullable=False),
        sa.Column("merchant_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("author_kind", sa.String(10), nullable=False),
        sa.Column("author_actor", sa.String(120), nullable=False),
        sa.Column("author_name", sa.String(100), nullable=False),
        sa.Column("author_user_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("submission", sa.String(64), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.UniqueConstraint("rma_no", "submission", name="uq_conversation_messages_submission"),
    )
    op.create_index(
        "ix_conversation_messages_rma_created", "conversation_messages", ["rma_no", "created_at"]
    )
    op.create_index(
        "ix_conversation_messages_merchant_id", "conversation_messages", ["merchant_id"]
    )
    op.create_table(
        "conversation_attachments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "message_id",
            sa.Integer(),
            sa.ForeignKey("conversation_messages.id"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
    )
    op.create_index(
        "ix_conversation_attachments_message_id", "conversation_attachments", ["message_id"]
    )
    op.create_index("ix_conversation_attachments_name", "conversation_attachments", ["name"])


def downgrade() -> None:
    op.drop_index("ix_conversation_attachments_name", table_name="conversation_attachments")
    op.drop_index("ix_conversation_attachments_message_id", table_name="conversation_attachments")
    op.drop_table("conversation_attachments")
    op.drop_index("ix_conversation_messages_merchant_id", table_name="conversation_messages")
    op.drop_index("ix_conversation_messages_rma_created", table_name="conversation_messages")
    op.drop_table("conversation_messages")
