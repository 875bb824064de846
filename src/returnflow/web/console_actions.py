"""The decisions an agent takes on the request page: approve, reject, cancel (R3.2–R3.3).

Each is one step through `entrypoints.steps.attempt`; a refusal (or a lost race)
shows the request page again with the reason and what was typed, and a success
redirects to the page with a notice.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.lifecycle import Action
from returnflow.domain.text import Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.params import FormText
from returnflow.entrypoints.steps import Refused, attempt
from returnflow.services import returns as return_service
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.console_common import rma_url
from returnflow.web.console_request import REJECT_TEMPLATES, request_page_response
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.roles import Canceller, Confirmer, Resolver, Reviewer

router = APIRouter(include_in_schema=False)

_CHANGED = Text(
    "该申请刚被他人修改，请查看最新状态后重试",
    "Someone else just changed this request: check its status and try again",
)


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

    def step(uow: UnitOfWork, now: datetime) -> None:
        return_service.perform(
            uow,
            rma_no,
            action,
            principal.actor,
            now,
            note=note,
            merchant_scope=principal.merchant_scope,
        )

    result = attempt(context, step)
    if isinstance(result, Refused):
        error = _CHANGED if result.code == "concurrent_update" else result.message
        return request_page_response(
            request, context, session, rma_no, status_code=result.status, error=error, form=form
        )
    return RedirectResponse(rma_url(rma_no, done=done), status_code=303)


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


@router.post("/staff/returns/{rma_no}/complete")
def complete(
    request: Request,
    rma_no: str,
    context: Context,
    session: Resolver,
    csrf_token: FormText = "",
    note: FormText = "",
) -> Response:
    """The outcome reached the customer (issue 13): completed by hand when no timer did."""
    check_csrf(session, csrf_token)
    form = {"action": Action.COMPLETE.value, "finish_note": note}
    return _act(request, context, session, rma_no, Action.COMPLETE, note, form, "completed")


@router.post("/staff/returns/{rma_no}/confirm")
def confirm(
    request: Request,
    rma_no: str,
    context: Context,
    session: Confirmer,
    csrf_token: FormText = "",
    note: FormText = "",
) -> Response:
    """Confirmed on the customer's behalf (a call to the hotline), before the window ends."""
    check_csrf(session, csrf_token)
    form = {"action": Action.CONFIRM.value, "finish_note": note}
    return _act(request, context, session, rma_no, Action.CONFIRM, note, form, "confirmed")
