"""What every customer-portal page module shares: the link, its route class, links, notices.

No password: a customer finds an order with its number and the phone or email on it,
and gets a signed link (`portal_links`) valid for three days. The unguessable signed
token in each URL is what proves the customer, so the forms under it carry no extra
CSRF token; every change is a POST answered by a redirect. A refused link anywhere
under /portal/o/… answers with the look-up form (`PortalRoute`).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from returnflow.app_context import AppContext
from returnflow.domain.analyses import category_label
from returnflow.domain.orders import Order
from returnflow.domain.text import Text
from returnflow.entrypoints.language import preferred_language
from returnflow.services import portal as portal_service
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.portal_links import LinkRefused, PortalAccess, link_invalid, read_token
from returnflow.web.templating import render

_NOTICES = {
    "filed": Text("申请已提交", "Your request has been filed"),
    "cancelled": Text("申请已取消", "The request has been cancelled"),
    "shipped": Text("已记录寄回运单", "The tracking number has been recorded"),
    "confirmed": Text("感谢您确认处理结果", "Thank you for confirming the result"),
    "rated": Text("感谢您的评价", "Thank you for rating our service"),
    "offer_accepted": Text("您已接受部分退款", "You accepted the partial refund"),
    "offer_declined": Text("商品将寄回给您", "The goods will be sent back to you"),
}


def lookup_page(
    request: Request,
    *,
    values: dict[str, str],
    status_code: int = 200,
    error: Text | None = None,
    link_problem: LinkRefused | None = None,
) -> Response:
    """The form that finds an order; also the answer to a refused link."""
    return render(
        request,
        "portal/lookup.html",
        {
            "values": {"order_no": "", "contact": "", **values},
            "error": error,
            "link_problem": link_problem,
        },
        status_code=status_code,
    )


class PortalRoute(APIRoute):
    """A refused link anywhere under /portal/o/… answers with the look-up form."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                response = await handler(request)
            except LinkRefused as refused:
                response = lookup_page(
                    request, status_code=refused.status, link_problem=refused, values={}
                )
            # no-referrer and no-store for the link in the address: api/security_headers.py
            return response

        return handle


def categories(order: Order) -> dict[str, Text]:
    """Each line's category in words, for the tile that stands in for a missing picture."""
    return {line.category: category_label(line.category) for line in order.lines}


def actor(access: PortalAccess) -> str:
    """Who the request's history names for a step the customer took."""
    return f"customer:{access.customer_id}"


def notice(request: Request) -> str | None:
    """The line a page shows after a step redirected to it with `?done=…`."""
    found = _NOTICES.get(request.query_params.get("done", ""))
    return found.in_language(preferred_language(request)) if found else None


def order_url(token: str) -> str:
    return f"/portal/o/{token}"


def request_url(token: str, rma_no: str, done: str | None = None) -> str:
    url = f"/portal/o/{token}/r/{quote(rma_no, safe='')}"
    return f"{url}?done={done}" if done else url


def access_of(context: AppContext, token: str) -> PortalAccess:
    """The order and customer a link opens, or `LinkRefused` (the look-up form)."""
    return read_token(context.secret_key, token, context.clock())


@dataclass
class Opened:
    """A link's order inside an open unit of work (`customer_order`)."""

    uow: UnitOfWork
    access: PortalAccess
    order: Order


@contextmanager
def customer_order(context: AppContext, token: str, now: datetime) -> Iterator[Opened]:
    """The order a link opens, inside a unit of work the caller may commit.

    For the portal's capability pages that still open their own unit of work; the
    returns pages use `entrypoints.steps` with `access_of` instead.
    """
    access = read_token(context.secret_key, token, now)
    with context.uow() as uow:
        order = portal_service.customer_order(uow, access.order_no, access.customer_id)
        if order is None:
            raise link_invalid()
        yield Opened(uow, access, order)
