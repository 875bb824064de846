"""The customer's dispute in the portal (R8.3): open one, add evidence, read the ruling.

Once the customer's appeal was turned down the request page offers "Open a dispute"
(`portal/disputes_link.html`); this page holds the form (words and photos) and, once a
dispute exists, both sides' statements, the evidence deadline, the customer's own
evidence form and the ruling with its refund. Photos are checked by content and saved
before the step, and thrown away again if it is refused. The signed link is what
proves the customer (portal_common); another customer's dispute is never shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.disputes import STATEMENT_MAX, EvidenceKind, Side
from returnflow.domain.orders import Order
from returnflow.domain.photos import MAX_PHOTOS
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.text import Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.steps import Refused, perform
from returnflow.services import dispute_queries
from returnflow.services import disputes as dispute_service
from returnflow.services import portal as portal_service
from returnflow.services.dispute_queries import DisputeDetail
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.console_dispute_forms import (
    UPLOAD_LIMIT,
    EvidenceTyped,
    deadline_share,
    dispute_photos,
    evidence_kind,
    read_evidence_form,
    with_photos,
)
from returnflow.web.portal_common import PortalRoute, access_of
from returnflow.web.portal_links import PortalAccess, link_invalid
from returnflow.web.portal_request import actor_label
from returnflow.web.templating import render

router = APIRouter(prefix="/portal", include_in_schema=False, route_class=PortalRoute)

CUSTOMER_KINDS = (EvidenceKind.STATEMENT, EvidenceKind.PHOTO, EvidenceKind.DOCUMENT)
_NOTICES = {
    "opened": Text(
        "争议已提交，商家须在期限内举证，平台将听取双方意见后裁决",
        "Your dispute was opened: the merchant answers by the deadline, then the platform decides",
    ),
    "evidence": Text("您的材料已提交", "Your evidence was added"),
}


@dataclass(frozen=True)
class _Page:
    order: Order
    request: ReturnRequest
    detail: DisputeDetail | None
    appeal: str | None
    now: datetime


def dispute_url(token: str, rma_no: str, done: str = "") -> str:
    url = f"/portal/o/{token}/r/{quote(rma_no, safe='')}/dispute"
    return f"{url}?done={done}" if done else url


def _open(uow: UnitOfWork, access: PortalAccess, rma_no: str) -> tuple[Order, ReturnRequest]:
    order = portal_service.customer_order(uow, access.order_no, access.customer_id)
    if order is None:
        raise link_invalid()
    return order, portal_service.customer_request(uow, order, rma_no)


def _read(context: AppContext, access: PortalAccess, rma_no: str, language: str) -> _Page:
    def read(uow: UnitOfWork, now: datetime) -> _Page:
        order, request = _open(uow, access, rma_no)
        latest = dispute_queries.for_request(uow, request.rma_no)
        detail = None
        if latest is not None:
            detail = dispute_queries.detail(
                uow, latest.dispute_no, None, now, language, customer_id=access.customer_id
            )
        appeal = dispute_service.appeal_status(uow, request.rma_no)
        return _Page(order, request, detail, appeal, now)

    return perform(context, read)


def _page(
    request: Request,
    context: AppContext,
    token: str,
    rma_no: str,
    *,
    error: Text | None = None,
    typed: EvidenceTyped | None = None,
    status_code: int = 200,
) -> Response:
    language = preferred_language(request)
    found = _read(context, access_of(context, token), rma_no, language)
    dispute = found.detail.dispute if found.detail else None
    notice = _NOTICES.get(request.query_params.get("done", "")) if error is None else None
    values = {
        "token": token,
        "order": found.order,
        "req": found.request,
        "d": found.detail,
        "dispute": dispute,
        "appeal": found.appeal,
        "now": found.now,
        "share": deadline_share(dispute, found.now) if dispute else 0,
        "can_open": dispute is None and found.appeal == dispute_service.UPHELD,
        "can_add": dispute is not None and dispute.accepts_evidence(found.now),
        "kinds": CUSTOMER_KINDS,
        "sides": Side,
        "typed": typed or EvidenceTyped(),
        "error": error,
        "max_photos": MAX_PHOTOS,
        "max_statement": STATEMENT_MAX,
        "actor_label": actor_label,
        "notice": notice.in_language(language) if notice else None,
    }
    return render(request, "portal/disputes.html", values, status_code=status_code)


@router.get("/o/{token}/r/{rma_no}/dispute")
def dispute_page(request: Request, token: str, rma_no: str, context: Context) -> Response:
    return _page(request, context, token, rma_no)


@router.post("/o/{token}/r/{rma_no}/dispute", max_body_size=UPLOAD_LIMIT)
async def open_dispute(request: Request, token: str, rma_no: str, context: Context) -> Response:
    """The customer's statement and photos; the merchant then has the evidence window."""
    typed, files = await read_evidence_form(request)
    return await run_in_threadpool(_open_dispute, request, context, token, rma_no, typed, files)


