"""Inspections ⇄ rows: the checklist record, its partial-refund offer and any send-back.

An `Inspection` is one `inspections` row, at most one `inspection_offers` row and the
outbound `send_back` shipments (rows of the shipping capability's table, written here
because a send-back is part of what an inspection decides). Loaded inspections are
remembered, so `save_inspection` (or the unit of work's `flush_changes`) writes back
what changed: the pending ledger movements, a new offer or its answer, a send-back.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from returnflow.domain.events import DomainEvent
from returnflow.domain.inspection import (
    Check,
    CheckResult,
    Findings,
    Grade,
    Mark,
    Responsibility,
    Verdict,
)
from returnflow.domain.inspection_record import (
    Inspection,
    OfferStatus,
    PartialRefundOffer,
    SendBack,
)
from returnflow.domain.money import Money
from returnflow.domain.refunds import Deduction
from returnflow.domain.text import Text
from returnflow.storage.identity_map import IdentityMap
from returnflow.storage.schema import InspectionOfferRow, InspectionRow, ReturnRow, ShipmentRow
from returnflow.storage.warehouse_stock import StockLedger

SEND_BACK = "send_back"


class InspectionRecords(StockLedger):  # books its movements through the ledger
    """The inspection half of `storage.warehouse.Warehouse`."""

    session: Session
    _inspections: IdentityMap[str, Inspection, InspectionRow]
    _offer_rows: dict[str, InspectionOfferRow]

    def inspection(self, rma_no: str) -> Inspection | None:
        """The request's inspection with its offer and whether its goods went back."""
        known = self._inspections.recall(rma_no)
        if known is not None:
            return known
        query = (
            select(InspectionRow, ReturnRow.merchant_id)
            .join(ReturnRow, ReturnRow.rma_no == InspectionRow.rma_no)
            .where(InspectionRow.rma_no == rma_no)
        )
        found = self.session.execute(query).first()
        if found is None:
            return None
        row, merchant_id = found
        offer_row = self._offer_row(rma_no)
        inspection = Inspection(
            rma_no=row.rma_no,
            merchant_id=merchant_id,
            findings=_findings(row),
            verdict=Verdict(
                row.passed, tuple(Text(r["zh"], r["en"]) for r in row.reasons), row.serial_matches
            ),
            inspected_at=row.inspected_at,
            inspected_by=row.inspected_by,
            offer=None if offer_row is None else _offer(offer_row),
            sent_back=bool(self.send_backs(rma_no)),
        )
        return self._inspections.remember(rma_no, inspection, row)

    def add_inspection(self, inspection: Inspection) -> None:
        """Store a new inspection with whatever followed it in the same step."""
        findings, verdict = inspection.findings, inspection.verdict
        row = InspectionRow(
            rma_no=inspection.rma_no,
            passed=verdict.passed,
            grade=findings.grade.value,
            responsibility=findings.responsibility.value,
            checks=[
                {"check": c.check.value, "mark": c.mark.value, "note": c.note}
                for c in findings.checks
            ],
            serial_no=findings.serial_no,
            expected_serial=findings.expected_serial,
            serial_matches=verdict.serial_matches,
            photos=list(findings.photos),
            notes=findings.notes,
            reasons=[{"zh": r.zh, "en": r.en} for r in verdict.reasons],
            inspected_at=inspection.inspected_at,
            inspected_by=inspection.inspected_by,
        )
        self.session.add(row)
        self.session.flush()
        self._inspections.remember(inspection.rma_no, inspection, row)
        self.save_inspection(inspection)

    def save_inspection(self, inspection: Inspection) -> None:
        """Book its pending movements, write its offer and any send-back it asked for."""
        self.book_moves(inspection.moves)
        if inspection.offer is not None:
            self._write_offer(inspection.rma_no, inspection.offer)
        order = inspection.send_back_order
        if order is not None:
            self.session.add(
                ShipmentRow(
                    rma_no=inspection.rma_no,
                    direction="outbound",
                    purpose=SEND_BACK,
                    method="outbound",
                    carrier="manual",
                    carrier_name="manual",
                    waybill_no=None,
                    status="requested",
                    requested_by=order.requested_by,
                    currency=order.currency,
                    created_at=order.at,
                    updated_at=order.at,
                )
            )
            inspection.send_back_order = None
        self.session.flush()

    def inspection_events(self) -> list[DomainEvent]:
        """Write every remembered inspection back; hand over their new events, once."""
        return self._inspections.flush(lambda inspection, _row: self.save_inspection(inspection))

    def offer(self, rma_no: str) -> PartialRefundOffer | None:
        known = self._inspections.recall(rma_no)
        if known is not None:
            return known.offer
        row = self._offer_row(rma_no)
        return None if row is None else _offer(row)

    def accepted_deductions(self, rma_no: str) -> list[Deduction]:
        """Deductions the customer accepted (R5.3), for the refund's workings."""
        offer = self.offer(rma_no)
        return [offer.deduction] if offer is not None and offer.accepted else []

    def send_backs(self, rma_no: str) -> list[SendBack]:
        query = select(ShipmentRow).where(
            ShipmentRow.rma_no == rma_no, ShipmentRow.purpose == SEND_BACK
        )
        rows = self.session.scalars(query.order_by(ShipmentRow.id))
        return [SendBack(row.id, row.carrier, row.status) for row in rows]

    def _offer_row(self, rma_no: str) -> InspectionOfferRow | None:
        row = self.session.scalars(
            select(InspectionOfferRow).where(InspectionOfferRow.rma_no == rma_no)
        ).first()
        if row is not None:
            self._offer_rows[rma_no] = row
        return row

    def _write_offer(self, rma_no: str, offer: PartialRefundOffer) -> None:
        row = self._offer_rows.get(rma_no)
        if row is None:
            deduction = offer.deduction
            row = InspectionOfferRow(
                rma_no=rma_no,
                code=deduction.code,
                reason_zh=deduction.reason.zh,
                reason_en=deduction.reason.en,
                amount=deduction.amount.cents,
                currency=deduction.amount.currency,
                line_no=deduction.line_no,
                status=offer.status.value,
                offered_at=offer.offered_at,
                offered_by=offer.offered_by,
                answered_at=offer.answered_at,
            )
            self.session.add(row)
            self._offer_rows[rma_no] = row
        elif row.status != offer.status.value:
            # only an open offer is answered: a second answer from another tab loses
            result = self.session.execute(
                update(InspectionOfferRow)
                .where(
                    InspectionOfferRow.id == row.id,
                    InspectionOfferRow.status == OfferStatus.OFFERED.value,
                )
                .values(status=offer.status.value, answered_at=offer.answered_at)
                .execution_options(synchronize_session="fetch")
            )
            if int(result.rowcount) != 1:  # type: ignore[attr-defined]
                raise StaleDataError(f"the offer on {rma_no} was answered already")


def _findings(row: InspectionRow) -> Findings:
    return Findings(
        checks=tuple(
            CheckResult(Check(c["check"]), Mark(c["mark"]), str(c.get("note", "")))
            for c in row.checks
        ),
        grade=Grade(row.grade),
        responsibility=Responsibility(row.responsibility),
        serial_no=row.serial_no,
        expected_serial=row.expected_serial,
        photos=tuple(row.photos or ()),
        notes=row.notes,
    )


def _offer(row: InspectionOfferRow) -> PartialRefundOffer:
    return PartialRefundOffer(
        Deduction(
            row.code,
            Text(row.reason_zh, row.reason_en),
            Money(row.amount, row.currency),
            row.line_no,
        ),
        offered_at=row.offered_at,
        offered_by=row.offered_by,
        status=OfferStatus(row.status),
        answered_at=row.answered_at,
    )
