"""Receiving through the API (R5.1, R15.1): the warehouse system scans and records here.

The same service as the scanner page: a scan answers what should be in the box, a
receipt records what was, and parcels that match nothing wait in the unidentified
queue. The old `POST /returns/{rma_no}/receive` is kept and records a clean receipt.
Photos travel as base64 and are checked by content like the customers' photos; the
bodies are in `receiving_models.py`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from starlette.responses import JSONResponse

from returnflow.api import schemas, views
from returnflow.api.receiving_models import (
    CloseIn,
    MatchIn,
    ParcelIn,
    ParcelOut,
    ReceiptIn,
    ReceiptOut,
    ScanIn,
    ScanOut,
    decode,
    parcel_out,
    receipt_out,
    scan_out,
)
from returnflow.api.roles import Receiver, Viewer
from returnflow.app_context import AppContext
from returnflow.domain.access import Principal
from returnflow.domain.receiving import Mismatch, ParcelLabel, ParcelState
from returnflow.entrypoints.deps import Context, Language
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.steps import perform
from returnflow.services import merchant_desk
from returnflow.services import receiving as receiving_service
from returnflow.services.receiving_photos import SavedPhotos
from returnflow.services.returns import get_return, reveal_contact
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["receiving"])


def _platform_receiver(principal: Receiver) -> Principal:
    """Issue 15: unidentified parcels stay the platform's; to a merchant they do not exist."""
    merchant_desk.platform_only(principal.merchant_scope)
    return principal


PlatformReceiver = Annotated[Principal, Depends(_platform_receiver)]


def _record(
    context: AppContext,
    rma_no: str,
    body: ReceiptIn,
    principal: Principal,
    language: str,
    parcel_id: int | None = None,
) -> JSONResponse:
    photos = SavedPhotos(context.photos)
    try:
        mismatches = [
            Mismatch(item.kind, item.note, photos.save(decode(item.photos)))
            for item in body.mismatches
        ]
        receipt, request = receiving_service.receive_once(
            context.uow,
            rma_no,
            received=None if body.lines is None else {x.line_no: x.received for x in body.lines},
            mismatches=mismatches,
            actor=principal.actor,
            now=context.clock(),
            code=body.code,
            note=body.note,
            parcel_id=parcel_id,
            merchant_scope=principal.merchant_scope,
        )
    except BaseException:
        photos.discard()
        raise
    out = receipt_out(receipt, request.status.value, language)
    return JSONResponse(out.model_dump(mode="json"), status_code=201)


@router.post("/receiving/scan", response_model=ScanOut)
def scan(body: ScanIn, context: Context, language: Language, principal: Receiver) -> ScanOut:
    """A waybill or RMA number → what should be in the box; 404 `nothing_matches` otherwise."""
    with context.uow() as uow:
        found = receiving_service.scan(uow, body.code, principal.merchant_scope)
    return scan_out(found, language)


@router.post("/returns/{rma_no}/receipt", status_code=201, response_model=ReceiptOut)
def record_receipt(
    rma_no: str, body: ReceiptIn, context: Context, language: Language, principal: Receiver
) -> JSONResponse:
    """Record what arrived: counts per line and mismatches; the request becomes `received`.

    A request still `approved` (the parcel beat the carrier's scan) is marked shipped by
    the warehouse first. A second receipt is 409 `already_received`.
    """
    return _record(context, rma_no, body, principal, language)


@router.get("/returns/{rma_no}/receipt", response_model=ReceiptOut)
def read_receipt(
    rma_no: str, context: Context, language: Language, principal: Viewer
) -> ReceiptOut:
    """Who received the parcel, when (dock time), and what was found."""
    with context.uow() as uow:
        request = get_return(uow, rma_no, merchant_scope=principal.merchant_scope)
        receipt = receiving_service.receipt_for(uow, request.rma_no)
    if receipt is None:
        raise receiving_service.receipt_not_found(request.rma_no)
    return receipt_out(receipt, request.status.value, language)


@router.post(
    "/returns/{rma_no}/receive",
    response_model=schemas.ReturnOut,
    summary="The warehouse received the parcel",
)
def receive(
    rma_no: str,
    context: Context,
    language: Language,
    principal: Receiver,
    body: schemas.NoteIn | None = None,
) -> schemas.ReturnOut:
    """The first API's step: a clean receipt of everything expected, from `in_transit` only."""
    _, request = receiving_service.receive_once(
        context.uow,
        rma_no,
        received=None,
        mismatches=(),
        actor=principal.actor,
        now=context.clock(),
        note=body.note if body else "",
        ship_if_approved=False,
        merchant_scope=principal.merchant_scope,
    )

    def step(uow: UnitOfWork, now: datetime) -> bool:
        return reveal_contact(uow, request, principal, now)  # R14.1: an unmasked look is logged

    show_contact = perform(context, step)
    return views.return_out(request, language, show_contact=show_contact)


@router.get("/receiving/unidentified", response_model=list[ParcelOut])
def list_unidentified(
    context: Context,
    principal: PlatformReceiver,
    state: Literal["open", "matched", "disposed", "returned", "all"] = "open",
) -> list[ParcelOut]:
    """Oldest first."""
    wanted = None if state == "all" else ParcelState(state)
    with context.uow() as uow:
        return [parcel_out(p) for p in receiving_service.unidentified(uow, wanted)]


@router.post("/receiving/unidentified", status_code=201, response_model=ParcelOut)
def add_unidentified(body: ParcelIn, context: Context, principal: PlatformReceiver) -> ParcelOut:
    """A parcel that matched nothing: what its label says, photos, and where it waits."""
    photos = SavedPhotos(context.photos)
    label = ParcelLabel(
        body.carrier, body.waybill_no, body.sender_name, body.sender_phone, body.label_text
    )

    def step(uow: UnitOfWork, now: datetime) -> ParcelOut:
        names = photos.save(decode(body.photos))
        parcel = receiving_service.record_unidentified(
            uow, label, body.shelf, principal.actor, now, names
        )
        return parcel_out(parcel)

    try:
        return perform(context, step)
    except BaseException:
        photos.discard()
        raise


@router.post(
    "/receiving/unidentified/{parcel_id}/match", status_code=201, response_model=ReceiptOut
)
def match_unidentified(
    parcel_id: RowId,
    body: MatchIn,
    context: Context,
    language: Language,
    principal: PlatformReceiver,
) -> JSONResponse:
    """It belongs to this RMA after all: receive it as a scan would, and close the parcel."""
    with context.uow() as uow:
        parcel = receiving_service.get_parcel(uow, parcel_id)
    parcel.require_open()
    if not body.code:
        body = body.model_copy(update={"code": parcel.label.waybill_no})
    return _record(context, body.rma_no, body, principal, language, parcel_id=parcel_id)


@router.post("/receiving/unidentified/{parcel_id}/close", response_model=ParcelOut)
def close_unidentified(
    parcel_id: RowId, body: CloseIn, context: Context, principal: PlatformReceiver
) -> ParcelOut:
    """Disposed, or returned to the sender: always with the reason."""

    def step(uow: UnitOfWork, now: datetime) -> ParcelOut:
        parcel = receiving_service.let_go(
            uow, parcel_id, ParcelState(body.outcome), body.reason, principal.actor, now
        )
        return parcel_out(parcel)

    return perform(context, step)
