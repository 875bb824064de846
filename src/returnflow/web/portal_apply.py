"""Applying in the portal (R1.2, R1.3): one short form, photos checked before filing.

Mistakes in the form itself are said here, beside what was typed; every policy
question is the engine's (`file_return`). Photos are checked by content and saved
before the request is filed, and thrown away again if the filing is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.access import mask_email, mask_phone
from returnflow.domain.kinds import Channel, Reason, RequestType
from returnflow.domain.orders import Order
from returnflow.domain.photos import MAX_BYTES, MAX_PHOTOS
from returnflow.domain.returns import ReturnLine, ReturnRequest
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints import params
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.steps import Refused, attempt, perform
from returnflow.services import portal_queries
from returnflow.services import returns as return_service
from returnflow.services.errors import NotFound
from returnflow.services.portal_queries import OrderView
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.portal_common import PortalRoute, access_of, actor, categories, request_url
from returnflow.web.portal_links import PortalAccess, link_invalid
from returnflow.web.templating import render

router = APIRouter(prefix="/portal", include_in_schema=False, route_class=PortalRoute)

_CONTACT_PHONE = re.compile(r"^\+?[0-9 \-]{3,40}$")
_MAX_REASON_TEXT = 2000


@dataclass
class Typed:
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
    view: OrderView,
    typed: Typed,
    *,
    error: Text | None = None,
    status_code: int = 200,
) -> Response:
    customer = view.order.customer
    chosen = [n for n, quantity in typed.quantities.items() if quantity not in ("", "0")]
    focus = view.line(chosen[0]) if len(chosen) == 1 else None
    return render(
        request,
        "portal/apply.html",
        {
            "token": token,
            "view": view,
            "order": view.order,
            "typed": typed,
            "focus": focus,  # the item the customer came from: the form starts with it
            "categories": categories(view.order),
            "error": error,
            "request_types": list(RequestType),
            "reasons": list(Reason),
            "max_photos": MAX_PHOTOS,
            "masked_phone": mask_phone(customer.phone) if customer.phone else "",
            "masked_email": mask_email(customer.email) if customer.email else "",
        },
        status_code=status_code,
    )


def _order_view(context: AppContext, access: PortalAccess) -> OrderView:
    view = perform(
        context,
        lambda uow, now: portal_queries.order_page(uow, access.order_no, access.customer_id, now),
    )
    if view is None:
        raise link_invalid()
    return view


@router.get("/o/{token}/apply")
def apply_form(request: Request, token: str, context: Context) -> Response:
    view = _order_view(context, access_of(context, token))
    typed = Typed(request_type=view.allowed_types[0].value if view.allowed_types else "")
    wanted = request.query_params.get("line", "")
    number = params.digits(wanted, 1, params.MAX_LINE_NO)  # a hint: anything else is ignored
    if number and (line := view.line(number)) and line.requestable_quantity:
        typed.quantities[line.line.line_no] = "1"
    return _apply_page(request, token, view, typed)


def _field(value: object) -> str:
    return value if isinstance(value, str) else ""


def _typed(form: FormData) -> Typed:
    typed = Typed(
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
    return typed


@router.post("/o/{token}/apply", max_body_size=(MAX_PHOTOS + 1) * MAX_BYTES + 1024 * 1024)
async def apply(request: Request, token: str, context: Context) -> Response:
    """R1.2: one short form; photos are checked before anything is filed (R1.3, R3.1)."""
    form = await request.form(max_files=MAX_PHOTOS * 4, max_fields=1000)
    typed = _typed(form)
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


def _new_return(order: Order, typed: Typed) -> return_service.NewReturn:
    return return_service.NewReturn(
        order_no=order.order_no,
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
        contact=_contact(order, typed.contact_phone),
    )


def _apply(
    request: Request,
    context: AppContext,
    token: str,
    typed: Typed,
    files: list[tuple[str, bytes]],
) -> Response:
    access = access_of(context, token)
    view = _order_view(context, access)
    refused = _check_application(view, typed)
    if refused is None:
        try:
            context.photos.check_all(files)
        except DomainError as error:
            refused = error.message
    if refused is not None:
        return _apply_page(request, token, view, typed, error=refused, status_code=422)
    new = _new_return(view.order, typed)
    filed = _file(context, access, new, files)
    if isinstance(filed, Refused):
        return _apply_page(request, token, view, typed, error=filed.message, status_code=422)
    return RedirectResponse(request_url(token, filed.rma_no, "filed"), status_code=303)


def _file(
    context: AppContext,
    access: PortalAccess,
    new: return_service.NewReturn,
    files: list[tuple[str, bytes]],
) -> ReturnRequest | Refused:
    """File with the photos saved first; a refused filing leaves no photo behind."""
    saved: list[str] = []

    def step(uow: UnitOfWork, now: datetime) -> ReturnRequest:
        return return_service.file_return(uow, _with_photos(new, saved), now, actor=actor(access))

    try:
        saved = context.photos.save_all(files) if files else []
        filed = attempt(context, step)
    except NotFound as missing:
        context.photos.discard(saved)
        return Refused(422, missing.code, missing.message)
    except BaseException:
        context.photos.discard(saved)
        raise
    if isinstance(filed, Refused):
        context.photos.discard(saved)
    return filed


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


def _quantity_problem(view: OrderView, line_no: int, quantity: str) -> Text | None:
    line = view.line(line_no)
    if line is None:
        return Text("订单中没有第 {line} 行", "The order has no line {line}").format(line=line_no)
    count = params.digits(quantity, 0, params.MAX_QUANTITY) if quantity else 0
    if count is None:
        return Text(
            "“{title}”的数量须为整数", "The quantity of “{title}” must be a whole number"
        ).format(title=line.line.title)
    if count > line.requestable_quantity:
        return Text(
            "“{title}”最多还可申请 {n} 件", "At most {n} of “{title}” can still be requested"
        ).format(title=line.line.title, n=line.requestable_quantity)
    return None


def _check_application(view: OrderView, typed: Typed) -> Text | None:
    """Mistakes in the form itself; policy questions are the engine's to answer."""
    if typed.problem is not None:
        return typed.problem
    if typed.request_type not in {t.value for t in RequestType}:
        return Text("请选择申请类型", "Choose what you would like us to do")
    if typed.reason not in {r.value for r in Reason}:
        return Text("请选择申请原因", "Choose the reason")
    for line_no, quantity in typed.quantities.items():
        if (problem := _quantity_problem(view, line_no, quantity)) is not None:
            return problem
    if not any(quantity and int(quantity) > 0 for quantity in typed.quantities.values()):
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
