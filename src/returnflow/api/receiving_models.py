"""The receiving API's bodies (R5.1, R15.1): scans, receipts, unidentified parcels.

Photos travel as base64 (`PhotoIn`) and are checked by content like the customers'
photos once decoded; the limits are the photo store's.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from returnflow.api.schemas import Strict
from returnflow.domain.receiving import (
    MismatchKind,
    ParcelState,
    Receipt,
    UnidentifiedParcel,
)
from returnflow.domain.text import DomainError, Text
from returnflow.services.receiving import Expected
from returnflow.services.receiving_photos import MAX_BYTES, MAX_PHOTOS


class ScanIn(Strict):
    code: str = Field(min_length=1, max_length=64, description="A waybill or RMA number")


class PhotoIn(Strict):
    filename: str = Field(default="photo", max_length=200)
    content_base64: str = Field(min_length=1, max_length=(MAX_BYTES * 4) // 3 + 8)


class ReceivedLineIn(Strict):
    line_no: int = Field(ge=1, le=10_000)
    received: int = Field(ge=0, le=100_000)


class MismatchIn(Strict):
    kind: MismatchKind
    note: str = Field(default="", max_length=1000)
    photos: list[PhotoIn] = Field(default_factory=list, max_length=MAX_PHOTOS)


class ReceiptIn(Strict):
    code: str = Field(default="", max_length=64, description="What was scanned, if anything")
    lines: list[ReceivedLineIn] | None = Field(
        default=None, description="Received per line; left out: everything as expected"
    )
    mismatches: list[MismatchIn] = Field(default_factory=list, max_length=4)
    note: str = Field(default="", max_length=2000)


class MatchIn(ReceiptIn):
    rma_no: str = Field(min_length=1, max_length=32)


class ParcelIn(Strict):
    carrier: str = Field(default="", max_length=64)
    waybill_no: str = Field(default="", max_length=64)
    sender_name: str = Field(default="", max_length=200)
    sender_phone: str = Field(default="", max_length=40)
    label_text: str = Field(default="", max_length=1000)
    shelf: str = Field(min_length=1, max_length=32)
    photos: list[PhotoIn] = Field(default_factory=list, max_length=MAX_PHOTOS)


class CloseIn(Strict):
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


def decode(photos: list[PhotoIn]) -> list[tuple[str, bytes]]:
    """The photos' bytes; a body that is not base64 is refused with the photo's name."""
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


def scan_out(found: Expected, language: str) -> ScanOut:
    refusal = found.refusal
    status = found.request.status.value
    return ScanOut(
        code=found.code,
        matched_by=found.match.matched_by,
        rma_no=found.rma_no,
        order_no=found.request.order_no,
        status=status,
        type=found.request.request_type.value,
        receivable=found.receivable,
        refusal=refusal.in_language(language) if refusal else None,
        lines=[
            ExpectedLineOut(line_no=x.line_no, sku=x.sku, title=x.title, expected=x.expected)
            for x in found.lines
        ],
        receipt=receipt_out(found.receipt, status, language) if found.receipt else None,
    )
