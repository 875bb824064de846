"""The customer's answer to a partial refund after a failed inspection (R5.3).

The offer shows on the portal's request page (`portal/_offer.html`); accepting means
the refund is paid less the deduction, declining sends the goods back. The signed link
proves the customer, as everywhere under /portal/o/….
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form
from starlette.responses import RedirectResponse, Response

from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.steps import perform
from returnflow.services import inspection as inspection_service
from returnflow.services import portal as portal_service
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.portal_common import PortalRoute, access_of, actor, request_url
from returnflow.web.portal_links import link_invalid

router = APIRouter(prefix="/portal", include_in_schema=False, route_class=PortalRoute)


@router.post("/o/{token}/r/{rma_no}/offer")
def answer(
    token: str,
    rma_no: str,
    context: Context,
    answer: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Accept or decline; a second answer (another tab) changes nothing."""
    access = access_of(context, token)
    accepted = answer == "accept"

    def step(uow: UnitOfWork, now: datetime) -> None:
        order = portal_service.customer_order(uow, access.order_no, access.customer_id)
        if order is None:
            raise link_invalid()
        found = portal_service.customer_request(uow, order, rma_no, for_update=True)
        inspection_service.answer_offer(uow, found.rma_no, accepted, actor(access), now)

    perform(context, step)
    done = "offer_accepted" if accepted else "offer_declined"
    return RedirectResponse(request_url(token, rma_no, done), status_code=303)
