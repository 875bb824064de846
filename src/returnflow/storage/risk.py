"""Risk at intake ⇄ rows (issue 15, R10.3): `uow.risk`.

Every read at filing is bounded: the customer's history is one statement of indexed
counts (`returns (customer_id, created_at)`, the customer's receipts, inspections,
recoveries, watch list and feedback); the platform's refund rate is counted once a
day into `risk_baselines`; linked accounts walk `customer_identifiers` by hash for at
most `LINK_ROUNDS` rounds (three hops) and `LINK_CAP` rows a round.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from returnflow.domain.linked_accounts import Identifier, IdentifierKind
from returnflow.domain.risk import History, Score
from returnflow.storage import batch, filing_facts
from returnflow.storage.filing_facts import FilingFacts
from returnflow.storage.risk_queries import (
    FILING,
    HISTORY,
    HISTORY_COLUMNS,
    PAIRS,
    REFUND_TYPES,
    watch_select,
)
from returnflow.storage.schema import OrderRow, ReturnRow
from returnflow.storage.schema.risk import (
    CustomerIdentifierRow,
    RiskAssessmentRow,
    RiskBaselineRow,
    RiskFeedbackRow,
    WatchListRow,
)

LINK_ROUNDS = 6  # each hop (customer → identifier → customer) takes two rounds


@dataclass(frozen=True, slots=True)
class StoredRisk:
    rma_no: str
    customer_id: str
    merchant_id: str
    score: int
    level: str
    signals: tuple[dict[str, Any], ...]
    actions: frozenset[str]
    thresholds_version: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StoredFeedback:
    rma_no: str
    verdict: str
    score: int
    level: str
    note: str
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class WatchEntry:
    id: int
    customer_id: str
    reason: str
    expires_at: datetime | None
    added_by: str
    added_at: datetime


class RiskStore:
    def __init__(self, session: Session) -> None:
        self.session = session
        # scores `add` kept in the current transaction, as `get` would read them back:
        # the filing's answer shows the score without asking for the row it just wrote
        self._added: dict[str, StoredRisk] = {}
        self._added_in: object = None

    # --- the signals' reads --------------------------------------------------------

    def history(self, customer_id: str, now: datetime) -> History:
        """The customer's counts and today's platform baseline in one statement."""
        values = filing_facts.history_values(customer_id, now)
        row = self.session.connection().execute(HISTORY, values).one()
        return self._history_of(tuple(row), now)

    def read(
        self, customer_id: str, identifiers: set[Identifier], now: datetime
    ) -> tuple[History, set[tuple[str, Identifier]] | None]:
        """The history and the first round of the linked-accounts walk (`link`'s
        `first_round`) in one round trip: the filing's only read besides the walk's
        further rounds, which only a customer linked to someone needs."""
        values = filing_facts.risk_values(customer_id, identifiers, now)
        if values is None:  # (not today: services/risk.identifiers_of)
            return self.history(customer_id, now), None
        return self._from_filing(self.session.connection().execute(FILING, values).all(), now)

    def filing_facts(
        self,
        order_no: str,
        customer_id: str,
        identifiers: set[Identifier],
        now: datetime,
        sequence: str,
    ) -> FilingFacts | None:
        """`read`, the order's held lines and `sequence`'s next number in one statement
        (storage/filing_facts.py); None where each is asked on its own (SQLite)."""
        values = filing_facts.risk_values(customer_id, identifiers, now)
        found = (
            None if values is None else filing_facts.read(self.session, order_no, values, sequence)
        )
        if found is None:
            return None
        history, first_round = self._from_filing(found.risk_rows, now)
        return FilingFacts(found.held, history, first_round, found.number)

    def _from_filing(
        self, rows: Sequence[Sequence[Any]], now: datetime
    ) -> tuple[History, set[tuple[str, Identifier]]]:
        first = {
            (str(c), Identifier(IdentifierKind(k), str(h)))
            for c, k, h in (row[HISTORY_COLUMNS:] for row in rows)
            if c is not None
        }
        return self._history_of(tuple(rows[0][:HISTORY_COLUMNS]), now), first

    def _history_of(self, row: tuple[Any, ...], now: datetime) -> History:
        counts = [int(value or 0) for value in row[:12]]
        refunds, orders = row[14], row[15]
        if refunds is None or orders is None:  # the day's first filing counts the baseline
            refunds, orders = self._count_baseline(now.date(), now)
        return History(
            returns_7=counts[0],
            returns_30=counts[1],
            returns_90=counts[2],
            returns_180=counts[3],
            refund_only_90=counts[4],
            refunds_90=counts[5],
            no_reason_30=counts[6],
            orders_90=counts[7],
            empty_boxes=counts[8],
            wrong_items=counts[9],
            serial_swaps=counts[10],
            open_recoveries=counts[11],
            watch_reason=row[12],
            cleared=row[13] == "safe",
            platform_refund_rate=refunds / orders if orders else 0.0,
        )

    def _count_baseline(self, today: date, now: datetime) -> tuple[int, int]:
        """Refund requests and orders of the last 90 days, everyone: once a UTC day."""
        since = now - timedelta(days=90)
        refunds = self.session.scalar(
            select(func.count())
            .select_from(ReturnRow)
            .where(ReturnRow.created_at >= since, ReturnRow.request_type.in_(REFUND_TYPES))
        )
        orders = self.session.scalar(
            select(func.count()).select_from(OrderRow).where(OrderRow.placed_at >= since)
        )
        counted = (int(refunds or 0), int(orders or 0))
        values = {"day": today, "refunds": counted[0], "orders": counted[1], "computed_at": now}
        self.session.execute(_insert_new(self.session, RiskBaselineRow, values, ["day"]))
        return counted

    # --- identifiers and linked accounts --------------------------------------------

    def link(
        self,
        customer_id: str,
        identifiers: set[Identifier],
        now: datetime,
        first_round: set[tuple[str, Identifier]] | None = None,
    ) -> list[tuple[str, Identifier]]:
        """Keep the filing's identifiers (hashes, each once) and return the (customer,
        identifier) pairs reachable from the customer, bounded by rounds and rows.

        The first round asks for the customer's rows and every holder of this filing's
        identifiers at once (or is given, as `read` found it); a customer whose
        identifiers nobody else holds is done then.
        """
        pairs: set[tuple[str, Identifier]] = set()
        customers, hashes = {customer_id}, {i.value_hash for i in identifiers}
        for round_no in range(LINK_ROUNDS):
            if round_no == 0 and first_round is not None:
                found = set(first_round)
            else:
                found = self._round(customers, hashes)
            if round_no == 0:
                found |= self._keep_new(customer_id, identifiers, found, now)
            pairs |= found
            wider = {c for c, _ in pairs}, {i.value_hash for _, i in pairs}
            if wider == (customers, hashes):
                break  # nothing new to ask about
            customers, hashes = wider
        return sorted(pairs, key=lambda p: (p[0], p[1].kind, p[1].value_hash))

    def _round(self, customers: set[str], hashes: set[str]) -> set[tuple[str, Identifier]]:
        rows = (
            self.session.connection()
            .execute(PAIRS, {"customers": sorted(customers), "hashes": sorted(hashes)})
            .all()
        )
        return {(c, Identifier(IdentifierKind(k), h)) for c, k, h in rows}

    def _keep_new(
        self,
        customer_id: str,
        identifiers: set[Identifier],
        found: set[tuple[str, Identifier]],
        now: datetime,
    ) -> set[tuple[str, Identifier]]:
        """Store the identifiers the customer did not hold yet: one prebuilt statement
        for all of them (a statement built per row cost ~0.2 ms of Python each)."""
        new = {(customer_id, i) for i in identifiers} - found
        rows = [
            {
                "kind": identifier.kind.value,
                "value_hash": identifier.value_hash,
                "customer_id": customer_id,
                "first_seen_at": now,
            }
            for _, identifier in sorted(new, key=lambda p: (p[1].kind, p[1].value_hash))
        ]
        # queued (storage/batch.py): written with the filing's other rows in one statement;
        # the walk's later rounds know them already (`found`), a twin's conflict is skipped
        batch.queue(self.session, _IDENTIFIERS, rows, conflict_keys=_IDENTIFIER_KEYS)
        return new

    # --- assessments ------------------------------------------------------------------

    def add(
        self, rma_no: str, customer_id: str, merchant_id: str, scored: Score, now: datetime
    ) -> None:
        """Keep the score (a prebuilt INSERT: only values are bound at filing)."""
        signals = tuple(
            {"code": s.code, "points": s.points, "zh": s.message.zh, "en": s.message.en}
            for s in scored.signals
        )
        actions = sorted(a.value for a in scored.actions)
        stored = StoredRisk(
            rma_no,
            customer_id,
            merchant_id,
            scored.score,
            scored.level.value,
            signals,
            frozenset(actions),
            scored.thresholds_version,
            now.astimezone(UTC),  # as the column gives it back
        )
        values = {f: getattr(stored, f) for f in StoredRisk.__slots__}
        values.update(signals=list(signals), actions=actions)
        batch.queue(self.session, _ASSESSMENTS, [values])  # with the filing's other rows
        if (transaction := self.session.get_transaction()) is not self._added_in:
            self._added, self._added_in = {}, transaction
        self._added[rma_no] = stored

    def get(self, rma_no: str) -> StoredRisk | None:
        transaction = self.session.get_transaction()
        if transaction is not None and transaction is self._added_in and rma_no in self._added:
            return self._added[rma_no]
        row = self.session.scalar(
            select(RiskAssessmentRow).where(RiskAssessmentRow.rma_no == rma_no)
        )
        if row is None:
            return None
        return StoredRisk(
            row.rma_no,
            row.customer_id,
            row.merchant_id,
            row.score,
            row.level,
            tuple(row.signals),
            frozenset(row.actions),
            row.thresholds_version,
            row.created_at,
        )

    def lift(self, rma_no: str, action: str) -> None:
        """Take one action off a stored assessment (a "safe" verdict lifts the hold)."""
        row = self.session.scalar(
            select(RiskAssessmentRow).where(RiskAssessmentRow.rma_no == rma_no)
        )
        self._added.pop(rma_no, None)
        if row is not None and action in row.actions:
            row.actions = [a for a in row.actions if a != action]
            self.session.flush()

    # --- feedback -----------------------------------------------------------------------

    def add_feedback(
        self, stored: StoredRisk, verdict: str, note: str, by: str, now: datetime
    ) -> None:
        self.session.add(
            RiskFeedbackRow(
                rma_no=stored.rma_no,
                customer_id=stored.customer_id,
                verdict=verdict,
                score=stored.score,
                level=stored.level,
                note=note,
                by=by[:100],
                at=now,
            )
        )
        self.session.flush()

    def feedback(self, rma_no: str) -> list[StoredFeedback]:
        rows = self.session.scalars(
            select(RiskFeedbackRow)
            .where(RiskFeedbackRow.rma_no == rma_no)
            .order_by(RiskFeedbackRow.at.desc(), RiskFeedbackRow.id.desc())
            .limit(50)
        )
        return [
            StoredFeedback(r.rma_no, r.verdict, r.score, r.level, r.note, r.by, r.at) for r in rows
        ]

    # --- the watch list ---------------------------------------------------------------

    def watch(
        self, customer_id: str, reason: str, expires_at: datetime | None, by: str, now: datetime
    ) -> int:
        row = WatchListRow(
            customer_id=customer_id,
            reason=reason[:500],
            expires_at=expires_at,
            added_by=by[:100],
            added_at=now,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def watching(self, customer_id: str, now: datetime) -> bool:
        found = self.session.execute(watch_select(), {"customer_id": customer_id, "now": now})
        return found.first() is not None

    def unwatch(self, entry_id: int, by: str, now: datetime) -> bool:
        row = self.session.get(WatchListRow, entry_id)
        if row is None or row.removed_at is not None:
            return False
        row.removed_at, row.removed_by = now, by[:100]
        self.session.flush()
        return True

    def unwatch_added_by(self, customer_id: str, added_by: str, by: str, now: datetime) -> None:
        for row in self.session.scalars(
            select(WatchListRow).where(
                WatchListRow.customer_id == customer_id,
                WatchListRow.added_by == added_by,
                WatchListRow.removed_at.is_(None),
            )
        ):
            row.removed_at, row.removed_by = now, by[:100]
        self.session.flush()

    def watch_page(self, now: datetime, offset: int, limit: int) -> tuple[list[WatchEntry], int]:
        """The entries in force (not removed, not expired), newest first."""
        live = and_(
            WatchListRow.removed_at.is_(None),
            or_(WatchListRow.expires_at.is_(None), WatchListRow.expires_at > now),
        )
        total = self.session.scalar(select(func.count()).select_from(WatchListRow).where(live))
        rows = self.session.scalars(
            select(WatchListRow)
            .where(live)
            .order_by(WatchListRow.added_at.desc(), WatchListRow.id.desc())
            .offset(offset)
            .limit(limit)
        )
        entries = [
            WatchEntry(r.id, r.customer_id, r.reason, r.expires_at, r.added_by, r.added_at)
            for r in rows
        ]
        return entries, int(total or 0)


def _insert_new(session: Session, table: Any, values: dict[str, Any], keys: list[str]) -> Any:
    """INSERT … ON CONFLICT DO NOTHING: a twin filing that kept the row first wins."""
    dialect = session.get_bind().dialect.name
    make = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return make(table).values(**values).on_conflict_do_nothing(index_elements=keys)


_ASSESSMENTS: Table = RiskAssessmentRow.__table__  # type: ignore[assignment]
_IDENTIFIERS: Table = CustomerIdentifierRow.__table__  # type: ignore[assignment]
# a customer's new identifiers: a twin filing that kept one first wins
_IDENTIFIER_KEYS = ("value_hash", "kind", "customer_id")
