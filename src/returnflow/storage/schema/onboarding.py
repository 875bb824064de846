"""Merchants' applications (issue 15, seed 000 §9.1, migration 0033).

One row per application (its details, status, checklist, the agreement version accepted
and the digest of its words, the hash of its private status link), its steps in order
(never updated), its documents (the store's file name, type, size, sha256) and the
agreement versions that were ever accepted, with their words.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from returnflow.storage.schema.base import Base


class MerchantAgreementVersionRow(Base):
    __tablename__ = "merchant_agreement_versions"
    version: Mapped[str] = mapped_column(String(20), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    body_zh: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    first_accepted_at: Mapped[datetime]


class MerchantApplicationRow(Base):
    __tablename__ = "merchant_applications"
    __table_args__ = (Index("ix_merchant_applications_status", "status", "submitted_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(30))
    company_name: Mapped[str] = mapped_column(String(200))
    shop_name: Mapped[str] = mapped_column(String(200))
    licence_no: Mapped[str] = mapped_column(String(40))
    categories: Mapped[list[Any]]
    brands: Mapped[str] = mapped_column(String(1000))
    contact_name: Mapped[str] = mapped_column(String(200))
    after_sales_phone: Mapped[str] = mapped_column(String(40))
    after_sales_email: Mapped[str] = mapped_column(String(254))
    return_address: Mapped[str] = mapped_column(String(500))
    staff_count: Mapped[int] = mapped_column(Integer)
    service_hours: Mapped[str] = mapped_column(String(200))
    username: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(5))
    agreement_version: Mapped[str] = mapped_column(
        ForeignKey("merchant_agreement_versions.version")
    )
    agreement_digest: Mapped[str] = mapped_column(String(64))
    checks: Mapped[dict[str, Any]]
    question: Mapped[str] = mapped_column(String(2000))
    merchant_id: Mapped[str | None] = mapped_column(ForeignKey("merchants.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    submitted_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer)
    __mapper_args__ = {"version_id_col": version}


class MerchantApplicationStepRow(Base):
    __tablename__ = "merchant_application_steps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("merchant_applications.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(String(2000))


class MerchantApplicationDocumentRow(Base):
    __tablename__ = "merchant_application_documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("merchant_applications.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    stored_name: Mapped[str] = mapped_column(String(40), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime]
