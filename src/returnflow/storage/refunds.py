"""Refunds stored and found: rows in, `Refund` aggregates out (rows never leave storage/).

A request's refund hangs off its `ReturnRow` (the unique `return_id` is what makes a
second refund for one request impossible); it is created through that row so the
request aggregate loaded in the same transaction sees it. The repository remembers
every refund it hands out; `flush_changes` writes them back and returns their new
events for the unit of work to publish. What the worker and the finance pages look
for lives in `storage/refund_queries.py` (the repository's query half).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnflow.domain.money import Money
from returnflow.domain.refund import Refund
from returnflow.domain.refund_life import RefundLife, RefundState
from returnflow.storage.identity_map import TrackingRepository
from returnflow.storage.refund_approvals import Approvals
from returnflow.storage.refund_queries import RefundListing, RefundQueries
from returnflow.storage.refund_recoveries import Recoveries
from returnflow.storage.schema import RefundRow, ReturnRow

__all__ = ["Approvals", "Recoveries", "RefundListing", "RefundStore"]

# the row's own columns an aggregate writes back (its life is written separately)
_PLAIN = (
    "method", "reference", "paid_at", "idempotency_key", "gateway", "gateway_refund_id",
    "trigger", "requested_at", "requested_by", "approved_by", "due_by", "breached_at",
    "instant",
)  # fmt: skip


class RefundStore(TrackingRepository[str, Refund, RefundRow], RefundQueries):
    """The refund repository: `uow.refunds` (`sync` and `flush_changes` write its refunds
    back; see `TrackingRepository`)."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, _write)

    # --- one refund ----------------------------------------------------------------

    def get(self, rma_no: str, *, for_update: bool = False) -> Refund | None:
        query = select(RefundRow).join(ReturnRow).where(ReturnRow.rma_no == rma_no)
        return self._one(query, rma_no, for_update)

    def for_rma(self, rma_no: str, *, for_update: bool = False) -> Refund | None:
        """The same as `get` (the name the demo and older callers use)."""
        return self.get(rma_no, for_update=for_update)

    def by_id(self, refund_id: int, *, for_update: bool = False) -> Refund | None:
        """One read, the row and its request's number together (issue 11: the worker's
        payment used to look the number up first, then read the row by it)."""
        for known, _ in self._map.pairs():
            if known.id == refund_id:
                return self.get(known.rma_no, for_update=for_update)
        return self._keyed(RefundRow.id == refund_id, for_update)

    def by_gateway_id(self, gateway_refund_id: str) -> Refund | None:
        """The refund the gateway knows by this id, locked (its notification moves it)."""
        for known, _ in self._map.pairs():
            if known.gateway_refund_id == gateway_refund_id:
                return self.get(known.rma_no, for_update=True)
        return self._keyed(RefundRow.gateway_refund_id == gateway_refund_id, True)

    def _keyed(self, where: Any, for_update: bool) -> Refund | None:
        """The refund `where` finds, read with its RMA number in one statement."""
        query = select(RefundRow, ReturnRow.rma_no).join(ReturnRow).where(where)
        if for_update:
            query = query.with_for_update(of=RefundRow).execution_options(populate_existing=True)
        found = self.session.execute(query).first()
        if found is None:
            return None
        row, rma_no = found
        return self._map.remember(rma_no, _to_refund(row, rma_no), row)

    def add(self, refund: Refund) -> None:
        """The refund of its request, hung off the return row; a twin fails at flush.

        The return row is usually in the session already (the service loaded the
        request under its lock): it is taken from there instead of read again.
        """
        owner = _loaded_return(self.session, refund.rma_no)
        if owner is None:
            owner = self.session.scalars(
                select(ReturnRow).where(ReturnRow.rma_no == refund.rma_no)
            ).one()
        row = RefundRow(amount=refund.amount.cents, currency=refund.amount.currency)
        _write(refund, row)
        owner.refund = row
        self.session.flush()
        refund.id = row.id
        for event in refund.events:
            if event.data.get("refund_id") is None:
                event.data["refund_id"] = row.id
        self._map.remember(refund.rma_no, refund, row)

    def _one(self, query: Any, rma_no: str, for_update: bool) -> Refund | None:
        known = self._map.recall(rma_no)
        if known is not None and not for_update:
            return known
        if for_update:
            if known is not None:  # its own changes first: the re-read below keeps them
                _write(known, self._map.row_of(rma_no))
            # a row read earlier in this transaction without the lock (the request
            # aggregate loads its refund) must be re-read under it: deciding on the
            # stale copy let concurrent callers each re-request a declined refund
            query = query.with_for_update(of=RefundRow).execution_options(populate_existing=True)
        row = self.session.scalars(query).first()
        if row is None:
            return None
        fresh = _to_refund(row, rma_no)
        if known is not None:
            _refresh(known, fresh)
            return known
        return self._map.remember(rma_no, fresh, row)


def _loaded_return(session: Session, rma_no: str) -> ReturnRow | None:
    """The request's row if this session holds it (no statement), else None."""
    for item in session.identity_map.values():
        if isinstance(item, ReturnRow) and item.rma_no == rma_no:
            return item
    return None


def _to_refund(row: RefundRow, rma_no: str) -> Refund:
    life = RefundLife(
        state=RefundState(row.status),
        attempts=row.attempts or 0,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        escalated_at=row.escalated_at,
        key_group=int((row.workings or {}).get("key_group", 0)),
    )
    return Refund(
        rma_no=rma_no,
        amount=Money(row.amount, row.currency),
        method=row.method,
        reference=row.reference,
        trigger=row.trigger or "manual",
        life=life,
        idempotency_key=row.idempotency_key,
        gateway=row.gateway,
        gateway_refund_id=row.gateway_refund_id,
        requested_at=row.requested_at,
        requested_by=row.requested_by,
        approved_by=row.approved_by,
        due_by=row.due_by,
        breached_at=row.breached_at,
        paid_at=row.paid_at,
        instant=bool(row.instant),
        workings=dict(row.workings or {}),
        id=row.id,
    )


def _refresh(refund: Refund, fresh: Refund) -> None:
    """Bring a remembered refund up to its row as read under the lock (events kept)."""
    for item in fields(Refund):
        if item.name != "events":
            setattr(refund, item.name, getattr(fresh, item.name))


def _write(refund: Refund, row: RefundRow) -> None:
    """Copy the aggregate onto its row; unchanged columns are left untouched."""
    life = refund.life
    workings = dict(refund.workings)
    if life.key_group != int(workings.get("key_group", 0)):
        workings["key_group"] = life.key_group
    values: dict[str, Any] = {name: getattr(refund, name) for name in _PLAIN}
    values.update(
        amount=refund.amount.cents,
        currency=refund.amount.currency,
        status=life.state.value,
        attempts=life.attempts,
        next_attempt_at=life.next_attempt_at,
        last_error=life.last_error,
        escalated_at=life.escalated_at,
        workings=workings,
    )
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
    refund.workings = workings
