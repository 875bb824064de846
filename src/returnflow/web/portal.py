"""The customer portal: find an order, see what policy allows, apply, follow and act.

No password: a customer finds an order with its number and the phone or email on it,
and gets a signed link (`portal_links`) valid for three days. Everything under the
link is plain HTML forms, so the portal works without JavaScript on a 375 px phone.
The unguessable signed token in each URL is what proves the customer, so the forms
under it carry no extra CSRF token; every change is a POST answered by a redirect.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.access import Role, mask_email, mask_phone
from returnflow.domain.kinds import Channel, Reason, RequestType
from returnflow.domain.lifecycle import Action, Status, allowed_actions
from returnflow.domain.orders import Order
from returnflow.domain.refunds import pays_money
from returnflow.domain.returns import ReturnLine, ReturnRequest
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints import params
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.params import FormText, ShortFormText
from returnflow.entrypoints.problems import status_for
from returnflow.services import inspection as inspection_service
from returnflow.services import portal as portal_service
from returnflow.services import returns as return_service
from returnflow.services import shipping as shipping_service
from returnflow.services import tracking as tracking_service
from returnflow.services.errors import NotFound, return_not_found
from returnflow.storage.photos import MAX_BYTES, MAX_PHOTOS
from returnflow.storage.uow import UnitOfWork
from returnflow.web import throttle
from returnflow.web.portal_links import (
    LinkRefused,
    PortalAccess,
    link_invalid,
    make_token,
    read_token,
)
from returnflow.web.templating import render


class _PortalRoute(APIRoute):
    """A refused link anywhere under /portal/o/… answers with the look-up form."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                response = await handler(request)
            except LinkRefused as refused:
                response = _lookup_page(
                    request, status_code=refused.status, link_problem=refused, values={}
                )
            # no-referrer and no-store for the link in the address: api/security_headers.py
            return response

        return handle


router = APIRouter(prefix="/portal", include_in_schema=False, route_class=_PortalRoute)

_NOT_FOUND = Text(
    "我们找不到与这些信息相符的订单", "We could not find an order matching these details"
)
_NOTICES = {
    "filed": Text("申请已提交", "Your request has been filed"),
    "cancelled": Text("申请已取消", "The request has been cancelled"),
    "shipped": Text("已记录寄回运单", "The tracking number has been recorded"),
    "confirmed": Text("感谢您确认处理结果", "Thank you for confirming the result"),
    "rated": Text("感谢您的评价", "Thank you for rating our service"),
    "offer_accepted": Text("您已接受部分退款", "You accepted the partial refund"),
    "offer_declined": Text("商品将寄回给您", "The goods will be sent back to you"),
}
_TRACKING = re.compile(r"^[A-Za-z0-9\-]{4,64}$")
_CONTACT_PHONE = re.compile(r"^\+?[0-9 \-]{3,40}$")
_MAX_REASON_TEXT = 2000
_MAX_COMMENT = 1000


def _actor(access: PortalAccess) -> str:
    return f"customer:{access.customer_id}"


def _notice(request: Request) -> str | None:
    found = _NOTICES.get(request.query_params.get("done", ""))
    return found.in_language(preferred_language(request)) if found else None


def _order_url(token: str) -> str:
    return f"/portal/o/{token}"


def _request_url(token: str, rma_no: str, done: str | None = None) -> str:
    url = f"/portal/o/{token}/r/{quote(rma_no, safe='')}"
    return f"{url}?done={done}" if done else url


@contextmanager
def _customer_order(context: AppContext, token: str, now: datetime) -> Iterator[_Opened]:
    """The order a link opens, inside a unit of work the caller may commit."""
    access = read_token(context.secret_key, token, now)
    with context.uow() as uow:
        order = portal_service.customer_order(uow, access.order_no, access.customer_id)
        if order is None:
            raise link_invalid()
        yield _Opened(uow, access, order)


@dataclass
class _Opened:
    uow: UnitOfWork
    access: PortalAccess
    order: Order


# --- finding the order ------------------------------------------------------------


def _lookup_page(
    request: Request,
    *,
    values: dict[str, str],
    status_code: int = 200,
    error: Text | None = None,
    link_problem: LinkRefused | None = None,
) -> Response:
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


@router.get("")
def lookup_form(request: Request) -> Response:
    return _lookup_page(request, values={})


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
    with context.uow() as uow:
        order = portal_service.find_order(uow, order_no, contact)
    if order is not None:
        throttle.passed(context, guard, now)
    if order is None:
        return _lookup_page(
            request,
            values={"order_no": order_no, "contact": contact},
            status_code=404,
            error=_NOT_FOUND,
        )
    token = make_token(context.secret_key, PortalAccess(order.order_no, order.customer.id), now)
    return RedirectResponse(_order_url(token), status_code=303)


