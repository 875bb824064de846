"""The customer's satisfaction survey in the portal (R7.2, seed 001 §7.1.3).

A completed or confirmed request shows "How did we do?" on its page; this page holds
the form — speed, attitude, effectiveness and process from 1 to 5, how likely the
customer recommends us from 0 to 10, a comment — and after answering, the answers.
One answer per request; a refusal shows the form again with the reason and what was
chosen. The older single 1–5 rating (`/rate`) stays readable on the request page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.surveys import DIMENSION_NAMES, DIMENSIONS, MAX_COMMENT, Scores, Survey
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints import params
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.params import FormText, ShortFormText
from returnflow.entrypoints.steps import Refused, attempt, perform
from returnflow.services import portal as portal_service
from returnflow.services import surveys as survey_service
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.portal_common import PortalRoute, access_of, actor
from returnflow.web.portal_links import PortalAccess, link_invalid
from returnflow.web.templating import render

router = APIRouter(prefix="/portal", include_in_schema=False, route_class=PortalRoute)

_THANKS = Text("感谢您参与满意度调查", "Thank you for answering the survey")
_CHOOSE = Text("请为每一项打分", "Choose a score for every question")


@dataclass(frozen=True)
class _Page:
    request: ReturnRequest
    survey: Survey | None


def survey_url(token: str, rma_no: str, done: str = "") -> str:
    url = f"/portal/o/{token}/r/{rma_no}/survey"
    return f"{url}?done={done}" if done else url


def _read(context: AppContext, access: PortalAccess, rma_no: str) -> _Page:
    def read(uow: UnitOfWork, now: datetime) -> _Page:
        order = portal_service.customer_order(uow, access.order_no, access.customer_id)
        if order is None:
            raise link_invalid()
        request = portal_service.customer_request(uow, order, rma_no)
        return _Page(request, survey_service.survey_of(uow, request.rma_no))

    return perform(context, read)


def _page(
    request: Request,
    context: AppContext,
    token: str,
    rma_no: str,
    *,
    error: Text | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    found = _read(context, access_of(context, token), rma_no)
    answered = request.query_params.get("done") == "answered"
    values = {
        "token": token,
        "req": found.request,
        "survey": found.survey,
        "open": found.request.status.value in ("completed", "confirmed"),
        "dimensions": [(name, DIMENSION_NAMES[name]) for name in DIMENSIONS],
        "typed": typed or {},
        "error": error,
        "max_comment": MAX_COMMENT,
        "notice": _THANKS.in_language(preferred_language(request)) if answered else None,
    }
    return render(request, "portal/survey.html", values, status_code=status_code)


@router.get("/o/{token}/r/{rma_no}/survey")
def survey_page(request: Request, token: str, rma_no: str, context: Context) -> Response:
    return _page(request, context, token, rma_no)


def _score(typed: str, field: str) -> int:
    """A chosen score as a number (the domain words its range); nothing chosen is refused."""
    number = params.digits(typed, 0, 99)
    if number is None:
        raise DomainError("score_missing", _CHOOSE, field=field)
    return number


@router.post("/o/{token}/r/{rma_no}/survey")
def answer(
    request: Request,
    token: str,
    rma_no: str,
    context: Context,
    speed: ShortFormText = "",
    attitude: ShortFormText = "",
    effectiveness: ShortFormText = "",
    process: ShortFormText = "",
    nps: ShortFormText = "",
    comment: FormText = "",
) -> Response:
    """R7.2: the four dimensions, the recommendation and a comment, once."""
    access = access_of(context, token)
    typed = {
        "speed": speed,
        "attitude": attitude,
        "effectiveness": effectiveness,
        "process": process,
        "nps": nps,
        "comment": comment[:MAX_COMMENT],
    }

    def step(uow: UnitOfWork, now: datetime) -> None:
        order = portal_service.customer_order(uow, access.order_no, access.customer_id)
        if order is None:
            raise link_invalid()
        found = portal_service.customer_request(uow, order, rma_no, for_update=True)
        scores = Scores(*(_score(typed[name], name) for name in (*DIMENSIONS, "nps")))
        survey_service.answer_survey(
            uow,
            found.rma_no,
            scores,
            comment,
            actor(access),
            now,
            customer_id=access.customer_id,
        )

    result = attempt(context, step)
    if isinstance(result, Refused):
        return _page(
            request,
            context,
            token,
            rma_no,
            error=result.message,
            typed=typed,
            status_code=result.status,
        )
    return RedirectResponse(survey_url(token, rma_no, "answered"), status_code=303)
