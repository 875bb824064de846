"""Staff accounts: creation, sign-in, server-side sessions and API tokens (R12.1).

Sign-in is one or two steps: the password opens a session; when the account has
two-factor sign-in (or its role requires it) that session is *pending* and opens no
page until the code is given (or, for a required role not yet enrolled, until the
account enrols). Completing the step replaces the session with a new token.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from returnflow.config import Settings
from returnflow.domain.access import Principal, Role
from returnflow.domain.text import DomainError, Text
from returnflow.services import totp
from returnflow.services.unit_of_work import UnitOfWork

SESSION_IDLE = timedelta(hours=8)
SECOND_STEP_TIME = timedelta(minutes=10)  # a half-signed-in session lasts this long
PENDING_CODE = "totp"  # the password was right; the code is owed
PENDING_ENROL = "enrol"  # the role requires two-factor sign-in; enrol first
STAFF_SCOPE = "staff"
INTEGRATION_SCOPE = "integration"
TOKEN_SCOPES = (STAFF_SCOPE, INTEGRATION_SCOPE)


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


@cache
def _dummy_hash() -> str:
    """Verifying against this when the user does not exist keeps both answers equally
    slow. Made on the first sign-in, not at import: an argon2 hash holds its memory cost
    (64 MiB) for a moment, which set every API process's peak RSS (issue 11: RSS)."""
    return _hasher.hash("not-a-real-password")


_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


@dataclass(frozen=True)
class SignedIn:
    principal: Principal
    token: str  # goes into the cookie; only its hash is stored
    csrf_token: str
    pending: str | None = None  # PENDING_CODE / PENDING_ENROL: not a full session yet


def check_merchant_binding(role: Role, merchant_id: str | None) -> None:
    """Merchant accounts, and only they, name the merchant whose data they see (R11.1)."""
    if (role is Role.MERCHANT) != bool(merchant_id):
        raise DomainError(
            "merchant_id_mismatch",
            Text(
                "商家账号必须且只能关联一个商家",
                "Merchant accounts, and only they, belong to a merchant",
            ),
            field="merchant_id",
        )


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
    _check_password(password)
    check_merchant_binding(role, merchant_id)
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


def _check_password(password: str) -> None:
    if len(password) < 10:
        raise DomainError(
            "password_too_short",
            Text("密码至少 10 位", "Passwords need at least 10 characters"),
            field="password",
        )


def set_password(uow: UnitOfWork, user_id: int, password: str) -> None:
    _check_password(password)
    uow.accounts.set_password_hash(user_id, _hasher.hash(password))


def sign_in(
    uow: UnitOfWork,
    username: str,
    password: str,
    now: datetime,
    *,
    totp_roles: frozenset[Role] = frozenset(),
) -> SignedIn | None:
    """A new session for the right password; None otherwise, whatever was wrong.

    The session still owes a code when the account has two-factor sign-in, or owes
    enrolment when its role is in `totp_roles` and it has none yet.
    """
    dummy = _dummy_hash()  # on every sign-in, so that the first one tells nothing either
    found = uow.accounts.credentials(username.strip().lower())
    stored = found[1] if found else dummy
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if found is None:
        return None
    principal = found[0]
    if _hasher.check_needs_rehash(stored):
        uow.accounts.set_password_hash(principal.user_id, _hasher.hash(password))
    pending: str | None = None
    if uow.accounts.totp_state(principal.user_id).confirmed:
        pending = PENDING_CODE
    elif principal.role in totp_roles:
        pending = PENDING_ENROL
    return _new_session(uow, principal, now, pending)


def _new_session(
    uow: UnitOfWork, principal: Principal, now: datetime, pending: str | None
) -> SignedIn:
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    lasts = SESSION_IDLE if pending is None else SECOND_STEP_TIME
    uow.accounts.add_session(principal.user_id, token, csrf, now, now + lasts, pending)
    return SignedIn(principal, token, csrf, pending)


def pending_session(
    uow: UnitOfWork, token: str, now: datetime
) -> tuple[Principal, str, str | None] | None:
    """A live session, complete or not: the principal, its CSRF token and what it owes."""
    found = uow.accounts.any_session(token, now)
    return None if found is None else (found[0], found[1], found[3])


