"""Staff accounts, their sessions and API tokens, and the customer-data access log."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from returnflow.domain.access import Principal, Role
from returnflow.storage.schema import AccessLogRow, ApiTokenRow, SessionRow, UserRow


def token_hash(token: str) -> str:
    """Tokens are stored hashed: a leaked table opens no session."""
    return hashlib.sha256(token.encode()).hexdigest()


def _principal(row: UserRow) -> Principal:
    return Principal(row.id, row.username, row.display_name, Role(row.role), row.merchant_id)


class Accounts:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_user(
        self,
        *,
        username: str,
        display_name: str,
        password_hash: str,
        role: Role,
        merchant_id: str | None,
        now: datetime,
    ) -> Principal:
        row = UserRow(
            username=username,
            display_name=display_name,
            password_hash=password_hash,
            role=role.value,
            merchant_id=merchant_id,
            active=True,
            created_at=now,
        )
        self.session.add(row)
        self.session.flush()
        return _principal(row)

    def credentials(self, username: str) -> tuple[Principal, str] | None:
        """The active user and stored password hash for a username, if any."""
        row = self.session.scalars(
            select(UserRow).where(UserRow.username == username, UserRow.active.is_(True))
        ).first()
        return None if row is None else (_principal(row), row.password_hash)

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        row = self.session.get(UserRow, user_id)
        if row is not None:
            row.password_hash = password_hash

    def user_exists(self, username: str) -> bool:
        return (
            self.session.scalar(select(UserRow.id).where(UserRow.username == username)) is not None
        )

    def add_session(
        self, user_id: int, token: str, csrf: str, now: datetime, expires: datetime
    ) -> None:
        self.session.add(
            SessionRow(
                token_hash=token_hash(token),
                user_id=user_id,
                csrf_token=csrf,
                created_at=now,
                expires_at=expires,
            )
        )

    def session_user(self, token: str, now: datetime) -> tuple[Principal, str, datetime] | None:
        """The principal, CSRF token and expiry of a live session."""
        found = self.session.execute(
            select(UserRow, SessionRow)
            .join(SessionRow, SessionRow.user_id == UserRow.id)
            .where(SessionRow.token_hash == token_hash(token), UserRow.active.is_(True))
        ).first()
        if found is None:
            return None
        user, stored = found
        if stored.expires_at <= now:
            return None
        return _principal(user), stored.csrf_token, stored.expires_at

    def extend_session(self, token: str, expires: datetime) -> None:
        row = self.session.get(SessionRow, token_hash(token))
        if row is not None:
            row.expires_at = expires

    def end_session(self, token: str) -> None:
        self.session.execute(delete(SessionRow).where(SessionRow.token_hash == token_hash(token)))

    def add_api_token(self, user_id: int, token: str, name: str, now: datetime) -> None:
        self.session.add(
            ApiTokenRow(token_hash=token_hash(token), user_id=user_id, name=name, created_at=now)
        )

    def token_user(self, token: str) -> Principal | None:
        row = self.session.scalars(
            select(UserRow)
            .join(ApiTokenRow, ApiTokenRow.user_id == UserRow.id)
            .where(
                ApiTokenRow.token_hash == token_hash(token),
                ApiTokenRow.revoked_at.is_(None),
                UserRow.active.is_(True),
            )
        ).first()
        return None if row is None else _principal(row)

    def log_access(self, actor: str, subject: str, what: str, now: datetime) -> None:
        self.session.add(AccessLogRow(at=now, actor=actor, subject=subject, what=what))
