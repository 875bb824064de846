"""The warehouse API's bodies (R5.2–R5.4): what comes in and what goes out (filled from
the services' read models in `warehouse_views.py`). Times are ISO 8601 strings as
Python writes them, amounts integer minor units, reasons in the caller's language.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from returnflow.api.schemas import Money, Strict
from returnflow.domain.disposition import Disposition
from returnflow.domain.inspection import Check, Grade, Mark, Responsibility

# --- what comes in ---------------------------------------------------------------------


class CheckIn(Strict):
    check: Check
    mark: Mark
    note: str = Field(default="", max_length=500)


class DeductionIn(Strict):
    amount: int = Field(gt=0, le=10**12, description="Kept back from the refund, minor units")
    reason: str = Field(min_length=1, max_length=500)


class InspectionIn(Strict):
    checks: list[CheckIn] = Field(max_length=20)
    grade: Grade
    responsibility: Responsibility
    serial_no: str = Field(default="", max_length=64)
    expected_serial: str | None = Field(default=None, max_length=64)
    photos: list[str] = Field(default_factory=list, max_length=9)
    notes: str = Field(default="", max_length=2000)
    deduction: DeductionIn | None = None


class OfferAnswerIn(Strict):
    accept: bool


class DisposeIn(Strict):
    line_no: int = Field(ge=1, le=10_000)
    disposition: Disposition | None = None  # None: the rules' suggestion
    bin: str = Field(default="", max_length=20)


class PutAwayIn(Strict):
    line_no: int = Field(ge=1, le=10_000)
    bin: str = Field(min_length=1, max_length=20)


class MovementIn(Strict):
    kind: Literal["move", "sell", "scrap"]
    merchant_id: str = Field(min_length=1, max_length=64)
    sku: str = Field(min_length=1, max_length=64)
    grade: Grade
    quantity: int = Field(ge=1, le=100_000)
    from_location: str = Field(min_length=1, max_length=32)
    to_location: str = Field(default="", max_length=32)
    note: str = Field(default="", max_length=500)


class ShipBatchIn(Strict):
    carrier: str = Field(default="", max_length=32)
    waybill_no: str = Field(default="", max_length=64)


# --- what goes out ---------------------------------------------------------------------


class ChecklistItemOut(BaseModel):
    check: Check
    label: str


class ChecklistOut(BaseModel):
    rma_no: str
    checks: list[ChecklistItemOut]


class CheckOut(BaseModel):
    check: Check
    mark: Mark
    note: str


class InspectionOut(BaseModel):
    rma_no: str
    passed: bool
    grade: Grade
    responsibility: Responsibility
    checks: list[CheckOut]
    serial_no: str
    expected_serial: str | None
    serial_matches: bool | None
    photos: list[str]
    notes: str
    reasons: list[str]
    inspected_at: str
    inspected_by: str


class OfferOut(BaseModel):
    code: str
    reason: str
    deduction: Money
    status: str
    offered_at: str
    answered_at: str | None


class SendBackOut(BaseModel):
    id: int
    carrier: str
    status: str


class DispositionOut(BaseModel):
    line_no: int
    sku: str
    grade: str
    quantity: int
    value: int
    suggested: Disposition
    rule_id: str
    rules_version: int
    chosen: Disposition
    approved_by: str | None
    bin: str | None
    rtv_batch_id: int | None
    decided_at: str
    decided_by: str
    put_away_at: str | None


class WarehouseStateOut(BaseModel):
    rma_no: str
    status: str | None
    refund_total: Money | None
    inspection: InspectionOut | None
    offer: OfferOut | None
    send_back: list[SendBackOut]
    dispositions: list[DispositionOut]


class InspectedOut(WarehouseStateOut):
    route: Literal["passed", "offered", "sent_back"]


class StockItemOut(BaseModel):
    merchant_id: str
    sku: str
    location: str
    grade: str
    quantity: int


class StockOut(BaseModel):
    items: list[StockItemOut]
    total_units: int


class MovementOut(BaseModel):
    id: int | None
    at: str
    actor: str
    kind: str
    merchant_id: str
    sku: str
    quantity: int
    from_location: str
    to_location: str
    from_grade: str
    to_grade: str
    rma_no: str | None
    note: str


class LedgerOut(BaseModel):
    items: list[MovementOut]


class MovedOut(BaseModel):
    kind: str
    from_location: str
    to_location: str
    quantity: int


class BatchOut(BaseModel):
    id: int
    merchant_id: str
    status: str
    opened_at: str
    shipped_at: str | None
    carrier: str | None
    waybill_no: str | None
    units: int
    value: int


class BatchItemOut(BaseModel):
    rma_no: str
    line_no: int
    sku: str
    grade: str
    quantity: int
    value: int


class BatchWithItemsOut(BatchOut):
    items: list[BatchItemOut]


class BatchesOut(BaseModel):
    items: list[BatchOut]


class RuleOut(BaseModel):
    id: str
    disposition: Disposition
    grades: list[str]
    categories: list[str]
    responsibilities: list[str]
    min_value: int | None
    max_value: int | None


class RulesOut(BaseModel):
    version: int
    rules: list[RuleOut]
    partial_refund_grades: list[str]
    partial_refund_responsibilities: list[str]
    scrap_approval_value: int


class DockToStockOut(BaseModel):
    day: str
    count: int
    median_minutes: float
    p90_minutes: float


class InspectorDayOut(BaseModel):
    day: str
    inspector: str
    inspections: int
    hours_worked: int
    per_hour: float


class FiguresOut(BaseModel):
    start: str
    end: str
    timezone: str
    dock_to_stock: list[DockToStockOut]
    inspections_per_hour: list[InspectorDayOut]
