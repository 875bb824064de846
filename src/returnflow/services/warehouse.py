"""After inspection (R5.4): disposition by the rules, put-away to a bin, moves, and
return-to-vendor batches; every movement of goods goes through the inventory ledger.

A line is disposed once (unique per request and line). Goods kept in the warehouse
(restock, discount, refurbish) wait in the inspection area until put away to a bin of
their disposition's zone; return-to-vendor goods go to the merchant's open batch;
scrapped goods leave at once, and above the rules' value only with a manager's
approval (AMOUNTS_APPROVE).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from returnflow.domain.disposition import Disposition, Item, RuleBook, Suggestion, suggest
from returnflow.domain.inspection import Grade, Responsibility
from returnflow.domain.inventory import (
    INSPECTION_AREA,
    SCRAPPED,
    SOLD,
    VENDOR,
    Movement,
    MovementKind,
    check_bin,
    is_outside,
)
from returnflow.domain.lifecycle import Status
from returnflow.domain.orders import OrderLine
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.text import DomainError, Text
from returnflow.services.errors import Conflict, NotFound
from returnflow.services.returns import get_return, policy_for
from returnflow.storage.schema import DispositionRow, RtvBatchRow, RtvItemRow
from returnflow.storage.uow import UnitOfWork


def rtv_location(batch_id: int) -> str:
    return f"RTV-{batch_id}"


@dataclass(frozen=True)
class LineToDispose:
    line_no: int
    order_line: OrderLine
    quantity: int
    item: Item
    suggestion: Suggestion
    row: DispositionRow | None


def lines_to_dispose(uow: UnitOfWork, request: ReturnRequest) -> list[LineToDispose]:
    """Each returned line with the rules' suggestion and any disposition already made."""
    inspection = uow.warehouse.inspection(request.rma_no)
    if inspection is None:
        return []
    order, _ = policy_for(uow, request)
    book = uow.warehouse.rules()
    values = {line.line_no: line.gross - line.discount_share for line in request.estimate.lines}
    found: list[LineToDispose] = []
    for line in request.lines:
        order_line = order.line(line.line_no)
        if order_line is None:
            continue
        value = values.get(line.line_no)
        item = Item(
            Grade(inspection.grade),
            order_line.category,
            value.cents if value is not None else 0,
            Responsibility(inspection.responsibility),
        )
        found.append(
            LineToDispose(
                line.line_no,
                order_line,
                line.quantity,
                item,
                suggest(book, item),
                uow.warehouse.disposition(request.rma_no, line.line_no),
            )
        )
    return found


def _goods_here(uow: UnitOfWork, request: ReturnRequest) -> None:
    """Disposition needs goods the warehouse keeps: inspected, not on their way back."""
    inspection = uow.warehouse.inspection(request.rma_no)
    sent_back = uow.warehouse.send_backs(request.rma_no)
    offer = uow.warehouse.offer(request.rma_no)
    kept = inspection is not None and (
        inspection.passed or (offer is not None and offer.status == "accepted")
    )
    if not kept or sent_back or request.status in (Status.RECEIVED, Status.IN_TRANSIT):
        raise DomainError(
            "not_ready_for_disposition",
            Text(
                "该申请的商品尚未验收通过或已退回顾客",
                "This request's goods are not inspected and kept by the warehouse",
            ),
        )


