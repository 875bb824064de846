"""The customer's answer to a partial refund after a failed inspection (R5.3).

The offer shows on the portal's request page (`portal/_offer.html`); accepting means
the refund is paid less the deduction, declining sends the goods back. The signed link
proves the customer, as everywhere under /portal/o/….
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.entrypoints.deps import Context
from returnflow.services import inspection as inspection_service
from returnflow.services import portal as portal_service
from returnflow.web import portal
from returnflow.web.portal_links import link_invalid, read_token

router = APIRouter(prefix="/portal", include_in_schema=False, route_class=portal._PortalRoute)


@router.post("/o/{token}/r/{rma_no}/offer")
def answer(
    request: Request,
    token: str,
    rma_no: str,
    context: Context,
    answer: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Accept or decline; a second answer (another tab) changes nothing."""
    now = context.clock()
    access = read_token(context.secret_key, token, now)
    with context.uow() as uow:
        order = portal_service.customer_order(uow, access.order_no, access.customer_id)
        if order is None:
            raise link_invalid()
        found = portal_service.customer_request(uow, order, rma_no, for_update=True)
        inspection_service.answer_offer(
            uow, found.rma_no, answer == "accept", f"customer:{access.customer_id}", now
        )
        uow.commit(now)
    done = "offer_accepted" if answer == "accept" else "offer_declined"
    return RedirectResponse(portal._request_url(token, rma_no, done), status_code=303)
