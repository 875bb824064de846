"""The receiving desk (R5.1): pages built for a barcode scanner and a keyboard.

A scanner types the code and Enter, so the scan field is a one-field GET form with
autofocus; the expected items come back with the Confirm button focused, so a
parcel that matches is scan, Enter, Enter, and the next page focuses the scan field
again. Everything works without JavaScript. A code that matches nothing opens the
"unidentified parcel" form; those parcels wait in a queue to be matched or let go
(`console_receiving_parcels.py`, included here).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.access import Permission
from returnflow.domain.receiving import Mismatch, MismatchKind, Receipt
from returnflow.domain.shipping import Warehouse
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints import params
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.problems import status_for
from returnflow.entrypoints.steps import perform
from returnflow.services import merchant_desk
from returnflow.services import privacy as privacy_service
from returnflow.services import receiving as receiving_service
from returnflow.services.errors import Conflict, NotFound
from returnflow.services.receiving_photos import MAX_PHOTOS, RECEIPT_BODY, SavedPhotos
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web import console_receiving_parcels
from returnflow.web.console_receiving_forms import (
    Typed,
    desk_url,
    files,
    in_language,
    page,
    text_field,
)
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.roles import Receiver, Viewer
from returnflow.web.timer_view import inspection_queue

router = APIRouter(include_in_schema=False)
Files = dict[str, list[tuple[str, bytes]]]


def _desk(
    request: Request,
    context: AppContext,
    session: StaffSession,
    *,
    code: str = "",
    parcel_id: RowId | None = None,
    error: Text | None = None,
    typed: Typed | None = None,
    status_code: int = 200,
    notice: str | None = None,
    received: str | None = None,
) -> Response:
    scope = session.principal.merchant_scope
    if parcel_id is not None:
        merchant_desk.platform_only(scope)  # unidentified parcels stay the platform's
    own, closed = _own_warehouse(context, scope)
    values: dict[str, Any] = {
        "no_warehouse": closed,
        "code": code,
        "expected": None,
        "unknown": False,
        "refusal": None,
        "error": error,
        "typed": typed or Typed(),
        "parcel": None,
        "own_warehouse": own,
        "received_rma": received,  # issue 16: just received, the next step is its inspection
        # issue 13: inspect-by countdowns; a merchant's own only (read scoped, so the
        # 100 oldest are its own, not the platform's filtered)
        "inspection_queue": [] if closed is not None else inspection_queue(context, scope),
    }
    if code and closed is None:
        with context.uow() as uow:
            try:
                if parcel_id is not None:
                    values["parcel"] = receiving_service.get_parcel(uow, parcel_id)
                    values["expected"] = receiving_service.check_match(uow, parcel_id, code)
                else:
                    values["expected"] = receiving_service.scan(uow, code, scope)
            except NotFound as missing:
                values["unknown"] = (
                    parcel_id is None and missing.code == "nothing_matches" and scope is None
                )
                values["refusal"] = missing.message
                status_code = 404 if status_code == 200 else status_code
            except DomainError as refused:
                values["refusal"] = refused.message
                status_code = status_for(refused) if status_code == 200 else status_code
        expected = values["expected"]
        if expected is not None and expected.refusal is not None:
            values["refusal"] = expected.refusal
    return page(
        request, session, "staff/receiving.html", values, status_code=status_code, notice=notice
    )


def _own_warehouse(context: AppContext, scope: str | None) -> tuple[Warehouse | None, Text | None]:
    """Issue 15: a merchant's own warehouse, or why its desk is closed (no warehouse)."""
    with context.uow() as uow:
        try:
            return merchant_desk.own_warehouse(uow, scope), None
        except Conflict as closed:
            return None, closed.message


def _done_notice(
    request: Request, context: AppContext, rma_no: str, merchant_scope: str | None
) -> str | None:
    with context.uow() as uow:
        receipt = receiving_service.receipt_for(uow, rma_no, merchant_scope)
    if receipt is None:
        return None
    summary = receipt.summary
    message = Text("{rma} 已收货：{zh}", "{rma} received: {en}").format(
        rma=receipt.rma_no, zh=summary.zh, en=summary.en
    )
    return in_language(request, message)


@router.get("/staff/receiving")
def desk(
    request: Request,
    context: Context,
    session: Receiver,
    code: str = "",
    parcel: str = "",
    done: str = "",
    parked: str = "",
) -> Response:
    """Scan a waybill or RMA number: the expected items appear, ready to confirm."""
    scope = session.principal.merchant_scope
    notice = _done_notice(request, context, done[:32], scope) if done else None
    if (parked_id := params.digits(parked, 1, params.MAX_ROW_ID)) is not None:
        notice = in_language(
            request,
            Text("已登记为无主包裹 #{id}", "Recorded as unidentified parcel #{id}").format(
                id=parked_id
            ),
        )
    parcel_id = params.optional_row_id(parcel, "parcel")
    received = done[:32] if done and notice is not None else None
    return _desk(
        request,
        context,
        session,
        code=code.strip()[:64],
        parcel_id=parcel_id,
        notice=notice,
        received=received,
    )


