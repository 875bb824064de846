"""The warehouse's work (issue 16): what its home opens on, and the paged queue of
received requests waiting for inspection, oldest first.

The queue reads the receiving desk's own list (`uow.journeys.resting_since`, the
query behind `timers.inspection_queue`) with the same clocks; a merchant at its own
warehouse (`merchant_scope` set) sees only its own requests, and a merchant without one
is refused as at the receiving desk (`merchant_desk.own_warehouse`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from returnflow.domain.lifecycle import Status
from returnflow.domain.paging import page_count
from returnflow.domain.staff_notices import LOCAL_ZONE
from returnflow.services import merchant_desk
from returnflow.services.merchants import merchant_names
from returnflow.services.timers import (
    InspectionDue,
    TimerRules,
    entered_status_at,
    inspection_deadline,
    inspection_timeout,
)
from returnflow.services.unit_of_work import UnitOfWork

PAGE_SIZE = 25
MAX_PAGE = 200  # 5,000 requests deep: further than anyone pages


@dataclass(frozen=True, slots=True)
class WarehouseCounts:
    """The warehouse home's four numbers (None: not this reader's work)."""

    expected_today: int
    awaiting_inspection: int
    awaiting_disposition: int | None
    rtv_open: int | None


def end_of_local_day(now: datetime) -> datetime:
    local = now.astimezone(LOCAL_ZONE)
    return datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=LOCAL_ZONE)


def counts(
    uow: UnitOfWork, now: datetime, merchant_scope: str | None, *, disposes: bool
) -> WarehouseCounts:
    """Parcels expected by the end of today (local), received and not inspected, passed
    and not disposed, open return-to-vendor batches; a merchant's own only when scoped."""
    merchant_desk.own_warehouse(uow, merchant_scope)
    work = uow.warehouse_work
    platform = merchant_scope is None
    return WarehouseCounts(
        expected_today=work.expected_by(end_of_local_day(now), merchant_scope),
        awaiting_inspection=work.received(merchant_scope),
        awaiting_disposition=work.awaiting_disposition(None) if platform and disposes else None,
        rtv_open=work.open_batches() if platform and disposes else None,
    )


@dataclass(frozen=True, slots=True)
class QueueRow:
    item: InspectionDue
    merchant: str  # display name
    waiting: timedelta  # since it was received
    left: timedelta  # until the inspect-by time (negative: overdue)

    @property
    def overdue(self) -> bool:
        return self.left.total_seconds() <= 0


@dataclass(frozen=True, slots=True)
class InspectionQueue:
    rows: tuple[QueueRow, ...]
    total: int
    page: int
    pages: int
    size: int


def inspection_queue(
    uow: UnitOfWork,
    rules: TimerRules,
    now: datetime,
    merchant_scope: str | None,
    page: int = 1,
    size: int = PAGE_SIZE,
) -> InspectionQueue:
    """One page of the received requests not inspected yet, longest waiting first."""
    merchant_desk.own_warehouse(uow, merchant_scope)
    total = uow.warehouse_work.received(merchant_scope)
    pages = min(MAX_PAGE, page_count(total, size))
    page = max(1, min(page, pages))
    start = (page - 1) * size
    waiting = uow.journeys.resting_since(
        [Status.RECEIVED], now + timedelta(days=1), limit=start + size, merchant_id=merchant_scope
    )[start:]
    found: list[InspectionDue] = []
    for rma_no in waiting:
        request = uow.returns.get(rma_no)
        if request is None:
            continue
        due, timeout = inspection_deadline(request, rules), inspection_timeout(request, rules)
        if due is None or timeout is None:
            continue
        received_at = entered_status_at(request)
        found.append(
            InspectionDue(rma_no, request.order_no, request.merchant_id, received_at, due, timeout)
        )
    names = merchant_names(uow, (item.merchant_id for item in found))
    rows = tuple(
        QueueRow(
            item,
            names.get(item.merchant_id, item.merchant_id),
            now - item.received_at,
            item.inspect_by - now,
        )
        for item in found
    )
    return InspectionQueue(rows, total, page, pages, size)


@dataclass(frozen=True, slots=True)
class DispositionRow:
    rma_no: str
    merchant: str  # display name
    grade: str
    inspected_at: datetime
    waiting: timedelta


@dataclass(frozen=True, slots=True)
class DispositionQueue:
    rows: tuple[DispositionRow, ...]
    total: int
    page: int
    pages: int


def disposition_queue(
    uow: UnitOfWork, now: datetime, page: int = 1, size: int = PAGE_SIZE
) -> DispositionQueue:
    """Passed inspections whose goods wait for a disposition, longest waiting first (the
    platform's warehouse: merchants do not dispose)."""
    work = uow.warehouse_work
    total = work.awaiting_disposition(None)
    pages = min(MAX_PAGE, page_count(total, size))
    page = max(1, min(page, pages))
    found = work.disposition_waiting(None, (page - 1) * size, size)
    names = merchant_names(uow, (merchant for _, merchant, _, _ in found))
    rows = tuple(
        DispositionRow(rma, names.get(merchant, merchant), grade, at, now - at)
        for rma, merchant, grade, at in found
    )
    return DispositionQueue(rows, total, page, pages)
