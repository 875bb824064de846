"""Warehouse API (R5.2–R5.4): inspect with a checklist, answer partial-refund offers,
dispose, put away, stock and ledger, return-to-vendor batches, rules, figures, labels.

The old `POST /api/v1/returns/{rma_no}/inspect` (passed + notes) keeps working; this
checklist inspection is the one that records grade, responsibility and the ledger.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from returnflow.api import views
from returnflow.api.schemas import RowId
from returnflow.domain.access import Permission, Principal
from returnflow.domain.disposition import Disposition, RuleBook, book_from_json, book_to_json
from returnflow.domain.inspection import Check, CheckResult, Grade, Mark, Responsibility
from returnflow.domain.inventory import check_bin
from returnflow.domain.money import Money
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.deps import Allowed, Context, Language
from returnflow.entrypoints.params import DayQuery, day_range
from returnflow.logistics.bin_labels import BinLabel, render_bin_label
from returnflow.services import inspection as inspection_service
from returnflow.services import warehouse as warehouse_service
from returnflow.services.returns import get_return
from returnflow.services.warehouse_figures import ZONE, figures
from returnflow.storage.schema import (
    DispositionRow,
    InspectionOfferRow,
    InspectionRow,
    InventoryMovementRow,
    RtvBatchRow,
)
from returnflow.storage.uow import UnitOfWork
from returnflow.storage.warehouse import StockFilter

router = APIRouter(prefix="/api/v1/warehouse", tags=["warehouse"])
P = Permission


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CheckIn(_Strict):
    check: Check
    mark: Mark
    note: str = Field(default="", max_length=500)


class DeductionIn(_Strict):
    amount: int = Field(gt=0, le=10**12, description="Kept back from the refund, minor units")
    reason: str = Field(min_length=1, max_length=500)


class InspectionIn(_Strict):
    checks: list[CheckIn] = Field(max_length=20)
    grade: Grade
    responsibility: Responsibility
    serial_no: str = Field(default="", max_length=64)
    expected_serial: str | None = Field(default=None, max_length=64)
    photos: list[str] = Field(default_factory=list, max_length=9)
    notes: str = Field(default="", max_length=2000)
    deduction: DeductionIn | None = None


class OfferAnswerIn(_Strict):
    accept: bool


class DisposeIn(_Strict):
    line_no: int = Field(ge=1, le=10_000)
    disposition: Disposition | None = None  # None: the rules' suggestion
    bin: str = Field(default="", max_length=20)


class PutAwayIn(_Strict):
    line_no: int = Field(ge=1, le=10_000)
    bin: str = Field(min_length=1, max_length=20)


class MovementIn(_Strict):
    kind: Literal["move", "sell", "scrap"]
    merchant_id: str = Field(min_length=1, max_length=64)
    sku: str = Field(min_length=1, max_length=64)
    grade: Grade
    quantity: int = Field(ge=1, le=100_000)
    from_location: str = Field(min_length=1, max_length=32)
    to_location: str = Field(default="", max_length=32)
    note: str = Field(default="", max_length=500)


class ShipBatchIn(_Strict):
    carrier: str = Field(default="", max_length=32)
    waybill_no: str = Field(default="", max_length=64)


def inspection_json(row: InspectionRow, language: str) -> dict[str, Any]:
    return {
        "rma_no": row.rma_no,
        "passed": row.passed,
        "grade": row.grade,
        "responsibility": row.responsibility,
        "checks": row.checks,
        "serial_no": row.serial_no,
        "expected_serial": row.expected_serial,
        "serial_matches": row.serial_matches,
        "photos": row.photos,
        "notes": row.notes,
        "reasons": [Text(r["zh"], r["en"]).in_language(language) for r in row.reasons],
        "inspected_at": row.inspected_at.isoformat(),
        "inspected_by": row.inspected_by,
    }


def offer_json(row: InspectionOfferRow, language: str) -> dict[str, Any]:
    return {
        "code": row.code,
        "reason": Text(row.reason_zh, row.reason_en).in_language(language),
        "deduction": {"amount": row.amount, "currency": row.currency},
        "status": row.status,
        "offered_at": row.offered_at.isoformat(),
        "answered_at": row.answered_at.isoformat() if row.answered_at else None,
    }


def disposition_json(row: DispositionRow) -> dict[str, Any]:
    return {
        "line_no": row.line_no,
        "sku": row.sku,
        "grade": row.grade,
        "quantity": row.quantity,
        "value": row.value,
        "suggested": row.suggested,
        "rule_id": row.rule_id,
        "rules_version": row.rules_version,
        "chosen": row.chosen,
        "approved_by": row.approved_by,
        "bin": row.bin,
        "rtv_batch_id": row.rtv_batch_id,
        "decided_at": row.decided_at.isoformat(),
        "decided_by": row.decided_by,
        "put_away_at": row.put_away_at.isoformat() if row.put_away_at else None,
    }


def movement_json(row: InventoryMovementRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "at": row.at.isoformat(),
        "actor": row.actor,
        "kind": row.kind,
        "merchant_id": row.merchant_id,
        "sku": row.sku,
        "quantity": row.quantity,
        "from_location": row.from_location,
        "to_location": row.to_location,
        "from_grade": row.from_grade,
        "to_grade": row.to_grade,
        "rma_no": row.rma_no,
        "note": row.note,
    }


def batch_json(uow: UnitOfWork, row: RtvBatchRow, *, items: bool = False) -> dict[str, Any]:
    units, value = uow.warehouse.rtv_counts([row.id]).get(row.id, (0, 0))
    out: dict[str, Any] = {
        "id": row.id,
        "merchant_id": row.merchant_id,
        "status": row.status,
        "opened_at": row.opened_at.isoformat(),
        "shipped_at": row.shipped_at.isoformat() if row.shipped_at else None,
        "carrier": row.carrier,
        "waybill_no": row.waybill_no,
        "units": units,
        "value": value,
    }
    if items:
        out["items"] = [
            {
                "rma_no": item.rma_no,
                "line_no": item.line_no,
                "sku": item.sku,
                "grade": item.grade,
                "quantity": item.quantity,
                "value": item.value,
            }
            for item in uow.warehouse.rtv_items(row.id)
        ]
    return out


def _net(uow: UnitOfWork, request: ReturnRequest) -> Money:
    """What the refund pays: the estimate less the deductions the customer accepted."""
    kept = sum(d.amount.cents for d in uow.warehouse.accepted_deductions(request.rma_no))
    return Money(max(request.estimate.total.cents - kept, 0), request.estimate.total.currency)


def _state(uow: UnitOfWork, rma_no: str, language: str) -> dict[str, Any]:
    request = uow.returns.get(rma_no)
    inspection = uow.warehouse.inspection(rma_no)
    offer = uow.warehouse.offer(rma_no)
    return {
        "rma_no": rma_no,
        "status": request.status.value if request else None,
        "refund_total": views.money(_net(uow, request)) if request else None,
        "inspection": inspection_json(inspection, language) if inspection else None,
        "offer": offer_json(offer, language) if offer else None,
        "send_back": [
            {"id": s.id, "carrier": s.carrier, "status": s.status}
            for s in uow.warehouse.send_backs(rma_no)
        ],
        "dispositions": [disposition_json(d) for d in uow.warehouse.dispositions_of(rma_no)],
    }


@router.get("/returns/{rma_no}/checklist")
def checklist(
    rma_no: str,
    context: Context,
    language: Language,
    principal: Annotated[Principal, Depends(Allowed(P.WAREHOUSE_INSPECT))],
) -> dict[str, Any]:
    """The checks this request's items need, by category (R5.2)."""
    with context.uow() as uow:
        request = get_return(uow, rma_no, merchant_scope=principal.merchant_scope)
        checks = inspection_service.checklist(uow, request)
    return {
        "rma_no": rma_no,
        "checks": [{"check": c.value, "label": c.label.in_language(language)} for c in checks],
    }


