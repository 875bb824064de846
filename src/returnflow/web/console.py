"""The staff console: home, review queue, request page with its actions, hotline, search.

Each page states its permission with `StaffPage(Permission.X)` (tests/test_page_permissions
holds the whole table); the request page and its actions also apply the merchant scope,
so another merchant's request is a 404 page, exactly as through the API (R11.1). Every
form posts the session's CSRF token. When a step is refused the page comes back with
the reason and with what was typed (R3.1–R3.4, R1.1, R12.1, R14.1).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.api.views import masked_contact
from returnflow.app_context import AppContext
from returnflow.domain.access import Forbidden, Permission, mask_email, mask_phone
from returnflow.domain.kinds import Reason, RequestType
from returnflow.domain.lifecycle import Action, Status, allowed_actions
from returnflow.domain.orders import Order, OrderLine
from returnflow.domain.refunds import LineRefund
from returnflow.domain.returns import ReturnLine
from returnflow.domain.rules import ALLOWED_REASONS, LineEligibility
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints import params
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.params import FormList, FormText
from returnflow.entrypoints.problems import status_for
from returnflow.services import orders as order_service
from returnflow.services import privacy as privacy_service
from returnflow.services import returns as return_service
from returnflow.services import review as review_service
from returnflow.services import shipping as shipping_service
from returnflow.services import tracking as tracking_service
from returnflow.services.errors import NotFound
from returnflow.services.queries import ReturnFilter
from returnflow.storage.uow import ConcurrentUpdate, UnitOfWork
from returnflow.web import console_receiving as receiving_pages
from returnflow.web import console_warehouse
from returnflow.web.guards import StaffPage, StaffSession, check_csrf
from returnflow.web.staff_page import render_staff
from returnflow.web.templating import DISPLAY_ZONE

router = APIRouter(include_in_schema=False)

P = Permission
Viewer = Annotated[StaffSession, Depends(StaffPage(P.RETURNS_VIEW))]
Reviewer = Annotated[StaffSession, Depends(StaffPage(P.RETURNS_REVIEW))]
Canceller = Annotated[StaffSession, Depends(StaffPage(P.RETURNS_CANCEL))]
Filer = Annotated[StaffSession, Depends(StaffPage(P.RETURNS_FILE))]

PAGE_SIZE = 20
_HOTLINE_SCOPE = "console.hotline"

# R3.3: ready-made reasons; the customer reads the chosen one plus the agent's words.
REJECT_TEMPLATES: dict[str, Text] = {
    "late": Text("超过七天无理由退货期限", "Past the 7-day no-reason period"),
    "photos": Text("照片无法证明质量问题", "The photos do not show a quality fault"),
    "used": Text("商品已使用或损坏", "The item has been used or damaged"),
    "other": Text("其他", "Other"),
}

_NOTICES = {
    "approved": Text("申请 {rma} 已审核通过", "Request {rma} was approved"),
    "rejected": Text(
        "申请 {rma} 已拒绝，顾客会看到拒绝原因",
        "Request {rma} was rejected; the customer will see the reason",
    ),
    "cancelled": Text("申请 {rma} 已取消", "Request {rma} was cancelled"),
    "filed": Text("已为顾客提交申请 {rma}", "Request {rma} was filed for the customer"),
}


def compose_reason(template: str, free_text: str, language: str) -> str:
    """The rejection reason: the template in the agent's language, then their own words."""
    words = free_text.strip()
    chosen = REJECT_TEMPLATES.get(template)
    if chosen is None or template == "other":
        return words
    head = chosen.in_language(language)
    if not words:
        return head
    return f"{head}：{words}" if language == "zh" else f"{head}: {words}"


def _notice(request: Request, done: str, rma_no: str) -> str | None:
    found = _NOTICES.get(done)
    return found.format(rma=rma_no).in_language(preferred_language(request)) if found else None


def _rma_url(rma_no: str, **query: str) -> str:
    url = f"/staff/returns/{quote(rma_no, safe='')}"
    return f"{url}?{urlencode(query)}" if query else url


# --- home and queue ------------------------------------------------------------


