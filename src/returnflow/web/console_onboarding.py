"""Reviewing merchants' applications (issue 15, seed 000 §9.1): `merchants.onboard`.

`/staff/merchants/applications` lists them (by status, a page at a time); an
application's page shows the business, its documents (served only here, each look in
the access log), the checklist the reviewer ticks, the decision forms (approve, ask for
more with a question, reject with a reason) and the timeline. Approving answers this
page with the new merchant account's one-time password, shown this once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.analyses import category_label
from returnflow.domain.onboarding import Status, SummaryPage
from returnflow.domain.onboarding_words import CHECKS, DOCUMENT_KINDS, current_agreement
from returnflow.domain.text import Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.steps import Refused, attempt, perform
from returnflow.services import onboarding as service
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.onboarding_apply import document_response
from returnflow.web.paging import PageAsked, page_number, pager
from returnflow.web.roles import Onboarder
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)
PAGE = "/staff/merchants/applications"
Csrf = Annotated[str, Form(max_length=100)]
Note = Annotated[str, Form(max_length=2000)]
Short = Annotated[str, Form(max_length=30)]


@router.get(PAGE)
def list_page(
    request: Request,
    context: Context,
    session: Onboarder,
    status: Annotated[str, Query(max_length=30)] = "",
    page: PageAsked = "1",
) -> Response:
    chosen = Status(status) if status in set(Status) else None

    def read(uow: UnitOfWork, now: datetime) -> SummaryPage:
        found = service.applications(uow, chosen, page_number(page))
        if found.page > found.pages:  # past the last page: the last
            found = service.applications(uow, chosen, found.pages)
        return found

    found = perform(context, read)
    kept = {"status": chosen.value if chosen else ""}
    values = {
        "found": found,
        "pager": pager(PAGE, found.total, found.page, kept, found.page_size),
        "chosen": chosen,
        "statuses": list(Status),
        "category_label": category_label,
    }
    return render_staff(
        request, session, "staff/onboarding_list.html", values, section="onboarding"
    )


def _detail(
    request: Request,
    context: AppContext,
    session: StaffSession,
    application_id: int,
    *,
    error: Text | None = None,
    status_code: int = 200,
    shown: dict[str, str] | None = None,
) -> Response:
    found = perform(context, lambda uow, now: service.application(uow, application_id))
    values: dict[str, Any] = {
        "application": found,
        "checks": CHECKS,
        "kinds": DOCUMENT_KINDS,
        "Status": Status,
        "open": found.status in (Status.SUBMITTED, Status.UNDER_REVIEW, Status.RESUBMITTED),
        "error": error,
        "shown": shown,
        "agreement": current_agreement(),
        "category_label": category_label,
    }
    return render_staff(
        request,
        session,
        "staff/onboarding_detail.html",
        values,
        section="onboarding",
        status_code=status_code,
    )


@router.get(PAGE + "/{application_id}")
def detail_page(
    request: Request, context: Context, session: Onboarder, application_id: RowId
) -> Response:
    return _detail(request, context, session, application_id)


@router.post(PAGE + "/{application_id}/checks")
async def set_checks(
    request: Request, context: Context, session: Onboarder, application_id: RowId
) -> Response:
    """The checklist as the form leaves it: a ticked box is done, an empty one is not."""
    form = await request.form(max_files=0, max_fields=len(CHECKS) + 5)
    sent = form.get("csrf_token")
    check_csrf(session, sent if isinstance(sent, str) else "")
    ticked = {value for value in form.getlist("check") if isinstance(value, str)}
    checks = {code: code in ticked for code in CHECKS}
    actor = session.principal.actor
    done = attempt(context, lambda uow, now: service.tick(uow, application_id, checks, actor, now))
    if isinstance(done, Refused):
        return _detail(
            request, context, session, application_id, error=done.message, status_code=done.status
        )
    return RedirectResponse(f"{PAGE}/{application_id}#checklist", status_code=303)


@router.post(PAGE + "/{application_id}/decision")
def decide(
    request: Request,
    context: Context,
    session: Onboarder,
    application_id: RowId,
    csrf_token: Csrf = "",
    decision: Short = "",
    note: Note = "",
) -> Response:
    check_csrf(session, csrf_token)
    actor = session.principal.actor
    done = attempt(
        context,
        lambda uow, now: service.decide(uow, application_id, decision, note, actor, now),
    )
    if isinstance(done, Refused):
        return _detail(
            request, context, session, application_id, error=done.message, status_code=done.status
        )
    if done.one_time_password and done.username:
        shown = {"username": done.username, "password": done.one_time_password}
        return _detail(request, context, session, application_id, shown=shown)
    return RedirectResponse(f"{PAGE}/{application_id}", status_code=303)


@router.get(PAGE + "/{application_id}/documents/{name}")
def document(
    context: Context,
    session: Onboarder,
    application_id: RowId,
    name: Annotated[str, Path(max_length=40)],
) -> Response:
    """One document of the application, for reviewers only; the look is logged."""
    actor = session.principal.actor
    perform(
        context,
        lambda uow, now: service.reviewer_document(uow, application_id, name, actor, now),
    )
    return document_response(context, name)
