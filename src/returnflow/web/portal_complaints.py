"""A customer's complaints in the portal (R8.1, R8 / 001 §4.3.2): list, file, read, rate.

Under the same signed link as the order (`portal_common`): the link's customer sees
all of their own complaints (newest first), files one about this order, one of its
return requests, or nothing in particular, reads the replies, and once it is resolved
answers how satisfied they are (1–5 and a comment, once) or opens it again. The
history they read leaves out what only staff see (`complaints_common.customer_history`).
Each step is one `attempt`; a refusal shows the form again with the reason.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.complaint_kinds import Category
from returnflow.domain.complaints import Complaint
from returnflow.domain.orders import Order
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints import params
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.params import FormText, ShortFormText
from returnflow.entrypoints.steps import Refused, attempt, perform
from returnflow.services import complaint_once, complaint_queries, portal_queries
from returnflow.services import complaints as complaint_service
from returnflow.services import portal as portal_service
from returnflow.services.complaint_once import FiledOnce
from returnflow.services.complaint_queries import ComplaintDetail, ComplaintSummary
from returnflow.services.complaints import ComplaintFiling, ComplaintRules
from returnflow.services.errors import NotFound
from returnflow.services.portal_queries import OrderView
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.complaints_common import customer_history
from returnflow.web.console_complaints import LABELS
from returnflow.web.paging import CARDS_SIZE, page_number, page_of
from returnflow.web.portal_common import PortalRoute, access_of, actor
from returnflow.web.portal_links import PortalAccess, link_invalid
from returnflow.web.templating import render

router = APIRouter(prefix="/portal", include_in_schema=False, route_class=PortalRoute)

_MAX_COMMENT = 1000
_NOTICES = {
    "filed": Text(
        "投诉已提交，我们会尽快回复您", "Your complaint is filed: we will answer you shortly"
    ),
    "rated": Text("感谢您的评价", "Thank you for your rating"),
    "reopened": Text("投诉已重新打开，我们会再次跟进", "Reopened: we will look at it again"),
}
_NO_TEXT = Text("请告诉我们发生了什么", "Tell us what happened")
_PICK_SCORE = Text("请选择 1 到 5 星", "Choose 1 to 5 stars")


def _list_url(token: str) -> str:
    return f"/portal/o/{token}/complaints"


def _complaint_url(token: str, complaint_no: str, done: str = "") -> str:
    url = f"{_list_url(token)}/{quote(complaint_no, safe='')}"
    return f"{url}?done={done}" if done else url


def _order_of(uow: UnitOfWork, access: PortalAccess, now: datetime) -> OrderView:
    """The link's order as its customer sees it, or the look-up form (link refused)."""
    view = portal_queries.order_page(uow, access.order_no, access.customer_id, now)
    if view is None:
        raise link_invalid()
    return view


def _check_link(uow: UnitOfWork, access: PortalAccess) -> None:
    """The link's order is still this customer's (a cheap check before each step)."""
    if portal_service.customer_order(uow, access.order_no, access.customer_id) is None:
        raise link_invalid()


def _notice(request: Request) -> str | None:
    found = _NOTICES.get(request.query_params.get("done", ""))
    return found.in_language(preferred_language(request)) if found else None


@router.get("/o/{token}/complaints")
def my_complaints(request: Request, token: str, context: Context) -> Response:
    access = access_of(context, token)

    def read(uow: UnitOfWork, now: datetime) -> tuple[Order, tuple[ComplaintSummary, ...]]:
        order = portal_service.customer_order(uow, access.order_no, access.customer_id)
        if order is None:
            raise link_invalid()
        return order, complaint_queries.for_customer(uow, access.customer_id, now)

    order, found = perform(context, read)
    asked = page_number(request.query_params.get("page", ""))
    shown, control = page_of(request.url.path, found, asked, {}, CARDS_SIZE)
    values = {"token": token, "order": order, "complaints": shown, "labels": LABELS}
    values["pager"] = control
    return render(request, "portal/complaints.html", {**values, "notice": _notice(request)})


def _new_page(
    request: Request,
    context: AppContext,
    token: str,
    *,
    form: dict[str, str] | None = None,
    error: Text | None = None,
    status_code: int = 200,
) -> Response:
    access = access_of(context, token)
    view = perform(context, lambda uow, now: _order_of(uow, access, now))
    values: dict[str, Any] = {
        "token": token,
        "order": view.order,
        "requests": view.requests,
        "categories": list(Category),
        "form": form or {"about": "order"},
        "error": error,
        # one-time: a double tap files once; a refused form keeps its name
        "submission": (form or {}).get("submission") or secrets.token_urlsafe(16),
    }
    return render(request, "portal/complaints_new.html", values, status_code=status_code)


@router.get("/o/{token}/complaints/new")
def new_complaint(request: Request, token: str, context: Context, about: str = "") -> Response:
    """The form; `?about=RMA…` comes from a request page's link."""
    return _new_page(request, context, token, form={"about": about[:64] or "order"})


