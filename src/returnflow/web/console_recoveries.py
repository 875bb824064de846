"""Finance settles an instant refund's recovery from the finance page.

The same step as `POST /api/v1/finance/recoveries/{rma}/resolve` and under the same
permission (FINANCE_RECONCILE): the customer paid the money back, or we write it off.
A second click finds the case no longer open and changes nothing.
"""

from __future__ import annotations

from contextlib import suppress

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import ShortFormText as FormText
from returnflow.entrypoints.steps import perform
from returnflow.services import refund_recoveries
from returnflow.services.errors import Conflict
from returnflow.services.unit_of_work import ConcurrentUpdate
from returnflow.web.guards import check_csrf
from returnflow.web.roles import Reconciler

router = APIRouter(include_in_schema=False)


@router.post("/staff/finance/recoveries/{rma_no}/resolve")
def resolve(
    request: Request,
    rma_no: str,
    context: Context,
    session: Reconciler,
    csrf_token: FormText = "",
    outcome: FormText = "",
) -> Response:
    check_csrf(session, csrf_token)  # an unknown outcome is refused by the service
    actor = session.principal.actor
    limits = dict(context.settings.authority_limits)
    # settled by someone else meanwhile: the list shows where it stands
    with suppress(Conflict, ConcurrentUpdate):
        perform(
            context,
            lambda uow, now: refund_recoveries.resolve_recovery(
                uow, rma_no, outcome, actor, now, limits
            ),
        )
    return RedirectResponse("/staff/finance#recoveries", status_code=303)
