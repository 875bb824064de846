"""Return requests: the `ReturnRequest` aggregates, and what the rules ask of all of them.

Loaded aggregates are remembered for the unit of work: on commit `flush_changes` writes
them back (the row's `version` column refuses a write based on a stale read) and hands
over their new events for the outbox. Rows never leave this module and `return_rows.py`.

A request filed in this unit of work is not an ORM object (issue 11): its row, lines and
history are queued in storage/batch.py and go with the transaction's other writes in
one statement. Should the request change again before commit (a rare second step in
the same unit of work), its row is loaded then and written back as any other.

A request this process committed last is read in one statement that vouches for the
snapshot the commit left (storage/return_snapshots.py) instead of four (issue 11: a
payment and the bus's follow-ons read it three times); its history stays unloaded and
new entries are added after the stored tail (`return_rows.Tail`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, bindparam, func, inspect, literal_column, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from returnflow.domain.events import DomainEvent, take_events
from returnflow.domain.kinds import Reason, RequestType
from returnflow.domain.lifecycle import Status
from returnflow.domain.money import Money
from returnflow.domain.refunds import HeldLine, OrderHistory, order_history
from returnflow.domain.returns import ReturnRequest
from returnflow.storage import batch
from returnflow.storage.identity_map import TrackingRepository
from returnflow.storage.return_rows import (
    Tail,
    new_row,
    refund_record,
    request_from_parts,
    request_from_row,
    write_back,
)
from returnflow.storage.return_snapshots import Snapshot, Snapshots, snapshot_of
from returnflow.storage.schema import RefundRow, ReturnEventRow, ReturnLineRow, ReturnRow

_RETURNS: Table = ReturnRow.__table__  # type: ignore[assignment]
_LINES: Table = ReturnLineRow.__table__  # type: ignore[assignment]
_EVENTS: Table = ReturnEventRow.__table__  # type: ignore[assignment]
_BY_RMA = batch.Parent(_RETURNS, "rma_no", "return_id")  # lines and history find their row


def held_on_order(query: Select[Any]) -> Select[Any]:
    """`query` over what live requests on the order `:order_no` hold, line by line: the
    statuses written in (an expanding IN would render the statement's text again at every
    filing). Also storage/filing_facts.py's."""
    return (
        query.join(ReturnLineRow, ReturnLineRow.return_id == ReturnRow.id)
        .where(ReturnRow.order_no == bindparam("order_no"))
        .where(
            ReturnRow.status.not_in(
                [literal_column(f"'{s.value}'") for s in Status if not s.holds_goods]
            )
        )
    )


_HELD = held_on_order(
    select(
        ReturnRow.request_type,
        ReturnRow.estimate,
        ReturnLineRow.line_no,
        ReturnLineRow.quantity,
        ReturnLineRow.refund_amount,
        ReturnLineRow.reason_code,
        ReturnRow.currency,
    )
)
_HELD_BUT = _HELD.where(ReturnRow.rma_no != bindparam("exclude"))


@dataclass(slots=True)
class _Fresh:
    """A request filed in this unit of work: queued, not loaded as a row."""

    request: ReturnRequest
    as_queued: tuple[Any, ...]  # what `write_back` writes, to see whether it changed since


