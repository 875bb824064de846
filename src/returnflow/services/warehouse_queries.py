"""What the warehouse's routes and pages read (R5.2–R5.4): one query per page or list.

Each returns typed read models (domain aggregates, frozen dataclasses), never rows, in
one transaction the caller opens; nothing here changes anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from returnflow.domain.disposition import RuleBook
from returnflow.domain.disposition_record import LineDisposition
from returnflow.domain.inspection import Check
from returnflow.domain.inspection_record import Inspection, PartialRefundOffer, SendBack
from returnflow.domain.inventory import Movement, StockFilter, StockLevel
from returnflow.domain.lifecycle import Status
from returnflow.domain.money import Money
from returnflow.domain.refunds import net_refund
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.rtv import RtvBatch
from returnflow.services.inspection import checklist
from returnflow.services.returns import get_return
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.services.warehouse import LineToDispose, batch_not_found, lines_to_dispose

__all__ = [
    "DispositionPage",
    "InspectionPage",
    "Inventory",
    "RequestWarehouse",
    "RtvPage",
    "StockFilter",
    "batch",
    "batches",
    "disposition_page",
    "inspection_page",
    "inventory",
    "movements",
    "request_state",
    "rtv_page",
    "rules",
    "stock_filter",
    "stock_levels",
]


@dataclass(frozen=True)
class RequestWarehouse:
    """Everything the warehouse holds about one request."""

    rma_no: str
    status: Status
    refund_total: Money  # the estimate less the deductions the customer accepted
    inspection: Inspection | None
    send_backs: tuple[SendBack, ...]
    dispositions: tuple[LineDisposition, ...]

    @property
    def offer(self) -> PartialRefundOffer | None:
        return self.inspection.offer if self.inspection is not None else None


def _state(uow: UnitOfWork, request: ReturnRequest) -> RequestWarehouse:
    rma_no = request.rma_no
    return RequestWarehouse(
        rma_no=rma_no,
        status=request.status,
        refund_total=net_refund(request.estimate.total, uow.warehouse.accepted_deductions(rma_no)),
        inspection=uow.warehouse.inspection(rma_no),
        send_backs=tuple(uow.warehouse.send_backs(rma_no)),
        dispositions=tuple(uow.warehouse.dispositions_of(rma_no)),
    )


def request_state(
    uow: UnitOfWork, rma_no: str, *, merchant_scope: str | None = None
) -> RequestWarehouse:
    """The inspection, any offer or send-back, and the dispositions of one request."""
    return _state(uow, get_return(uow, rma_no, merchant_scope=merchant_scope))


@dataclass(frozen=True)
class InspectionPage:
    request: ReturnRequest
    checks: tuple[Check, ...]
    state: RequestWarehouse
    book: RuleBook  # which grades may be offered a partial refund


def inspection_page(
    uow: UnitOfWork, rma_no: str, *, merchant_scope: str | None = None
) -> InspectionPage:
    request = get_return(uow, rma_no, merchant_scope=merchant_scope)
    return InspectionPage(
        request, checklist(uow, request), _state(uow, request), uow.warehouse.rules()
    )


@dataclass(frozen=True)
class DispositionPage:
    request: ReturnRequest
    lines: tuple[LineToDispose, ...]
    inspection: Inspection | None


def disposition_page(
    uow: UnitOfWork, rma_no: str, *, merchant_scope: str | None = None
) -> DispositionPage:
    request = get_return(uow, rma_no, merchant_scope=merchant_scope)
    lines = tuple(lines_to_dispose(uow, request))
    return DispositionPage(request, lines, uow.warehouse.inspection(request.rma_no))


def stock_filter(
    merchant_id: str | None, sku: str | None, location: str | None, grade: str | None
) -> StockFilter:
    """What someone typed into the filters: blanks are "any", places and grades upper case."""
    return StockFilter(
        (merchant_id or "").strip() or None,
        (sku or "").strip() or None,
        (location or "").strip().upper() or None,
        (grade or "").strip().upper() or None,
    )


@dataclass(frozen=True)
class Inventory:
    stock: tuple[StockLevel, ...]  # units per SKU, place and grade (never negative)
    movements: tuple[Movement, ...]  # newest first


def inventory(uow: UnitOfWork, where: StockFilter, limit: int = 100) -> Inventory:
    return Inventory(tuple(stock_levels(uow, where)), tuple(movements(uow, where, limit)))


def stock_levels(uow: UnitOfWork, where: StockFilter) -> list[StockLevel]:
    return uow.warehouse.stock(where)


def movements(uow: UnitOfWork, where: StockFilter, limit: int = 200) -> list[Movement]:
    """Ledger movements, newest first."""
    return uow.warehouse.ledger(where, limit)


def batches(uow: UnitOfWork, status: str | None = None) -> list[RtvBatch]:
    """Newest first, with their items."""
    return uow.warehouse.batches(status)


def batch(uow: UnitOfWork, batch_id: int) -> RtvBatch:
    found = uow.warehouse.batch(batch_id)
    if found is None:
        raise batch_not_found(batch_id)
    return found


@dataclass(frozen=True)
class RtvPage:
    batches: tuple[RtvBatch, ...]
    chosen: RtvBatch | None  # the batch whose manifest is shown


def rtv_page(uow: UnitOfWork, batch_id: int | None = None) -> RtvPage:
    chosen = batch(uow, batch_id) if batch_id is not None else None
    return RtvPage(tuple(batches(uow)), chosen)


def rules(uow: UnitOfWork) -> RuleBook:
    """The disposition rules in force (version 0 is the built-in default)."""
    return uow.warehouse.rules()
