"""The frame every console page renders in: who is signed in, what they may do, CSRF.

`staff/layout.html` builds the menu from these values, so every console page hands
them over the same way, whichever module serves it. The bell beside the menu shows the
account's unread notifications (issue 13): one count over an indexed table per page.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from returnflow.app_context import AppContext
from returnflow.domain.access import Permission
from returnflow.services import staff_notices
from returnflow.web.guards import StaffSession
from returnflow.web.templating import render


def render_staff(
    request: Request,
    session: StaffSession,
    template: str,
    values: dict[str, Any],
    *,
    section: str,
    status_code: int = 200,
    notice: str | None = None,
) -> Response:
    principal = session.principal
    shared: dict[str, Any] = {
        "principal": principal,
        "csrf_token": session.csrf_token,
        "can": principal.can,
        "P": Permission,
        "section": section,
        "notice": notice,
        "bell_unread": _unread(request, session),
    }
    return render(request, template, {**shared, **values}, status_code=status_code)


def _unread(request: Request, session: StaffSession) -> int | None:
    """The bell's figure; None when the account has no notifications."""
    principal = session.principal
    if not principal.can(Permission.NOTIFICATIONS_VIEW):
        return None
    context: AppContext = request.app.state.context
    with context.uow() as uow:
        return staff_notices.unread_count(uow, principal)
