"""The customer's appeal in the portal (R3.2): words and photos, once, then its state.

A rejected request, a failed inspection or a partial-refund offer shows "Appeal" on the
request page (`portal/_appeal.html`); this page holds the form, and after filing the
appeal's state and the answer. Photos are checked by content and saved before the
appeal is filed, and thrown away again if the filing is refused (as when applying).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.appeals import MAX_STATEMENT
from returnflow.domain.photos import MAX_BYTES, MAX_PHOTOS
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.steps import Refused, attempt, perform
from returnflow.services import appeal_queries
from returnflow.services import appeals as appeal_service
from returnflow.services import portal as portal_service
from returnflow.services.appeal_queries import AppealPanel
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.portal_common import PortalRoute, access_of, actor
from returnflow.web.portal_links import PortalAccess, link_invalid
from returnflow.web.templating import render

router = APIRouter(prefix="/portal", include_in_schema=False, route_class=PortalRoute)

_FILED = Text("申诉已提交，我们会尽快复核", "Your appeal was sent: a person will look again")


@dataclass(frozen=True)
class _Page:
    request: ReturnRequest
    panel: AppealPanel


def appeal_url(token: str, rma_no: str, done: str = "") -> str:
    url = f"/portal/o/{token}/r/{rma_no}/appeal"
    return f"{url}?done={done}" if done else url


def _read(context: AppContext, access: PortalAccess, rma_no: str) -> _Page:
    window = context.settings.appeal_window_days

    def read(uow: UnitOfWork, now: datetime) -> _Page:
        order = portal_service.customer_order(uow, access.order_no, access.customer_id)
        if order is None:
            raise link_invalid()
        request = portal_service.customer_request(uow, order, rma_no)
        return _Page(request, appeal_queries.customer_panel(uow, request, now, window))

    return perform(context, read)


def _page(
    request: Request,
    context: AppContext,
    token: str,
    rma_no: str,
    *,
    error: Text | None = None,
    statement: str = "",
    status_code: int = 200,
) -> Response:
    found = _read(context, access_of(context, token), rma_no)
    filed = request.query_params.get("done") == "filed"
    values = {
        "token": token,
        "req": found.request,
        "panel": found.panel,
        "appeal": found.panel.appeal,
        "error": error,
        "statement": statement,
        "max_photos": MAX_PHOTOS,
        "max_statement": MAX_STATEMENT,
        "notice": _FILED.in_language(preferred_language(request)) if filed else None,
    }
    return render(request, "portal/appeal.html", values, status_code=status_code)


@router.get("/o/{token}/r/{rma_no}/appeal")
def appeal_page(request: Request, token: str, rma_no: str, context: Context) -> Response:
    return _page(request, context, token, rma_no)


@router.post("/o/{token}/r/{rma_no}/appeal", max_body_size=(MAX_PHOTOS + 1) * MAX_BYTES)
async def file_appeal(request: Request, token: str, rma_no: str, context: Context) -> Response:
    """R3.2: the customer's words and photos; photos are checked before anything is filed."""
    form = await request.form(max_files=MAX_PHOTOS * 2, max_fields=20)
    raw = form.get("statement")
    statement = raw if isinstance(raw, str) else ""
    uploads = [
        item
        for item in form.getlist("photos")
        if isinstance(item, UploadFile) and (item.filename or item.size)
    ]
    files: list[tuple[str, bytes]] = []
    for upload in uploads:
        # more than allowed are refused on their number alone, without reading them
        data = await upload.read(MAX_BYTES + 1) if len(uploads) <= MAX_PHOTOS else b""
        files.append((upload.filename or "photo", data))
    await form.close()
    return await run_in_threadpool(_file, request, context, token, rma_no, statement, files)


def _file(
    request: Request,
    context: AppContext,
    token: str,
    rma_no: str,
    statement: str,
    files: list[tuple[str, bytes]],
) -> Response:
    access = access_of(context, token)
    window = context.settings.appeal_window_days
    saved: list[str] = []

    def step(uow: UnitOfWork, now: datetime) -> None:
        order = portal_service.customer_order(uow, access.order_no, access.customer_id)
        if order is None:
            raise link_invalid()
        found = portal_service.customer_request(uow, order, rma_no, for_update=True)
        appeal_service.file_appeal(uow, found.rma_no, statement, saved, actor(access), now, window)

    try:
        context.photos.check_all(files)
        saved = context.photos.save_all(files) if files else []
        result = attempt(context, step)
    except DomainError as refused:
        if isinstance(refused, NotFound):
            raise
        context.photos.discard(saved)
        result = Refused(422, refused.code, refused.message)
    except BaseException:
        context.photos.discard(saved)
        raise
    if isinstance(result, Refused):
        context.photos.discard(saved)
        return _page(
            request,
            context,
            token,
            rma_no,
            error=result.message,
            statement=statement[:MAX_STATEMENT],
            status_code=result.status,
        )
    return RedirectResponse(appeal_url(token, rma_no, "filed"), status_code=303)


@router.get("/o/{token}/r/{rma_no}/appeal/photos/{name}")
def photo(token: str, rma_no: str, name: str, context: Context) -> Response:
    """A photo the customer sent with this request's appeal; any other name is not found."""
    found_page = _read(context, access_of(context, token), rma_no)
    appeal = found_page.panel.appeal
    found = context.photos.read(name) if appeal is not None and name in appeal.photos else None
    if found is None:
        raise NotFound("photo_not_found", Text("找不到这张照片", "That photo was not found"))
    data, content_type = found
    return Response(
        data,
        media_type=content_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
