"""Staff accounts: creation, sign-in, server-side sessions and API tokens (R12.1)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from returnflow.config import Settings
from returnflow.domain.access import Principal, Role
from returnflow.domain.text import DomainError, Text
from returnflow.storage.uow import UnitOfWork

SESSION_IDLE = timedelta(hours=8)

def _password_hasher() -> PasswordHasher:
    """argon2 with the library's production parameters unless settings lower them.

    Only the test suite lowers them (RETURNFLOW_ARGON2_TIME_COST / _MEMORY_KIB): a
    production-strength hash costs ~175 ms, and the suite signs in thousands of times.
    """
    settings = Settings()
    if settings.argon2_time_cost is None and settings.argon2_memory_kib is None:
        return PasswordHasher()
    defaults = PasswordHasher()
    return PasswordHasher(
        time_cost=settings.argon2_time_cost or defaults.time_cost,
        memory_cost=settings.argon2_memory_kib or defaults.memory_cost,
        parallelism=1,
    )


_hasher = _password_hasher()
# verifying against this when the user does not exist keeps both answers equally slow
_DUMMY_HASH = _hasher.hash("not-a-real-password")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


@dataclass(frozen=True)
class SignedIn:
    principal: Principal
    token: str  # goes into the cookie; only its hash is stored
    csrf_token: str


def add_user(
    uow: UnitOfWork,
    *,
    username: str,
    display_name: str,
    password: str,
    role: Role,
    now: datetime,
    merchant_id: str | None = None,
) -> Principal:
    if not _USERNAME.match(username):
        raise DomainError(
            "invalid_username",
            Text(
                "用户名须为 3–64 位小写字母、数字或 . _ -",
                "Usernames are 3–64 lower-case letters, digits, . _ -",
            ),
            field="username",
        )
    if len(password) < 10:
        raise DomainError(
            "password_too_short",
            Text("密码至少 10 位", "Passwords need at least 10 characters"),
            field="password",
        )
    if (role is Role.MERCHANT) != bool(merchant_id):
        raise DomainError(
            "merchant_id_mismatch",
            Text(
                "商家账号必须且只能关联一个商家",
                "Merchant accounts, and only they, belong to a merchant",
            ),
            field="merchant_id",
        )
    if uow.accounts.user_exists(username):
        raise DomainError(
            "username_taken",
            Text("用户名 {name} 已存在", "The username {name} is taken").format(name=username),
            field="username",
        )
    return uow.accounts.add_user(
        username=username,
        display_name=display_name,
        password_hash=_hasher.hash(password),
        role=role,
        merchant_id=merchant_id,
        now=now,
    )


def sign_in(uow: UnitOfWork, username: str, password: str, now: datetime) -> SignedIn | None:
    """A new session for the right password; None otherwise, whatever was wrong."""
    found = uow.accounts.credentials(username.strip().lower())
    stored = found[1] if found else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if found is None:
        return None
    principal = found[0]
    if _hasher.check_needs_rehash(stored):
        uow.accounts.set_password_hash(principal.user_id, _hasher.hash(password))
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    uow.accounts.add_session(principal.user_id, token, csrf, now, now + SESSION_IDLE)
    return SignedIn(principal, token, csrf)


def session_principal(uow: UnitOfWork, token: str, now: datetime) -> tuple[Principal, str] | None:
    """The principal and CSRF token of a live session; using it keeps it alive."""
    found = uow.accounts.session_user(token, now)
    if found is None:
        return None
    principal, csrf, expires = found
    if expires - now < SESSION_IDLE / 2:
        uow.accounts.extend_session(token, now + SESSION_IDLE)
    return principal, csrf


def sign_out(uow: UnitOfWork, token: str) -> None:
    uow.accounts.end_session(token)


def issue_api_token(uow: UnitOfWork, principal: Principal, name: str, now: datetime) -> str:
    """A bearer token for a system or script; shown once, stored hashed."""
    token = "rf_" + secrets.token_urlsafe(32)
    uow.accounts.add_api_token(principal.user_id, token, name, now)
    return token


def token_principal(uow: UnitOfWork, token: str) -> Principal | None:
    return uow.accounts.token_user(token)
