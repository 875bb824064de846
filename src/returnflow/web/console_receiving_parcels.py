"""Unidentified parcels at the receiving desk (R5.1): record what the label says and the
shelf it waits on, then match it to an RMA (counted in at the desk) or let it go with
a reason. Included by `console_receiving.py`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.receiving import ParcelLabel, ParcelState, UnidentifiedParcel
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints import params
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import FormText, RowId
from returnflow.entrypoints.steps import Refused, attempt
from returnflow.services import merchant_desk
from returnflow.services import receiving as receiving_service
from returnflow.services.receiving_photos import FORM_BODY, MAX_PHOTOS, SavedPhotos
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.console_receiving_forms import (
    Typed,
    desk_url,
    files,
    in_language,
    page,
    text_field,
)
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.paging import PAGE_SIZE, page_number, pager
from returnflow.web.roles import Receiver

router = APIRouter(include_in_schema=False)


def _platform_receiver(session: Receiver) -> StaffSession:
    """Issue 15: unidentified parcels stay the platform's; to a merchant they do not exist."""
    merchant_desk.platform_only(session.principal.merchant_scope)
    return session


PlatformReceiver = Annotated[StaffSession, Depends(_platform_receiver)]
_LABEL_FIELDS = ("carrier", "waybill_no", "sender_name", "sender_phone", "label_text")


@router.post("/staff/receiving/unidentified", max_body_size=FORM_BODY)
async def park(request: Request, context: Context, session: PlatformReceiver) -> Response:
    """A parcel nothing matches: what the label says, photos, and the shelf it waits on."""
    form = await request.form(max_files=MAX_PHOTOS * 2, max_fields=100)
    check_csrf(session, text_field(form, "csrf_token"))
    typed = Typed(label={name: text_field(form, name).strip()[:1000] for name in _LABEL_FIELDS})
    typed.label["shelf"] = text_field(form, "shelf").strip()[:32]
    photos = await files(form, "photos")
    await form.close()
    return await run_in_threadpool(_park, request, context, session, typed, photos)


def _park(
    request: Request,
    context: AppContext,
    session: StaffSession,
    typed: Typed,
    photos: list[tuple[str, bytes]],
) -> Response:
    given = typed.label
    label = ParcelLabel(*(given[name] for name in _LABEL_FIELDS))
    actor = session.principal.actor
    saved = SavedPhotos(context.photos)
    try:
        saved.check(photos)
        # the label and shelf are refused before any photo is written
        UnidentifiedParcel.found(label, given["shelf"], actor, context.clock())
        names = saved.save(photos)
    except DomainError as refused:
        return _park_refused(request, session, typed, refused.message)

    def step(uow: UnitOfWork, now: datetime) -> UnidentifiedParcel:
        return receiving_service.record_unidentified(uow, label, given["shelf"], actor, now, names)

    try:
        parked = attempt(context, step)
    except BaseException:
        saved.discard()
        raise
    if isinstance(parked, Refused):
        saved.discard()
        return _park_refused(request, session, typed, parked.message)
    return RedirectResponse(desk_url(parked=str(parked.id)), status_code=303)


def _park_refused(request: Request, session: StaffSession, typed: Typed, message: Text) -> Response:
    values = {
        "code": typed.label["waybill_no"],
        "expected": None,
        "unknown": True,
        "refusal": None,
        "error": message,
        "typed": typed,
        "parcel": None,
    }
    return page(request, session, "staff/receiving.html", values, status_code=422)


PageText = Annotated[str, Query(max_length=10)]  # issue 16: the pager's page number
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
    page_no: int = 1,
) -> Response:
    wanted = _STATES.get(state, ParcelState.OPEN)
    with context.uow() as uow:  # issue 16: 50 a page with the console's pager
        parcels, total = receiving_service.unidentified_page(uow, wanted, page_no, PAGE_SIZE)
    kept = {"state": state if state in _STATES and state != "open" else ""}
    values = {
        "parcels": parcels,
        "pager": pager("/staff/receiving/unidentified", total, page_no, kept, PAGE_SIZE),
        "state": state if state in _STATES else "open",
        "states": list(ParcelState),
        "error": error,
    }
    return page(
        request,
        session,
        "staff/receiving_unidentified.html",
        values,
        status_code=status_code,
        notice=notice,
    )


@router.get("/staff/receiving/unidentified")
def queue(
    request: Request,
    context: Context,
    session: PlatformReceiver,
    state: str = "open",
    closed: str = "",
    page: PageText = "",
) -> Response:
    """Oldest first: match each to an RMA (then count it in) or let it go with a reason."""
    notice = None
    if (closed_id := params.digits(closed, 1, params.MAX_ROW_ID)) is not None:
        notice = in_language(
            request, Text("包裹 #{id} 已处理", "Parcel #{id} dealt with").format(id=closed_id)
        )
    return _queue(request, context, session, state, notice=notice, page_no=page_number(page))


@router.post("/staff/receiving/unidentified/{parcel_id}/close")
def close(
    request: Request,
    parcel_id: RowId,
    context: Context,
    session: PlatformReceiver,
    csrf_token: FormText = "",
    outcome: FormText = "",
    reason: FormText = "",
) -> Response:
    """Disposed, or returned to the sender: the reason is required."""
    check_csrf(session, csrf_token)
    try:
        state = ParcelState(outcome)
    except ValueError:
        state = ParcelState.OPEN  # refused by the domain with a clear message

    def step(uow: UnitOfWork, now: datetime) -> UnidentifiedParcel:
        return receiving_service.let_go(uow, parcel_id, state, reason, session.principal.actor, now)

    done = attempt(context, step)
    if isinstance(done, Refused):
        return _queue(
            request, context, session, "open", error=done.message, status_code=done.status
        )
    return RedirectResponse(
        f"/staff/receiving/unidentified?{urlencode({'closed': parcel_id})}", status_code=303
    )