def complete_with_code(uow: UnitOfWork, token: str, code: str, now: datetime) -> SignedIn | None:
    """The full session for a session owing a code, given a fresh right one; else None.

    The old token is ended and a new one issued, so a token seen before the second
    step (a fixed or leaked cookie) never becomes a signed-in session.
    """
    found = uow.accounts.any_session(token, now)
    if found is None or found[3] != PENDING_CODE:
        return None
    principal = found[0]
    state = uow.accounts.totp_state(principal.user_id)
    if not state.confirmed or state.secret is None:
        return None
    step = totp.matching_step(state.secret, code, now, state.last_step)
    if step is None or not uow.accounts.use_totp_step(principal.user_id, step):
        return None
    uow.accounts.end_session(token)
    return _new_session(uow, principal, now, None)


def start_enrolment(uow: UnitOfWork, principal: Principal) -> str:
    """The secret being enrolled: kept until confirmed, so reloading shows the same QR."""
    state = uow.accounts.totp_state(principal.user_id)
    if state.confirmed:
        raise DomainError(
            "totp_already_enrolled",
            Text("两步验证已开启", "Two-step sign-in is already on"),
        )
    if state.secret is not None:
        return state.secret
    secret = totp.new_secret()
    uow.accounts.set_totp(principal.user_id, secret=secret, confirmed_at=None, last_step=None)
    return secret


def enrolment_secret(uow: UnitOfWork, principal: Principal) -> str | None:
    """What the security page shows: the secret being enrolled, or None once it is on."""
    if uow.accounts.totp_state(principal.user_id).confirmed:
        return None
    return start_enrolment(uow, principal)


def pending_secret(uow: UnitOfWork, principal: Principal) -> str | None:
    """The secret enrolled but not yet confirmed (shown again beside a wrong code)."""
    return uow.accounts.totp_state(principal.user_id).secret


def confirm_enrolment(
    uow: UnitOfWork, token: str, principal: Principal, code: str, now: datetime
) -> SignedIn:
    """Turn two-step sign-in on with a first right code; the session is renewed as full."""
    state = uow.accounts.totp_state(principal.user_id)
    step = None
    if state.secret is not None and not state.confirmed:
        step = totp.matching_step(state.secret, code, now, state.last_step)
    if step is None:
        raise DomainError(
            "totp_code_wrong",
            Text("验证码不正确或已使用", "The code is not right, or was already used"),
            field="code",
        )
    uow.accounts.set_totp(principal.user_id, secret=state.secret, confirmed_at=now, last_step=step)
    uow.accounts.end_session(token)
    return _new_session(uow, principal, now, None)


def turn_off_totp(uow: UnitOfWork, principal: Principal, totp_roles: frozenset[Role]) -> None:
    if principal.role in totp_roles:
        raise DomainError(
            "totp_required",
            Text(
                "您的角色必须使用两步验证",
                "Your role must sign in with two-step verification",
            ),
        )
    uow.accounts.set_totp(principal.user_id, secret=None, confirmed_at=None, last_step=None)


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


def issue_api_token(
    uow: UnitOfWork, principal: Principal, name: str, now: datetime, scope: str = STAFF_SCOPE
) -> str:
    """A bearer token for a system or script; shown once, stored hashed.

    An "integration" token acts as its account only on the integration routes
    (api/deps.py), so a system's credentials cannot be used as a person's.
    """
    if scope not in TOKEN_SCOPES:
        raise DomainError(
            "invalid_scope",
            Text("令牌范围须为 staff 或 integration", "A token's scope is staff or integration"),
            field="scope",
        )
    token = "rf_" + secrets.token_urlsafe(32)
    uow.accounts.add_api_token(principal.user_id, token, name, now, scope)
    return token


def active_account(uow: UnitOfWork, username: str) -> Principal | None:
    """The active account of that name, if there is one (for the command line)."""
    found = uow.accounts.credentials(username)
    return None if found is None else found[0]


def token_principal(uow: UnitOfWork, token: str) -> tuple[Principal, str] | None:
    """The account a token acts as, and the token's scope."""
    return uow.accounts.token_user(token)
