"""One request in the portal and the customer's steps on it (R4.3, R7.1, R7.2).

The page reads the request with its parcel, tracking, offer and refund panels in one
transaction (`services/portal_queries.py`) and hands them to its templates, which read
nothing themselves. Each step (cancel, send the tracking
number, confirm, rate) is one `entrypoints.steps.attempt`: it first locks the request
and checks it belongs to the link's order and customer; a refusal shows the page
again with the reason and what was typed, a success redirects with a notice.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.lifecycle import Action, Status, allowed_actions
from returnflow.domain.refunds import pays_money
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints import params
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.params import FormText, ShortFormText
from returnflow.entrypoints.steps import Refused, attempt, perform
from returnflow.services import conversations, portal_queries
from returnflow.services import portal as portal_service
from returnflow.services import returns as return_service
from returnflow.services import shipping as shipping_service
from returnflow.services.conversations import PAGE_SIZE_MAX, ThreadPage
from returnflow.services.portal_queries import CustomerRequestView
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.conversation_view import portal_thread
from returnflow.web.portal_common import PortalRoute, access_of, actor, notice, request_url
from returnflow.web.portal_links import link_invalid
from returnflow.web.templating import render

router = APIRouter(prefix="/portal", include_in_schema=False, route_class=PortalRoute)

_TRACKING = re.compile(r"^[A-Za-z0-9\-]{4,64}$")
_MAX_COMMENT = 1000
_BEFORE_SENDING = frozenset({Status.REQUESTED, Status.PENDING_REVIEW, Status.APPROVED})
_BEFORE_ARRIVAL = _BEFORE_SENDING | {Status.IN_TRANSIT}
# a customer's step: the unit of work, who takes it, the locked request, now
CustomerStep = Callable[[UnitOfWork, str, ReturnRequest, datetime], None]


@dataclass
class ShipTyped:
    carrier: str = ""
    tracking_no: str = ""


def actor_label(actor_name: str) -> Text:
    """Who took a step, as a customer should read it (no staff usernames)."""
    if actor_name.startswith("customer:"):
        return Text("您", "You")
    if actor_name == "system":
        return Text("系统自动处理", "Automatic")
    role = actor_name.partition(":")[0]
    if role in {r.value for r in Role}:
        return Role(role).label
    return Text("客服", "Customer service")


def _page_values(view: CustomerRequestView) -> dict[str, Any]:
    found = view.request
    actions = allowed_actions(found.status, found.request_type)
    finished = found.status in (Status.COMPLETED, Status.CONFIRMED)
    return {
        "order": view.order,
        "req": found,
        "can_cancel": Action.CANCEL in actions,
        "tracking": view.tracking,
        "shipping": view.shipping,
        "can_ship": Action.SHIP in actions,
        "can_confirm": Action.CONFIRM in actions,
        "can_rate": finished and found.rating is None,
        "pays_money": pays_money(found.request_type),
        # the engine's own words on who pays return shipping, when the decision has them
        "payer_in_reasons": found.decision is not None
        and any(r.code.startswith("shipping_paid_by_") for r in found.decision.reasons),
        "line_titles": {line.line_no: line.title for line in view.order.lines},
        "actor_label": actor_label,
        "statuses": Status,
        "offer": view.offer,
        "refund_view": view.refund,  # portal/_refund.html
        "progress": view.progress,  # portal/_progress.html
        "can_reapply": view.can_reapply,
        # panels that no longer apply once the request has moved on (issue 16)
        "parcel_sent": found.status not in _BEFORE_SENDING,
        "parcel_arrived": found.status not in _BEFORE_ARRIVAL,
        "no_refund": found.status in (Status.REJECTED, Status.CANCELLED, Status.CLOSED),
    }


def request_page_response(
    request: Request,
    context: AppContext,
    token: str,
    rma_no: str,
    *,
    error: Text | None = None,
    ship: ShipTyped | None = None,
    rating_typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The request page of the link's order, with a refused step's reason and form."""
    access = access_of(context, token)
    language = preferred_language(request)

    reader = conversations.customer_writer(access.customer_id)

    def read(uow: UnitOfWork, now: datetime) -> tuple[CustomerRequestView, ThreadPage] | None:
        carriers = context.carrier_registry()
        view = portal_queries.request_page(
            uow, access.order_no, access.customer_id, rma_no, now, carriers, language
        )
        if view is None:
            return None
        return view, conversations.read_thread(uow, rma_no, reader, now, 1, PAGE_SIZE_MAX)

    found = perform(context, read)
    if found is None:
        raise link_invalid()
    view, thread = found
    values = {
        **_page_values(view),
        "thread": portal_thread(request, thread),  # portal/_conversation.html
        "token": token,
        "error": error,
        "notice": notice(request) if error is None else None,
        "ship": ship or ShipTyped(),
        "rating_typed": rating_typed or {"score": "", "comment": ""},
    }
    return render(request, "portal/request.html", values, status_code=status_code)


