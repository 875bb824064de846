"""Staff accounts, sessions, API tokens, the access log and sign-in throttles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from returnflow.storage.schema.base import Base


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    merchant_id: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(254))  # notification mail (0023)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    # two-factor sign-in (issue 9, migration 0013): the TOTP secret once enrolment
    # starts, when a code confirmed it, and the last time step used (no replays)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)


class SessionRow(Base):
    """Server-side sessions: the cookie holds a random token, the row holds its hash."""

    __tablename__ = "sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    # None: a full session; "totp": the password was right, the code is still owed;
    # "enrol": the role requires two-factor sign-in and the account must enrol first
    pending: Mapped[str | None] = mapped_column(String(10))


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # "staff" acts as the account everywhere; "integration" only on integration routes
    scope: Mapped[str] = mapped_column(String(20), default="staff", server_default="staff")


class AccessLogRow(Base):
    """R14.1: every look at a customer's contact data, photos or address, by whom and when."""

    __tablename__ = "access_log"
    __table_args__ = (
        Index("ix_access_log_subject", "subject"),
        Index("ix_access_log_customer_at", "customer_id", "at"),
        Index("ix_access_log_actor_at", "actor", "at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(64))  # the RMA or order number
    what: Mapped[str] = mapped_column(String(40))  # contact | photo | address | export
    # whose data it was and the page or API route it was seen on (migration 0015)
    customer_id: Mapped[str | None] = mapped_column(String(64))
    route: Mapped[str] = mapped_column(String(200), default="")


class ThrottleRow(Base):
    """One counter per throttled key (sign-in, portal look-up), changed under a row lock.

    A try is counted before the password or contact is checked, so concurrent guesses
    queue on this row and no more than the allowance are ever checked (issue 9).
    """

    __tablename__ = "throttle_counters"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    last_at: Mapped[datetime]
    blocked_until: Mapped[datetime | None]
