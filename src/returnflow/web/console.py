"""The staff console's front: home, the review queue, and customers' photos.

The rest of the returns desk has a module per idea: the request page
(`console_request`), its decisions (`console_actions`), search (`console_search`) and
filing by phone (`console_hotline`). Every form posts the session's CSRF token; when a
step is refused the page comes back with the reason and with what was typed
(R3.1–R3.4, R1.1, R12.1, R14.1).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from returnflow.domain.text import Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.steps import perform, perform_read
from returnflow.services import dashboards, scorecards
from returnflow.services import privacy as privacy_service
from returnflow.services import review as review_service
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web import console_exceptions, console_review, console_review_actions
from returnflow.web.console_analytics import chart_values
from returnflow.web.console_common import P
from returnflow.web.console_disputes import waiting_disputes
from returnflow.web.console_request import request_page_response as _request_page
from returnflow.web.console_warehouse_queue import home_counts
from returnflow.web.guards import StaffSession
from returnflow.web.roles import Viewer
from returnflow.web.staff_page import render_staff

__all__ = ["_request_page", "home", "photo", "router"]

router = APIRouter(include_in_schema=False)
# the review queue and its actions (issue 16): paged, filtered, assigned, decided in bulk
router.include_router(console_review.router)
router.include_router(console_review_actions.router)


@router.get("/staff")
def home(request: Request, context: Context, session: Viewer) -> Response:
    """R12.1: the menus follow what the signed-in person may do."""
    principal = session.principal
    queue = None
    if principal.can(P.RETURNS_REVIEW):
        queue = perform(
            context,
            lambda uow, now: review_service.review_queue(
                uow, now, merchant_scope=principal.merchant_scope, limit=1
            ),
        )
    board = None  # a merchant's own scorecard headline (R11.2)
    if principal.merchant_scope and principal.can(P.ANALYTICS_VIEW):
        scope = principal.merchant_scope
        board = perform_read(context, lambda uow, now: scorecards.home_board(uow, scope, now))
    values = {
        "queue": queue,
        "disputes": waiting_disputes(context, principal),  # R8.3
        "my_scorecard": board,
        "dash": _dashboard(request, context, session),  # issue 14, R9.3: KPIs and charts
        "warehouse_work": home_counts(context, principal),  # issue 16: the warehouse's work
        "exceptions_open": console_exceptions.open_count(context, principal),  # issue 16
    }
    return render_staff(request, session, "staff/home.html", values, section="home")


def _dashboard(request: Request, context: Context, session: StaffSession) -> dict[str, Any] | None:
    """The last 30 days' KPI tiles and two charts, for whoever may read the analytics."""
    principal = session.principal
    if not principal.can(P.ANALYTICS_VIEW):
        return None
    chosen = dashboards.filters(principal, "", "", context.clock())
    board = perform_read(
        context, lambda uow, now: dashboards.dashboard(uow, chosen, now, dashboards.HOME_CHARTS)
    )
    return {
        **chart_values(board, preferred_language(request), context),
        "board": board,
        "filters": chosen,
    }


def _photo_not_found() -> NotFound:
    return NotFound("photo_not_found", Text("找不到该照片", "The photo was not found"))


@router.get("/staff/photos/{name}")
def photo(name: str, context: Context, session: Viewer) -> Response:
    """A customer's photo, only for someone who may see a request that carries it."""
    principal = session.principal

    def look(uow: UnitOfWork, now: datetime) -> bool:
        visible = review_service.photo_visible(uow, name, merchant_scope=principal.merchant_scope)
        if visible:  # R14.1: a look at a customer's photo is logged like one at a contact
            privacy_service.log_photo_access(uow, principal.actor, name, now)
        return visible

    found = context.photos.read(name) if perform(context, look) else None
    if found is None:
        raise _photo_not_found()
    data, content_type = found
    return Response(
        data,
        media_type=content_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