def _open_dispute(
    request: Request,
    context: AppContext,
    token: str,
    rma_no: str,
    typed: EvidenceTyped,
    files: list[tuple[str, bytes]],
) -> Response:
    access = access_of(context, token)
    party = dispute_service.customer_party(access.customer_id)
    rules = dispute_service.DisputeRules.from_settings(context.settings)

    def step(uow: UnitOfWork, now: datetime, photos: list[str]) -> None:
        _, found = _open(uow, access, rma_no)
        opened = dispute_service.open_dispute(uow, found.rma_no, typed.text, party, now, rules)
        if photos:
            kind = EvidenceKind.PHOTO.value
            dispute_service.add_evidence(uow, opened.dispute_no, None, kind, "", photos, party, now)

    result = with_photos(context, files, step)
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
    return RedirectResponse(dispute_url(token, rma_no, "opened"), status_code=303)


@router.post("/o/{token}/r/{rma_no}/dispute/evidence", max_body_size=UPLOAD_LIMIT)
async def add_evidence(request: Request, token: str, rma_no: str, context: Context) -> Response:
    """More of the customer's words or photos, before the deadline."""
    typed, files = await read_evidence_form(request)
    return await run_in_threadpool(_add_evidence, request, context, token, rma_no, typed, files)


def _add_evidence(
    request: Request,
    context: AppContext,
    token: str,
    rma_no: str,
    typed: EvidenceTyped,
    files: list[tuple[str, bytes]],
) -> Response:
    access = access_of(context, token)
    party = dispute_service.customer_party(access.customer_id)

    def step(uow: UnitOfWork, now: datetime, photos: list[str]) -> None:
        _, found = _open(uow, access, rma_no)
        latest = dispute_queries.for_request(uow, found.rma_no)
        if latest is None:
            raise _no_dispute()
        kind = evidence_kind(typed, CUSTOMER_KINDS, len(photos))
        dispute_service.add_evidence(
            uow, latest.dispute_no, None, kind, typed.text, photos, party, now
        )

    result = with_photos(context, files, step)
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
    return RedirectResponse(dispute_url(token, rma_no, "evidence") + "#evidence", status_code=303)


def _no_dispute() -> NotFound:
    return NotFound("dispute_not_found", Text("该申请没有争议", "This request has no dispute"))


@router.get("/o/{token}/r/{rma_no}/dispute/photos/{name}")
def photo(token: str, rma_no: str, name: str, context: Context) -> Response:
    """A photo of this request's dispute, either side's."""
    access = access_of(context, token)

    def look(uow: UnitOfWork, now: datetime) -> bool:
        _, found = _open(uow, access, rma_no)
        latest = dispute_queries.for_request(uow, found.rma_no)
        if latest is None:
            return False
        dispute = dispute_service.get_dispute(
            uow, latest.dispute_no, dispute_service.customer_party(access.customer_id)
        )
        return name in dispute_photos(dispute)

    found = context.photos.read(name) if perform(context, look) else None
    if found is None:
        raise NotFound("photo_not_found", Text("找不到这张照片", "That photo was not found"))
    data, content_type = found
    return Response(
        data,
        media_type=content_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