def _filing(access: PortalAccess, about: str, text: str, category: str) -> ComplaintFiling:
    """About this order, one of its requests (`RMA…`), or nothing in particular."""
    order_no = access.order_no if about == "order" else None
    rma_no = about if about not in ("order", "none") else None
    return ComplaintFiling(
        channel="portal",
        text=text,
        order_no=order_no,
        rma_no=rma_no,
        customer_id=access.customer_id,
        category=category or None,
    )


@router.post("/o/{token}/complaints/new")
def file_complaint(
    request: Request,
    token: str,
    context: Context,
    about: ShortFormText = "order",
    text: FormText = "",
    category: ShortFormText = "",
    submission: ShortFormText = "",
) -> Response:
    """Filed once per form: a second tap on the same form shows the first complaint."""
    access = access_of(context, token)
    form = {
        "about": about.strip()[:64],
        "text": text.strip(),
        "category": category.strip(),
        "submission": submission.strip()[:64],
    }
    if not form["text"]:
        return _new_page(request, context, token, form=form, error=_NO_TEXT, status_code=422)
    filing = _filing(access, form["about"], form["text"], form["category"])
    classifier = complaint_once.asked_first(context.complaint_classifier, filing.text)
    rules = ComplaintRules.from_settings(context.settings)
    key = f"{access.customer_id}:{form['submission']}" if form["submission"] else ""

    def step(uow: UnitOfWork, now: datetime) -> FiledOnce:
        _check_link(uow, access)
        return complaint_once.file_once(uow, filing, key, actor(access), now, classifier, rules)

    try:
        filed = attempt(context, step)
    except NotFound as missing:  # a request number not of this customer's: said beside the form
        return _new_page(request, context, token, form=form, error=missing.message, status_code=404)
    if isinstance(filed, Refused):
        return _new_page(
            request, context, token, form=form, error=filed.message, status_code=filed.status
        )
    return RedirectResponse(_complaint_url(token, filed.complaint_no, "filed"), status_code=303)


def _detail_page(
    request: Request,
    context: AppContext,
    token: str,
    complaint_no: str,
    *,
    error: Text | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    access = access_of(context, token)

    def read(uow: UnitOfWork, now: datetime) -> ComplaintDetail:
        _check_link(uow, access)
        return complaint_queries.detail(uow, complaint_no, now, customer_id=access.customer_id)

    view = perform(context, read)
    values = {
        "token": token,
        "view": view,
        "c": view.summary,
        "history": customer_history(view.history),
        "labels": LABELS,
        "error": error,
        "typed": typed or {"score": "", "comment": "", "reason": ""},
        "notice": _notice(request) if error is None else None,
    }
    return render(request, "portal/complaints_detail.html", values, status_code=status_code)


@router.get("/o/{token}/complaints/{complaint_no}")
def complaint_page(request: Request, token: str, complaint_no: str, context: Context) -> Response:
    return _detail_page(request, context, token, complaint_no[:64])


def _score(score: str, comment: str) -> int:
    number = params.digits(score, 1, 5)
    if number is None:
        raise DomainError("complaint_score_out_of_range", _PICK_SCORE, field="score")
    if len(comment) > _MAX_COMMENT:
        raise DomainError(
            "comment_too_long",
            Text("评价最多 {n} 个字", "The comment can be at most {n} characters").format(
                n=_MAX_COMMENT
            ),
            field="comment",
        )
    return number


@router.post("/o/{token}/complaints/{complaint_no}/rate")
def rate(
    request: Request,
    token: str,
    complaint_no: str,
    context: Context,
    score: ShortFormText = "",
    comment: FormText = "",
) -> Response:
    """How satisfied the customer is with the resolution: once, 1 to 5 stars."""
    access = access_of(context, token)
    complaint_no = complaint_no[:64]

    def step(uow: UnitOfWork, now: datetime) -> Complaint:
        _check_link(uow, access)
        number = _score(score, comment)
        return complaint_service.rate(uow, complaint_no, number, comment, access.customer_id, now)

    return _after(request, context, token, complaint_no, step, "rated", score, comment)


@router.post("/o/{token}/complaints/{complaint_no}/reopen")
def reopen(
    request: Request, token: str, complaint_no: str, context: Context, reason: FormText = ""
) -> Response:
    """Not solved after all: the customer opens it again with a reason."""
    access = access_of(context, token)
    complaint_no = complaint_no[:64]
    rules = ComplaintRules.from_settings(context.settings)

    def step(uow: UnitOfWork, now: datetime) -> Complaint:
        _check_link(uow, access)
        return complaint_service.reopen(
            uow,
            complaint_no,
            reason,
            actor(access),
            now,
            rules=rules,
            customer_id=access.customer_id,
        )

    return _after(request, context, token, complaint_no, step, "reopened", reason=reason)


def _after(
    request: Request,
    context: AppContext,
    token: str,
    complaint_no: str,
    step: Callable[[UnitOfWork, datetime], Complaint],
    done: str,
    score: str = "",
    comment: str = "",
    reason: str = "",
) -> Response:
    result = attempt(context, step)
    if isinstance(result, Refused):
        typed = {"score": score, "comment": comment, "reason": reason}
        return _detail_page(
            request,
            context,
            token,
            complaint_no,
            error=result.message,
            typed=typed,
            status_code=result.status,
        )
    return RedirectResponse(_complaint_url(token, complaint_no, done), status_code=303)
