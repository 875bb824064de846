"""Staff accounts, their sessions and API tokens, and the customer-data access log."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, delete, func, or_, select, update
from sqlalchemy.orm import Session

from returnflow.domain.access import Principal, Role
from returnflow.storage import batch
from returnflow.storage.privacy import access_row
from returnflow.storage.schema import AccessLogRow, ApiTokenRow, SessionRow, UserRow

_ACCESS_LOG: Table = AccessLogRow.__table__  # type: ignore[assignment]
_ACCESS_COLUMNS = tuple(c.key for c in _ACCESS_LOG.columns if c.key != "id")


def token_hash(token: str) -> str:
    """Tokens are stored hashed: a leaked table opens no session."""
    return hashlib.sha256(token.encode()).hexdigest()


def _principal(row: UserRow) -> Principal:
    return Principal(row.id, row.username, row.display_name, Role(row.role), row.merchant_id)


@dataclass(frozen=True)
class TotpState:
    secret: str | None
    confirmed: bool
    last_step: int | None


@dataclass(frozen=True)
class UserListing:
    """One row of the user-management list."""

    principal: Principal
    active: bool
    created_at: datetime
    totp: bool


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
        self,
        user_id: int,
        token: str,
        csrf: str,
        now: datetime,
        expires: datetime,
        pending: str | None = None,
    ) -> None:
        self.session.add(
            SessionRow(
                token_hash=token_hash(token),
                user_id=user_id,
                csrf_token=csrf,
                created_at=now,
                expires_at=expires,
                pending=pending,
            )
        )

    def session_user(self, token: str, now: datetime) -> tuple[Principal, str, datetime] | None:
        """The principal, CSRF token and expiry of a live, complete session."""
        found = self.any_session(token, now)
        if found is None or found[3] is not None:
            return None
        return found[0], found[1], found[2]

    def any_session(
        self, token: str, now: datetime
    ) -> tuple[Principal, str, datetime, str | None] | None:
        """A live session, complete or still owing a second step (its `pending`)."""
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
        return _principal(user), stored.csrf_token, stored.expires_at, stored.pending

    def end_sessions_of(self, user_id: int) -> None:
        self.session.execute(delete(SessionRow).where(SessionRow.user_id == user_id))

    def extend_session(self, token: str, expires: datetime) -> None:
        row = self.session.get(SessionRow, token_hash(token))
        if row is not None:
            row.expires_at = expires

    def end_session(self, token: str) -> None:
        self.session.execute(delete(SessionRow).where(SessionRow.token_hash == token_hash(token)))

    def add_api_token(
        self, user_id: int, token: str, name: str, now: datetime, scope: str = "staff"
    ) -> None:
        self.session.add(
            ApiTokenRow(
                token_hash=token_hash(token),
                user_id=user_id,
                name=name,
                created_at=now,
                scope=scope,
            )
        )

    def token_user(self, token: str) -> tuple[Principal, str] | None:
        """The account a live token acts as, and the token's scope."""
        found = self.session.execute(
            select(UserRow, ApiTokenRow.scope)
            .join(ApiTokenRow, ApiTokenRow.user_id == UserRow.id)
            .where(
                ApiTokenRow.token_hash == token_hash(token),
                ApiTokenRow.revoked_at.is_(None),
                UserRow.active.is_(True),
            )
        ).first()
        return None if found is None else (_principal(found[0]), found[1])

    def totp_state(self, user_id: int) -> TotpState:
        row = self.session.get(UserRow, user_id)
        if row is None:
            return TotpState(None, False, None)
        return TotpState(row.totp_secret, row.totp_confirmed_at is not None, row.totp_last_step)

    def set_totp(
        self,
        user_id: int,
        *,
        secret: str | None,
        confirmed_at: datetime | None,
        last_step: int | None,
    ) -> None:
        self.session.execute(
            update(UserRow)
            .where(UserRow.id == user_id)
            .values(totp_secret=secret, totp_confirmed_at=confirmed_at, totp_last_step=last_step)
        )

    def use_totp_step(self, user_id: int, step: int) -> bool:
        """Record `step` as used; False when it (or a later one) already was (a replay).

        One conditional UPDATE, so two requests racing with the same code cannot both win.
        """
        result = self.session.execute(
            update(UserRow)
            .where(
                UserRow.id == user_id,
                (UserRow.totp_last_step.is_(None)) | (UserRow.totp_last_step < step),
            )
            .values(totp_last_step=step)
        )
        return bool(getattr(result, "rowcount", 0))

    def user(self, user_id: int) -> UserListing | None:
        row = self.session.get(UserRow, user_id)
        return None if row is None else _listing(row)

    def display_names(
        self, user_ids: Iterable[int] = (), usernames: Iterable[str] = ()
    ) -> dict[int | str, str]:
        """Display names of the accounts asked for, keyed by id (int) and user name (str);
        pages call it once for all the people a page shows (issue 16)."""
        ids, logins = sorted(set(user_ids)), sorted(set(usernames))
        if not ids and not logins:
            return {}
        rows = self.session.execute(
            select(UserRow.id, UserRow.username, UserRow.display_name)
            .where(or_(UserRow.id.in_(ids), UserRow.username.in_(logins)))
            .limit(len(ids) + len(logins))
        )
        found: dict[int | str, str] = {}
        for user_id, username, shown in rows:
            found[user_id] = found[username] = shown or username
        return found

    def list_users(self, offset: int, limit: int) -> tuple[list[UserListing], int]:
        total = int(self.session.scalar(select(func.count()).select_from(UserRow)) or 0)
        rows = self.session.scalars(
            select(UserRow).order_by(UserRow.username).offset(offset).limit(limit)
        ).all()
        return [_listing(row) for row in rows], total

    def active_admins(self) -> int:
        query = select(func.count()).where(UserRow.role == Role.ADMIN.value, UserRow.active)
        return int(self.session.scalar(query) or 0)

    def set_role(self, user_id: int, role: Role, merchant_id: str | None) -> None:
        self.session.execute(
            update(UserRow)
            .where(UserRow.id == user_id)
            .values(role=role.value, merchant_id=merchant_id)
        )

    def set_active(self, user_id: int, active: bool) -> None:
        self.session.execute(update(UserRow).where(UserRow.id == user_id).values(active=active))

    def log_access(
        self,
        actor: str,
        subject: str,
        what: str,
        now: datetime,
        *,
        customer_id: str | None = None,
        route: str | None = None,
    ) -> None:
        """R14.1: one row per look; whose data and which route are found when not given."""
        row = access_row(self.session, actor, subject, what, now, customer_id, route)
        # queued (storage/batch.py): written with the transaction's other rows at once
        batch.queue(self.session, _ACCESS_LOG, [{c: getattr(row, c) for c in _ACCESS_COLUMNS}])


def _listing(row: UserRow) -> UserListing:
    return UserListing(
        _principal(row), row.active, row.created_at, row.totp_confirmed_at is not None
    )