@router.get("/staff")
def home(request: Request, context: Context, session: Viewer) -> Response:
    """R12.1: the menus follow what the signed-in person may do."""
    principal = session.principal
    queue = None
    if principal.can(P.RETURNS_REVIEW):
        with context.uow() as uow:
            queue = review_service.review_queue(
                uow.session, context.clock(), merchant_scope=principal.merchant_scope, limit=1
            )
    return render_staff(request, session, "staff/home.html", {"queue": queue}, section="home")


@router.get("/staff/review")
def review_queue(request: Request, context: Context, session: Reviewer) -> Response:
    """R3.4: pending requests oldest first, with the time left to their review deadline."""
    now = context.clock()
    with context.uow() as uow:
        queue = review_service.review_queue(
            uow.session, now, merchant_scope=session.principal.merchant_scope
        )
    return render_staff(
        request, session, "staff/queue.html", {"queue": queue, "now": now}, section="review"
    )


# --- the request page ----------------------------------------------------------


@dataclass(frozen=True)
class LinePolicy:
    """One returned line next to the order line and what policy says about it today."""

    line: ReturnLine
    order_line: OrderLine | None
    refund: LineRefund | None
    eligibility: LineEligibility | None


def _request_page(
    request: Request,
    context: AppContext,
    session: StaffSession,
    rma_no: str,
    *,
    status_code: int = 200,
    error: Text | None = None,
    form: dict[str, str] | None = None,
    notice: str | None = None,
) -> Response:
    principal = session.principal
    scope = principal.merchant_scope
    now = context.clock()
    with context.uow() as uow:
        rma = return_service.get_return(uow, rma_no, merchant_scope=scope)
        order, policy = return_service.policy_for(uow, rma)
        _, _, eligibility = order_service.eligibility(uow, rma.order_no, now, merchant_scope=scope)
        history = review_service.customer_history(uow.session, rma, merchant_scope=scope)
        show_contact = principal.can(P.CONTACT_VIEW)
        if show_contact:  # R14.1: every unmasked look is logged
            uow.accounts.log_access(principal.actor, rma.rma_no, "contact", now)
        uow.commit(now)
    by_line = {item.line_no: item for item in eligibility}
    refunds = {refund.line_no: refund for refund in rma.estimate.lines}
    lines = [
        LinePolicy(
            line, order.line(line.line_no), refunds.get(line.line_no), by_line.get(line.line_no)
        )
        for line in rma.lines
    ]
    allowed = allowed_actions(rma.status, rma.request_type)
    submitted = (form or {}).get("action", "")

    def offered(action: Action, permission: Permission) -> bool:
        if not principal.can(permission):
            return False
        # a refused form stays on the page with what was typed, even if the state moved on
        return action in allowed or submitted == action.value

    values = {
        "rma": rma,
        "order": order,
        "policy": policy,
        "lines": lines,
        "history": history,
        "contact": rma.contact if show_contact else masked_contact(rma.contact),
        "contact_masked": not show_contact,
        "now": now,
        "error": error,
        "form": form or {},
        "templates": REJECT_TEMPLATES,
        "can_approve": offered(Action.APPROVE, P.RETURNS_REVIEW),
        "can_reject": offered(Action.REJECT, P.RETURNS_REVIEW),
        "can_cancel": offered(Action.CANCEL, P.RETURNS_CANCEL),
        "warehouse": console_warehouse.panel(context, rma.rma_no),
        "tracking": tracking_service.panel(context.uow, rma.rma_no),
        "shipping": shipping_service.panel(
            context.uow, rma.rma_no, now, context.carrier_registry()
        ),
        "receipt": receiving_pages.receipt_panel(context, rma.rma_no),
    }
    return render_staff(
        request,
        session,
        "staff/request.html",
        values,
        section="returns",
        status_code=status_code,
        notice=notice,
    )


@router.get("/staff/returns/{rma_no}")
def request_page(
    request: Request, rma_no: str, context: Context, session: Viewer, done: str = ""
) -> Response:
    return _request_page(request, context, session, rma_no, notice=_notice(request, done, rma_no))


