"""Disputes ⇄ rows (`uow.disputes`): one object per dispute in a unit of work.

A dispute is remembered by its number (`TrackingRepository`); `flush_changes` writes
each back, inserts the evidence added since it was loaded (evidence rows are never
updated) and hands over the new events. `open_rma` is unique while a dispute is
undecided, so a request never has two undecided disputes (a racing twin fails at flush:
`ConcurrentUpdate`). Lists are read without being remembered.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, func, insert, select
from sqlalchemy.orm import Session

from returnflow.domain.awards import Liable
from returnflow.domain.disputes import (
    Dispute,
    DisputeStatus,
    Evidence,
    EvidenceKind,
    Outcome,
    Ruling,
    Side,
)
from returnflow.domain.money import Money
from returnflow.storage.counters import Counters
from returnflow.storage.identity_map import TrackingRepository, one_row
from returnflow.storage.schema import CounterRow
from returnflow.storage.schema.disputes import DisputeEvidenceRow, DisputeRow

COUNTER = "dispute_no"


class DisputeRepository(TrackingRepository[str, Dispute, DisputeRow]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, self._write)
        self._stored_evidence: dict[str, int] = {}

    # --- numbers ----------------------------------------------------------------------

    def next_number(self) -> int:
        """The next number of the "dispute_no" sequence (PostgreSQL) or counter (SQLite).

        On SQLite a missing counter row (a database emptied by hand) is seeded from the
        disputes already stored, so numbering goes on instead of failing.
        """
        if self.session.get_bind().dialect.name != "postgresql":
            known = self.session.get(CounterRow, COUNTER)
            if known is None:
                stored = self.session.scalar(select(func.count()).select_from(DisputeRow)) or 0
                self.session.execute(insert(CounterRow).values(name=COUNTER, value=stored))
        return Counters(self.session).next(COUNTER)

    # --- one dispute ------------------------------------------------------------------

    def add(self, dispute: Dispute) -> None:
        row = DisputeRow(
            dispute_no=dispute.dispute_no,
            rma_no=dispute.rma_no,
            order_no=dispute.order_no,
            customer_id=dispute.customer_id,
            merchant_id=dispute.merchant_id,
            opened_by=dispute.opened_by,
            opener=dispute.opener.value,
            statement=dispute.statement,
            opened_at=dispute.opened_at,
            evidence_due_at=dispute.evidence_due_at,
        )
        self._stored_evidence[dispute.dispute_no] = 0
        self._write(dispute, row)
        self.session.add(row)
        self.session.flush()
        self._write_evidence(dispute, row)
        self._map.remember(dispute.dispute_no, dispute, row)

    def get(self, dispute_no: str, *, for_update: bool = False) -> Dispute | None:
        query = select(DisputeRow).where(DisputeRow.dispute_no == dispute_no)
        return self._map.recall_or_load(
            dispute_no, lambda: one_row(self.session, query, for_update=for_update), self._load
        )

    def open_for(self, rma_no: str, *, for_update: bool = False) -> Dispute | None:
        """The request's undecided dispute, if any."""
        self.sync()
        query = select(DisputeRow).where(DisputeRow.open_rma == rma_no)
        return self._found(query, for_update=for_update)

    def latest_for(self, rma_no: str) -> Dispute | None:
        self.sync()
        query = select(DisputeRow).where(DisputeRow.rma_no == rma_no).order_by(DisputeRow.id.desc())
        return self._found(query)

    def _found(self, query: Select[DisputeRow], *, for_update: bool = False) -> Dispute | None:
        row = one_row(self.session, query, for_update=for_update)
        if row is None:
            return None
        return self._map.adopt(row.dispute_no, row, self._load)

    # --- lists ------------------------------------------------------------------------

    def due(self, now: datetime, limit: int = 200) -> list[str]:
        """Open disputes whose evidence deadline has come (at or before `now`)."""
        query = (
            select(DisputeRow.dispute_no)
            .where(DisputeRow.status == DisputeStatus.OPEN.value)
            .where(DisputeRow.evidence_due_at <= now)
            .order_by(DisputeRow.evidence_due_at, DisputeRow.id)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def page(
        self, status: str | None, offset: int, limit: int, merchant_scope: str | None
    ) -> tuple[list[Dispute], int]:
        """A page of disputes, evidence due soonest first, and how many match in all."""
        self.sync()
        query = select(DisputeRow)
        if status is not None:
            query = query.where(DisputeRow.status == status)
        if merchant_scope is not None:
            query = query.where(DisputeRow.merchant_id == merchant_scope)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = list(
            self.session.scalars(
                query.order_by(DisputeRow.evidence_due_at, DisputeRow.id)
                .offset(offset)
                .limit(limit)
            )
        )
        evidence = self._evidence_rows([row.id for row in rows])
        return [_dispute(row, evidence.get(row.id, [])) for row in rows], int(total)

    # --- rows -------------------------------------------------------------------------

    def _evidence_rows(self, ids: Sequence[int]) -> dict[int, list[DisputeEvidenceRow]]:
        found: dict[int, list[DisputeEvidenceRow]] = {}
        if not ids:
            return found
        query = (
            select(DisputeEvidenceRow)
            .where(DisputeEvidenceRow.dispute_id.in_(ids))
            .order_by(DisputeEvidenceRow.id)
        )
        for row in self.session.scalars(query):
            found.setdefault(row.dispute_id, []).append(row)
        return found

    def _load(self, row: DisputeRow) -> Dispute:
        items = self._evidence_rows([row.id]).get(row.id, [])
        self._stored_evidence[row.dispute_no] = len(items)
        return _dispute(row, items)

    def _write(self, dispute: Dispute, row: DisputeRow) -> None:
        row.status = dispute.status.value
        row.open_rma = None if dispute.is_closed else dispute.rma_no
        ruling = dispute.ruling
        if ruling is not None:
            row.outcome = ruling.outcome.value
            row.liable = ruling.liable.value
            row.refund = None if ruling.refund is None else ruling.refund.cents
            row.compensation = ruling.compensation.cents
            row.currency = ruling.compensation.currency
            row.reason = ruling.reason
            row.ruled_by = ruling.ruled_by
            row.ruled_at = ruling.at
            row.agreement = ruling.agreement
        changed = [event.occurred_at for event in dispute.events]
        row.updated_at = max(changed) if changed else (row.updated_at or dispute.opened_at)
        if row.id is not None:
            self._write_evidence(dispute, row)

    def _write_evidence(self, dispute: Dispute, row: DisputeRow) -> None:
        stored = self._stored_evidence.get(dispute.dispute_no, 0)
        for item in dispute.evidence[stored:]:
            self.session.add(
                DisputeEvidenceRow(
                    dispute_id=row.id,
                    side=item.side.value,
                    kind=item.kind.value,
                    text=item.text,
                    photos=list(item.photos),
                    added_by=item.added_by,
                    added_at=item.at,
                )
            )
        self._stored_evidence[dispute.dispute_no] = len(dispute.evidence)


def _dispute(row: DisputeRow, items: Sequence[DisputeEvidenceRow]) -> Dispute:
    return Dispute(
        dispute_no=row.dispute_no,
        rma_no=row.rma_no,
        order_no=row.order_no,
        customer_id=row.customer_id,
        merchant_id=row.merchant_id,
        opened_by=row.opened_by,
        opener=Side(row.opener),
        statement=row.statement,
        opened_at=row.opened_at,
        evidence_due_at=row.evidence_due_at,
        status=DisputeStatus(row.status),
        evidence=[
            Evidence(
                Side(item.side),
                EvidenceKind(item.kind),
                item.text,
                tuple(str(p) for p in item.photos),
                item.added_by,
                item.added_at,
            )
            for item in items
        ],
        ruling=_ruling(row),
        version=row.version,
    )


def _ruling(row: DisputeRow) -> Ruling | None:
    if row.outcome is None or row.ruled_at is None:
        return None
    currency = row.currency or "CNY"
    return Ruling(
        outcome=Outcome(row.outcome),
        liable=Liable(row.liable or Liable.PLATFORM.value),
        refund=None if row.refund is None else Money(row.refund, currency),
        compensation=Money(row.compensation or 0, currency),
        reason=row.reason or "",
        ruled_by=row.ruled_by or "",
        at=row.ruled_at,
        agreement=bool(row.agreement),
    )