# --- the order --------------------------------------------------------------------


@router.get("/o/{token}")
def order_page(request: Request, token: str, context: Context) -> Response:
    now = context.clock()
    with _customer_order(context, token, now) as opened:
        view = portal_service.order_view(opened.uow, opened.order, now)
    return render(
        request,
        "portal/order.html",
        {"token": token, "view": view, "order": view.order, "notice": _notice(request)},
    )


# --- applying -----------------------------------------------------------------------


@dataclass
class _Typed:
    """What the customer typed into the application form, to show it again if refused."""

    request_type: str = ""
    reason: str = ""
    reason_text: str = ""
    contact_phone: str = ""
    channel: str = Channel.WEB.value
    quantities: dict[int, str] = field(default_factory=dict)
    opened: set[int] = field(default_factory=set)
    photo_count: int = 0
    problem: Text | None = None  # a field the form itself never sends (`qty_²`)


def _apply_page(
    request: Request,
    token: str,
    view: portal_service.OrderView,
    typed: _Typed,
    *,
    error: Text | None = None,
    status_code: int = 200,
) -> Response:
    customer = view.order.customer
    return render(
        request,
        "portal/apply.html",
        {
            "token": token,
            "view": view,
            "order": view.order,
            "typed": typed,
            "error": error,
            "request_types": list(RequestType),
            "reasons": list(Reason),
            "max_photos": MAX_PHOTOS,
            "masked_phone": mask_phone(customer.phone) if customer.phone else "",
            "masked_email": mask_email(customer.email) if customer.email else "",
        },
        status_code=status_code,
    )


@router.get("/o/{token}/apply")
def apply_form(request: Request, token: str, context: Context) -> Response:
    now = context.clock()
    with _customer_order(context, token, now) as opened:
        view = portal_service.order_view(opened.uow, opened.order, now)
    typed = _Typed(request_type=view.allowed_types[0].value if view.allowed_types else "")
    wanted = request.query_params.get("line", "")
    number = params.digits(wanted, 1, params.MAX_LINE_NO)  # a hint: anything else is ignored
    if number and (line := view.line(number)) and line.requestable_quantity:
        typed.quantities[line.line.line_no] = "1"
    return _apply_page(request, token, view, typed)


@router.post("/o/{token}/apply", max_body_size=(MAX_PHOTOS + 1) * MAX_BYTES + 1024 * 1024)
async def apply(request: Request, token: str, context: Context) -> Response:
    """R1.2: one short form; photos are checked before anything is filed (R1.3, R3.1)."""
    form = await request.form(max_files=MAX_PHOTOS * 4, max_fields=1000)
    typed = _Typed(
        request_type=_field(form.get("type")),
        reason=_field(form.get("reason")),
        reason_text=_field(form.get("reason_text")),
        contact_phone=_field(form.get("contact_phone")).strip(),
        channel=Channel.APP.value if _field(form.get("channel")) == "app" else Channel.WEB.value,
    )
    for key, value in form.multi_items():
        try:
            if (line_no := params.numbered_field(key, "qty_")) is not None:
                typed.quantities[line_no] = _field(value).strip()[:20]
            elif key == "opened":
                typed.opened.add(params.line_no(_field(value), "opened"))
        except DomainError as refused:
            typed.problem = typed.problem or refused.message
    uploads = [
        item
        for item in form.getlist("photos")
        if isinstance(item, UploadFile) and (item.filename or item.size)
    ]
    typed.photo_count = len(uploads)
    files: list[tuple[str, bytes]] = []
    for upload in uploads:
        name = upload.filename or "photo"
        # more than allowed are refused on their number alone, without reading them
        data = await upload.read(MAX_BYTES + 1) if len(uploads) <= MAX_PHOTOS else b""
        files.append((name, data))
    await form.close()
    return await run_in_threadpool(_apply, request, context, token, typed, files)


def _field(value: object) -> str:
    return value if isinstance(value, str) else ""


