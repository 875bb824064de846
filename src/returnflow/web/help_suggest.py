"""Customers suggest improvements from the help centre (issue 17, R16.11): `/help/suggest`.

A small public form, no sign-in: an area and the suggestion, filed as a proposal with
channel `customer` for the managers to triage (`/staff/improvements`). Every try is
counted per address first (`services/proposals.count_suggestion`, like the merchant
application form), so a script cannot flood the list; a refusal is shown beside what
was typed, never as a 500.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.domain.proposals import MAX_TEXT, Area
from returnflow.domain.text import Text
from returnflow.entrypoints.client_address import client_address
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.steps import Refused, attempt, perform
from returnflow.services import proposals as service
from returnflow.web.improvement_words import word
from returnflow.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE = "/help/suggest"
_CHOOSE = Text("请选择一个有效的选项。", "Choose one of the options offered.")


def _form(
    request: Request,
    *,
    typed: str = "",
    area: str = "",
    error: Text | None = None,
    status_code: int = 200,
) -> Response:
    language = preferred_language(request)
    values = {
        "areas": list(Area),
        "word": lambda code: word(code, language),
        "typed": typed,
        "chosen": area,
        "error": error,
        "sent": request.query_params.get("sent") == "1",
        "max_text": MAX_TEXT,
    }
    return render(request, "help/suggest.html", values, status_code=status_code)


@router.get(PAGE)
def suggest_page(request: Request) -> Response:
    return _form(request)


@router.post(PAGE)
def suggest(
    request: Request,
    context: Context,
    area: Annotated[str, Form(max_length=20)] = "",
    text: Annotated[str, Form(max_length=MAX_TEXT + 100)] = "",
) -> Response:
    source = client_address(request, context.settings.trusted_proxies)
    perform(context, lambda uow, now: service.count_suggestion(uow, source, now))
    chosen = next((a for a in Area if a.value == area), None)
    if chosen is None:
        return _form(request, typed=text, error=_CHOOSE, status_code=422)
    done = attempt(context, lambda uow, now: service.propose_as_customer(uow, chosen, text, now))
    if isinstance(done, Refused):
        return _form(request, typed=text, area=area, error=done.message, status_code=done.status)
    return RedirectResponse(PAGE + "?sent=1", status_code=303)
