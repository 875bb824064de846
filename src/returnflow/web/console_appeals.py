"""The console's appeals (R3.2): the queue, one request's appeal, uphold / overturn, and
staff overturning an automated decision with a reason.

The request page carries a short panel (`staff/_appeal.html`) that links here; this page
shows the customer's words and photos beside the decision appealed. Each decision is
one `entrypoints.steps.attempt`: a refusal shows the page again with the reason and
what was typed, a success redirects with a notice. Merchants act on their own requests.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.appeals import AppealStatus
from returnflow.domain.paging import page_count
from returnflow.domain.text import Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.params import FormText, ShortFormText
from returnflow.entrypoints.steps import Refused, attempt, perform
from returnflow.services import appeal_queries
from returnflow.services import appeals as appeal_service
from returnflow.services.errors import NotFound
from returnflow.services.history_words import actor_label
from returnflow.services.merchants import merchant_names
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.paging import pager
from returnflow.web.roles import Reviewer, Viewer
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
_NOTICES = {
    "overturned": Text("已改判，申请继续处理", "Overturned: the request moves on"),
    "upheld": Text("已维持原决定，顾客会看到原因", "Upheld: the customer will read the reason"),
}


def appeal_url(rma_no: str, done: str = "") -> str:
    url = f"/staff/returns/{quote(rma_no, safe='')}/appeal"
    return f"{url}?done={done}" if done else url


@router.get("/staff/appeals")
def queue_page(
    request: Request,
    context: Context,
    session: Reviewer,
    status: Annotated[str, Query(max_length=20)] = "open",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Open appeals oldest first (or those of another status; "all": every one)."""
    scope = session.principal.merchant_scope
    wanted = AppealStatus(status) if status in set(AppealStatus) else None

    def read(uow: UnitOfWork, now: datetime) -> tuple[appeal_queries.AppealPage, dict[str, str]]:
        found = appeal_queries.queue(uow, wanted, page, PAGE_SIZE, merchant_scope=scope)
        return found, merchant_names(uow, (item.merchant_id for item in found.items))

    found, names = perform(context, read)
    values = {
        "found": found,
        "merchant_names": names,
        "status": wanted.value if wanted else "all",
        "statuses": list(AppealStatus),
        "page": page,
        "pages": page_count(found.total, PAGE_SIZE),
        "pager": pager(
            "/staff/appeals", found.total, page, {"status": wanted.value if wanted else "all"}
        ),  # issue 16: the console's one pager
    }
    return render_staff(request, session, "staff/appeals.html", values, section="appeals")


def appeal_page_response(
    request: Request,
    context: AppContext,
    session: StaffSession,
    rma_no: str,
    *,
    error: Text | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    scope = session.principal.merchant_scope

    def read(uow: UnitOfWork, now: datetime) -> tuple[appeal_queries.StaffAppealView, str]:
        view = appeal_queries.staff_view(uow, rma_no, merchant_scope=scope)
        merchant = view.request.merchant_id
        return view, merchant_names(uow, [merchant]).get(merchant, merchant)

    view, merchant_name = perform(context, read)
    found = _NOTICES.get(request.query_params.get("done", ""))
    notice = found.in_language(preferred_language(request)) if found else None
    values = {"view": view, "rma": view.request, "appeal": view.appeal}
    values.update(merchant_name=merchant_name, actor_label=actor_label)
    values.update(error=error, form=form or {})
    return render_staff(
        request,
        session,
        "staff/appeal.html",
        values,
        section="appeals",
        status_code=status_code,
        notice=notice,
    )


@router.get("/staff/returns/{rma_no}/appeal")
def appeal_page(request: Request, rma_no: str, context: Context, session: Viewer) -> Response:
    return appeal_page_response(request, context, session, rma_no)


def _refused(
    request: Request,
    context: AppContext,
    session: StaffSession,
    rma_no: str,
    result: Refused,
    form: dict[str, str],
) -> Response:
    return appeal_page_response(
        request,
        context,
        session,
        rma_no,
        error=result.message,
        form=form,
        status_code=result.status,
    )


@router.post("/staff/returns/{rma_no}/appeal/decision")
def decide(
    request: Request,
    rma_no: str,
    context: Context,
    session: Reviewer,
    csrf_token: FormText = "",
    decision: ShortFormText = "",
    reason: FormText = "",
) -> Response:
    """Uphold or overturn the customer's appeal, with the reason they will read."""
    check_csrf(session, csrf_token)
    principal = session.principal
    form = {"form": "decision", "decision": decision, "reason": reason}
    if decision not in ("uphold", "overturn"):
        choose = Text("请选择维持或改判", "Choose to uphold or to overturn")
        return appeal_page_response(
            request, context, session, rma_no, error=choose, form=form, status_code=422
        )

    def step(uow: UnitOfWork, now: datetime) -> None:
        appeal_service.decide_appeal(
            uow,
            rma_no,
            decision,
            reason,
            principal.actor,
            now,
            merchant_scope=principal.merchant_scope,
        )

    result = attempt(context, step)
    if isinstance(result, Refused):
        return _refused(request, context, session, rma_no, result, form)
    done = "overturned" if decision == "overturn" else "upheld"
    return RedirectResponse(appeal_url(rma_no, done), status_code=303)


@router.post("/staff/returns/{rma_no}/overturn")
def overturn(
    request: Request,
    rma_no: str,
    context: Context,
    session: Reviewer,
    csrf_token: FormText = "",
    reason: FormText = "",
) -> Response:
    """Overturn an automated rejection or a failed inspection, with a reason."""
    check_csrf(session, csrf_token)
    principal = session.principal

    def step(uow: UnitOfWork, now: datetime) -> None:
        appeal_service.overturn(
            uow, rma_no, reason, principal.actor, now, merchant_scope=principal.merchant_scope
        )

    result = attempt(context, step)
    if isinstance(result, Refused):
        form = {"form": "overturn", "reason": reason}
        return _refused(request, context, session, rma_no, result, form)
    return RedirectResponse(appeal_url(rma_no, "overturned"), status_code=303)


@router.get("/staff/returns/{rma_no}/appeal/photos/{name}")
def photo(rma_no: str, name: str, context: Context, session: Viewer) -> Response:
    """A photo sent with the appeal, for someone who may see the request."""
    principal = session.principal

    def look(uow: UnitOfWork, now: datetime) -> bool:
        visible = appeal_queries.photo_visible(
            uow, rma_no, name, merchant_scope=principal.merchant_scope
        )
        if visible:  # R14.1: a look at a customer's photo is logged
            appeal_queries.log_photo_access(uow, principal.actor, rma_no, now)
        return visible

    found = context.photos.read(name) if perform(context, look) else None
    if found is None:
        raise NotFound("photo_not_found", Text("找不到该照片", "The photo was not found"))
    data, content_type = found
    return Response(
        data,
        media_type=content_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