def _apply(
    request: Request,
    context: AppContext,
    token: str,
    typed: _Typed,
    files: list[tuple[str, bytes]],
) -> Response:
    now = context.clock()
    with _customer_order(context, token, now) as opened:
        view = portal_service.order_view(opened.uow, opened.order, now)
        access = opened.access
    refused = _check_application(view, typed)
    if refused is None:
        try:
            context.photos.check_all(files)
        except DomainError as error:
            refused = error.message
    if refused is not None:
        return _apply_page(request, token, view, typed, error=refused, status_code=422)
    new = return_service.NewReturn(
        order_no=view.order.order_no,
        request_type=RequestType(typed.request_type),
        channel=Channel(typed.channel),
        lines=tuple(
            ReturnLine(
                line_no,
                int(quantity),
                Reason(typed.reason),
                typed.reason_text.strip(),
                line_no in typed.opened,
            )
            for line_no, quantity in sorted(typed.quantities.items())
            if quantity and int(quantity) > 0
        ),
        contact=_contact(view.order, typed.contact_phone),
    )
    saved: list[str] = []
    try:
        saved = context.photos.save_all(files) if files else []
        with context.uow() as uow:
            filed = return_service.file_return(
                uow, _with_photos(new, saved), now, actor=_actor(access)
            )
            uow.commit(now)
    except DomainError as error:
        context.photos.discard(saved)
        return _apply_page(request, token, view, typed, error=error.message, status_code=422)
    except BaseException:
        context.photos.discard(saved)
        raise
    return RedirectResponse(_request_url(token, filed.rma_no, "filed"), status_code=303)


def _with_photos(new: return_service.NewReturn, names: list[str]) -> return_service.NewReturn:
    return return_service.NewReturn(
        order_no=new.order_no,
        request_type=new.request_type,
        channel=new.channel,
        lines=new.lines,
        contact=new.contact,
        photos=tuple(names),
    )


def _contact(order: Order, phone: str) -> dict[str, str]:
    customer = order.customer
    contact = {"name": customer.name, "phone": customer.phone, "email": customer.email}
    if phone:
        contact["phone"] = phone
    return {key: value for key, value in contact.items() if value}


def _check_application(view: portal_service.OrderView, typed: _Typed) -> Text | None:
    """Mistakes in the form itself; policy questions are the engine's to answer."""
    if typed.problem is not None:
        return typed.problem
    if typed.request_type not in {t.value for t in RequestType}:
        return Text("请选择申请类型", "Choose what you would like us to do")
    if typed.reason not in {r.value for r in Reason}:
        return Text("请选择申请原因", "Choose the reason")
    chosen = 0
    for line_no, quantity in typed.quantities.items():
        line = view.line(line_no)
        if line is None:
            return Text("订单中没有第 {line} 行", "The order has no line {line}").format(
                line=line_no
            )
        if not quantity:
            continue
        count = params.digits(quantity, 0, params.MAX_QUANTITY)
        if count is None:
            return Text(
                "“{title}”的数量须为整数", "The quantity of “{title}” must be a whole number"
            ).format(title=line.line.title)
        if count > line.requestable_quantity:
            return Text(
                "“{title}”最多还可申请 {n} 件", "At most {n} of “{title}” can still be requested"
            ).format(title=line.line.title, n=line.requestable_quantity)
        chosen += count > 0
    if not chosen:
        return Text(
            "请至少为一件商品填写大于 0 的数量", "Choose at least one item: give a quantity above 0"
        )
    if len(typed.reason_text) > _MAX_REASON_TEXT:
        return Text(
            "问题描述最多 {n} 个字", "The description can be at most {n} characters"
        ).format(n=_MAX_REASON_TEXT)
    if typed.contact_phone and not _CONTACT_PHONE.match(typed.contact_phone):
        return Text(
            "联系电话只能包含数字、空格、“-”和开头的“+”",
            "The phone number may hold only digits, spaces, “-” and a leading “+”",
        )
    return None


# --- one request ------------------------------------------------------------------


@dataclass
class _ShipTyped:
    carrier: str = ""
    tracking_no: str = ""