@router.get("/returns/{rma_no}")
def warehouse_state(
    rma_no: str,
    context: Context,
    language: Language,
    principal: Annotated[Principal, Depends(Allowed(P.RETURNS_VIEW))],
) -> dict[str, Any]:
    """The inspection, any offer or send-back, and the dispositions of one request."""
    with context.uow() as uow:
        get_return(uow, rma_no, merchant_scope=principal.merchant_scope)
        return _state(uow, rma_no, language)


@router.post("/returns/{rma_no}/inspection", status_code=201)
def inspect(
    rma_no: str,
    body: InspectionIn,
    context: Context,
    language: Language,
    principal: Annotated[Principal, Depends(Allowed(P.WAREHOUSE_INSPECT))],
) -> dict[str, Any]:
    """Inspect with the checklist; pass or fail follows from the findings (see reasons)."""
    now = context.clock()
    given = inspection_service.InspectionInput(
        checks=tuple(CheckResult(c.check, c.mark, c.note) for c in body.checks),
        grade=body.grade,
        responsibility=body.responsibility,
        serial_no=body.serial_no,
        expected_serial=body.expected_serial,
        photos=tuple(body.photos),
        notes=body.notes,
        deduction=inspection_service.Proposal(body.deduction.amount, body.deduction.reason)
        if body.deduction
        else None,
    )
    with context.uow() as uow:
        outcome = inspection_service.inspect(
            uow, rma_no, given, principal.actor, now, merchant_scope=principal.merchant_scope
        )
        uow.commit(now)
    with context.uow() as uow:
        return {**_state(uow, rma_no, language), "route": outcome.route}


