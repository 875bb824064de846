"""The staff console's request page: the request, its order, policy today and its panels.

The page reads what it shows, every panel included, in one transaction
(`services/request_queries.py`) and hands the read models to its templates, which read
nothing themselves. A refused decision renders this page again with the reason and what
was typed (`console_actions`), so the forms keep showing even if the request has moved
on meanwhile.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from returnflow.app_context import AppContext
from returnflow.domain.access import Permission
from returnflow.domain.lifecycle import Action, allowed_actions
from returnflow.domain.text import Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.steps import perform
from returnflow.logistics.carriers import TRACKING_FORMATS
from returnflow.services import conversations, request_queries
from returnflow.services.conversations import PAGE_SIZE_MAX, ThreadPage
from returnflow.services.request_queries import StaffRequestView
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.console_common import P
from returnflow.web.conversation_view import staff_thread
from returnflow.web.guards import StaffSession
from returnflow.web.risk_view import risk_panel
from returnflow.web.roles import Viewer
from returnflow.web.staff_page import render_staff
from returnflow.web.timer_view import countdowns as _countdowns  # noqa: F401  (template global)

router = APIRouter(include_in_schema=False)

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
    "completed": Text("申请 {rma} 已完成", "Request {rma} was completed"),
    "confirmed": Text("已代顾客确认申请 {rma}", "Request {rma} was confirmed for the customer"),
    "filed": Text("已为顾客提交申请 {rma}", "Request {rma} was filed for the customer"),
    "taken": Text("申请 {rma} 已分派给您", "Request {rma} is now yours"),
    "assigned": Text("申请 {rma} 已改派", "Request {rma} was assigned"),
}


def _notice(request: Request, done: str, rma_no: str) -> str | None:
    found = _NOTICES.get(done)
    return found.format(rma=rma_no).in_language(preferred_language(request)) if found else None


def _decisions(
    view: StaffRequestView, session: StaffSession, form: dict[str, str]
) -> dict[str, bool]:
    """Which decision forms the page offers this reader."""
    principal = session.principal
    request = view.request
    allowed = allowed_actions(request.status, request.request_type)
    submitted = form.get("action", "")

    def offered(action: Action, permission: Permission) -> bool:
        if not principal.can(permission):
            return False
        # a refused form stays on the page with what was typed, even if the state moved on
        return action in allowed or submitted == action.value

    return {
        "can_approve": offered(Action.APPROVE, P.RETURNS_REVIEW),
        "can_reject": offered(Action.REJECT, P.RETURNS_REVIEW),
        "can_cancel": offered(Action.CANCEL, P.RETURNS_CANCEL),
        "can_complete": offered(Action.COMPLETE, P.RETURNS_RESOLVE),
        "can_confirm": offered(Action.CONFIRM, P.RETURNS_CONFIRM),
    }


def _page_values(view: StaffRequestView, now: datetime) -> dict[str, Any]:
    return {
        "rma": view.request,
        "order": view.order,
        "policy": view.policy,
        "lines": view.lines,
        "history": view.history,
        "contact": view.contact,
        "contact_masked": view.contact_masked,
        "now": now,
        "templates": REJECT_TEMPLATES,
        "tracking": view.tracking,
        "shipping": view.shipping,
        "receipt": view.receipt,
        "warehouse": view.warehouse,
        "resolution_view": view.resolution,  # staff/_resolution.html
        "refund_view": view.refund,  # staff/_refund.html
        "appeal": view.appeal,  # staff/_appeal.html
        "audit": view.audit,  # staff/history_macros.html
        "holding": view.holding,  # who holds it in review, the assignment trail
        "reviewers": view.reviewers,  # a manager's "Assign to" choices
        "merchant_name": view.merchant_name or view.request.merchant_id,
        "brands": TRACKING_FORMATS,  # staff/_shipment.html: carriers by name, not code
    }


def request_page_response(
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
    """The request page as this reader may see it, with a refusal's reason and form."""
    principal = session.principal
    language = preferred_language(request)
    bonus_percent = context.settings.store_credit_bonus_percent

    reader = conversations.writer_for(principal)

    def read(uow: UnitOfWork, now: datetime) -> tuple[StaffRequestView, ThreadPage, datetime]:
        carriers = context.carrier_registry()
        view = request_queries.staff_request(
            uow, rma_no, principal, now, carriers, language, bonus_percent
        )
        thread = conversations.read_thread(uow, rma_no, reader, now, 1, PAGE_SIZE_MAX)
        panels["risk_panel"] = risk_panel(uow, view.request.rma_no, principal)  # staff/_risk
        return view, thread, now

    panels: dict[str, Any] = {}
    view, thread, now = perform(context, read)
    values = {
        **_page_values(view, now),
        **panels,
        "thread": staff_thread(request, principal, thread),  # staff/_conversation.html
        **_decisions(view, session, form or {}),
        "error": error,
        "form": form or {},
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
    return request_page_response(
        request, context, session, rma_no, notice=_notice(request, done, rma_no)
    )
