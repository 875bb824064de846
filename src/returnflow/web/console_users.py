"""User management pages for administrators (R12.1): list, add, role, deactivate, resets.

A new or reset password is shown once, on the page that answers the form, and is
never stored in plain text; the administrator hands it over and the user signs in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.steps import Refused, attempt
from returnflow.services import user_admin
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.paging import PageAsked, page_number, pager
from returnflow.web.roles import Admin
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str, Form(max_length=100)]
_ROLES = [role for role in Role]


def _page(
    request: Request,
    context: AppContext,
    session: StaffSession,
    page: int = 1,
    *,
    shown: dict[str, Any] | None = None,
    error: Text | None = None,
    status_code: int = 200,
) -> Response:
    with context.uow() as uow:
        listing = user_admin.list_users(uow, page)
        if listing.page > listing.pages:  # past the last page: the last
            listing = user_admin.list_users(uow, listing.pages)
    control = pager("/staff/users", listing.total, listing.page, {}, user_admin.PER_PAGE)
    values = {"listing": listing, "roles": _ROLES, "shown": shown, "error": error}
    values["pager"] = control
    return render_staff(
        request, session, "staff/users.html", values, section="users", status_code=status_code
    )


@router.get("/staff/users")
def users_page(
    request: Request, context: Context, session: Admin, page: PageAsked = "1"
) -> Response:
    return _page(request, context, session, page_number(page))


def _refused(
    request: Request, context: AppContext, session: StaffSession, refused: Refused
) -> Response:
    return _page(request, context, session, error=refused.message, status_code=refused.status)


@router.post("/staff/users")
def add_user(
    request: Request,
    context: Context,
    session: Admin,
    csrf_token: Csrf = "",
    username: Annotated[str, Form(max_length=64)] = "",
    display_name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    merchant_id: Annotated[str, Form(max_length=64)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    check_csrf(session, csrf_token)
    added = attempt(
        context,
        lambda uow, now: user_admin.add(
            uow,
            username=username,
            display_name=display_name,
            role=_role(role),
            merchant_id=merchant_id,
            now=now,
            email=email,
        ),
    )
    if isinstance(added, Refused):
        return _refused(request, context, session, added)
    principal, password = added
    shown = {"username": principal.username, "password": password}
    return _page(request, context, session, shown=shown, status_code=201)


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise DomainError(
            "invalid_role", Text("没有这个角色", "There is no such role"), field="role"
        ) from None


@router.post("/staff/users/{user_id}/role")
def change_role(
    request: Request,
    context: Context,
    session: Admin,
    user_id: RowId,
    csrf_token: Csrf = "",
    role: Annotated[str, Form(max_length=20)] = "",
    merchant_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    check_csrf(session, csrf_token)
    return _change(
        request,
        context,
        session,
        lambda uow: user_admin.change_role(
            uow, session.principal, user_id, _role(role), merchant_id
        ),
    )


@router.post("/staff/users/{user_id}/reset-password")
def reset_password(
    request: Request, context: Context, session: Admin, user_id: RowId, csrf_token: Csrf = ""
) -> Response:
    check_csrf(session, csrf_token)
    reset = attempt(context, lambda uow, now: user_admin.reset_password(uow, user_id))
    if isinstance(reset, Refused):
        return _refused(request, context, session, reset)
    user, password = reset
    shown = {"username": user.principal.username, "password": password}
    return _page(request, context, session, shown=shown)


@router.post("/staff/users/{user_id}/email")
def set_email(
    request: Request,
    context: Context,
    session: Admin,
    user_id: RowId,
    csrf_token: Csrf = "",
    email: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    """Where the account's notifications are mailed (issue 13); empty: no mail."""
    check_csrf(session, csrf_token)
    return _change(request, context, session, lambda uow: user_admin.set_email(uow, user_id, email))


@router.post("/staff/users/{user_id}/deactivate")
def deactivate(
    request: Request, context: Context, session: Admin, user_id: RowId, csrf_token: Csrf = ""
) -> Response:
    check_csrf(session, csrf_token)
    return _change(
        request,
        context,
        session,
        lambda uow: user_admin.set_active(uow, session.principal, user_id, False),
    )


@router.post("/staff/users/{user_id}/activate")
def activate(
    request: Request, context: Context, session: Admin, user_id: RowId, csrf_token: Csrf = ""
) -> Response:
    check_csrf(session, csrf_token)
    return _change(
        request,
        context,
        session,
        lambda uow: user_admin.set_active(uow, session.principal, user_id, True),
    )


@router.post("/staff/users/{user_id}/reset-totp")
def reset_totp(
    request: Request, context: Context, session: Admin, user_id: RowId, csrf_token: Csrf = ""
) -> Response:
    check_csrf(session, csrf_token)
    return _change(request, context, session, lambda uow: user_admin.reset_totp(uow, user_id))


def _change(
    request: Request,
    context: AppContext,
    session: StaffSession,
    action: Callable[[UnitOfWork], object],
) -> Response:
    done = attempt(context, lambda uow, now: action(uow))
    if isinstance(done, Refused):
        return _refused(request, context, session, done)
    return RedirectResponse("/staff/users", status_code=303)