def _act(
    request: Request,
    context: AppContext,
    session: StaffSession,
    rma_no: str,
    action: Action,
    note: str,
    form: dict[str, str],
    done: str,
) -> Response:
    principal = session.principal
    now = context.clock()
    try:
        with context.uow() as uow:
            return_service.perform(
                uow,
                rma_no,
                action,
                principal.actor,
                now,
                note=note,
                merchant_scope=principal.merchant_scope,
            )
            uow.commit(now)
    except (NotFound, Forbidden):
        raise  # the shared 404 / 403 page
    except ConcurrentUpdate:
        error = Text(
            "该申请刚被他人修改，请查看最新状态后重试",
            "Someone else just changed this request: check its status and try again",
        )
        return _request_page(
            request, context, session, rma_no, status_code=409, error=error, form=form
        )
    except DomainError as refused:
        return _request_page(
            request,
            context,
            session,
            rma_no,
            status_code=status_for(refused),
            error=refused.message,
            form=form,
        )
    return RedirectResponse(_rma_url(rma_no, done=done), status_code=303)


@router.post("/staff/returns/{rma_no}/approve")
def approve(
    request: Request,
    rma_no: str,
    context: Context,
    session: Reviewer,
    csrf_token: FormText = "",
    note: FormText = "",
) -> Response:
    check_csrf(session, csrf_token)
    form = {"action": Action.APPROVE.value, "note": note}
    return _act(request, context, session, rma_no, Action.APPROVE, note, form, "approved")


@router.post("/staff/returns/{rma_no}/reject")
def reject(
    request: Request,
    rma_no: str,
    context: Context,
    session: Reviewer,
    csrf_token: FormText = "",
    template: FormText = "",
    reason_text: FormText = "",
) -> Response:
    """R3.3: the customer reads the reason: a template plus the agent's own words."""
    check_csrf(session, csrf_token)
    reason = compose_reason(template, reason_text, preferred_language(request))
    form = {"action": Action.REJECT.value, "template": template, "reason_text": reason_text}
    return _act(request, context, session, rma_no, Action.REJECT, reason, form, "rejected")


@router.post("/staff/returns/{rma_no}/cancel")
def cancel(
    request: Request,
    rma_no: str,
    context: Context,
    session: Canceller,
    csrf_token: FormText = "",
    note: FormText = "",
) -> Response:
    check_csrf(session, csrf_token)
    form = {"action": Action.CANCEL.value, "cancel_note": note}
    return _act(request, context, session, rma_no, Action.CANCEL, note, form, "cancelled")


def _photo_not_found() -> NotFound:
    return NotFound("photo_not_found", Text("找不到该照片", "The photo was not found"))


