"""After inspection (R5.4): disposition by the rules, put-away to a bin, moves, and
return-to-vendor batches; every movement of goods goes through the inventory ledger.

A line is disposed once (`LineDisposition`, unique per request and line). Goods kept in
the warehouse (restock, discount, refurbish) wait in the inspection area until put
away to a bin of their disposition's zone; return-to-vendor goods go to the merchant's
open batch (`RtvBatch`); scrapped goods leave at once, and above the rules' value only
with a manager's approval (AMOUNTS_APPROVE). What pages and routes read lives in
`warehouse_queries.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from returnflow.domain.disposition import (
    Disposition,
    Item,
    RuleBook,
    Suggestion,
    book_from_json,
    suggest,
)
from returnflow.domain.disposition_record import DisposableLine, LineDisposition
from returnflow.domain.inventory import Movement, manual_movement
from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.orders import OrderLine
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.rtv import RtvBatch, rtv_location
from returnflow.domain.text import DomainError, Text
from returnflow.services.errors import Conflict, NotFound
from returnflow.services.returns import get_return, policy_for
from returnflow.services.unit_of_work import UnitOfWork

__all__ = [
    "LineToDispose",
    "batch_not_found",
    "dispose",
    "lines_to_dispose",
    "move_stock",
    "publish_rules",
    "put_away",
    "rtv_location",
    "rules_from_document",
    "ship_batch",
]


@dataclass(frozen=True)
class LineToDispose:
    """One returned line with the rules' suggestion and the disposition already made."""

    line_no: int
    order_line: OrderLine
    quantity: int
    item: Item
    suggestion: Suggestion
    decided: LineDisposition | None

    @property
    def row(self) -> LineDisposition | None:
        """The older name of `decided` (the demo's stories read it)."""
        return self.decided

    @property
    def disposable(self) -> DisposableLine:
        found = self.order_line
        return DisposableLine(
            self.line_no, found.sku, found.category, self.quantity, self.item, self.suggestion
        )


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
            inspection.grade,
            order_line.category,
            value.cents if value is not None else 0,
            inspection.responsibility,
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
    """Disposition needs goods the warehouse keeps: inspected, not on their way back.

    A failed inspection overturned on appeal (issue 12) counts as passed: the customer
    is refunded in full and the goods, still here, are the warehouse's to sort.
    """
    inspection = uow.warehouse.inspection(request.rma_no)
    overturned = any(
        change.action is Action.OVERTURN and change.from_status is Status.INSPECTION_FAILED
        for change in request.history
    )
    kept = inspection is not None and (
        inspection.keeps_goods or (overturned and not inspection.sent_back)
    )
    if not kept or request.status in (Status.RECEIVED, Status.IN_TRANSIT):
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
) -> LineDisposition:
    """Decide where one line goes (the rules' suggestion unless someone chose otherwise)."""
    request = get_return(uow, rma_no, merchant_scope=merchant_scope, for_update=True)
    _goods_here(uow, request)
    line = next((x for x in lines_to_dispose(uow, request) if x.line_no == line_no), None)
    if line is None:
        raise NotFound(
            "line_not_found",
            Text("该申请没有第 {n} 行", "This request has no line {n}").format(n=line_no),
        )
    if line.decided is not None:
        raise Conflict(
            "already_disposed",
            Text("第 {n} 行已处置", "Line {n} has already been disposed").format(n=line_no),
        )
    decided = LineDisposition.decide(
        rma_no=request.rma_no,
        merchant_id=request.merchant_id,
        line=line.disposable,
        book=uow.warehouse.rules(),
        chosen=chosen,
        may_approve=may_approve,
        actor=actor,
        now=now,
    )
    batch: RtvBatch | None = None
    if decided.waits_for_batch:
        batch = uow.warehouse.open_batch(request.merchant_id, now)
        decided.pick_for_vendor(batch, actor, now)
    elif bin_code.strip() and decided.waits_for_bin:
        decided.put_away(bin_code, actor, now)
    uow.warehouse.add_disposition(decided)
    if batch is not None:
        uow.warehouse.save_batch(batch)
    return decided


def put_away(
    uow: UnitOfWork,
    rma_no: str,
    line_no: int,
    bin_code: str,
    actor: str,
    now: datetime,
    *,
    merchant_scope: str | None = None,
) -> LineDisposition:
    get_return(uow, rma_no, merchant_scope=merchant_scope, for_update=True)
    decided = uow.warehouse.disposition(rma_no, line_no)
    if decided is None:
        raise NotFound(
            "disposition_not_found",
            Text("第 {n} 行尚未处置", "Line {n} has no disposition yet").format(n=line_no),
        )
    if not decided.waits_for_bin:
        raise Conflict(
            "nothing_to_put_away",
            Text("该行没有待上架的商品", "Nothing of this line waits to be put away"),
        )
    decided.put_away(bin_code, actor, now)
    uow.warehouse.save_disposition(decided)
    return decided


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
    """A move between bins, a sale or a scrap of stored goods; refused if the source is short."""
    movement = manual_movement(
        kind,
        merchant_id=merchant_id,
        sku=sku,
        grade=grade,
        quantity=quantity,
        from_location=from_location,
        to_location=to_location,
        actor=actor,
        at=now,
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
) -> RtvBatch:
    """Close the batch and send its goods to the merchant: one ledger movement per item."""
    batch = uow.warehouse.batch(batch_id, for_update=True)
    if batch is None:
        raise batch_not_found(batch_id)
    if not batch.is_open:
        raise Conflict(
            "batch_already_shipped",
            Text("该批次已发出", "This batch has already been shipped"),
        )
    batch.ship(actor, now, carrier=carrier, waybill_no=waybill_no)
    uow.warehouse.save_batch(batch)
    return batch


def rules_from_document(document: Mapping[str, Any]) -> RuleBook:
    """A rule book as `GET /rules` shows it (its version is ignored), or a clear refusal."""
    try:
        return book_from_json({**document, "version": 0})
    except (KeyError, ValueError, TypeError) as error:
        raise DomainError(
            "rules_invalid",
            Text("规则文档格式不正确：{e}", "The rules document is not valid: {e}").format(
                e=str(error)
            ),
            field="rules",
        ) from error


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
