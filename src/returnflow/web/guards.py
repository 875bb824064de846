"""Who is looking at a page: signed-in staff (session cookie) with form CSRF checks.

A page declares its permission with an alias from web/roles.py, one name per
`StaffPage(Permission.X)`; without a session the browser is sent to sign in and
brought back, without the permission it gets a 403 page. Every form posts the
session's CSRF token, checked by `check_csrf`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Depends
from starlette.requests import Request

from returnflow.domain.access import Permission, Principal, forbidden
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.deps import SESSION_COOKIE, Context, same_token
from returnflow.entrypoints.steps import perform
from returnflow.services import accounts


@dataclass(frozen=True)
class StaffSession:
    principal: Principal
    csrf_token: str
    token: str
    pending: str | None = None  # only AccountPage admits a session still owing enrolment


class SignInRequired(Exception):
    """Raised by page guards; the app answers with a redirect to the sign-in page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def staff_session(request: Request, context: Context) -> StaffSession | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    found = perform(context, lambda uow, now: accounts.session_principal(uow, token, now))
    if found is None:
        return None
    return StaffSession(found[0], found[1], token)


def StaffPage(permission: Permission) -> Callable[..., StaffSession]:
    """A dependency for a staff page: signed in, and holding `permission`."""

    def check(
        request: Request, session: StaffSession | None = Depends(staff_session)
    ) -> StaffSession:
        if session is None:
            raise SignInRequired(
                request.url.path + (f"?{request.url.query}" if request.url.query else "")
            )
        if not session.principal.can(permission):
            raise forbidden()
        return session

    check.permission = permission  # type: ignore[attr-defined]
    return check


def AccountPage(permission: Permission) -> Callable[..., StaffSession]:
    """Like `StaffPage`, but also admits a session that must enrol in two-step sign-in.

    Such a session (a role that requires the second step, not yet enrolled) opens
    these pages only: the enrolment page is how it becomes a full session.
    """

    def check(request: Request, context: Context) -> StaffSession:
        token = request.cookies.get(SESSION_COOKIE, "")
        found = (
            perform(context, lambda uow, now: accounts.pending_session(uow, token, now))
            if token
            else None
        )
        if found is None or found[2] not in (None, accounts.PENDING_ENROL):
            raise SignInRequired(request.url.path)
        session = StaffSession(found[0], found[1], token, found[2])
        if not session.principal.can(permission):
            raise forbidden()
        return session

    check.permission = permission  # type: ignore[attr-defined]
    return check


def check_csrf(session: StaffSession, sent: str) -> None:
    if not same_token(sent or "", session.csrf_token):
        raise DomainError(
            "csrf_failed",
            Text("页面已过期，请刷新后重试", "The page has expired: reload it and try again"),
        )
