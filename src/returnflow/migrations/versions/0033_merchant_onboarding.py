"""Merchant onboarding: applications, documents, steps, agreements (issue 15, seed 000 §9.1)

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def _owned(name: str) -> sa.Column[int]:
    return sa.Column(
        name,
        sa.Integer(),
        sa.ForeignKey("merchant_applications.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "merchant_agreement_versions",
        sa.Column("version", sa.String(20), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("title_zh", sa.String(200), nullable=False),
        sa.Column("title_en", sa.String(200), nullable=False),
        sa.Column("body_zh", sa.Text(), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("first_accepted_at", _TS, nullable=False),
    )
    op.create_table(
        "merchant_applications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(20), nullable=False, unique=True),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("company_name", sa.String(200), nullable=False),
        sa.Column("shop_name", sa.String(200), nullable=False),
        sa.Column("licence_no", sa.String(40), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("brands", sa.String(1000), nullable=False),
        sa.Column("contact_name", sa.String(200), nullable=False),
        sa.Column("after_sales_phone", sa.String(40), nullable=False),
        sa.Column("after_sales_email", sa.String(254), nullable=False),
        sa.Column("return_address", sa.String(500), nullable=False),
        sa.Column("staff_count", sa.Integer(), nullable=False),
        sa.Column("service_hours", sa.String(200), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column(
            "agreement_version",
            sa.String(20),
            sa.ForeignKey("merchant_agreement_versions.version"),
            nullable=False,
        ),
        sa.Column("agreement_digest", sa.String(64), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("question", sa.String(2000), nullable=False),
        sa.Column("merchant_id", sa.String(64), sa.ForeignKey("merchants.id"), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("submitted_at", _TS, nullable=False),
        sa.Column("decided_at", _TS, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index(
        "ix_merchant_applications_status", "merchant_applications", ["status", "submitted_at"]
    )
    op.create_table(
        "merchant_application_steps",
        sa.Column("id", sa.Integer(), primary_key=True),
        _owned("application_id"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("note", sa.String(2000), nullable=False),
    )
    op.create_index(
        "ix_merchant_application_steps_application_id",
        "merchant_application_steps",
        ["application_id"],
    )
    op.create_table(
        "merchant_application_documents",
        sa.Column("id", sa.Integer(), primary_key=True),
        _owned("application_id"),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("stored_name", sa.String(40), nullable=False, unique=True),
        sa.Column("original_name", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_at", _TS, nullable=False),
    )
    op.create_index(
        "ix_merchant_application_documents_application_id",
        "merchant_application_documents",
        ["application_id"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_merchant_application_documents_application_id",
        table_name="merchant_application_documents",
    )
    op.drop_table("merchant_application_documents")
    op.drop_index(
        "ix_merchant_application_steps_application_id", table_name="merchant_application_steps"
    )
    op.drop_table("merchant_application_steps")
    op.drop_index("ix_merchant_applications_status", table_name="merchant_applications")
    op.drop_table("merchant_applications")
    op.drop_table("merchant_agreement_versions")
