"""Pages everyone shares: the start page, the language switch, staff sign-in and -out.

Sign-in is protected three ways: the form carries a CSRF token that must match a
cookie set with it (double submit: another site can neither read the cookie nor set
it), every try is counted before the password is checked (web/throttle.py), and an
account with two-step sign-in is asked for its code on a second page.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.text import Text
from returnflow.entrypoints.client_address import is_https
from returnflow.entrypoints.deps import SESSION_COOKIE, Context, same_token
from returnflow.entrypoints.steps import perform
from returnflow.services import accounts
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web import throttle
from returnflow.web.guards import StaffSession, check_csrf, staff_session
from returnflow.web.templating import render

router = APIRouter(include_in_schema=False)
LANG_COOKIE = "lang"
_YEAR = 365 * 24 * 3600


def safe_next(url: str, default: str = "/") -> str:
    """Only local paths: a crafted `next` must not send anyone to another site."""
    parts = urlsplit(url or "")
    if (
        parts.scheme
        or parts.netloc
        or not (parts.path or "").startswith("/")
        or url.startswith("//")
    ):
        return default
    return url


@router.get("/")
def home(request: Request) -> Response:
    return render(request, "home.html")


@router.get("/lang")
def switch_language(code: str = "zh", next: str = "/") -> Response:
    """Remember the choice in a cookie; without one the browser's language decides."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in ("zh", "en"):
        response.set_cookie(LANG_COOKIE, code, max_age=_YEAR, samesite="lax")
    return response


LOGIN_CSRF_COOKIE = "rf_login_csrf"
_LOGIN_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
_WRONG = Text("用户名或密码不正确", "The username or password is not right")
_EXPIRED = Text("页面已过期，请重试", "The page has expired: try again")
_WRONG_CODE = Text("验证码不正确或已使用", "The code is not right, or was already used")


def secure_cookies(request: Request, context: AppContext) -> bool:
    """Secure when the browser speaks https to us (directly or via a trusted proxy)."""
    return context.settings.secure_cookies or is_https(request, context.settings.trusted_proxies)


def totp_roles(context: AppContext) -> frozenset[Role]:
    return frozenset(Role(role) for role in context.settings.totp_required_roles)


def set_session_cookie(
    response: Response, request: Request, context: AppContext, token: str
) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request, context),
    )


def _login_page(
    request: Request,
    context: AppContext,
    next_url: str,
    username: str = "",
    error: Text | None = None,
    status_code: int = 200,
) -> Response:
    """The form with its CSRF token, and the cookie it must be posted back with.

    The browser keeps one token while it has the cookie (a second tab still works);
    only a missing or malformed one is replaced.
    """
    token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not _LOGIN_TOKEN.fullmatch(token):
        token = secrets.token_urlsafe(32)
    values = {"next_url": next_url, "username": username, "error": error, "login_csrf": token}
    response = render(request, "staff/login.html", values, status_code=status_code)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request, context),
        path="/staff/login",
    )
    return response


@router.get("/staff/login")
def login_form(request: Request, context: Context, next: str = "/staff") -> Response:
    return _login_page(request, context, safe_next(next, "/staff"))


@router.post("/staff/login")
def login(
    request: Request,
    context: Context,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/staff",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    next_url = safe_next(next, "/staff")
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not same_token(csrf_token, expected):
        return _login_page(request, context, next_url, username, _EXPIRED, 400)
    now = context.clock()
    guard = throttle.sign_in(request, context, username)
    throttle.take(context, guard, now)  # counted before the check: a burst cannot race it
    roles = totp_roles(context)
    signed = perform(
        context, lambda uow, _: accounts.sign_in(uow, username, password, now, totp_roles=roles)
    )
    if signed is None:
        return _login_page(request, context, next_url, username, _WRONG, 401)
    throttle.passed(context, guard, now)
    if signed.pending == accounts.PENDING_CODE:
        target = f"/staff/login/code?next={quote(next_url)}"
    elif signed.pending == accounts.PENDING_ENROL:
        target = "/staff/account/security"
    else:
        target = next_url
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, request, context, signed.token)
    return response


def _code_page(
    request: Request, csrf: str, next_url: str, error: Text | None = None, status_code: int = 200
) -> Response:
    values = {"csrf_token": csrf, "next_url": next_url, "error": error}
    return render(request, "staff/login_code.html", values, status_code=status_code)


@router.get("/staff/login/code")
def code_form(request: Request, context: Context, next: str = "/staff") -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    found = perform(context, lambda uow, now: accounts.pending_session(uow, token, now))
    if found is None or found[2] != accounts.PENDING_CODE:
        return RedirectResponse("/staff/login", status_code=303)
    return _code_page(request, found[1], safe_next(next, "/staff"))


@router.post("/staff/login/code")
def code(
    request: Request,
    context: Context,
    code: Annotated[str, Form(max_length=20)] = "",
    next: Annotated[str, Form(max_length=500)] = "/staff",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """The second step: a fresh code from the enrolled app turns the session into a full one."""
    now = context.clock()
    token = request.cookies.get(SESSION_COOKIE, "")
    next_url = safe_next(next, "/staff")
    found = perform(context, lambda uow, _: accounts.pending_session(uow, token, now))
    if found is None or found[2] != accounts.PENDING_CODE:
        return RedirectResponse("/staff/login", status_code=303)
    principal, csrf, _ = found
    if not same_token(csrf_token, csrf):
        return _code_page(request, csrf, next_url, _EXPIRED, 400)
    guard = throttle.second_step(request, context, principal.user_id)
    throttle.take(context, guard, now)
    signed = perform(context, lambda uow, _: accounts.complete_with_code(uow, token, code, now))
    if signed is None:
        return _code_page(request, csrf, next_url, _WRONG_CODE, 401)
    throttle.passed(context, guard, now)
    response = RedirectResponse(next_url, status_code=303)
    set_session_cookie(response, request, context, signed.token)
    return response


def _give_up_pending(uow: UnitOfWork, token: str, csrf_token: str, now: datetime) -> None:
    found = accounts.pending_session(uow, token, now)
    if found is not None and same_token(csrf_token, found[1]):
        accounts.sign_out(uow, token)


@router.post("/staff/logout")
def logout(
    request: Request,
    context: Context,
    session: Annotated[StaffSession | None, Depends(staff_session)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    if session is not None:
        check_csrf(session, csrf_token)
        perform(context, lambda uow, _: accounts.sign_out(uow, session.token))
    elif token := request.cookies.get(SESSION_COOKIE):
        # a half-signed-in session (code or enrolment still owed) may be given up too
        perform(context, lambda uow, now: _give_up_pending(uow, token, csrf_token, now))
    response = RedirectResponse("/staff/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
