"""Receiving through the API (R5.1, R15.1): the warehouse system scans and records here.

The same service as the scanner page: a scan answers what should be in the box, a
receipt records what was, and parcels that match nothing wait in the unidentified
queue. The old `POST /returns/{rma_no}/receive` is kept and records a clean receipt.
Photos travel as base64 and are checked by content like the customers' photos.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse

from returnflow.api import schemas, views
from returnflow.api.schemas import RowId
from returnflow.app_context import AppContext
from returnflow.domain.access import Permission, Principal
from returnflow.domain.receiving import (
    Mismatch,
    MismatchKind,
    ParcelLabel,
    ParcelState,
    Receipt,
    UnidentifiedParcel,
)
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.deps import Allowed, Context, Language
from returnflow.services import receiving as receiving_service
from returnflow.services.returns import get_return
from returnflow.storage.photos import MAX_BYTES, MAX_PHOTOS

router = APIRouter(prefix="/api/v1", tags=["receiving"])

Receiver = Annotated[Principal, Depends(Allowed(Permission.WAREHOUSE_RECEIVE))]
Viewer = Annotated[Principal, Depends(Allowed(Permission.RETURNS_VIEW))]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScanIn(_Strict):
    code: str = Field(min_length=1, max_length=64, description="A waybill or RMA number")


class PhotoIn(_Strict):
    filename: str = Field(default="photo", max_length=200)
    content_base64: str = Field(min_length=1, max_length=(MAX_BYTES * 4) // 3 + 8)


class ReceivedLineIn(_Strict):
    line_no: int = Field(ge=1, le=10_000)
    received: int = Field(ge=0, le=100_000)


class MismatchIn(_Strict):
    kind: MismatchKind
    note: str = Field(default="", max_length=1000)
    photos: list[PhotoIn] = Field(default_factory=list, max_length=MAX_PHOTOS)


class ReceiptIn(_Strict):
    code: str = Field(default="", max_length=64, description="What was scanned, if anything")
    lines: list[ReceivedLineIn] | None = Field(
        default=None, description="Received per line; left out: everything as expected"
    )
    mismatches: list[MismatchIn] = Field(default_factory=list, max_length=4)
    note: str = Field(default="", max_length=2000)


class MatchIn(ReceiptIn):
    rma_no: str = Field(min_length=1, max_length=32)


class ParcelIn(_Strict):
    carrier: str = Field(default="", max_length=64)
    waybill_no: str = Field(default="", max_length=64)
    sender_name: str = Field(default="", max_length=200)
    sender_phone: str = Field(default="", max_length=40)
    label_text: str = Field(default="", max_length=1000)
    shelf: str = Field(min_length=1, max_length=32)
    photos: list[PhotoIn] = Field(default_factory=list, max_length=MAX_PHOTOS)


class CloseIn(_Strict):
    outcome: Literal["disposed", "returned"]
    reason: str = Field(min_length=1, max_length=1000)


class ExpectedLineOut(BaseModel):
    line_no: int
    sku: str
    title: str
    expected: int


class ReceivedLineOut(ExpectedLineOut):
    received: int


class MismatchOut(BaseModel):
    kind: MismatchKind
    label: str
    note: str
    photos: list[str]
    implied: bool


class ReceiptOut(BaseModel):
    rma_no: str
    status: str
    clean: bool
    discrepancies: list[MismatchKind]
    lines: list[ReceivedLineOut]
    mismatches: list[MismatchOut]
    scanned_code: str
    received_by: str
    received_at: datetime


class ScanOut(BaseModel):
    code: str
    matched_by: str
    rma_no: str
    order_no: str
    status: str
    type: str
    receivable: bool
    refusal: str | None
    lines: list[ExpectedLineOut]
    receipt: ReceiptOut | None


class ParcelOut(BaseModel):
    id: int
    state: ParcelState
    carrier: str
    waybill_no: str
    sender_name: str
    sender_phone: str
    label_text: str
    shelf: str
    photos: list[str]
    found_by: str
    found_at: datetime
    matched_rma: str | None
    resolved_by: str | None
    resolved_at: datetime | None
    resolution_note: str


def receipt_out(receipt: Receipt, status: str, language: str) -> ReceiptOut:
    return ReceiptOut(
        rma_no=receipt.rma_no,
        status=status,
        clean=receipt.is_clean,
        discrepancies=list(receipt.discrepancies),
        lines=[
            ReceivedLineOut(
                line_no=x.line_no,
                sku=x.sku,
                title=x.title,
                expected=x.expected,
                received=x.received,
            )
            for x in receipt.lines
        ],
        mismatches=[
            MismatchOut(
                kind=m.kind,
                label=m.kind.label.in_language(language),
                note=m.note,
                photos=list(m.photos),
                implied=m.implied,
            )
            for m in receipt.mismatches
        ],
        scanned_code=receipt.scanned_code,
        received_by=receipt.received_by,
        received_at=receipt.received_at,
    )


def parcel_out(parcel: UnidentifiedParcel) -> ParcelOut:
    assert parcel.id is not None
    return ParcelOut(
        id=parcel.id,
        state=parcel.state,
        carrier=parcel.label.carrier,
        waybill_no=parcel.label.waybill_no,
        sender_name=parcel.label.sender_name,
        sender_phone=parcel.label.sender_phone,
        label_text=parcel.label.text,
        shelf=parcel.shelf,
        photos=list(parcel.photos),
        found_by=parcel.found_by,
        found_at=parcel.found_at,
        matched_rma=parcel.matched_rma,
        resolved_by=parcel.resolved_by,
        resolved_at=parcel.resolved_at,
        resolution_note=parcel.resolution_note,
    )


def _decode(photos: list[PhotoIn]) -> list[tuple[str, bytes]]:
    files = []
    for photo in photos:
        try:
            data = base64.b64decode(photo.content_base64, validate=True)
        except (binascii.Error, ValueError) as bad:
            raise DomainError(
                "photo_not_base64",
                Text(
                    "照片 {name} 不是有效的 base64", "The photo {name} is not valid base64"
                ).format(name=photo.filename),
                field="photos",
            ) from bad
        files.append((photo.filename, data))
    return files


class _SavedPhotos:
    """Photos written before the transaction, removed again if it does not commit."""

    def __init__(self, context: AppContext) -> None:
        self.context = context
        self.names: list[str] = []

    def save(self, photos: list[PhotoIn]) -> tuple[str, ...]:
        files = _decode(photos)
        if not files:
            return ()
        saved = self.context.photos.save_all(files)
        self.names.extend(saved)
        return tuple(saved)

    def discard(self) -> None:
        self.context.photos.discard(self.names)


def _record(
    context: AppContext,
    rma_no: str,
    body: ReceiptIn,
    principal: Principal,
    language: str,
    parcel_id: int | None = None,
) -> JSONResponse:
    now = context.clock()
    photos = _SavedPhotos(context)
    try:
        mismatches = [
            Mismatch(item.kind, item.note, photos.save(item.photos)) for item in body.mismatches
        ]
        receipt, request = receiving_service.receive_once(
            context.uow,
            rma_no,
            received=None if body.lines is None else {x.line_no: x.received for x in body.lines},
            mismatches=mismatches,
            actor=principal.actor,
            now=now,
            code=body.code,
            note=body.note,
            parcel_id=parcel_id,
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
        found = receiving_service.scan(uow, body.code)
    refusal = found.refusal
    return ScanOut(
        code=found.code,
        matched_by=found.match.matched_by,
        rma_no=found.rma_no,
        order_no=found.request.order_no,
        status=found.request.status.value,
        type=found.request.request_type.value,
        receivable=found.receivable,
        refusal=refusal.in_language(language) if refusal else None,
        lines=[
            ExpectedLineOut(line_no=x.line_no, sku=x.sku, title=x.title, expected=x.expected)
            for x in found.lines
        ],
        receipt=receipt_out(found.receipt, found.request.status.value, language)
        if found.receipt
        else None,
    )


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
    now = context.clock()
    _, request = receiving_service.receive_once(
        context.uow,
        rma_no,
        received=None,
        mismatches=(),
        actor=principal.actor,
        now=now,
        note=body.note if body else "",
        ship_if_approved=False,
    )
    show_contact = principal.can(Permission.CONTACT_VIEW)
    if show_contact:
        with context.uow() as uow:
            uow.accounts.log_access(principal.actor, request.rma_no, "contact", now)
            uow.commit(now)
    return views.return_out(request, language, show_contact=show_contact)


@router.get("/receiving/unidentified", response_model=list[ParcelOut])
def list_unidentified(
    context: Context,
    principal: Receiver,
    state: Literal["open", "matched", "disposed", "returned", "all"] = "open",
) -> list[ParcelOut]:
    """Oldest first."""
    wanted = None if state == "all" else ParcelState(state)
    with context.uow() as uow:
        return [parcel_out(p) for p in receiving_service.unidentified(uow, wanted)]


@router.post("/receiving/unidentified", status_code=201, response_model=ParcelOut)
def add_unidentified(body: ParcelIn, context: Context, principal: Receiver) -> ParcelOut:
    """A parcel that matched nothing: what its label says, photos, and where it waits."""
    now = context.clock()
    photos = _SavedPhotos(context)
    label = ParcelLabel(
        body.carrier, body.waybill_no, body.sender_name, body.sender_phone, body.label_text
    )
    try:
        with context.uow() as uow:
            parcel = receiving_service.record_unidentified(
                uow, label, body.shelf, principal.actor, now, photos.save(body.photos)
            )
            uow.commit(now)
    except BaseException:
        photos.discard()
        raise
    return parcel_out(parcel)


@router.post(
    "/receiving/unidentified/{parcel_id}/match", status_code=201, response_model=ReceiptOut
)
def match_unidentified(
    parcel_id: RowId, body: MatchIn, context: Context, language: Language, principal: Receiver
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
    parcel_id: RowId, body: CloseIn, context: Context, principal: Receiver
) -> ParcelOut:
    """Disposed, or returned to the sender: always with the reason."""
    now = context.clock()
    with context.uow() as uow:
        parcel = receiving_service.let_go(
            uow, parcel_id, ParcelState(body.outcome), body.reason, principal.actor, now
        )
        uow.commit(now)
    return parcel_out(parcel)