@router.post("/returns/{rma_no}/offer")
def answer_offer(
    rma_no: str,
    body: OfferAnswerIn,
    context: Context,
    language: Language,
    principal: Annotated[Principal, Depends(Allowed(P.RETURNS_CONFIRM))],
) -> dict[str, Any]:
    """Accept or decline the partial refund on the customer's behalf (R5.3)."""
    now = context.clock()
    with context.uow() as uow:
        get_return(uow, rma_no, merchant_scope=principal.merchant_scope)
        inspection_service.answer_offer(uow, rma_no, body.accept, principal.actor, now)
        uow.commit(now)
    with context.uow() as uow:
        return _state(uow, rma_no, language)


@router.post("/returns/{rma_no}/dispositions", status_code=201)
def dispose(
    rma_no: str,
    body: DisposeIn,
    context: Context,
    language: Language,
    principal: Annotated[Principal, Depends(Allowed(P.WAREHOUSE_DISPOSE))],
) -> dict[str, Any]:
    """Dispose one line: the rules' suggestion unless `disposition` says otherwise."""
    now = context.clock()
    with context.uow() as uow:
        row = warehouse_service.dispose(
            uow,
            rma_no,
            body.line_no,
            principal.actor,
            now,
            chosen=body.disposition,
            bin_code=body.bin,
            may_approve=principal.can(P.AMOUNTS_APPROVE),
            merchant_scope=principal.merchant_scope,
        )
        out = disposition_json(row)
        uow.commit(now)
    return out


@router.post("/returns/{rma_no}/put-away")
def put_away(
    rma_no: str,
    body: PutAwayIn,
    context: Context,
    principal: Annotated[Principal, Depends(Allowed(P.WAREHOUSE_DISPOSE))],
) -> dict[str, Any]:
    now = context.clock()
    with context.uow() as uow:
        row = warehouse_service.put_away(
            uow,
            rma_no,
            body.line_no,
            body.bin,
            principal.actor,
            now,
            merchant_scope=principal.merchant_scope,
        )
        out = disposition_json(row)
        uow.commit(now)
    return out


def _filter(
    merchant_id: str | None, sku: str | None, location: str | None, grade: str | None
) -> StockFilter:
    return StockFilter(
        merchant_id or None,
        (sku or "").strip() or None,
        (location or "").strip().upper() or None,
        grade or None,
    )


@router.get("/stock")
def stock(
    context: Context,
    principal: Annotated[Principal, Depends(Allowed(P.INVENTORY_VIEW))],
    merchant_id: str | None = None,
    sku: str | None = None,
    location: str | None = None,
    grade: str | None = None,
) -> dict[str, Any]:
    """Units per SKU, location and grade: the ledger's sum (never negative)."""
    with context.uow() as uow:
        rows = uow.warehouse.stock(_filter(merchant_id, sku, location, grade))
        items = [
            {
                "merchant_id": r.merchant_id,
                "sku": r.sku,
                "location": r.location,
                "grade": r.grade,
                "quantity": r.quantity,
            }
            for r in rows
        ]
    return {"items": items, "total_units": sum(item["quantity"] for item in items)}


