"""FastAPI dependencies: the shared context, the reader's language, and who is calling.

Every API route states the permission it needs with an alias from api/roles.py, one
name per `Allowed(Permission.X)`; the caller proves who they are with a bearer token
(systems, scripts) or the session cookie of a signed-in person, who must then echo
the CSRF token on writes.

A token of scope "integration" is a system's credential: it acts as its account only
on `INTEGRATION_ROUTES` (what the order system, the warehouse system and the feeds
call), so it cannot review, pay, approve or manage anything a person does.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from returnflow.app_context import AppContext
from returnflow.domain.access import Forbidden, Permission, Principal
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.language import preferred_language
from returnflow.services import accounts
from returnflow.services.unit_of_work import UnitOfWork

SESSION_COOKIE = "rf_session"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# (method, route path) an integration-scope token may call; paths under
# INTEGRATION_PREFIXES (the catalogue and price feed) are all allowed too
INTEGRATION_ROUTES: frozenset[tuple[str, str]] = frozenset(
    {
        ("POST", "/api/v1/orders"),  # order import
        ("GET", "/api/v1/orders/{order_no}/eligibility"),
        ("POST", "/api/v1/returns"),  # the app backend files for its customers
        ("GET", "/api/v1/returns"),
        ("GET", "/api/v1/returns/{rma_no}"),
        ("GET", "/api/v1/returns/{rma_no}/tracking"),
        ("GET", "/api/v1/returns/{rma_no}/shipments"),
        ("GET", "/api/v1/shipment-requests"),  # replacements the order system ships
        ("POST", "/api/v1/shipment-requests/{request_id}/shipped"),
        ("GET", "/api/v1/store-credit/{customer_id}"),  # spent at checkout
        ("POST", "/api/v1/store-credit/{customer_id}/spend"),
    }
)
INTEGRATION_PREFIXES = ("/api/v1/catalog",)  # the catalogue / price feed


class Unauthenticated(DomainError):
    pass


async def get_context(request: Request) -> AppContext:
    """`async` though it awaits nothing: FastAPI runs a plain `def` dependency in the
    thread pool, a thread hop on every request for one attribute read (issue 11)."""
    context: AppContext = request.app.state.context
    return context


async def get_language(request: Request) -> str:
    return preferred_language(request)


Context = Annotated[AppContext, Depends(get_context)]
Language = Annotated[str, Depends(get_language)]


def _unauthenticated() -> Unauthenticated:
    return Unauthenticated(
        "unauthenticated",
        Text("请先登录或提供有效的访问令牌", "Sign in or send a valid bearer token"),
    )


def same_token(sent: str, expected: str) -> bool:
    """Constant-time comparison that also takes non-ASCII input (a str compare_digest raises)."""
    return secrets.compare_digest(sent.encode(), expected.encode())


def integration_route(request: Request) -> bool:
    """Is the matched route one a system (not a person) calls?"""
    route = request.scope.get("route")
    path = str(getattr(route, "path", ""))
    if not path:
        return False
    method = "GET" if request.method == "HEAD" else request.method
    return (method, path) in INTEGRATION_ROUTES or path.startswith(INTEGRATION_PREFIXES)


def current_principal(request: Request, context: Context) -> Principal:
    with context.uow() as uow:
        return recognise(uow, request, context.clock())


def recognise(uow: UnitOfWork, request: Request, now: datetime) -> Principal:
    """Who is calling, read in `uow`; a session cookie's sliding expiry is committed at once."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        found = accounts.token_principal(uow, header[7:].strip())
        if found is None:
            raise _unauthenticated()
        principal, scope = found
        if scope != accounts.STAFF_SCOPE and not integration_route(request):
            raise Forbidden(
                "token_scope",
                Text(
                    "系统对接令牌不能调用此接口",
                    "An integration token cannot call this route",
                ),
            )
        return principal
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise _unauthenticated()
    found_session = accounts.session_principal(uow, cookie, now)
    uow.commit(now)
    if found_session is None:
        raise _unauthenticated()
    principal, csrf = found_session
    sent = request.headers.get(CSRF_HEADER, "")
    if request.method not in _SAFE_METHODS and not same_token(sent, csrf):
        raise DomainError(
            "csrf_failed",
            Text("页面已过期，请刷新后重试", "The page has expired: reload it and try again"),
        )
    return principal


def Allowed(permission: Permission) -> Callable[..., Principal]:
    """A dependency that admits callers holding `permission` (and tells who they are)."""

    async def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        principal.require(permission)  # no I/O: no thread hop (see get_context)
        return principal

    check.permission = permission  # type: ignore[attr-defined]
    return check


@dataclass(frozen=True, slots=True)
class Work:
    """A caller and the unit of work they were recognised in, left open for the route's
    step (`steps.perform_in`): a hot write route then takes one pool connection, not two."""

    principal: Principal
    uow: UnitOfWork


def AllowedWork(permission: Permission) -> Callable[..., Iterator[Work]]:
    """`Allowed`, keeping its unit of work open for the route (use with scope="function",
    so the work is closed, and a lost race reported, before the answer is sent)."""

    def open_work(request: Request, context: Context) -> Iterator[Work]:
        with context.uow(hold_connection=True) as uow:
            principal = recognise(uow, request, context.clock())
            principal.require(permission)
            yield Work(principal, uow)

    open_work.permission = permission  # type: ignore[attr-defined]
    return open_work
