"""Pages everyone shares: the start page, the language switch, staff sign-in and -out."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.api.deps import SESSION_COOKIE, Context
from returnflow.domain.text import Text
from returnflow.services import accounts
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


@router.get("/staff/login")
def login_form(request: Request, next: str = "/staff") -> Response:
    return render(
        request, "staff/login.html", {"next_url": safe_next(next, "/staff"), "username": ""}
    )


@router.post("/staff/login")
def login(
    request: Request,
    context: Context,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/staff",
) -> Response:
    now = context.clock()
    key = f"login:{username.strip().lower()}"
    with context.uow() as uow:
        throttle.check(uow, [key], now)
        signed = accounts.sign_in(uow, username, password, now)
        if signed is None:
            throttle.failed(uow, [key], now)
        else:
            uow.attempts.clear(key)
        uow.commit(now)
    if signed is None:
        error = Text("用户名或密码不正确", "The username or password is not right")
        values = {"next_url": safe_next(next, "/staff"), "username": username, "error": error}
        return render(request, "staff/login.html", values, status_code=401)
    response = RedirectResponse(safe_next(next, "/staff"), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        signed.token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/staff/logout")
def logout(
    context: Context,
    session: Annotated[StaffSession | None, Depends(staff_session)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    if session is not None:
        check_csrf(session, csrf_token)
        with context.uow() as uow:
            accounts.sign_out(uow, session.token)
            uow.commit(context.clock())
    response = RedirectResponse("/staff/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
