"""Receipts and unidentified parcels ⇄ rows, and finding a request from a scanned code.

Kept apart from `repository.py` so the receiving slice owns its storage; the unit of
work's session is passed in, so everything here commits with the request it changes.
Both repositories hand out aggregates only and remember what they loaded or added, so
`flush_changes` writes them back and returns their new events, like `ReturnRepository`.
"""

from __future__ import annotations

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session, selectinload

from returnflow.domain.events import DomainEvent
from returnflow.domain.receiving import (
    CodeMatch,
    Mismatch,
    MismatchKind,
    ParcelLabel,
    ParcelState,
    Receipt,
    ReceivedLine,
    UnidentifiedParcel,
)
from returnflow.storage.identity_map import IdentityMap, TrackingRepository, one_row
from returnflow.storage.schema import (
    ReceiptMismatchRow,
    ReceiptRow,
    ReturnRow,
    ShipmentRow,
    UnidentifiedParcelRow,
)

__all__ = ["CodeMatch", "Parcels", "Receipts"]


class Receipts:
    """Receipts, written once; those added in this unit of work are kept for their events."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._added: IdentityMap[str, Receipt, ReceiptRow] = IdentityMap()  # by rma_no

    def find_by_code(self, code: str) -> CodeMatch | None:
        """An RMA number, a return waybill we arranged, or one the customer typed in."""
        rma = self.session.scalar(select(ReturnRow.rma_no).where(ReturnRow.rma_no == code))
        if rma is not None:
            return CodeMatch(rma, "rma")
        shipment = self.session.execute(
            select(ShipmentRow.rma_no, ShipmentRow.carrier, ShipmentRow.waybill_no)
            .where(func.upper(ShipmentRow.waybill_no) == code)
            .where(ShipmentRow.direction == "return")
            .order_by(ShipmentRow.created_at.desc(), ShipmentRow.id.desc())
            .limit(1)
        ).first()
        if shipment is not None:
            return CodeMatch(shipment[0], "waybill", shipment[1], shipment[2] or "")
        typed = self.session.execute(
            select(ReturnRow.rma_no, ReturnRow.carrier, ReturnRow.tracking_no)
            .where(func.upper(ReturnRow.tracking_no) == code)
            .order_by(ReturnRow.id.desc())
            .limit(1)
        ).first()
        if typed is not None:
            return CodeMatch(typed[0], "waybill", typed[1] or "", typed[2] or "")
        return None

    def return_waybill(self, rma_no: str) -> tuple[str, str] | None:
        """The newest live return shipment we arranged for a request: (carrier, waybill)."""
        found = self.session.execute(
            select(ShipmentRow.carrier, ShipmentRow.waybill_no)
            .where(ShipmentRow.rma_no == rma_no, ShipmentRow.direction == "return")
            .where(ShipmentRow.status != "cancelled", ShipmentRow.waybill_no.is_not(None))
            .order_by(ShipmentRow.created_at.desc(), ShipmentRow.id.desc())
            .limit(1)
        ).first()
        return None if found is None or not found[1] else (found[0], found[1])

    def get(self, rma_no: str) -> Receipt | None:
        row = self.session.scalars(
            select(ReceiptRow)
            .where(ReceiptRow.rma_no == rma_no)
            .options(selectinload(ReceiptRow.mismatches))
        ).first()
        return None if row is None else _receipt(row)

    def add(self, receipt: Receipt) -> None:
        row = ReceiptRow(
            rma_no=receipt.rma_no,
            scanned_code=receipt.scanned_code[:64],
            lines=[
                {
                    "line_no": line.line_no,
                    "sku": line.sku,
                    "title": line.title,
                    "expected": line.expected,
                    "received": line.received,
                }
                for line in receipt.lines
            ],
            clean=receipt.is_clean,
            received_by=receipt.received_by,
            received_at=receipt.received_at,
        )
        for mismatch in receipt.mismatches:
            row.mismatches.append(
                ReceiptMismatchRow(
                    kind=mismatch.kind.value,
                    note=mismatch.note,
                    photos=list(mismatch.photos),
                    implied=mismatch.implied,
                )
            )
        self.session.add(row)
        self._added.remember(receipt.rma_no, receipt, row)

    def flush_changes(self) -> list[DomainEvent]:
        """Write the added receipts; hand over their events, once (nothing to write back:
        a receipt does not change once recorded)."""
        self.session.flush()
        return self._added.take_events()

    def photo_owner(self, name: str) -> str | None:
        """The RMA whose receipt shows the photo `name`, if any."""
        query = (
            select(ReceiptRow.rma_no, ReceiptMismatchRow.photos)
            .join(ReceiptMismatchRow, ReceiptMismatchRow.receipt_id == ReceiptRow.id)
            .where(cast(ReceiptMismatchRow.photos, String).contains(name))
            .limit(20)
        )
        for rma_no, photos in self.session.execute(query):
            if name in (photos or []):
                return str(rma_no)
        return None


def _receipt(row: ReceiptRow) -> Receipt:
    return Receipt(
        rma_no=row.rma_no,
        lines=tuple(
            ReceivedLine(
                int(line["line_no"]),
                str(line["sku"]),
                str(line["title"]),
                int(line["expected"]),
                int(line["received"]),
            )
            for line in row.lines
        ),
        mismatches=tuple(
            Mismatch(MismatchKind(m.kind), m.note, tuple(m.photos or ()), m.implied)
            for m in row.mismatches
        ),
        received_by=row.received_by,
        received_at=row.received_at,
        scanned_code=row.scanned_code,
    )


class Parcels(TrackingRepository[int, UnidentifiedParcel, UnidentifiedParcelRow]):
    """Unidentified parcels; a loaded parcel is remembered so `save` writes it back."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, _write)

    def add(self, parcel: UnidentifiedParcel) -> int:
        row = UnidentifiedParcelRow(
            carrier=parcel.label.carrier,
            waybill_no=parcel.label.waybill_no,
            sender_name=parcel.label.sender_name,
            sender_phone=parcel.label.sender_phone,
            label_text=parcel.label.text,
            photos=list(parcel.photos),
            shelf=parcel.shelf,
            found_by=parcel.found_by,
            found_at=parcel.found_at,
        )
        _write(parcel, row)
        self.session.add(row)
        self.session.flush()
        parcel.id = row.id
        self._map.remember(row.id, parcel, row)
        return row.id

    def get(self, parcel_id: int, *, for_update: bool = False) -> UnidentifiedParcel | None:
        """Always read (and locked if asked), even when remembered: the lock is the point."""
        query = select(UnidentifiedParcelRow).where(UnidentifiedParcelRow.id == parcel_id)
        row = one_row(self.session, query, for_update=for_update)
        return None if row is None else self._map.adopt(row.id, row, _parcel)

    def save(self, parcel: UnidentifiedParcel) -> None:
        assert parcel.id is not None
        _write(parcel, self._map.row_of(parcel.id))

    def listed(self, state: ParcelState | None, limit: int = 200) -> list[UnidentifiedParcel]:
        """Oldest first: the parcel waiting longest on a shelf is looked at first."""
        query = select(UnidentifiedParcelRow)
        if state is not None:
            query = query.where(UnidentifiedParcelRow.state == state.value)
        query = query.order_by(UnidentifiedParcelRow.found_at, UnidentifiedParcelRow.id)
        return [_parcel(row) for row in self.session.scalars(query.limit(limit))]

    def listed_page(
        self, state: ParcelState | None, offset: int, limit: int
    ) -> tuple[list[UnidentifiedParcel], int]:
        """One page of `listed` and how many match (issue 16: the console's pager)."""
        query = select(UnidentifiedParcelRow)
        if state is not None:
            query = query.where(UnidentifiedParcelRow.state == state.value)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        query = query.order_by(UnidentifiedParcelRow.found_at, UnidentifiedParcelRow.id)
        rows = self.session.scalars(query.offset(offset).limit(limit))
        return [_parcel(row) for row in rows], int(total)

    def photo_known(self, name: str) -> bool:
        query = select(UnidentifiedParcelRow.photos).where(
            cast(UnidentifiedParcelRow.photos, String).contains(name)
        )
        return any(name in (photos or []) for photos in self.session.scalars(query.limit(20)))


def _write(parcel: UnidentifiedParcel, row: UnidentifiedParcelRow) -> None:
    row.state = parcel.state.value
    row.matched_rma = parcel.matched_rma
    row.resolved_by = parcel.resolved_by
    row.resolved_at = parcel.resolved_at
    row.resolution_note = parcel.resolution_note


def _parcel(row: UnidentifiedParcelRow) -> UnidentifiedParcel:
    return UnidentifiedParcel(
        label=ParcelLabel(
            row.carrier, row.waybill_no, row.sender_name, row.sender_phone, row.label_text
        ),
        shelf=row.shelf,
        found_by=row.found_by,
        found_at=row.found_at,
        photos=tuple(row.photos or ()),
        id=row.id,
        state=ParcelState(row.state),
        matched_rma=row.matched_rma,
        resolved_by=row.resolved_by,
        resolved_at=row.resolved_at,
        resolution_note=row.resolution_note,
    )