def _typed_counts(form: FormData) -> Typed:
    typed = Typed()
    for key, value in form.multi_items():
        try:
            line_no = params.numbered_field(key, "qty_")
        except DomainError as refused:
            typed.problem = typed.problem or refused
            continue
        if line_no is not None and isinstance(value, str):
            typed.quantities[line_no] = value.strip()[:20]
        elif key == "mismatch" and isinstance(value, str):
            typed.ticked.add(value)
        elif key.startswith("note_") and isinstance(value, str):
            typed.notes[key[5:]] = value.strip()[:1000]
    return typed


@router.post("/staff/receiving/{rma_no}/receipt", max_body_size=RECEIPT_BODY)
async def confirm(request: Request, rma_no: str, context: Context, session: Receiver) -> Response:
    """Record the counts and mismatches; back to the scan field for the next parcel."""
    form = await request.form(max_files=MAX_PHOTOS * 4, max_fields=1000)
    check_csrf(session, text_field(form, "csrf_token"))
    typed = _typed_counts(form)
    photos = {kind.value: await files(form, f"photos_{kind.value}") for kind in MismatchKind}
    code = text_field(form, "code").strip()[:64]
    parcel = text_field(form, "parcel")
    await form.close()
    return await run_in_threadpool(
        _confirm,
        request,
        context,
        session,
        rma_no,
        code,
        params.optional_row_id(parcel, "parcel"),
        typed,
        photos,
    )


def _counts(typed: Typed) -> dict[int, int]:
    if typed.problem is not None:
        raise typed.problem
    return {
        line_no: params.quantity(value, f"qty_{line_no}")
        for line_no, value in typed.quantities.items()
    }


def _mismatches(typed: Typed, photos: Files, saved: SavedPhotos) -> list[Mismatch]:
    """The ticked kinds with their notes and photos; every photo is checked before any is kept."""
    kinds = [kind for kind in MismatchKind if kind.value in typed.ticked]
    for kind in kinds:
        saved.check(photos[kind.value])
    return [
        Mismatch(kind, typed.notes.get(kind.value, ""), saved.save(photos[kind.value]))
        for kind in kinds
    ]


def _confirm(
    request: Request,
    context: AppContext,
    session: StaffSession,
    rma_no: str,
    code: str,
    parcel_id: RowId | None,
    typed: Typed,
    photos: Files,
) -> Response:
    principal = session.principal
    saved = SavedPhotos(context.photos)
    again: dict[str, Any] = {"code": code or rma_no, "typed": typed}
    try:
        receiving_service.receive_once(
            context.uow,
            rma_no,
            received=_counts(typed),
            mismatches=_mismatches(typed, photos, saved),
            actor=principal.actor,
            now=context.clock(),
            code=code,
            parcel_id=parcel_id,
            merchant_scope=principal.merchant_scope,
        )
    except receiving_service.AlreadyReceived as twice:
        saved.discard()
        if twice.receipt.received_by == principal.actor and parcel_id is None:
            # the same worker's double Enter: the first confirmation stands
            return RedirectResponse(desk_url(done=twice.receipt.rma_no), status_code=303)
        return _desk(request, context, session, error=twice.message, status_code=409, **again)
    except DomainError as refused:
        saved.discard()
        if isinstance(refused, NotFound) and refused.code == "return_not_found":
            raise
        return _desk(
            request,
            context,
            session,
            parcel_id=parcel_id,
            error=refused.message,
            status_code=status_for(refused),
            **again,
        )
    except BaseException:
        saved.discard()
        raise
    return RedirectResponse(desk_url(done=rma_no), status_code=303)


# --- photos and the request page's panel -------------------------------------------


@router.get("/staff/receiving/photos/{name}")
def photo(name: str, context: Context, session: Viewer) -> Response:
    """A receipt's photo for whoever may see its request; a parcel's for the warehouse."""
    principal = session.principal

    def step(uow: UnitOfWork, now: datetime) -> bool:
        visible = receiving_service.photo_visible(
            uow,
            name,
            merchant_scope=principal.merchant_scope,
            sees_parcels=principal.can(Permission.WAREHOUSE_RECEIVE)
            and principal.merchant_scope is None,
        )
        if visible:  # R14.1: photos are logged like contacts
            privacy_service.log_photo_access(uow, principal.actor, name, now)
        return visible

    visible = perform(context, step)
    found = context.photos.read(name) if visible else None
    if found is None:
        raise NotFound("photo_not_found", Text("找不到该照片", "The photo was not found"))
    data, content_type = found
    return Response(
        data,
        media_type=content_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


def receipt_panel(context: AppContext, rma_no: str) -> Receipt | None:
    """The request page's receiving panel (staff/_receipt.html) reads this."""
    with context.uow() as uow:
        return receiving_service.receipt_for(uow, rma_no)


def photo_url(name: str) -> str:
    return f"/staff/receiving/photos/{quote(name, safe='')}"


router.include_router(console_receiving_parcels.router)