@router.get("/staff/photos/{name}")
def photo(name: str, context: Context, session: Viewer) -> Response:
    """A customer's photo, only for someone who may see a request that carries it."""
    with context.uow() as uow:
        visible = review_service.photo_visible(
            uow.session, name, merchant_scope=session.principal.merchant_scope
        )
        if visible:  # R14.1: a look at a customer's photo is logged like one at a contact
            privacy_service.log_photo_access(uow, session.principal.actor, name, context.clock())
            uow.commit(context.clock())
    found = context.photos.read(name) if visible else None
    if found is None:
        raise _photo_not_found()
    data, content_type = found
    return Response(
        data,
        media_type=content_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


# --- search --------------------------------------------------------------------


def _local_day_start(value: str, field: str) -> datetime:
    day = params.day(value, field)
    return datetime.combine(day, time.min, tzinfo=DISPLAY_ZONE)


@router.get("/staff/returns")
def search_page(
    request: Request,
    context: Context,
    session: Viewer,
    status: str = "",
    order_no: str = "",
    rma_no: str = "",
    merchant_id: str = "",
    date_from: str = "",
    date_to: str = "",
    page: str = "1",
) -> Response:
    """Every staff role: newest first, merchant-scoped, dates in local days (inclusive)."""
    principal = session.principal
    values = {
        "status": status,
        "order_no": order_no.strip(),
        "rma_no": rma_no.strip(),
        "merchant_id": merchant_id.strip(),
        "date_from": date_from.strip(),
        "date_to": date_to.strip(),
    }
    errors: list[Text] = []
    wanted_status: Status | None = None
    if status:
        try:
            wanted_status = Status(status)
        except ValueError:
            errors.append(Text("未知的状态", "Unknown status"))
    created_from = created_to = None
    try:
        if values["date_from"]:
            created_from = _local_day_start(values["date_from"], "date_from")
        if values["date_to"]:
            created_to = _local_day_start(values["date_to"], "date_to") + timedelta(days=1)
    except DomainError as refused:
        errors.append(refused.message)
    page_no = params.digits(page.strip() or "1", 1, params.MAX_PAGE)
    if page_no is None:  # a hand-edited link: said, like a bad date, not silently page 1
        errors.append(
            Text(
                "页码应为 1 到 {high} 之间的整数", "The page is a whole number from 1 to {high}"
            ).format(high=params.MAX_PAGE)
        )
        page_no = 1
    where = ReturnFilter(
        status=wanted_status,
        order_no=values["order_no"] or None,
        rma_no=values["rma_no"] or None,
        merchant_id=values["merchant_id"] or None,
        created_from=created_from,
        created_to=created_to,
    )
    results: list[review_service.Summary] = []
    total = 0
    if not errors:
        with context.uow() as uow:
            results, total = review_service.search(
                uow.session, where, page_no, PAGE_SIZE, merchant_scope=principal.merchant_scope
            )
    pages = max(1, -(-total // PAGE_SIZE))
    kept = {key: value for key, value in values.items() if value}

    def page_url(number: int) -> str:
        return "/staff/returns?" + urlencode({**kept, "page": str(number)})

    return render_staff(
        request,
        session,
        "staff/search.html",
        {
            "values": values,
            "statuses": list(Status),
            "errors": errors,
            "results": results,
            "total": total,
            "page": page_no,
            "pages": pages,
            "page_url": page_url,
            "now": context.clock(),
        },
        section="returns",
        status_code=422 if errors else 200,
    )


# --- hotline intake (R1.1) -----------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """The customer on the phone, masked unless the agent may see contact data (R14.1)."""

    name: str
    phone: str
    email: str
    masked: bool


def _caller(order: Order, show: bool) -> Caller:
    customer = order.customer
    if show:
        return Caller(customer.name, customer.phone, customer.email, False)
    return Caller(
        review_service.mask_name(customer.name),
        mask_phone(customer.phone),
        mask_email(customer.email),
        True,
    )


def _load_order(
    uow: UnitOfWork, session: StaffSession, order_no: str, now: datetime
) -> tuple[Order, list[LineEligibility], Caller]:
    principal = session.principal
    order, _, eligibility = order_service.eligibility(
        uow, order_no, now, merchant_scope=principal.merchant_scope
    )
    show = principal.can(P.CONTACT_VIEW)
    if show:
        uow.accounts.log_access(principal.actor, order.order_no, "contact", now)
    return order, eligibility, _caller(order, show)


def _hotline_page(
    request: Request,
    context: AppContext,
    session: StaffSession,
    order_no: str,
    *,
    form: dict[str, Any] | None = None,
    error: Text | None = None,
    status_code: int = 200,
) -> Response:
    now = context.clock()
    values: dict[str, Any] = {
        "order_no": order_no,
        "order": None,
        "error": error,
        "types": list(RequestType),
        "reasons": list(Reason),
        "allowed_reasons": ALLOWED_REASONS,
        "form": form or {},
        "submission": (form or {}).get("submission") or secrets.token_urlsafe(16),
    }
    if order_no:
        try:
            with context.uow() as uow:
                order, eligibility, caller = _load_order(uow, session, order_no, now)
                uow.commit(now)
        except NotFound as missing:
            values["error"] = error or missing.message
            status_code = status_code if error else 404
        else:
            by_line = {item.line_no: item for item in eligibility}
            values.update(
                order=order,
                caller=caller,
                eligibility=by_line,
                delivered=order.is_delivered(now),
            )
    return render_staff(
        request, session, "staff/hotline.html", values, section="hotline", status_code=status_code
    )


@router.get("/staff/hotline")
def hotline(request: Request, context: Context, session: Filer, order_no: str = "") -> Response:
    return _hotline_page(request, context, session, order_no.strip()[:64])


class _Refused(Exception):
    def __init__(self, message: Text) -> None:
        super().__init__(message.en)
        self.message = message


def _hotline_lines(
    line_no: list[str],
    quantity: list[str],
    reason: list[str],
    reason_text: list[str],
    opened: list[str],
) -> tuple[ReturnLine, ...]:
    if not len(line_no) == len(quantity) == len(reason) == len(reason_text):
        raise _Refused(Text("表单不完整，请刷新后重试", "The form is incomplete: reload it"))
    lines = []
    for number, count, why, words in zip(line_no, quantity, reason, reason_text, strict=True):
        try:
            line, units = params.line_no(number, "line_no"), params.quantity(count, "quantity")
        except DomainError as bad:
            raise _Refused(bad.message) from bad
        if units == 0:
            continue
        try:
            chosen = Reason(why)
        except ValueError as bad:
            raise _Refused(
                Text("请为第 {n} 行选择原因", "Choose a reason for line {n}").format(n=line)
            ) from bad
        lines.append(ReturnLine(line, units, chosen, words.strip()[:1000], str(line) in opened))
    if not lines:
        raise _Refused(Text("请至少为一行填写申请数量", "Enter a quantity for at least one line"))
    return tuple(lines)


@router.post("/staff/hotline")
def hotline_file(
    request: Request,
    context: Context,
    session: Filer,
    line_no: FormList,
    quantity: FormList,
    reason: FormList,
    reason_text: FormList,
    opened: FormList,
    csrf_token: FormText = "",
    order_no: FormText = "",
    request_type: FormText = "",
    submission: FormText = "",
) -> Response:
    """File for the caller: same rules as the portal, channel `hotline`, the agent as actor."""
    check_csrf(session, csrf_token)
    principal = session.principal
    order_no = order_no.strip()[:64]
    submission = submission.strip()[:64]
    form: dict[str, Any] = {
        "request_type": request_type,
        "submission": submission,
        "lines": {
            number: {"quantity": count, "reason": why, "reason_text": words}
            for number, count, why, words in zip(
                line_no, quantity, reason, reason_text, strict=False
            )
        },
        "opened": opened,
    }

    def again(error: Text, status_code: int) -> Response:
        return _hotline_page(
            request, context, session, order_no, form=form, error=error, status_code=status_code
        )

    try:
        chosen_type = RequestType(request_type)
    except ValueError:
        return again(Text("请选择申请类型", "Choose the kind of request"), 422)
    try:
        lines = _hotline_lines(line_no, quantity, reason, reason_text, opened)
    except _Refused as refused:
        return again(refused.message, 422)
    now = context.clock()
    key = f"{principal.user_id}:{submission}"
    digest = hashlib.sha256(repr((order_no, chosen_type, lines)).encode()).hexdigest()
    if submission:
        # a second click on the same form gives the first answer, never a second request
        with context.uow() as uow:
            stored = uow.idempotency.get(_HOTLINE_SCOPE, key)
        if stored is not None and stored.body is not None:
            first = str(stored.body["rma_no"])
            if stored.request_hash == digest:
                return RedirectResponse(_rma_url(first), status_code=303)
            return again(
                Text(
                    "这张表单已用于提交申请 {rma}，请重新打开表单",
                    "This form already filed request {rma}: open a fresh form",
                ).format(rma=first),
                409,
            )
    try:
        with context.uow() as uow:
            if submission:
                uow.idempotency.claim(_HOTLINE_SCOPE, key, digest, now)
            order_service.get_order(uow, order_no, merchant_scope=principal.merchant_scope)
            filed = review_service.file_by_phone(
                uow,
                order_no=order_no,
                request_type=chosen_type,
                lines=lines,
                actor=principal.actor,
                now=now,
            )
            if submission:
                uow.idempotency.store(_HOTLINE_SCOPE, key, 201, {"rma_no": filed.rma_no})
            uow.commit(now)
    except IntegrityError:
        return again(
            Text("该申请正在提交中，请稍候刷新", "This request is being filed: reload shortly"), 409
        )
    except Forbidden:
        raise
    except ConcurrentUpdate:
        return again(Text("订单刚被他人修改，请重试", "The order was just changed: try again"), 409)
    except DomainError as refused:
        return again(refused.message, status_for(refused))
    return RedirectResponse(_rma_url(filed.rma_no, done="filed"), status_code=303)
