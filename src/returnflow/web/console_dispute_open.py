"""Opening a dispute from the console's request page (R8.3).

The request page links here (`staff/_dispute.html`). With a dispute already on the
request, this sends the reader to it; without one it explains who may open one now
(the customer once their appeal was turned down, an agent for them; the merchant
against a decision the platform overturned; a mediator at any time) and offers the
form to whoever may. The service decides: a refusal is shown beside the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.disputes import STATEMENT_MAX
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.text import Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import FormText
from returnflow.entrypoints.steps import Refused, attempt, perform
from returnflow.services import dispute_queries
from returnflow.services import disputes as dispute_service
from returnflow.services import returns as return_service
from returnflow.services.dispute_queries import DisputeSummary
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.console_dispute_forms import StatementText
from returnflow.web.console_disputes import dispute_url
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.roles import DisputeParty, DisputeViewer
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class _Found:
    request: ReturnRequest
    dispute: DisputeSummary | None
    appeal: str | None


def _read(context: AppContext, session: StaffSession, rma_no: str) -> _Found:
    scope = session.principal.merchant_scope

    def read(uow: UnitOfWork, now: datetime) -> _Found:
        found = return_service.get_return(uow, rma_no, merchant_scope=scope)
        return _Found(
            found,
            dispute_queries.for_request(uow, found.rma_no),
            dispute_service.appeal_status(uow, found.rma_no),
        )

    return perform(context, read)


def _open_page(
    request: Request,
    session: StaffSession,
    found: _Found,
    *,
    statement: str = "",
    error: Text | None = None,
    status_code: int = 200,
) -> Response:
    values = {
        "rma": found.request,
        "appeal": found.appeal,
        "party": dispute_service.party_for(session.principal),
        "statement": statement,
        "max_statement": STATEMENT_MAX,
        "error": error,
    }
    return render_staff(
        request,
        session,
        "staff/disputes_open.html",
        values,
        section="disputes",
        status_code=status_code,
    )


@router.get("/staff/returns/{rma_no}/dispute")
def dispute_of_request(
    request: Request, rma_no: str, context: Context, session: DisputeViewer
) -> Response:
    """The request's dispute, or the form that opens one."""
    found = _read(context, session, rma_no)
    if found.dispute is not None:
        return RedirectResponse(dispute_url(found.dispute.dispute_no), status_code=303)
    return _open_page(request, session, found)


@router.post("/staff/returns/{rma_no}/dispute")
def open_dispute(
    request: Request,
    rma_no: str,
    context: Context,
    session: DisputeParty,
    csrf_token: FormText = "",
    statement: StatementText = "",
) -> Response:
    check_csrf(session, csrf_token)
    party = dispute_service.party_for(session.principal)
    rules = dispute_service.DisputeRules.from_settings(context.settings)

    def step(uow: UnitOfWork, now: datetime) -> str:
        opened = dispute_service.open_dispute(uow, rma_no, statement, party, now, rules)
        return opened.dispute_no

    result = attempt(context, step)
    if isinstance(result, Refused):
        found = _read(context, session, rma_no)
        return _open_page(
            request,
            session,
            found,
            statement=statement,
            error=result.message,
            status_code=result.status,
        )
    return RedirectResponse(dispute_url(result, "opened"), status_code=303)