def _request_page(
    request: Request,
    token: str,
    opened: _Opened,
    found: ReturnRequest,
    *,
    error: Text | None = None,
    ship: _ShipTyped | None = None,
    rating_typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    actions = allowed_actions(found.status, found.request_type)
    finished = found.status in (Status.COMPLETED, Status.CONFIRMED)
    return render(
        request,
        "portal/request.html",
        {
            "token": token,
            "order": opened.order,
            "req": found,
            "error": error,
            "notice": _notice(request) if error is None else None,
            "ship": ship or _ShipTyped(),
            "rating_typed": rating_typed or {"score": "", "comment": ""},
            "can_cancel": Action.CANCEL in actions,
            "tracking": tracking_service.customer_panel(opened.uow, found.rma_no),
            "shipping": shipping_service.panel_in(
                opened.uow,
                found.rma_no,
                request.app.state.context.clock(),
                request.app.state.context.carrier_registry(),
            ),
            "can_ship": Action.SHIP in actions,
            "can_confirm": Action.CONFIRM in actions,
            "can_rate": finished and found.rating is None,
            "pays_money": pays_money(found.request_type),
            # the engine's own words on who pays return shipping, when the decision has them
            "payer_in_reasons": found.decision is not None
            and any(r.code.startswith("shipping_paid_by_") for r in found.decision.reasons),
            "line_titles": {line.line_no: line.title for line in opened.order.lines},
            "actor_label": _actor_label,
            "statuses": Status,
            "offer": inspection_service.offer_view(opened.uow, found.rma_no),
        },
        status_code=status_code,
    )


def _actor_label(actor: str) -> Text:
    """Who took a step, as a customer should read it (no staff usernames)."""
    if actor.startswith("customer:"):
        return Text("您", "You")
    if actor == "system":
        return Text("系统自动处理", "Automatic")
    role = actor.partition(":")[0]
    if role in {r.value for r in Role}:
        return Role(role).label
    return Text("客服", "Customer service")


@router.get("/o/{token}/r/{rma_no}")
def request_page(request: Request, token: str, rma_no: str, context: Context) -> Response:
    now = context.clock()
    with _customer_order(context, token, now) as opened:
        found = portal_service.customer_request(opened.uow, opened.order, rma_no)
        return _request_page(request, token, opened, found)


def _act(
    request: Request,
    context: AppContext,
    token: str,
    rma_no: str,
    done: str,
    step: Callable[[_Opened, ReturnRequest, datetime], Any],
    **refused_values: Any,
) -> Response:
    """Run one customer step; a refusal shows the request again with the reason."""
    now = context.clock()
    with _customer_order(context, token, now) as opened:
        # locks the request and checks it belongs to this order before anything else
        found = portal_service.customer_request(opened.uow, opened.order, rma_no, for_update=True)
        try:
            step(opened, found, now)
            opened.uow.commit(now)
        except DomainError as error:
            opened.uow.rollback()
            fresh = _reload(opened, rma_no)
            return _request_page(
                request,
                token,
                opened,
                fresh,
                error=error.message,
                status_code=status_for(error),
                **refused_values,
            )
    return RedirectResponse(_request_url(token, rma_no, done), status_code=303)


def _reload(opened: _Opened, rma_no: str) -> ReturnRequest:
    opened.uow.returns.seen.pop(rma_no, None)
    fresh = opened.uow.returns.get(rma_no)
    if fresh is None:
        raise return_not_found(rma_no)
    return fresh


@router.post("/o/{token}/r/{rma_no}/cancel")
def cancel(request: Request, token: str, rma_no: str, context: Context) -> Response:
    def step(opened: _Opened, found: ReturnRequest, now: datetime) -> None:
        return_service.perform(opened.uow, found.rma_no, Action.CANCEL, _actor(opened.access), now)

    return _act(request, context, token, rma_no, "cancelled", step)


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
    typed = _ShipTyped(carrier.strip(), tracking_no.strip())

    def step(opened: _Opened, found: ReturnRequest, now: datetime) -> None:
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
        shipping_service.record_tracking(
            opened.uow,
            found.rma_no,
            typed.carrier,
            typed.tracking_no,
            now,
            _actor(opened.access),
            context.carrier_registry(),
        )

    return _act(request, context, token, rma_no, "shipped", step, ship=typed)


@router.post("/o/{token}/r/{rma_no}/confirm")
def confirm(request: Request, token: str, rma_no: str, context: Context) -> Response:
    """R7.1: the customer confirms the result."""

    def step(opened: _Opened, found: ReturnRequest, now: datetime) -> None:
        return_service.perform(opened.uow, found.rma_no, Action.CONFIRM, _actor(opened.access), now)

    return _act(request, context, token, rma_no, "confirmed", step)


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

    def step(opened: _Opened, found: ReturnRequest, now: datetime) -> None:
        number = params.digits(score, 0, 99)  # the domain words the 1–5 range itself
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
        request_ = return_service.get_return(opened.uow, found.rma_no, for_update=True)
        request_.rate(now, number, comment)

    return _act(
        request,
        context,
        token,
        rma_no,
        "rated",
        step,
        rating_typed={"score": score, "comment": comment},
    )


# --- photos -------------------------------------------------------------------------


@router.get("/o/{token}/photos/{name}")
def photo(token: str, name: str, context: Context) -> Response:
    """A photo of one of this order's requests; any other name is not found."""
    now = context.clock()
    with _customer_order(context, token, now) as opened:
        known = portal_service.order_photos(opened.uow, opened.order)
    found = context.photos.read(name) if name in known else None
    if found is None:
        raise NotFound("photo_not_found", Text("找不到这张照片", "That photo was not found"))
    data, content_type = found
    return Response(
        data,
        media_type=content_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
