"""Staff accounts over the API (R12.1), for administrators: the pages' twin.

A password is never sent back except the one made for a new or reset account, once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from returnflow.api.roles import Admin
from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import MAX_PAGE, RowId
from returnflow.entrypoints.steps import perform
from returnflow.services import user_admin
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.services.user_admin import UserListing

router = APIRouter(prefix="/api/v1/users", tags=["staff accounts"])


class UserOut(BaseModel):
    user_id: int
    username: str
    display_name: str
    role: Role
    merchant_id: str | None
    active: bool
    totp: bool = Field(description="Two-step sign-in is on")
    created_at: datetime


class UserPageOut(BaseModel):
    items: list[UserOut]
    page: int
    pages: int
    total: int


class NewUserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=3, max_length=64)
    display_name: str = Field(default="", max_length=200)
    role: Role
    merchant_id: str | None = Field(default=None, max_length=64)


class RoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role
    merchant_id: str | None = Field(default=None, max_length=64)


class PasswordOut(BaseModel):
    user: UserOut
    password: str = Field(description="Shown once: hand it to the account's owner")


def user_out(user: UserListing) -> UserOut:
    principal = user.principal
    return UserOut(
        user_id=principal.user_id,
        username=principal.username,
        display_name=principal.display_name,
        role=principal.role,
        merchant_id=principal.merchant_id,
        active=user.active,
        totp=user.totp,
        created_at=user.created_at,
    )


@router.get("")
def list_users(
    context: Context, principal: Admin, page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1
) -> UserPageOut:
    with context.uow() as uow:
        listing = user_admin.list_users(uow, page)
    return UserPageOut(
        items=[user_out(user) for user in listing.users],
        page=listing.page,
        pages=listing.pages,
        total=listing.total,
    )


@router.post("", status_code=201)
def add_user(body: NewUserIn, context: Context, principal: Admin) -> PasswordOut:
    """A new account with a temporary password (returned once)."""
    added, password = perform(
        context,
        lambda uow, now: user_admin.add(
            uow,
            username=body.username,
            display_name=body.display_name,
            role=body.role,
            merchant_id=body.merchant_id,
            now=now,
        ),
    )
    with context.uow() as uow:  # as stored: the list shows the same account
        found = user_admin.listing(uow, added.user_id)
    return PasswordOut(user=user_out(found), password=password)


@router.post("/{user_id}/role")
def change_role(user_id: RowId, body: RoleIn, context: Context, principal: Admin) -> UserOut:
    """Not one's own role; the last active administrator stays one."""
    return _changed(
        context,
        lambda uow: user_admin.change_role(uow, principal, user_id, body.role, body.merchant_id),
    )


@router.post("/{user_id}/deactivate")
def deactivate(user_id: RowId, context: Context, principal: Admin) -> UserOut:
    """Its sessions end and its tokens stop working."""
    return _changed(context, lambda uow: user_admin.set_active(uow, principal, user_id, False))


@router.post("/{user_id}/activate")
def activate(user_id: RowId, context: Context, principal: Admin) -> UserOut:
    return _changed(context, lambda uow: user_admin.set_active(uow, principal, user_id, True))


@router.post("/{user_id}/reset-password")
def reset_password(user_id: RowId, context: Context, principal: Admin) -> PasswordOut:
    user, password = perform(context, lambda uow, now: user_admin.reset_password(uow, user_id))
    return PasswordOut(user=user_out(user), password=password)


@router.post("/{user_id}/reset-totp")
def reset_totp(user_id: RowId, context: Context, principal: Admin) -> UserOut:
    """For a lost phone: two-step sign-in off, sessions ended."""
    return _changed(context, lambda uow: user_admin.reset_totp(uow, user_id))


def _changed(context: AppContext, action: Callable[[UnitOfWork], UserListing]) -> UserOut:
    return user_out(perform(context, lambda uow, now: action(uow)))
