"""FastAPI dependencies: the shared context, the reader's language, and who is calling.

Every API route states the permission it needs with `Allowed(Permission.X)`; the
caller proves who they are with a bearer token (systems, scripts) or the session
cookie of a signed-in person, who must then echo the CSRF token on writes.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from returnflow.api.language import preferred_language
from returnflow.app_context import AppContext
from returnflow.domain.access import Permission, Principal
from returnflow.domain.text import DomainError, Text
from returnflow.services import accounts

SESSION_COOKIE = "rf_session"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class Unauthenticated(DomainError):
    pass


def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


def get_language(request: Request) -> str:
    return preferred_language(request)


Context = Annotated[AppContext, Depends(get_context)]
Language = Annotated[str, Depends(get_language)]


def _unauthenticated() -> Unauthenticated:
    return Unauthenticated(
        "unauthenticated",
        Text("请先登录或提供有效的访问令牌", "Sign in or send a valid bearer token"),
    )


def current_principal(request: Request, context: Context) -> Principal:
    header = request.headers.get("authorization", "")
    now = context.clock()
    if header.lower().startswith("bearer "):
        with context.uow() as uow:
            principal = accounts.token_principal(uow, header[7:].strip())
        if principal is None:
            raise _unauthenticated()
        return principal
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise _unauthenticated()
    with context.uow() as uow:
        found = accounts.session_principal(uow, cookie, now)
        uow.commit(now)
    if found is None:
        raise _unauthenticated()
    principal, csrf = found
    sent = request.headers.get(CSRF_HEADER, "")
    if request.method not in _SAFE_METHODS and not secrets.compare_digest(sent, csrf):
        raise DomainError(
            "csrf_failed",
            Text("页面已过期，请刷新后重试", "The page has expired: reload it and try again"),
        )
    return principal


def Allowed(permission: Permission) -> Callable[..., Principal]:
    """A dependency that admits callers holding `permission` (and tells who they are)."""

    def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        principal.require(permission)
        return principal

    check.permission = permission  # type: ignore[attr-defined]
    return check