@router.get("/ledger")
def ledger(
    context: Context,
    principal: Annotated[Principal, Depends(Allowed(P.INVENTORY_VIEW))],
    merchant_id: str | None = None,
    sku: str | None = None,
    location: str | None = None,
    grade: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    """Movements, newest first."""
    with context.uow() as uow:
        rows = uow.warehouse.ledger(_filter(merchant_id, sku, location, grade), limit)
        return {"items": [movement_json(r) for r in rows]}


@router.post("/movements", status_code=201)
def move(
    body: MovementIn,
    context: Context,
    principal: Annotated[Principal, Depends(Allowed(P.WAREHOUSE_DISPOSE))],
) -> dict[str, Any]:
    """Move between bins, sell or scrap stored goods; refused if the source is short."""
    now = context.clock()
    with context.uow() as uow:
        movement = warehouse_service.move_stock(
            uow,
            kind=body.kind,
            merchant_id=body.merchant_id,
            sku=body.sku,
            grade=body.grade.value,
            quantity=body.quantity,
            from_location=body.from_location,
            to_location=body.to_location,
            actor=principal.actor,
            now=now,
            note=body.note,
        )
        uow.commit(now)
    return {
        "kind": movement.kind.value,
        "from_location": movement.from_location,
        "to_location": movement.to_location,
        "quantity": movement.quantity,
    }


@router.get("/rtv-batches")
def rtv_batches(
    context: Context,
    principal: Annotated[Principal, Depends(Allowed(P.INVENTORY_VIEW))],
    status: Literal["open", "shipped"] | None = None,
) -> dict[str, Any]:
    with context.uow() as uow:
        return {"items": [batch_json(uow, b) for b in uow.warehouse.batches(status)]}


@router.get("/rtv-batches/{batch_id}")
def rtv_batch(
    batch_id: RowId,
    context: Context,
    principal: Annotated[Principal, Depends(Allowed(P.INVENTORY_VIEW))],
) -> dict[str, Any]:
    """One batch with its items: the manifest."""
    with context.uow() as uow:
        row = uow.warehouse.batch(batch_id)
        if row is None:
            raise warehouse_service.batch_not_found(batch_id)
        return batch_json(uow, row, items=True)


@router.post("/rtv-batches/{batch_id}/ship")
def ship_batch(
    batch_id: RowId,
    context: Context,
    principal: Annotated[Principal, Depends(Allowed(P.WAREHOUSE_DISPOSE))],
    body: ShipBatchIn | None = None,
) -> dict[str, Any]:
    """Close the batch and send it to the merchant; its goods leave the stock."""
    now = context.clock()
    given = body or ShipBatchIn()
    with context.uow() as uow:
        row = warehouse_service.ship_batch(
            uow, batch_id, principal.actor, now, carrier=given.carrier, waybill_no=given.waybill_no
        )
        out = batch_json(uow, row, items=True)
        uow.commit(now)
    return out


@router.get("/rules")
def rules(
    context: Context, principal: Annotated[Principal, Depends(Allowed(P.POLICY_VIEW))]
) -> dict[str, Any]:
    """The disposition rules in force (version 0 is the built-in default)."""
    with context.uow() as uow:
        return book_to_json(uow.warehouse.rules())


@router.post("/rules", status_code=201)
def publish_rules(
    body: dict[str, Any],
    context: Context,
    principal: Annotated[Principal, Depends(Allowed(P.POLICY_PUBLISH))],
) -> dict[str, Any]:
    """Publish a new version: the same shape `GET /rules` returns (its version is ignored)."""
    now = context.clock()
    try:
        book: RuleBook = book_from_json({**body, "version": 0})
    except (KeyError, ValueError, TypeError) as error:
        raise DomainError(
            "rules_invalid",
            Text("规则文档格式不正确：{e}", "The rules document is not valid: {e}").format(
                e=str(error)
            ),
            field="rules",
        ) from error
    with context.uow() as uow:
        published = warehouse_service.publish_rules(uow, book, now, principal.actor)
        uow.commit(now)
    return book_to_json(published)


@router.get("/figures")
def warehouse_figures(
    context: Context,
    principal: Annotated[Principal, Depends(Allowed(P.REPORTS_VIEW))],
    start: DayQuery = None,
    end: DayQuery = None,
) -> dict[str, Any]:
    """Dock-to-stock minutes (median, p90) per local day; inspections per hour per person.

    Days outside 2000-01-01..2100-12-31 are a 422 (`api/params.py`), so the window's
    arithmetic cannot overflow.
    """
    today = context.clock().astimezone(ZONE).date()
    first, last = day_range(start, end, today, 7)
    with context.uow() as uow:
        found = figures(uow, first, last)
    return {
        "start": found.start.isoformat(),
        "end": found.end.isoformat(),
        "timezone": "Asia/Shanghai",
        "dock_to_stock": [
            {
                "day": d.day.isoformat(),
                "count": d.count,
                "median_minutes": d.median_minutes,
                "p90_minutes": d.p90_minutes,
            }
            for d in found.dock_to_stock
        ],
        "inspections_per_hour": [
            {
                "day": i.day.isoformat(),
                "inspector": i.inspector,
                "inspections": i.inspections,
                "hours_worked": i.hours_worked,
                "per_hour": i.per_hour,
            }
            for i in found.inspectors
        ],
    }


@router.get("/bins/{bin_code}/label.pdf")
def bin_label(
    bin_code: str,
    principal: Annotated[Principal, Depends(Allowed(P.WAREHOUSE_DISPOSE))],
    sku: Annotated[str, Query(max_length=64)] = "",
    grade: Annotated[str, Query(max_length=2)] = "",
    rma_no: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    """The 100 × 50 mm bin label with the bin's Code128."""
    code = check_bin(bin_code)
    pdf = render_bin_label(BinLabel(code, sku=sku, grade=grade, rma_no=rma_no))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="bin-{code}.pdf"'},
    )
