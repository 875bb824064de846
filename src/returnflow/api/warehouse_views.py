"""The services' warehouse read models as the API's bodies (`warehouse_models.py`)."""

from __future__ import annotations

from returnflow.api import views
from returnflow.api.warehouse_models import (
    BatchItemOut,
    BatchOut,
    BatchWithItemsOut,
    CheckOut,
    DispositionOut,
    DockToStockOut,
    FiguresOut,
    InspectionOut,
    InspectorDayOut,
    MovementOut,
    OfferOut,
    RulesOut,
    SendBackOut,
    StockItemOut,
    StockOut,
    WarehouseStateOut,
)
from returnflow.domain.disposition import RuleBook, book_to_json
from returnflow.domain.disposition_record import LineDisposition
from returnflow.domain.inspection_record import Inspection, PartialRefundOffer
from returnflow.domain.inventory import Movement, StockLevel
from returnflow.domain.rtv import RtvBatch
from returnflow.services.warehouse_figures import ZONE, Figures
from returnflow.services.warehouse_queries import RequestWarehouse


def inspection_out(found: Inspection, language: str) -> InspectionOut:
    findings = found.findings
    return InspectionOut(
        rma_no=found.rma_no,
        passed=found.passed,
        grade=found.grade,
        responsibility=found.responsibility,
        checks=[CheckOut(check=c.check, mark=c.mark, note=c.note) for c in findings.checks],
        serial_no=findings.serial_no,
        expected_serial=findings.expected_serial,
        serial_matches=found.verdict.serial_matches,
        photos=list(findings.photos),
        notes=findings.notes,
        reasons=[reason.in_language(language) for reason in found.reasons],
        inspected_at=found.inspected_at.isoformat(),
        inspected_by=found.inspected_by,
    )


def offer_out(offer: PartialRefundOffer, language: str) -> OfferOut:
    return OfferOut(
        code=offer.deduction.code,
        reason=offer.deduction.reason.in_language(language),
        deduction=views.money(offer.deduction.amount),
        status=offer.status.value,
        offered_at=offer.offered_at.isoformat(),
        answered_at=offer.answered_at.isoformat() if offer.answered_at else None,
    )


def disposition_out(decided: LineDisposition) -> DispositionOut:
    return DispositionOut(
        line_no=decided.line_no,
        sku=decided.sku,
        grade=decided.grade,
        quantity=decided.quantity,
        value=decided.value,
        suggested=decided.suggested,
        rule_id=decided.rule_id,
        rules_version=decided.rules_version,
        chosen=decided.chosen,
        approved_by=decided.approved_by,
        bin=decided.bin,
        rtv_batch_id=decided.rtv_batch_id,
        decided_at=decided.decided_at.isoformat(),
        decided_by=decided.decided_by,
        put_away_at=decided.put_away_at.isoformat() if decided.put_away_at else None,
    )


def state_out(state: RequestWarehouse, language: str) -> WarehouseStateOut:
    return WarehouseStateOut(
        rma_no=state.rma_no,
        status=state.status.value,
        refund_total=views.money(state.refund_total),
        inspection=inspection_out(state.inspection, language) if state.inspection else None,
        offer=offer_out(state.offer, language) if state.offer else None,
        send_back=[
            SendBackOut(id=s.id, carrier=s.carrier, status=s.status) for s in state.send_backs
        ],
        dispositions=[disposition_out(d) for d in state.dispositions],
    )


def stock_out(levels: list[StockLevel]) -> StockOut:
    items = [
        StockItemOut(
            merchant_id=x.merchant_id,
            sku=x.sku,
            location=x.location,
            grade=x.grade,
            quantity=x.quantity,
        )
        for x in levels
    ]
    return StockOut(items=items, total_units=sum(item.quantity for item in items))


def movement_out(movement: Movement) -> MovementOut:
    return MovementOut(
        id=movement.id,
        at=movement.at.isoformat(),
        actor=movement.actor,
        kind=movement.kind.value,
        merchant_id=movement.merchant_id,
        sku=movement.sku,
        quantity=movement.quantity,
        from_location=movement.from_location,
        to_location=movement.to_location,
        from_grade=movement.from_grade,
        to_grade=movement.to_grade,
        rma_no=movement.rma_no,
        note=movement.note,
    )


def batch_out(batch: RtvBatch) -> BatchOut:
    return BatchOut(
        id=batch.id,
        merchant_id=batch.merchant_id,
        status=batch.status.value,
        opened_at=batch.opened_at.isoformat(),
        shipped_at=batch.shipped_at.isoformat() if batch.shipped_at else None,
        carrier=batch.carrier,
        waybill_no=batch.waybill_no,
        units=batch.units,
        value=batch.value,
    )


def batch_with_items_out(batch: RtvBatch) -> BatchWithItemsOut:
    items = [
        BatchItemOut(
            rma_no=x.rma_no,
            line_no=x.line_no,
            sku=x.sku,
            grade=x.grade,
            quantity=x.quantity,
            value=x.value,
        )
        for x in batch.items
    ]
    return BatchWithItemsOut(**batch_out(batch).model_dump(), items=items)


def rules_out(book: RuleBook) -> RulesOut:
    return RulesOut.model_validate(book_to_json(book))


def figures_out(found: Figures) -> FiguresOut:
    return FiguresOut(
        start=found.start.isoformat(),
        end=found.end.isoformat(),
        timezone=ZONE.key,
        dock_to_stock=[
            DockToStockOut(
                day=d.day.isoformat(),
                count=d.count,
                median_minutes=d.median_minutes,
                p90_minutes=d.p90_minutes,
            )
            for d in found.dock_to_stock
        ],
        inspections_per_hour=[
            InspectorDayOut(
                day=i.day.isoformat(),
                inspector=i.inspector,
                inspections=i.inspections,
                hours_worked=i.hours_worked,
                per_hour=i.per_hour,
            )
            for i in found.inspectors
        ],
    )
