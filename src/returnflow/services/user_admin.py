"""Administering staff accounts (R12.1): list, add, change role, deactivate, reset.

Shared by the user pages and /api/v1/users. An administrator cannot lock the
platform out of administration: nobody changes their own role or deactivates
themselves, and the last active administrator stays one. A reset or deactivation
ends the account's sessions at once; a reset password is made here and shown once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from returnflow.domain.access import Principal, Role
from returnflow.domain.paging import page_count
from returnflow.domain.staff_notices import checked_email
from returnflow.domain.text import DomainError, Text
from returnflow.services import accounts, staff_notices
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.accounts import UserListing as UserListing  # the read model pages show

PER_PAGE = 25


@dataclass(frozen=True)
class UserPage:
    users: list[UserListing]
    page: int
    pages: int
    total: int
    emails: dict[int, str] = field(default_factory=dict)  # notification mail (issue 13)


def list_users(uow: UnitOfWork, page: int) -> UserPage:
    users, total = uow.accounts.list_users((page - 1) * PER_PAGE, PER_PAGE)
    emails = uow.staff_notices.emails([user.principal.user_id for user in users])
    return UserPage(users, page, page_count(total, PER_PAGE), total, emails)


def listing(uow: UnitOfWork, user_id: int) -> UserListing:
    """One account as the user list shows it."""
    return _user(uow, user_id)


def temporary_password() -> str:
    """Long enough to pass the password rule, easy to read out: 4 groups of 4."""
    alphabet = "23456789abcdefghjkmnpqrstuvwxyz"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def _user(uow: UnitOfWork, user_id: int) -> UserListing:
    found = uow.accounts.user(user_id)
    if found is None:
        raise NotFound("user_not_found", Text("找不到该账号", "There is no such account"))
    return found


def _not_self(actor: Principal, user: UserListing) -> None:
    if actor.user_id == user.principal.user_id:
        raise DomainError(
            "own_account",
            Text(
                "不能更改自己的角色或停用自己",
                "You cannot change your own role or deactivate yourself",
            ),
        )


def _keeps_an_admin(uow: UnitOfWork, user: UserListing) -> None:
    if user.principal.role is Role.ADMIN and user.active and uow.accounts.active_admins() <= 1:
        raise DomainError(
            "last_admin",
            Text("至少需保留一个启用的管理员", "At least one active administrator must remain"),
        )


def change_role(
    uow: UnitOfWork, actor: Principal, user_id: int, role: Role, merchant_id: str | None
) -> UserListing:
    user = _user(uow, user_id)
    _not_self(actor, user)
    merchant_id = (merchant_id or "").strip() or None
    accounts.check_merchant_binding(role, merchant_id)
    if role is not Role.ADMIN:
        _keeps_an_admin(uow, user)
    uow.accounts.set_role(user_id, role, merchant_id)
    return _user(uow, user_id)


def set_active(uow: UnitOfWork, actor: Principal, user_id: int, active: bool) -> UserListing:
    user = _user(uow, user_id)
    _not_self(actor, user)
    if not active:
        _keeps_an_admin(uow, user)
        uow.accounts.end_sessions_of(user_id)
    uow.accounts.set_active(user_id, active)
    return _user(uow, user_id)


def reset_password(uow: UnitOfWork, user_id: int) -> tuple[UserListing, str]:
    """A new password for the account (to hand over once); its sessions end."""
    user = _user(uow, user_id)
    password = temporary_password()
    accounts.set_password(uow, user_id, password)
    uow.accounts.end_sessions_of(user_id)
    return user, password


def reset_totp(uow: UnitOfWork, user_id: int) -> UserListing:
    """For a lost phone: two-step sign-in off (a required role must enrol again)."""
    _user(uow, user_id)
    uow.accounts.set_totp(user_id, secret=None, confirmed_at=None, last_step=None)
    uow.accounts.end_sessions_of(user_id)
    return _user(uow, user_id)


def add(
    uow: UnitOfWork,
    *,
    username: str,
    display_name: str,
    role: Role,
    merchant_id: str | None,
    now: datetime,
    password: str | None = None,
    email: str | None = None,
) -> tuple[Principal, str]:
    """A new account; without a password a temporary one is made (returned once).

    `email`: where the account's notifications are mailed (merchant accounts), if given.
    """
    chosen = password or temporary_password()
    address = checked_email(email)
    principal = accounts.add_user(
        uow,
        username=username.strip(),
        display_name=display_name.strip() or username.strip(),
        password=chosen,
        role=role,
        now=now,
        merchant_id=(merchant_id or "").strip() or None,
    )
    if address:
        uow.staff_notices.set_email(principal.user_id, address)
    return principal, chosen


def set_email(uow: UnitOfWork, user_id: int, email: str | None) -> UserListing:
    """The account's notification address; empty removes it."""
    user = _user(uow, user_id)
    staff_notices.set_email(uow, user_id, email)
    return user