@router.get("/o/{token}/r/{rma_no}")
def request_page(request: Request, token: str, rma_no: str, context: Context) -> Response:
    return request_page_response(request, context, token, rma_no)


def _act(
    request: Request,
    context: AppContext,
    token: str,
    rma_no: str,
    done: str,
    step: CustomerStep,
    **refused_values: Any,
) -> Response:
    """Run one customer step; a refusal shows the request again with the reason."""
    access = access_of(context, token)

    def work(uow: UnitOfWork, now: datetime) -> None:
        order = portal_service.customer_order(uow, access.order_no, access.customer_id)
        if order is None:
            raise link_invalid()
        # locks the request and checks it belongs to this order before anything else
        found = portal_service.customer_request(uow, order, rma_no, for_update=True)
        step(uow, actor(access), found, now)

    result = attempt(context, work)
    if isinstance(result, Refused):
        return request_page_response(
            request,
            context,
            token,
            rma_no,
            error=result.message,
            status_code=result.status,
            **refused_values,
        )
    return RedirectResponse(request_url(token, rma_no, done), status_code=303)


@router.post("/o/{token}/r/{rma_no}/cancel")
def cancel(request: Request, token: str, rma_no: str, context: Context) -> Response:
    def step(uow: UnitOfWork, who: str, found: ReturnRequest, now: datetime) -> None:
        return_service.perform(uow, found.rma_no, Action.CANCEL, who, now)

    return _act(request, context, token, rma_no, "cancelled", step)


def _check_tracking(typed: ShipTyped) -> None:
    if not typed.carrier or len(typed.carrier) > 64:
        raise DomainError(
            "tracking_required",
            Text("请填写快递公司（最多 64 个字）", "Give the carrier (at most 64 characters)"),
            field="carrier",
        )
    if not _TRACKING.match(typed.tracking_no):
        raise DomainError(
            "tracking_invalid",
            Text(
                "运单号为 4–64 位字母、数字或“-”",
                "The tracking number is 4–64 letters, digits or “-”",
            ),
            field="tracking_no",
        )


@router.post("/o/{token}/r/{rma_no}/ship")
def ship(
    request: Request,
    token: str,
    rma_no: str,
    context: Context,
    carrier: ShortFormText = "",
    tracking_no: ShortFormText = "",
) -> Response:
    """R4.3: the customer enters the carrier and the tracking number."""
    typed = ShipTyped(carrier.strip(), tracking_no.strip())

    def step(uow: UnitOfWork, who: str, found: ReturnRequest, now: datetime) -> None:
        _check_tracking(typed)
        shipping_service.record_tracking(
            uow,
            found.rma_no,
            typed.carrier,
            typed.tracking_no,
            now,
            who,
            context.carrier_registry(),
        )

    return _act(request, context, token, rma_no, "shipped", step, ship=typed)


@router.post("/o/{token}/r/{rma_no}/confirm")
def confirm(request: Request, token: str, rma_no: str, context: Context) -> Response:
    """R7.1: the customer confirms the result."""

    def step(uow: UnitOfWork, who: str, found: ReturnRequest, now: datetime) -> None:
        return_service.perform(uow, found.rma_no, Action.CONFIRM, who, now)

    return _act(request, context, token, rma_no, "confirmed", step)


def _rating(score: str, comment: str) -> int:
    """The score as a number; the domain words the 1–5 range itself."""
    number = params.digits(score, 0, 99)
    if number is None:
        raise DomainError(
            "score_out_of_range", Text("请选择 1 到 5 分", "Choose 1 to 5"), field="score"
        )
    if len(comment) > _MAX_COMMENT:
        raise DomainError(
            "comment_too_long",
            Text("评价最多 {n} 个字", "The comment can be at most {n} characters").format(
                n=_MAX_COMMENT
            ),
            field="comment",
        )
    return number


@router.post("/o/{token}/r/{rma_no}/rate")
def rate(
    request: Request,
    token: str,
    rma_no: str,
    context: Context,
    score: ShortFormText = "",
    comment: FormText = "",
) -> Response:
    """R7.2: one satisfaction rating, 1 to 5, with an optional comment."""

    def step(uow: UnitOfWork, who: str, found: ReturnRequest, now: datetime) -> None:
        found.rate(now, _rating(score, comment), comment)

    typed = {"score": score, "comment": comment}
    return _act(request, context, token, rma_no, "rated", step, rating_typed=typed)
