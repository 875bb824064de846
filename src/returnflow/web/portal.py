"""The customer portal's front: find an order, see what policy allows, see its photos.

No password: a customer finds an order with its number and the phone or email on it,
and gets a signed link valid for three days (`portal_common`). Everything under the
link is plain HTML forms, so the portal works without JavaScript on a 375 px phone.
Applying is `portal_apply`, one request and the customer's steps on it `portal_request`.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.domain.text import Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import ShortFormText
from returnflow.entrypoints.steps import perform
from returnflow.services import portal as portal_service
from returnflow.services import portal_queries, portal_returns
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web import throttle
from returnflow.web.paging import page_number, pager
from returnflow.web.portal_common import (
    PortalRoute,
    access_of,
    categories,
    lookup_page,
    notice,
    order_url,
)
from returnflow.web.portal_links import PortalAccess, link_invalid, make_token
from returnflow.web.templating import render

router = APIRouter(prefix="/portal", include_in_schema=False, route_class=PortalRoute)

_NOT_FOUND = Text(
    "我们找不到与这些信息相符的订单", "We could not find an order matching these details"
)


@router.get("")
def lookup_form(request: Request) -> Response:
    return lookup_page(request, values={})


@router.post("/lookup")
def lookup(
    request: Request,
    context: Context,
    order_no: ShortFormText = "",
    contact: ShortFormText = "",
) -> Response:
    """A wrong pair and an unknown order get the same answer; repeated misses wait."""
    now = context.clock()
    guard = throttle.lookup(request, context, order_no)
    throttle.take(context, guard, now)  # counted before checking; too many: the 429 page
    order = perform(context, lambda uow, _: portal_service.find_order(uow, order_no, contact))
    if order is None:
        return lookup_page(
            request,
            values={"order_no": order_no, "contact": contact},
            status_code=404,
            error=_NOT_FOUND,
        )
    throttle.passed(context, guard, now)
    token = make_token(context.secret_key, PortalAccess(order.order_no, order.customer.id), now)
    return RedirectResponse(order_url(token), status_code=303)


@router.get("/o/{token}")
def order_page(request: Request, token: str, context: Context) -> Response:
    access = access_of(context, token)
    view = perform(
        context,
        lambda uow, now: portal_queries.order_page(uow, access.order_no, access.customer_id, now),
    )
    if view is None:
        raise link_invalid()
    return render(
        request,
        "portal/order.html",
        {
            "token": token,
            "view": view,
            "order": view.order,
            "categories": categories(view.order),
            "notice": notice(request),
        },
    )


@router.get("/o/{token}/returns")
def my_returns(request: Request, token: str, context: Context) -> Response:
    """Every request of the link's customer, on any order, newest first (issue 16)."""
    access = access_of(context, token)
    page = page_number(request.query_params.get("page", "1"))

    def read(uow: UnitOfWork, _: datetime) -> portal_returns.MyReturns | None:
        found = portal_returns.my_returns(uow, access.order_no, access.customer_id, page)
        if found is not None and found.page > found.pages:  # past the last page: the last
            found = portal_returns.my_returns(uow, access.order_no, access.customer_id, found.pages)
        return found

    found = perform(context, read)
    if found is None:
        raise link_invalid()
    now = context.clock()
    # a link per order: the customer proved who they are, and each row opens its own order
    links = {
        row.summary.order_no: make_token(
            context.secret_key, PortalAccess(row.summary.order_no, access.customer_id), now
        )
        for row in found.rows
    }
    control = pager(request.url.path, found.total, found.page, {}, portal_returns.PAGE_SIZE)
    values = {"token": token, "found": found, "links": links, "order_no": access.order_no}
    values["pager"] = control
    return render(request, "portal/returns.html", values)


@router.get("/o/{token}/photos/{name}")
def photo(token: str, name: str, context: Context) -> Response:
    """A photo of one of this order's requests; any other name is not found."""
    access = access_of(context, token)
    known = perform(
        context,
        lambda uow, _: portal_queries.order_photos(uow, access.order_no, access.customer_id),
    )
    if known is None:
        raise link_invalid()
    found = context.photos.read(name) if name in known else None
    if found is None:
        raise NotFound("photo_not_found", Text("找不到这张照片", "That photo was not found"))
    data, content_type = found
    return Response(
        data,
        media_type=content_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