def dispose(
    uow: UnitOfWork,
    rma_no: str,
    line_no: int,
    actor: str,
    now: datetime,
    *,
    chosen: Disposition | None = None,
    bin_code: str = "",
    may_approve: bool = False,
    merchant_scope: str | None = None,
) -> DispositionRow:
    """Decide where one line goes (the rules' suggestion unless someone chose otherwise)."""
    request = get_return(uow, rma_no, merchant_scope=merchant_scope, for_update=True)
    _goods_here(uow, request)
    lines = {line.line_no: line for line in lines_to_dispose(uow, request)}
    line = lines.get(line_no)
    if line is None:
        raise NotFound(
            "line_not_found",
            Text("该申请没有第 {n} 行", "This request has no line {n}").format(n=line_no),
        )
    if line.row is not None:
        raise Conflict(
            "already_disposed",
            Text("第 {n} 行已处置", "Line {n} has already been disposed").format(n=line_no),
        )
    book = uow.warehouse.rules()
    target = chosen or line.suggestion.disposition
    approved_by: str | None = None
    if target is Disposition.SCRAP and book.scrap_needs_approval(line.item):
        if not may_approve:
            raise DomainError(
                "scrap_needs_approval",
                Text("高价值商品报废须经理批准", "Scrapping goods of this value needs a manager"),
                field="disposition",
            )
        approved_by = actor
    row = DispositionRow(
        rma_no=request.rma_no,
        line_no=line_no,
        merchant_id=request.merchant_id,
        sku=line.order_line.sku,
        category=line.order_line.category,
        grade=line.item.grade.value,
        quantity=line.quantity,
        value=line.item.value,
        suggested=line.suggestion.disposition.value,
        rule_id=line.suggestion.rule_id,
        rules_version=line.suggestion.version,
        chosen=target.value,
        approved_by=approved_by,
        decided_at=now,
        decided_by=actor,
    )
    uow.warehouse.add_disposition(row)
    movement: dict[str, Any] = {
        "sku": row.sku,
        "quantity": row.quantity,
        "from_location": INSPECTION_AREA,
        "from_grade": row.grade,
        "to_grade": row.grade,
        "actor": actor,
        "at": now,
        "rma_no": row.rma_no,
        "merchant_id": row.merchant_id,
    }
    if target is Disposition.SCRAP:
        uow.warehouse.move(Movement(MovementKind.SCRAP, to_location=SCRAPPED, **movement))
    elif target is Disposition.RETURN_TO_VENDOR:
        batch = uow.warehouse.open_batch(row.merchant_id, now)
        uow.warehouse.move(
            Movement(MovementKind.RTV_PICK, to_location=rtv_location(batch.id), **movement)
        )
        uow.warehouse.add_rtv_item(
            RtvItemRow(
                batch_id=batch.id,
                rma_no=row.rma_no,
                line_no=line_no,
                sku=row.sku,
                grade=row.grade,
                quantity=row.quantity,
                value=row.value,
                added_at=now,
                added_by=actor,
            )
        )
        row.rtv_batch_id = batch.id
    elif bin_code.strip():
        _put_away(uow, row, bin_code, actor, now)
    return row


def put_away(
    uow: UnitOfWork,
    rma_no: str,
    line_no: int,
    bin_code: str,
    actor: str,
    now: datetime,
    *,
    merchant_scope: str | None = None,
) -> DispositionRow:
    get_return(uow, rma_no, merchant_scope=merchant_scope, for_update=True)
    row = uow.warehouse.disposition(rma_no, line_no)
    if row is None:
        raise NotFound(
            "disposition_not_found",
            Text("第 {n} 行尚未处置", "Line {n} has no disposition yet").format(n=line_no),
        )
    if not Disposition(row.chosen).goes_to_bin or row.put_away_at is not None:
        raise Conflict(
            "nothing_to_put_away",
            Text("该行没有待上架的商品", "Nothing of this line waits to be put away"),
        )
    _put_away(uow, row, bin_code, actor, now)
    return row


def _put_away(
    uow: UnitOfWork, row: DispositionRow, bin_code: str, actor: str, now: datetime
) -> None:
    code = check_bin(bin_code)
    zone = Disposition(row.chosen).zone
    if not code.startswith(f"{zone}-"):
        raise DomainError(
            "bin_wrong_zone",
            Text(
                "“{d_zh}”的商品应放在 {zone} 区的库位",
                "Goods to {d_en} belong in a bin of zone {zone}",
            ).format(
                d_zh=Disposition(row.chosen).label.zh,
                d_en=Disposition(row.chosen).label.en,
                zone=zone,
            ),
            field="bin",
        )
    uow.warehouse.move(
        Movement(
            MovementKind.PUT_AWAY,
            sku=row.sku,
            quantity=row.quantity,
            from_location=INSPECTION_AREA,
            to_location=code,
            from_grade=row.grade,
            to_grade=row.grade,
            actor=actor,
            at=now,
            rma_no=row.rma_no,
            merchant_id=row.merchant_id,
        )
    )
    row.bin = code
    row.put_away_at = now
    row.put_away_by = actor


