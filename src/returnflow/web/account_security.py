"""One's own two-step sign-in: enrol (QR code and secret), confirm with a code, turn off.

A session that must enrol before it may work (its role is in
RETURNFLOW_TOTP_REQUIRED_ROLES) reaches only these pages; confirming the first code
replaces it with a full session.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.domain.access import Permission
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.steps import Refused, attempt, perform
from returnflow.services import accounts, totp
from returnflow.web.common import set_session_cookie, totp_roles
from returnflow.web.guards import AccountPage, StaffSession, check_csrf
from returnflow.web.templating import render

router = APIRouter(include_in_schema=False)
Owner = Annotated[StaffSession, Depends(AccountPage(Permission.ACCOUNT_SECURITY))]
PAGE = "/staff/account/security"


def _page(
    request: Request,
    session: StaffSession,
    *,
    secret: str | None,
    error: Refused | None = None,
    status_code: int = 200,
) -> Response:
    uri = totp.provisioning_uri(secret, session.principal.username) if secret else ""
    values = {
        "principal": session.principal,
        "csrf_token": session.csrf_token,
        "enrolling": secret is not None,
        "must_enrol": session.pending == accounts.PENDING_ENROL,
        "secret": secret,
        "uri": uri,
        "qr": Markup(totp.qr_svg(uri)) if uri else "",  # our own SVG, nothing typed in it
        "error": error.message if error else None,
    }
    return render(request, "staff/account_security.html", values, status_code=status_code)


@router.get(PAGE)
def security_page(request: Request, context: Context, session: Owner) -> Response:
    principal = session.principal
    secret = perform(context, lambda uow, now: accounts.enrolment_secret(uow, principal))
    return _page(request, session, secret=secret)


@router.post(PAGE + "/confirm")
def confirm(
    request: Request,
    context: Context,
    session: Owner,
    code: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    check_csrf(session, csrf_token)
    token, principal = session.token, session.principal
    signed = attempt(
        context, lambda uow, now: accounts.confirm_enrolment(uow, token, principal, code, now)
    )
    if isinstance(signed, Refused):
        with context.uow() as uow:
            secret = accounts.pending_secret(uow, principal)
        return _page(request, session, secret=secret, error=signed, status_code=signed.status)
    response = RedirectResponse("/staff", status_code=303)
    set_session_cookie(response, request, context, signed.token)
    return response


@router.post(PAGE + "/off")
def turn_off(
    context: Context,
    session: Owner,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    check_csrf(session, csrf_token)
    roles = totp_roles(context)
    perform(context, lambda uow, now: accounts.turn_off_totp(uow, session.principal, roles))
    return RedirectResponse(PAGE, status_code=303)
