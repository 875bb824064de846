"""The webhooks page for administrators (R15.1): subscriptions, a new one (its secret
shown once, on the page that answers the form), pause/resume, and the delivery log
with replay. The same services as api/webhooks.py.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.paging import page_count
from returnflow.domain.text import Text
from returnflow.domain.webhooks import (
    FAMILIES,
    MAX_DESCRIPTION,
    MAX_PATTERN,
    MAX_URL,
    DeliveryStatus,
)
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.steps import Refused, attempt
from returnflow.services import webhook_queries
from returnflow.services import webhooks as webhook_service
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.paging import PageAsked, page_number, pager
from returnflow.web.roles import Admin
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str, Form(max_length=100)]
PAGE_SIZE = 50


def _page(
    request: Request,
    context: AppContext,
    session: StaffSession,
    *,
    page: int = 1,
    status: DeliveryStatus | None = None,
    created: dict[str, Any] | None = None,
    error: Text | None = None,
    status_code: int = 200,
) -> Response:
    with context.uow() as uow:
        subscriptions = webhook_queries.subscriptions(uow)
        deliveries, total = webhook_queries.deliveries(uow, None, status, page, PAGE_SIZE)
        if page > page_count(total, PAGE_SIZE):  # past the last page: the last
            page = page_count(total, PAGE_SIZE)
            deliveries, total = webhook_queries.deliveries(uow, None, status, page, PAGE_SIZE)
    kept = {"status": status.value if status else ""}
    values = {
        "subscriptions": subscriptions,
        "deliveries": deliveries,
        "pager": pager("/staff/webhooks", total, page, kept, PAGE_SIZE),
        "status": status.value if status else "",
        "statuses": list(DeliveryStatus),
        "families": FAMILIES,
        "limits": {"pattern": MAX_PATTERN, "url": MAX_URL, "description": MAX_DESCRIPTION},
        "created": created,
        "error": error,
    }
    return render_staff(
        request, session, "staff/webhooks.html", values, section="webhooks", status_code=status_code
    )


@router.get("/staff/webhooks")
def webhooks_page(
    request: Request,
    context: Context,
    session: Admin,
    page: PageAsked = "1",
    status: DeliveryStatus | None = None,
) -> Response:
    return _page(request, context, session, page=page_number(page), status=status)


@router.post("/staff/webhooks")
def create_subscription(
    request: Request,
    context: Context,
    session: Admin,
    csrf_token: Csrf = "",
    event_type: Annotated[str, Form(max_length=MAX_PATTERN)] = "",
    url: Annotated[str, Form(max_length=MAX_URL)] = "",
    description: Annotated[str, Form(max_length=MAX_DESCRIPTION)] = "",
) -> Response:
    check_csrf(session, csrf_token)
    values = webhook_service.SubscriptionValues(event_type, url, description)
    created = attempt(
        context,
        lambda uow, now: webhook_service.create_subscription(
            uow, values, session.principal.actor, now
        ),
    )
    if isinstance(created, Refused):
        return _refused(request, context, session, created)
    shown = {"id": created.subscription.id, "secret": created.secret}
    return _page(request, context, session, created=shown, status_code=201)


@router.post("/staff/webhooks/{subscription_id}/active")
def set_active(
    request: Request,
    context: Context,
    session: Admin,
    subscription_id: RowId,
    csrf_token: Csrf = "",
    active: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """`active=yes` resumes a paused subscription, anything else pauses it."""
    check_csrf(session, csrf_token)
    change = webhook_service.SubscriptionChange(active=active == "yes")
    done = attempt(
        context,
        lambda uow, now: webhook_service.change_subscription(
            uow, subscription_id, change, session.principal.actor, now
        ),
    )
    if isinstance(done, Refused):
        return _refused(request, context, session, done)
    return RedirectResponse("/staff/webhooks", status_code=303)


@router.post("/staff/webhooks/deliveries/{delivery_id}/replay")
def replay(
    request: Request, context: Context, session: Admin, delivery_id: RowId, csrf_token: Csrf = ""
) -> Response:
    check_csrf(session, csrf_token)
    done = attempt(
        context,
        lambda uow, now: webhook_service.replay(uow, delivery_id, session.principal.actor, now),
    )
    if isinstance(done, Refused):
        return _refused(request, context, session, done)
    return RedirectResponse("/staff/webhooks", status_code=303)


def _refused(
    request: Request, context: AppContext, session: StaffSession, refused: Refused
) -> Response:
    return _page(request, context, session, error=refused.message, status_code=refused.status)