class ReturnRepository(TrackingRepository[str, ReturnRequest, ReturnRow]):
    """Return requests. Loaded aggregates are remembered so the unit of work saves them."""

    def __init__(self, session: Session) -> None:
        super().__init__(session, self._write_one)
        self._fresh: dict[str, _Fresh] = {}
        self._tails: dict[str, Tail] = {}  # rows whose history was not loaded (snapshots)
        self._snapshots = Snapshots(session)

    def add(self, request: ReturnRequest, order_id: int) -> None:
        """Queue the new request's row, lines and history (storage/batch.py): they are
        written with the transaction's other queued rows, in one statement."""
        row = new_row(request, order_id)  # never added to the session: its values only
        columns = _set_columns(_RETURNS, row) | {"version": 1}  # the ORM's first version
        tie = {batch.PARENT: request.rma_no}
        batch.queue(self.session, _RETURNS, [columns])
        lines = [tie | _set_columns(_LINES, line, "return_id") for line in row.lines]
        batch.queue(self.session, _LINES, lines, parent=_BY_RMA)
        events = [tie | _set_columns(_EVENTS, event, "return_id") for event in row.history]
        batch.queue(self.session, _EVENTS, events, parent=_BY_RMA)
        self._fresh[request.rma_no] = _Fresh(request, _written(request))

    def get(self, rma_no: str, *, for_update: bool = False) -> ReturnRequest | None:
        fresh = self._fresh.get(rma_no)
        known = fresh.request if fresh is not None else self._map.recall(rma_no)
        if known is not None:
            if for_update:
                # read earlier without a lock: take it now, or two writers (say a refund
                # and a store-credit refund) each insert under the other's feet and
                # PostgreSQL breaks the tie with a deadlock; the version check still
                # refuses a write based on what was read before the lock
                self.session.execute(
                    select(ReturnRow.id).where(ReturnRow.rma_no == rma_no).with_for_update()
                )
            return known
        snapshot = self._snapshots.recall(rma_no)
        if snapshot is not None:
            vouched = self._vouched(rma_no, snapshot, for_update)
            if vouched is not None:
                return vouched
        query = _whole(rma_no)
        if for_update:  # the request's row only, not the refund joined to it
            query = query.with_for_update(of=ReturnRow)
        row = self.session.scalars(query).first()
        return None if row is None else self._map.remember(rma_no, request_from_row(row), row)

    def _vouched(self, rma_no: str, snapshot: Snapshot, for_update: bool) -> ReturnRequest | None:
        """The request from the snapshot its last commit in this process left, if one
        statement (its row, the refund's columns, its history's count and last hash)
        shows nothing changed since; else None, and `get` reads it whole (issue 11: a
        payment and the bus's follow-ons read one request three times)."""
        query = _vouching(rma_no)
        if for_update:
            query = query.with_for_update(of=ReturnRow)
        found = self.session.execute(query).first()
        if found is None:
            return None
        row, refund_id, amount, currency, method, reference, paid_at, count, last, texts = found
        if "history" in inspect(row).dict or not snapshot.vouches(row, count, last, texts):
            return None
        paid = refund_record(amount, currency, method, reference, paid_at)
        request = request_from_parts(row, snapshot.lines, list(snapshot.history), paid)
        if refund_id is None:  # known to have none: hanging one on it reads nothing
            set_committed_value(row, "refund", None)
        self._tails[rma_no] = Tail(count, last, refund_id is not None)
        return self._map.remember(rma_no, request, row)

    def _write_one(self, request: ReturnRequest, row: ReturnRow) -> None:
        """`write_back`, after the stored tail for a request read from a snapshot."""
        tail = self._tails.get(request.rma_no)
        if tail is None:
            write_back(request, row)
        else:
            self._tails[request.rma_no] = write_back(request, row, tail) or tail

    def forget(self, rma_no: str) -> None:
        """Drop a remembered request (say after a rollback): the next `get` reads it afresh."""
        self._map.forget(rma_no)
        self._fresh.pop(rma_no, None)
        self._tails.pop(rma_no, None)

    def sync(self) -> None:
        """Write every remembered aggregate back to its row, so queries see the changes;
        each aggregate learns the version its row now has."""
        self._write()
        batch.flush(self.session)  # the requests filed here are seen by the query to come

    def flush_changes(self) -> list[DomainEvent]:
        """`sync`, but a filed request's queued rows wait for the commit's one statement."""
        self._write()
        fresh = [f.request for f in self._fresh.values()]
        events = self._map.take_events() + take_events(fresh)
        for request, row in self._map.pairs():  # kept once the transaction commits
            tail = self._tails.get(request.rma_no)
            self._snapshots.keep(request.rma_no, snapshot_of(request, row, tail))
        return events

    def _write(self) -> None:
        self._settle_fresh()
        super().sync()
        for request, row in self._map.pairs():
            request.version = row.version
        for fresh in self._fresh.values():
            fresh.request.version = 1  # as the ORM's flush of its row would have said

    def _settle_fresh(self) -> None:
        """A filed request changed since it was queued: load its row (the queue sent
        first) and remember the pair, so `write_back` writes the change as for any."""
        for rma_no, fresh in list(self._fresh.items()):
            if _written(fresh.request) == fresh.as_queued:
                continue
            batch.flush(self.session)
            del self._fresh[rma_no]
            self._map.remember(rma_no, fresh.request, self.session.scalars(_whole(rma_no)).one())

    def history_for_order(self, order_no: str, *, exclude: str | None = None) -> OrderHistory:
        """What live requests on an order already hold, line by line."""
        self.sync()  # requests changed earlier in this unit of work count as they are now
        # prebuilt, on the connection (issue 11): only the order number is bound
        query, values = _HELD, {"order_no": order_no}
        if exclude is not None:
            query, values = _HELD_BUT, values | {"exclude": exclude}
        rows = self.session.connection().execute(query, values).all()
        currency = rows[0][-1] if rows else "CNY"
        held = (
            HeldLine(
                request_type=RequestType(rtype),
                reason=Reason(reason),
                line_no=line_no,
                quantity=quantity,
                refund_amount=Money(amount, cur),
                claims_shipping=estimate.get("shipping_fee", 0) > 0,
            )
            for rtype, estimate, line_no, quantity, amount, reason, cur in rows
        )
        return order_history(held, currency)

    def due_for_auto_close(self, now: datetime, limit: int = 500) -> list[str]:
        query = (
            select(ReturnRow.rma_no)
            .where(ReturnRow.status == Status.APPROVED.value, ReturnRow.ship_by <= now)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def due_for_auto_confirm(self, now: datetime, limit: int = 500) -> list[str]:
        query = (
            select(ReturnRow.rma_no)
            .where(ReturnRow.status == Status.COMPLETED.value, ReturnRow.confirm_by <= now)
            .limit(limit)
        )
        return list(self.session.scalars(query))


def _set_columns(table: Table, row: object, *leave: str) -> dict[str, Any]:
    """The columns a new ORM row has values for, as the ORM would have inserted them
    (a column never set is left out: its default or NULL, not JSON null)."""
    state: dict[str, Any] = inspect(row).dict
    return {c.key: state[c.key] for c in table.columns if c.key in state and c.key not in leave}


def _written(request: ReturnRequest) -> tuple[Any, ...]:
    """What of a request `write_back` writes onto its row (its parts are immutable
    values, so equal parts mean an unchanged row)."""
    return (
        request.status,
        request.shipping_payer,
        request.estimate,
        request.decision,
        request.review_due_at,
        request.ship_by,
        request.confirm_by,
        request.shipment,
        request.inspection,
        request.rating,
        request.refund,
        len(request.history),
    )


def _whole(rma_no: str) -> Any:
    """One request's row with its lines, history and refund: all an aggregate is built from
    (the one refund joined to the row, the two collections each in a statement of its own)."""
    return (
        select(ReturnRow)
        .where(ReturnRow.rma_no == rma_no)
        .options(
            selectinload(ReturnRow.lines),
            selectinload(ReturnRow.history),
            joinedload(ReturnRow.refund),
        )
    )


def _vouching(rma_no: str) -> Any:
    """One request's own row with what shows whether a snapshot of it still holds: its
    refund's columns, its history's length and last hash (the chain covers every entry),
    and how many of its lines keep a reason text (anonymising clears them)."""
    events = (
        select(func.count())
        .where(ReturnEventRow.return_id == ReturnRow.id)
        .correlate(ReturnRow)
        .scalar_subquery()
    )
    last = (
        select(ReturnEventRow.row_hash)
        .where(ReturnEventRow.return_id == ReturnRow.id)
        .order_by(ReturnEventRow.seq.desc())
        .limit(1)
        .correlate(ReturnRow)
        .scalar_subquery()
    )
    texts = (
        select(func.count())
        .where(ReturnLineRow.return_id == ReturnRow.id, ReturnLineRow.reason_text != "")
        .correlate(ReturnRow)
        .scalar_subquery()
    )
    return (
        select(
            ReturnRow,
            RefundRow.id,
            RefundRow.amount,
            RefundRow.currency,
            RefundRow.method,
            RefundRow.reference,
            RefundRow.paid_at,
            events,
            last,
            texts,
        )
        .outerjoin(RefundRow, RefundRow.return_id == ReturnRow.id)
        .where(ReturnRow.rma_no == rma_no)
    )
