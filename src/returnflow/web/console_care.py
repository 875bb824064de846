"""Frequent-returner care pages (issue 15, R10.4), for agents and managers (risk.judge).

`/staff/risk/care` lists the customers with ≥ 3 counted requests of one reason in 90
days (filter by reason, 20 a page) with the likely cause; `/staff/risk/care/{customer}`
shows one customer (phone and email masked without customers.contact), their requests,
the outreach so far with its outcome and effect, and the outreach form. Each form
carries a one-time token, so a double click records one outreach and sends one message.
Included by web/console_risk_register.py.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.lifecycle import Status
from returnflow.domain.returner_care import (
    MIN_REQUESTS,
    THEMES,
    WINDOW_DAYS,
    Action,
    Outcome,
    OutreachAsk,
    likely_cause,
    suggested_action,
    theme_label,
)
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.steps import Refused, attempt, perform
from returnflow.services import returner_care as care
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.paging import PageAsked, page_number, pager
from returnflow.web.roles import RiskJudge
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)
LIST = "/staff/risk/care"
Csrf = Annotated[str, Form(max_length=100)]
Short = Annotated[str, Form(max_length=100)]
CustomerId = Annotated[str, Path(min_length=1, max_length=64)]
WORDS: dict[str, Any] = {
    "theme_label": theme_label,
    "likely_cause": likely_cause,
    "suggested_action": suggested_action,
    "themes": THEMES,
    "actions": list(Action),
    "outcomes": list(Outcome),
    "window_days": WINDOW_DAYS,
    "min_requests": MIN_REQUESTS,
    "status_label": lambda status: Status(status).label,
}


@router.get(LIST)
def care_list(
    request: Request,
    context: Context,
    session: RiskJudge,
    reason: Annotated[str, Query(max_length=30)] = "",
    page: PageAsked = "1",
) -> Response:
    if reason and reason not in THEMES:
        raise DomainError("invalid_reason", Text("原因无效", "Unknown reason"), field="reason")

    def read(uow: UnitOfWork, now: datetime) -> care.CarePage:
        found = care.listing(uow, reason or None, page_number(page), now)
        if found.page > found.pages:  # past the last page: the last
            found = care.listing(uow, reason or None, found.pages, now)
        return found

    found = perform(context, read)
    control = pager(LIST, found.total, found.page, {"reason": reason}, care.PAGE_SIZE)
    values = {**WORDS, "found": found, "reason": reason, "pager": control}
    return render_staff(request, session, "staff/risk_care.html", values, section="risk")


def _customer_page(
    request: Request,
    context: AppContext,
    session: StaffSession,
    customer_id: str,
    error: Text | None = None,
    status_code: int = 200,
    notice: str | None = None,
) -> Response:
    principal = session.principal
    found = perform(context, lambda uow, now: care.customer(uow, customer_id, principal, now))
    values = {**WORDS, "c": found, "error": error, "once": secrets.token_urlsafe(16)}
    return render_staff(
        request,
        session,
        "staff/risk_care_customer.html",
        values,
        section="risk",
        status_code=status_code,
        notice=notice,
    )


@router.get(LIST + "/{customer_id}")
def customer_page(
    request: Request, context: Context, session: RiskJudge, customer_id: CustomerId
) -> Response:
    return _customer_page(request, context, session, customer_id)


def _ask(reason: str, action: str, note: str, link: str, coupon_yuan: str) -> OutreachAsk:
    try:
        chosen = Action(action)
    except ValueError:
        raise DomainError("invalid_action", Text("请选择回访方式", "Choose an action")) from None
    amount = int(coupon_yuan) * 100 if coupon_yuan.strip().isdigit() else 0
    return OutreachAsk(reason, chosen, note, link.strip(), amount if amount <= 10**6 else 0)


@router.post(LIST + "/{customer_id}/outreach")
def reach_out(
    request: Request,
    context: Context,
    session: RiskJudge,
    customer_id: CustomerId,
    csrf_token: Csrf = "",
    once: Short = "",
    reason: Short = "",
    action: Short = "",
    note: Annotated[str, Form(max_length=1000)] = "",
    link: Annotated[str, Form(max_length=500)] = "",
    coupon_yuan: Short = "",
) -> Response:
    check_csrf(session, csrf_token)
    try:
        ask = _ask(reason, action, note, link, coupon_yuan)
    except DomainError as refused:
        return _customer_page(request, context, session, customer_id, refused.message, 422)
    actor = session.principal.actor
    done = attempt(
        context,
        lambda uow, now: care.reach_out(uow, customer_id, ask, once or None, actor, now),
    )
    if isinstance(done, Refused):
        return _customer_page(request, context, session, customer_id, done.message, done.status)
    return RedirectResponse(f"{LIST}/{customer_id}#outreach-{done[0].id}", status_code=303)


@router.post(LIST + "/{customer_id}/outreach/{outreach_id}/outcome")
def record_outcome(
    request: Request,
    context: Context,
    session: RiskJudge,
    customer_id: CustomerId,
    outreach_id: RowId,
    csrf_token: Csrf = "",
    outcome: Short = "",
) -> Response:
    check_csrf(session, csrf_token)
    try:
        chosen = Outcome(outcome)
    except ValueError:
        message = Text("请选择回访结果", "Choose an outcome")
        return _customer_page(request, context, session, customer_id, message, 422)
    actor = session.principal.actor
    done = attempt(
        context,
        lambda uow, now: care.record_outcome(uow, customer_id, outreach_id, chosen, actor, now),
    )
    if isinstance(done, Refused):
        return _customer_page(request, context, session, customer_id, done.message, done.status)
    return RedirectResponse(f"{LIST}/{customer_id}#outreach-{outreach_id}", status_code=303)