_MANUAL = {
    "move": (MovementKind.MOVE, None),
    "sell": (MovementKind.SELL, SOLD),
    "scrap": (MovementKind.SCRAP, SCRAPPED),
}


def move_stock(
    uow: UnitOfWork,
    *,
    kind: str,
    merchant_id: str,
    sku: str,
    grade: str,
    quantity: int,
    from_location: str,
    to_location: str,
    actor: str,
    now: datetime,
    note: str = "",
) -> Movement:
    """A move between bins, a sale or a scrap of stored goods."""
    if kind not in _MANUAL:
        raise DomainError(
            "movement_kind_invalid",
            Text("只能移库、售出或报废", "Only move, sell or scrap"),
            field="kind",
        )
    movement_kind, fixed_target = _MANUAL[kind]
    source = from_location.strip().upper()
    if is_outside(source):
        raise DomainError(
            "movement_source_invalid",
            Text("只能从仓内库位移出", "Goods can only move from a place inside"),
            field="from_location",
        )
    target = fixed_target or check_bin(to_location)
    movement = Movement(
        movement_kind,
        sku=sku,
        quantity=quantity,
        from_location=source,
        to_location=target,
        from_grade=grade,
        to_grade=grade,
        actor=actor,
        at=now,
        merchant_id=merchant_id,
        note=note,
    )
    uow.warehouse.move(movement)
    return movement


def batch_not_found(batch_id: int) -> NotFound:
    return NotFound(
        "batch_not_found",
        Text("找不到退供批次 {id}", "Return-to-vendor batch {id} was not found").format(
            id=batch_id
        ),
    )


def ship_batch(
    uow: UnitOfWork,
    batch_id: int,
    actor: str,
    now: datetime,
    *,
    carrier: str = "",
    waybill_no: str = "",
) -> RtvBatchRow:
    """Close the batch and send its goods to the merchant: one ledger movement per item."""
    batch = uow.warehouse.batch(batch_id, for_update=True)
    if batch is None:
        raise batch_not_found(batch_id)
    if batch.status != "open":
        raise Conflict(
            "batch_already_shipped",
            Text("该批次已发出", "This batch has already been shipped"),
        )
    items = uow.warehouse.rtv_items(batch_id)
    if not items:
        raise DomainError("batch_empty", Text("空批次不能发出", "An empty batch cannot be shipped"))
    for item in items:
        uow.warehouse.move(
            Movement(
                MovementKind.TO_VENDOR,
                sku=item.sku,
                quantity=item.quantity,
                from_location=rtv_location(batch_id),
                to_location=VENDOR,
                from_grade=item.grade,
                to_grade=item.grade,
                actor=actor,
                at=now,
                rma_no=item.rma_no,
                merchant_id=batch.merchant_id,
                note=f"{carrier} {waybill_no}".strip(),
            )
        )
    batch.status = "shipped"
    batch.open_key = None
    batch.shipped_at = now
    batch.shipped_by = actor
    batch.carrier = carrier.strip() or None
    batch.waybill_no = waybill_no.strip() or None
    uow.session.flush()
    return batch


def publish_rules(uow: UnitOfWork, book: RuleBook, now: datetime, by: str) -> RuleBook:
    """A new version numbered after the newest; the book validated itself on creation."""
    newest = uow.warehouse.rules().version
    numbered = RuleBook(
        newest + 1,
        book.rules,
        book.partial_refund_grades,
        book.partial_refund_responsibilities,
        book.scrap_approval_value,
    )
    uow.warehouse.publish_rules(numbered, now, by)
    return numbered
