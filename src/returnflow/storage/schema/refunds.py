"""Refunds, the double-entry ledger, amount approvals and recoveries (issue 5)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from returnflow.storage.schema.base import Base

if TYPE_CHECKING:
    from returnflow.storage.schema.returns import ReturnRow


class RefundRow(Base):
    """One refund per request: the unique return_id is what makes money move once."""

    __tablename__ = "refunds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"), unique=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(128))
    paid_at: Mapped[datetime | None]
    request: Mapped[ReturnRow] = relationship(back_populates="refund")
    # the refund's life (issue 5, migration 0010); defaults describe a refund paid at once
    status: Mapped[str] = mapped_column(String(24), default="succeeded")
    idempotency_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    gateway: Mapped[str | None] = mapped_column(String(20))
    gateway_refund_id: Mapped[str | None] = mapped_column(String(128), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    trigger: Mapped[str] = mapped_column(String(20), default="manual")
    requested_at: Mapped[datetime | None]
    requested_by: Mapped[str | None] = mapped_column(String(100))
    approved_by: Mapped[str | None] = mapped_column(String(100))
    due_by: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    instant: Mapped[bool] = mapped_column(Boolean, default=False)
    workings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# --- refunds' life, double-entry ledger, authority (issue 5, migration 0010) ---


class LedgerEntryRow(Base):
    """One journal entry; the unique `key` is what keeps an event from being booked twice."""

    __tablename__ = "ledger_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    at: Mapped[datetime] = mapped_column(index=True)  # the journal reads by period (0026)
    memo: Mapped[str] = mapped_column(Text, default="")
    rma_no: Mapped[str] = mapped_column(String(32), default="", index=True)
    # hash chain (issue 9, migration 0014): see storage/chain.py
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    row_hash: Mapped[str] = mapped_column(String(64), default="")
    postings: Mapped[list[LedgerPostingRow]] = relationship(
        back_populates="entry", order_by="LedgerPostingRow.id", cascade="all, delete-orphan"
    )


class LedgerPostingRow(Base):
    __tablename__ = "ledger_postings"
    __table_args__ = (Index("ix_ledger_postings_account", "account", "party"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id", ondelete="CASCADE"))
    account: Mapped[str] = mapped_column(String(40))
    party: Mapped[str] = mapped_column(String(64), default="")
    currency: Mapped[str] = mapped_column(String(3))
    debit: Mapped[int] = mapped_column(BigInteger, default=0)
    credit: Mapped[int] = mapped_column(BigInteger, default=0)
    entry: Mapped[LedgerEntryRow] = relationship(back_populates="postings")


class AmountApprovalRow(Base):
    """An amount over someone's authority, waiting for a manager (R12.3).

    `open_key` is "<kind>:<subject>" while pending and empty once decided: unique, so
    one refund never waits in the queue twice.
    """

    __tablename__ = "amount_approvals"
    __table_args__ = (Index("ix_amount_approvals_status", "status", "requested_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # refund | compensation | ...
    subject: Mapped[str] = mapped_column(String(64))  # the RMA number, usually
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    requested_by: Mapped[str] = mapped_column(String(100))
    limit_cents: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))  # pending | approved | declined
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(Text)
    open_key: Mapped[str | None] = mapped_column(String(100), unique=True)


class RefundRecoveryRow(Base):
    """Money paid by instant refund for goods that then failed inspection."""

    __tablename__ = "refund_recoveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rma_no: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))  # open | recovered | written_off
    opened_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(100))


# time filters of the incident monitors' daily reads (storage/monitor_queries.py, 0028)
Index("ix_refunds_requested_at", RefundRow.requested_at)
