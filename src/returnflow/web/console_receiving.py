"""The receiving desk (R5.1): pages built for a barcode scanner and a keyboard.

A scanner types the code and Enter, so the scan field is a one-field GET form with
autofocus; the expected items come back with the Confirm button focused, so a
parcel that matches is scan, Enter, Enter, and the next page focuses the scan field
again. Everything works without JavaScript. A code that matches nothing opens the
"unidentified parcel" form; those parcels wait in a queue to be matched or let go.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.access import Permission
from returnflow.domain.receiving import (
    Mismatch,
    MismatchKind,
    ParcelLabel,
    ParcelState,
    Receipt,
    UnidentifiedParcel,
)
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints import params
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.params import FormText, RowId
from returnflow.entrypoints.problems import status_for
from returnflow.services import privacy as privacy_service
from returnflow.services import receiving as receiving_service
from returnflow.services.errors import NotFound
from returnflow.storage.photos import MAX_BYTES, MAX_PHOTOS
from returnflow.web.guards import StaffPage, StaffSession, check_csrf
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)

P = Permission
Receiver = Annotated[StaffSession, Depends(StaffPage(P.WAREHOUSE_RECEIVE))]
Viewer = Annotated[StaffSession, Depends(StaffPage(P.RETURNS_VIEW))]
_MAX_BODY = (4 * MAX_PHOTOS + 1) * MAX_BYTES


def _page(
    request: Request,
    session: StaffSession,
    template: str,
    values: dict[str, Any],
    *,
    status_code: int = 200,
    notice: str | None = None,
) -> Response:
    values = {"kinds": list(MismatchKind), **values}
    return render_staff(
        request,
        session,
        template,
        values,
        section="receiving",
        status_code=status_code,
        notice=notice,
    )


def _in(request: Request, message: Text) -> str:
    return message.in_language(preferred_language(request))


# --- the scan desk -------------------------------------------------------------------


@dataclass
class Typed:
    """What the worker entered, kept when the page comes back with a refusal."""

    quantities: dict[int, str] = field(default_factory=dict)
    ticked: set[str] = field(default_factory=set)
    notes: dict[str, str] = field(default_factory=dict)
    label: dict[str, str] = field(default_factory=dict)
    problem: DomainError | None = None  # a field the form never sends (`qty_²`)


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
) -> Response:
    values: dict[str, Any] = {
        "code": code,
        "expected": None,
        "unknown": False,
        "refusal": None,
        "error": error,
        "typed": typed or Typed(),
        "parcel": None,
    }
    if code:
        with context.uow() as uow:
            try:
                if parcel_id is not None:
                    values["parcel"] = receiving_service.get_parcel(uow, parcel_id)
                    values["expected"] = receiving_service.check_match(uow, parcel_id, code)
                else:
                    values["expected"] = receiving_service.scan(uow, code)
            except NotFound as missing:
                if parcel_id is None and missing.code == "nothing_matches":
                    values["unknown"] = True
                    values["refusal"] = missing.message
                else:
                    values["refusal"] = missing.message
                status_code = 404 if status_code == 200 else status_code
            except DomainError as refused:
                values["refusal"] = refused.message
                status_code = status_for(refused) if status_code == 200 else status_code
        expected = values["expected"]
        if expected is not None and expected.refusal is not None:
            values["refusal"] = expected.refusal
    return _page(
        request,
        session,
        "staff/receiving.html",
        values,
        status_code=status_code,
        notice=notice,
    )


def _done_notice(request: Request, context: AppContext, rma_no: str) -> str | None:
    with context.uow() as uow:
        receipt = receiving_service.receipt_for(uow, rma_no)
    if receipt is None:
        return None
    summary = receipt.summary
    message = Text("{rma} 已收货：{zh}", "{rma} received: {en}").format(
        rma=receipt.rma_no, zh=summary.zh, en=summary.en
    )
    return _in(request, message)


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
    notice = _done_notice(request, context, done[:32]) if done else None
    if (parked_id := params.digits(parked, 1, params.MAX_ROW_ID)) is not None:
        notice = _in(
            request,
            Text("已登记为无主包裹 #{id}", "Recorded as unidentified parcel #{id}").format(
                id=parked_id
            ),
        )
    parcel_id = params.optional_row_id(parcel, "parcel")
    return _desk(
        request, context, session, code=code.strip()[:64], parcel_id=parcel_id, notice=notice
    )


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def _files(form: FormData, name: str) -> list[tuple[str, bytes]]:
    uploads = [
        item
        for item in form.getlist(name)
        if isinstance(item, UploadFile) and (item.filename or item.size)
    ]
    files = []
    for upload in uploads:
        data = await upload.read(MAX_BYTES + 1) if len(uploads) <= MAX_PHOTOS else b""
        files.append((upload.filename or "photo", data))
    return files


@router.post("/staff/receiving/{rma_no}/receipt", max_body_size=_MAX_BODY)
async def confirm(request: Request, rma_no: str, context: Context, session: Receiver) -> Response:
    """Record the counts and mismatches; back to the scan field for the next parcel."""
    form = await request.form(max_files=MAX_PHOTOS * 4, max_fields=1000)
    check_csrf(session, _field(form, "csrf_token"))
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
    files = {kind.value: await _files(form, f"photos_{kind.value}") for kind in MismatchKind}
    code = _field(form, "code").strip()[:64]
    parcel = _field(form, "parcel")
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
        files,
    )


def _counts(typed: Typed) -> dict[int, int]:
    if typed.problem is not None:
        raise typed.problem
    return {
        line_no: params.quantity(value, f"qty_{line_no}")
        for line_no, value in typed.quantities.items()
    }


def _confirm(
    request: Request,
    context: AppContext,
    session: StaffSession,
    rma_no: str,
    code: str,
    parcel_id: RowId | None,
    typed: Typed,
    files: dict[str, list[tuple[str, bytes]]],
) -> Response:
    principal = session.principal
    now = context.clock()
    saved: list[str] = []
    try:
        counts = _counts(typed)
        kinds = [MismatchKind(value) for value in typed.ticked if value in set(MismatchKind)]
        for kind in kinds:
            context.photos.check_all(files[kind.value])
        mismatches = []
        for kind in MismatchKind:
            if kind not in kinds:
                continue
            names = context.photos.save_all(files[kind.value]) if files[kind.value] else []
            saved.extend(names)
            mismatches.append(Mismatch(kind, typed.notes.get(kind.value, ""), tuple(names)))
        receiving_service.receive_once(
            context.uow,
            rma_no,
            received=counts,
            mismatches=mismatches,
            actor=principal.actor,
            now=now,
            code=code,
            parcel_id=parcel_id,
        )
    except receiving_service.AlreadyReceived as twice:
        context.photos.discard(saved)
        if twice.receipt.received_by == principal.actor and parcel_id is None:
            # the same worker's double Enter: the first confirmation stands
            return RedirectResponse(_desk_url(done=twice.receipt.rma_no), status_code=303)
        return _desk(
            request,
            context,
            session,
            code=code or rma_no,
            error=twice.message,
            typed=typed,
            status_code=409,
        )
    except DomainError as refused:
        context.photos.discard(saved)
        if isinstance(refused, NotFound) and refused.code == "return_not_found":
            raise
        return _desk(
            request,
            context,
            session,
            code=code or rma_no,
            parcel_id=parcel_id,
            error=refused.message,
            typed=typed,
            status_code=status_for(refused),
        )
    except BaseException:
        context.photos.discard(saved)
        raise
    return RedirectResponse(_desk_url(done=rma_no), status_code=303)


def _desk_url(**query: str) -> str:
    return "/staff/receiving" + (f"?{urlencode(query)}" if query else "")


# --- unidentified parcels ------------------------------------------------------------


@router.post("/staff/receiving/unidentified", max_body_size=(MAX_PHOTOS + 1) * MAX_BYTES)
async def park(request: Request, context: Context, session: Receiver) -> Response:
    """A parcel nothing matches: what the label says, photos, and the shelf it waits on."""
    form = await request.form(max_files=MAX_PHOTOS * 2, max_fields=100)
    check_csrf(session, _field(form, "csrf_token"))
    typed = Typed(
        label={
            name: _field(form, name).strip()[:1000]
            for name in ("carrier", "waybill_no", "sender_name", "sender_phone", "label_text")
        }
    )
    typed.label["shelf"] = _field(form, "shelf").strip()[:32]
    files = await _files(form, "photos")
    await form.close()
    return await run_in_threadpool(_park, request, context, session, typed, files)


def _park(
    request: Request,
    context: AppContext,
    session: StaffSession,
    typed: Typed,
    files: list[tuple[str, bytes]],
) -> Response:
    now = context.clock()
    given = typed.label
    label = ParcelLabel(
        given["carrier"],
        given["waybill_no"],
        given["sender_name"],
        given["sender_phone"],
        given["label_text"],
    )
    saved: list[str] = []
    try:
        context.photos.check_all(files)
        UnidentifiedParcel.found(label, given["shelf"], session.principal.actor, now)
        saved = context.photos.save_all(files) if files else []
        with context.uow() as uow:
            parcel = receiving_service.record_unidentified(
                uow, label, given["shelf"], session.principal.actor, now, tuple(saved)
            )
            uow.commit(now)
    except DomainError as refused:
        context.photos.discard(saved)
        values = {
            "code": given["waybill_no"],
            "expected": None,
            "unknown": True,
            "refusal": None,
            "error": refused.message,
            "typed": typed,
            "parcel": None,
        }
        return _page(request, session, "staff/receiving.html", values, status_code=422)
    except BaseException:
        context.photos.discard(saved)
        raise
    return RedirectResponse(_desk_url(parked=str(parcel.id)), status_code=303)


_STATES = {"open": ParcelState.OPEN, "all": None, **{s.value: s for s in ParcelState}}


def _queue(
    request: Request,
    context: AppContext,
    session: StaffSession,
    state: str,
    *,
    error: Text | None = None,
    status_code: int = 200,
    notice: str | None = None,
) -> Response:
    wanted = _STATES.get(state, ParcelState.OPEN)
    with context.uow() as uow:
        parcels = receiving_service.unidentified(uow, wanted)
    values = {
        "parcels": parcels,
        "state": state if state in _STATES else "open",
        "states": list(ParcelState),
        "error": error,
    }
    return _page(
        request,
        session,
        "staff/receiving_unidentified.html",
        values,
        status_code=status_code,
        notice=notice,
    )


@router.get("/staff/receiving/unidentified")
def queue(
    request: Request, context: Context, session: Receiver, state: str = "open", closed: str = ""
) -> Response:
    """Oldest first: match each to an RMA (then count it in) or let it go with a reason."""
    notice = None
    if (closed_id := params.digits(closed, 1, params.MAX_ROW_ID)) is not None:
        notice = _in(
            request, Text("包裹 #{id} 已处理", "Parcel #{id} dealt with").format(id=closed_id)
        )
    return _queue(request, context, session, state, notice=notice)


@router.post("/staff/receiving/unidentified/{parcel_id}/close")
def close(
    request: Request,
    parcel_id: RowId,
    context: Context,
    session: Receiver,
    csrf_token: FormText = "",
    outcome: FormText = "",
    reason: FormText = "",
) -> Response:
    """Disposed, or returned to the sender: the reason is required."""
    check_csrf(session, csrf_token)
    now = context.clock()
    try:
        state = ParcelState(outcome)
    except ValueError:
        state = ParcelState.OPEN  # refused by the domain with a clear message
    try:
        with context.uow() as uow:
            receiving_service.let_go(uow, parcel_id, state, reason, session.principal.actor, now)
            uow.commit(now)
    except NotFound:
        raise
    except DomainError as refused:
        return _queue(
            request,
            context,
            session,
            "open",
            error=refused.message,
            status_code=status_for(refused),
        )
    return RedirectResponse(
        f"/staff/receiving/unidentified?{urlencode({'closed': parcel_id})}", status_code=303
    )


# --- photos and the request page's panel -------------------------------------------


@router.get("/staff/receiving/photos/{name}")
def photo(name: str, context: Context, session: Viewer) -> Response:
    """A receipt's photo for whoever may see its request; a parcel's for the warehouse."""
    principal = session.principal
    with context.uow() as uow:
        visible = receiving_service.photo_visible(
            uow,
            name,
            merchant_scope=principal.merchant_scope,
            sees_parcels=principal.can(P.WAREHOUSE_RECEIVE),
        )
        if visible:  # R14.1: photos are logged like contacts
            privacy_service.log_photo_access(uow, principal.actor, name, context.clock())
            uow.commit(context.clock())
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
