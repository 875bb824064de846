"""Which stored records carry a photo: requests, receipts, inspections, unidentified parcels,
and the messages of requests' conversations (issue 13).

Photo lists are JSON columns, so a text match narrows the rows and the exact list
membership decides. Used to check photo references (services/photo_refs.py, through
`uow.photo_records`) and to name whose photo the access log records (storage/privacy.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from returnflow.storage.schema import (
    InspectionRow,
    ReceiptMismatchRow,
    ReceiptRow,
    ReturnRow,
    UnidentifiedParcelRow,
)
from returnflow.storage.schema.conversations import (
    ConversationAttachmentRow,
    ConversationMessageRow,
)

_LIMIT = 50


def _carrying(rows: Iterable[Any], name: str) -> list[str]:
    return [str(key) for key, photos in rows if name in (photos or [])]


class PhotoRecords:
    """Where a photo name is already recorded, and whose requests those are."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def where_recorded(self, name: str) -> dict[str, list[str]]:
        """Every record that carries the photo `name`, by kind: RMA numbers, or parcel ids."""
        return where_recorded(self.session, name)

    def request_parties(self, rma_nos: Iterable[str]) -> set[tuple[str, str]]:
        """The (merchant, customer) pairs of the requests `rma_nos`."""
        query = select(ReturnRow.merchant_id, ReturnRow.customer_id).where(
            ReturnRow.rma_no.in_(list(rma_nos))
        )
        return {(merchant, customer) for merchant, customer in self.session.execute(query)}


def where_recorded(session: Session, name: str) -> dict[str, list[str]]:
    """Every record that carries the photo `name`, by kind: RMA numbers, or parcel ids.

    Kinds: "request", "receipt", "inspection", "conversation" (a message on the request's
    thread carries it), "parcel"."""
    text = cast(ReturnRow.photos, String)
    requests = session.execute(
        select(ReturnRow.rma_no, ReturnRow.photos).where(text.contains(name)).limit(_LIMIT)
    )
    receipts = session.execute(
        select(ReceiptRow.rma_no, ReceiptMismatchRow.photos)
        .join(ReceiptMismatchRow, ReceiptMismatchRow.receipt_id == ReceiptRow.id)
        .where(cast(ReceiptMismatchRow.photos, String).contains(name))
        .limit(_LIMIT)
    )
    inspections = session.execute(
        select(InspectionRow.rma_no, InspectionRow.photos)
        .where(cast(InspectionRow.photos, String).contains(name))
        .limit(_LIMIT)
    )
    parcels = session.execute(
        select(cast(UnidentifiedParcelRow.id, String), UnidentifiedParcelRow.photos)
        .where(cast(UnidentifiedParcelRow.photos, String).contains(name))
        .limit(_LIMIT)
    )
    # attachments are rows, one name each: an exact (indexed) match
    messages = session.scalars(
        select(ConversationMessageRow.rma_no)
        .join(
            ConversationAttachmentRow,
            ConversationAttachmentRow.message_id == ConversationMessageRow.id,
        )
        .where(ConversationAttachmentRow.name == name)
        .distinct()
        .limit(_LIMIT)
    )
    found = {
        "request": _carrying(requests, name),
        "receipt": _carrying(receipts, name),
        "inspection": _carrying(inspections, name),
        "conversation": sorted(messages),
        "parcel": _carrying(parcels, name),
    }
    return {kind: keys for kind, keys in found.items() if keys}
