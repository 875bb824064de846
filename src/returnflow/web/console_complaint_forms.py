"""The console's complaint forms: file for a caller, respond, escalate, resolve, reopen,
confirm or correct the category, mark for risk (R8.1, R8.2, R8.5).

Each form is one `entrypoints.steps.attempt`; a refusal shows the page again with the
reason beside the form and what was typed, a success redirects with a notice. Filing
on the hotline lands on the new complaint, which says its suggested category and when
its first response is due.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.complaints import Complaint
from returnflow.domain.text import Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import FormText, ShortFormText
from returnflow.entrypoints.steps import Refused, attempt
from returnflow.services import complaint_once as once
from returnflow.services import complaints as complaint_service
from returnflow.services.complaint_once import FiledOnce
from returnflow.services.complaints import ComplaintFiling, ComplaintRules
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.console_complaints import (
    complaint_page_response,
    complaint_url,
    new_page_response,
)
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.roles import ComplaintFiler, ComplaintHandler

router = APIRouter(include_in_schema=False)

# one handling step: the unit of work, the complaint number, the actor, now
Handling = Callable[[UnitOfWork, str, str, datetime], Complaint]
_NO_TEXT = Text("请描述来电者的投诉内容", "Write down what the caller complains about")


def _rules(context: AppContext) -> ComplaintRules:
    return ComplaintRules.from_settings(context.settings)


@router.post("/staff/complaints/new")
def file_for_caller(
    request: Request,
    context: Context,
    session: ComplaintFiler,
    csrf_token: FormText = "",
    order_no: ShortFormText = "",
    rma_no: ShortFormText = "",
    text: FormText = "",
    category: ShortFormText = "",
    urgency: ShortFormText = "",
    submission: ShortFormText = "",
) -> Response:
    """Channel hotline, the agent as actor; the classifier fills what the agent leaves.

    The form's one-time submission name makes a double click file one complaint: the
    second send lands on the complaint the first one filed."""
    check_csrf(session, csrf_token)
    form = {
        "order_no": order_no.strip()[:64],
        "rma_no": rma_no.strip()[:64],
        "text": text.strip(),
        "category": category.strip(),
        "urgency": urgency.strip(),
        "submission": submission.strip()[:64],
    }

    def again(error: Text, status_code: int) -> Response:
        return new_page_response(request, session, form=form, error=error, status_code=status_code)

    if not form["text"]:
        return again(_NO_TEXT, 422)
    filing = ComplaintFiling(
        channel="hotline",
        text=form["text"],
        order_no=form["order_no"] or None,
        rma_no=form["rma_no"] or None,
        category=form["category"] or None,
        urgency=form["urgency"] or None,
    )
    actor, classifier, rules = (
        session.principal.actor,
        once.asked_first(context.complaint_classifier, filing.text),
        _rules(context),
    )
    key = f"{session.principal.user_id}:{form['submission']}" if form["submission"] else ""

    def step(uow: UnitOfWork, now: datetime) -> FiledOnce:
        return once.file_once(uow, filing, key, actor, now, classifier, rules)

    try:
        filed = attempt(context, step)
    except NotFound as missing:  # an order or RMA number nobody knows: said beside the form
        return again(missing.message, 404)
    if isinstance(filed, Refused):
        return again(filed.message, filed.status)
    return RedirectResponse(complaint_url(filed.complaint_no, done="filed"), status_code=303)


def _handle(
    request: Request,
    context: AppContext,
    session: StaffSession,
    complaint_no: str,
    *,
    done: str,
    form: dict[str, str],
    step: Handling,
) -> Response:
    """Run one handling step; a refusal shows the complaint again with the reason."""
    actor = session.principal.actor
    result = attempt(context, lambda uow, now: step(uow, complaint_no, actor, now))
    if isinstance(result, Refused):
        return complaint_page_response(
            request,
            context,
            session,
            complaint_no,
            status_code=result.status,
            error=result.message,
            form=form,
        )
    return RedirectResponse(complaint_url(complaint_no, done=done), status_code=303)


class _MessageStep(Protocol):
    def __call__(
        self,
        uow: UnitOfWork,
        no: str,
        message: str,
        actor: str,
        now: datetime,
        /,
        *,
        merchant_scope: str | None = None,
    ) -> Complaint: ...


# a step whose form is one message: the service call, and the word the page confirms with
_MESSAGE_STEPS: dict[str, tuple[_MessageStep, str]] = {
    "respond": (complaint_service.respond, "responded"),
    "escalate": (complaint_service.escalate, "escalated"),
    "resolve": (complaint_service.resolve, "resolved"),
}


def _message_step(
    action: str,
    request: Request,
    complaint_no: str,
    context: Context,
    session: StaffSession,
    csrf_token: str,
    message: str,
) -> Response:
    check_csrf(session, csrf_token)
    scope = session.principal.merchant_scope
    service_step, done = _MESSAGE_STEPS[action]

    def step(uow: UnitOfWork, no: str, actor: str, now: datetime) -> Complaint:
        return service_step(uow, no, message, actor, now, merchant_scope=scope)

    form = {"action": action, "message": message}
    return _handle(request, context, session, complaint_no[:64], done=done, form=form, step=step)


@router.post("/staff/complaints/{complaint_no}/respond")
def respond(
    request: Request,
    complaint_no: str,
    context: Context,
    session: ComplaintHandler,
    csrf_token: FormText = "",
    message: FormText = "",
) -> Response:
    """A reply the customer reads; the first one stops the first-response clock."""
    return _message_step("respond", request, complaint_no, context, session, csrf_token, message)


@router.post("/staff/complaints/{complaint_no}/escalate")
def escalate(
    request: Request,
    complaint_no: str,
    context: Context,
    session: ComplaintHandler,
    csrf_token: FormText = "",
    message: FormText = "",
) -> Response:
    """Handed to a manager, with the reason."""
    return _message_step("escalate", request, complaint_no, context, session, csrf_token, message)


@router.post("/staff/complaints/{complaint_no}/resolve")
def resolve(
    request: Request,
    complaint_no: str,
    context: Context,
    session: ComplaintHandler,
    csrf_token: FormText = "",
    message: FormText = "",
) -> Response:
    """The resolution the customer reads; they are then asked how satisfied they are."""
    return _message_step("resolve", request, complaint_no, context, session, csrf_token, message)


@router.post("/staff/complaints/{complaint_no}/reopen")
def reopen(
    request: Request,
    complaint_no: str,
    context: Context,
    session: ComplaintHandler,
    csrf_token: FormText = "",
    message: FormText = "",
) -> Response:
    """Open again: the resolution clock starts afresh."""
    check_csrf(session, csrf_token)
    rules = _rules(context)

    def step(uow: UnitOfWork, no: str, actor: str, now: datetime) -> Complaint:
        return complaint_service.reopen(uow, no, message, actor, now, rules=rules)

    form = {"action": "reopen", "message": message}
    return _handle(
        request, context, session, complaint_no[:64], done="reopened", form=form, step=step
    )


@router.post("/staff/complaints/{complaint_no}/classify")
def classify(
    request: Request,
    complaint_no: str,
    context: Context,
    session: ComplaintHandler,
    csrf_token: FormText = "",
    category: ShortFormText = "",
    urgency: ShortFormText = "",
) -> Response:
    """Confirm or correct the classifier: a correction is kept as training data."""
    check_csrf(session, csrf_token)
    rules = _rules(context)

    def step(uow: UnitOfWork, no: str, actor: str, now: datetime) -> Complaint:
        return complaint_service.classify(
            uow, no, category.strip(), urgency.strip(), actor, now, rules=rules
        )

    form = {"action": "classify", "category": category, "urgency": urgency}
    return _handle(
        request, context, session, complaint_no[:64], done="classified", form=form, step=step
    )


@router.post("/staff/complaints/{complaint_no}/flag")
def mark_for_risk(
    request: Request,
    complaint_no: str,
    context: Context,
    session: ComplaintHandler,
    csrf_token: FormText = "",
    flag: ShortFormText = "",
    note: FormText = "",
) -> Response:
    """A suspected malicious review or an abnormal order: routed to risk (R8.5)."""
    check_csrf(session, csrf_token)
    chosen = flag.strip()

    def step(uow: UnitOfWork, no: str, actor: str, now: datetime) -> Complaint:
        return complaint_service.flag(uow, no, chosen, note, actor, now)

    form = {"action": "flag", "flag": chosen, "note": note}
    return _handle(
        request, context, session, complaint_no[:64], done="flagged", form=form, step=step
    )
