"""A request's stored records for its evidence bundle (R14.2), as JSON-ready values.

Rows are written out column by column, as they stand in the database, so the bundle
shows what an auditor would find there (and a column added later appears without
anyone remembering it here). The service (`services/evidence.py`) decides what the
bundle says about them: masking, local times, the PDF. The request's own history
chain is walked here, as `returnflow audit verify` does, because only storage knows
how a row is sealed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from returnflow.storage import chain
from returnflow.storage.schema import (
    AmountApprovalRow,
    InspectionRow,
    InventoryMovementRow,
    LedgerEntryRow,
    OutboxRow,
    ReceiptMismatchRow,
    ReceiptRow,
    RefundIntentRow,
    RefundRecoveryRow,
    RefundRow,
    ReturnEventRow,
    ReturnRow,
    StoreCreditEntryRow,
)

# the audit tables whose rows carry chain hashes
CHAINED = frozenset(c.table for c in chain.CHAINS)
JsonRow = dict[str, Any]


@dataclass(frozen=True, slots=True)
class StoredRequest:
    """The request as stored, before the bundle masks its contact details."""

    rma_no: str
    order_no: str
    merchant_id: str
    customer_id: str
    request_type: str
    channel: str
    status: str
    created_at: datetime
    contact: dict[str, Any]
    estimate: Any
    inspection: Any


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """One history row of the request, with its chain hashes."""

    id: int
    seq: int
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str
    note: str
    prev_hash: str
    row_hash: str


@dataclass(frozen=True, slots=True)
class EvidenceRows:
    """Everything stored about one request that its evidence bundle shows."""

    request: StoredRequest
    refund: JsonRow | None
    events: list[StoredEvent]
    audit: dict[str, list[JsonRow]]  # table name → its rows about the request
    messages: list[JsonRow]  # outbox rows that mention the request
    photos: dict[str, list[str]]  # by where they were taken: request, receipt, inspection
    history_intact: bool


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _columns(row: Any) -> JsonRow:
    return {c.name: _plain(getattr(row, c.key)) for c in row.__table__.columns}


class EvidenceRecords:
    """Reads a request's records for its evidence bundle; writes nothing."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def for_request(self, rma_no: str) -> EvidenceRows | None:
        """The request's records, or None when no such request is stored."""
        row = self.session.scalars(select(ReturnRow).where(ReturnRow.rma_no == rma_no)).first()
        if row is None:
            return None
        events = list(
            self.session.scalars(
                select(ReturnEventRow)
                .where(ReturnEventRow.return_id == row.id)
                .order_by(ReturnEventRow.id)
            )
        )
        refund = self.session.scalars(select(RefundRow).where(RefundRow.return_id == row.id))
        first = refund.first()
        return EvidenceRows(
            request=_stored_request(row),
            refund=None
            if first is None
            else {k: v for k, v in _columns(first).items() if k != "return_id"},
            events=[_event(e) for e in events],
            audit=self._audit(rma_no, events),
            messages=self._messages(rma_no),
            photos=self._photos(row),
            history_intact=_history_intact(rma_no, events),
        )

    def _photos(self, row: ReturnRow) -> dict[str, list[str]]:
        """The customer's photos and those taken at receiving and inspection."""
        receipt = self.session.scalars(
            select(ReceiptMismatchRow.photos)
            .join(ReceiptRow, ReceiptRow.id == ReceiptMismatchRow.receipt_id)
            .where(ReceiptRow.rma_no == row.rma_no)
            .order_by(ReceiptMismatchRow.id)
        )
        inspection = self.session.scalars(
            select(InspectionRow.photos).where(InspectionRow.rma_no == row.rma_no)
        )
        found = {
            "request": list(row.photos or []),
            "receipt": [name for names in receipt for name in names or []],
            "inspection": [name for names in inspection for name in names or []],
        }
        return {kind: [n for n in names if isinstance(n, str)] for kind, names in found.items()}

    def _audit(self, rma_no: str, events: list[ReturnEventRow]) -> dict[str, list[JsonRow]]:
        ledger = []
        for entry in self.session.scalars(
            select(LedgerEntryRow)
            .where(LedgerEntryRow.rma_no == rma_no)
            .order_by(LedgerEntryRow.id)
        ):
            postings = [
                {k: v for k, v in _columns(p).items() if k not in ("id", "entry_id")}
                for p in entry.postings
            ]
            ledger.append({**_columns(entry), "postings": postings})
        credit = self.session.scalars(
            select(StoreCreditEntryRow)
            .where(StoreCreditEntryRow.rma_no == rma_no)
            .order_by(StoreCreditEntryRow.id)
        )
        stock = self.session.scalars(
            select(InventoryMovementRow)
            .where(InventoryMovementRow.rma_no == rma_no)
            .order_by(InventoryMovementRow.id)
        )
        return {
            "return_events": [_columns(e) for e in events],
            "ledger_entries": ledger,
            "store_credit_entries": _all(credit),
            "inventory_movements": _all(stock),
            **self._money_decisions(rma_no),
        }

    def _money_decisions(self, rma_no: str) -> dict[str, list[JsonRow]]:
        """Who asked for and who approved money over an authority limit, and what is owed."""
        approvals = self.session.scalars(
            select(AmountApprovalRow)
            .where(AmountApprovalRow.subject == rma_no)
            .order_by(AmountApprovalRow.id)
        )
        intents = self.session.scalars(
            select(RefundIntentRow)
            .where(RefundIntentRow.rma_no == rma_no)
            .order_by(RefundIntentRow.id)
        )
        recoveries = self.session.scalars(
            select(RefundRecoveryRow).where(RefundRecoveryRow.rma_no == rma_no)
        )
        return {
            "amount_approvals": _all(approvals),
            "refund_intents": _all(intents),
            "refund_recoveries": _all(recoveries),
        }

    def _messages(self, rma_no: str) -> list[JsonRow]:
        """Outbox rows about this request: notices, webhooks, gateway calls, and their fate."""
        rows = self.session.scalars(
            select(OutboxRow)
            .where(cast(OutboxRow.payload, String).contains(rma_no))
            .order_by(OutboxRow.id)
        )
        return [_columns(r) for r in rows if rma_no in json.dumps(r.payload, ensure_ascii=False)]


def _all(rows: Iterable[Any]) -> list[JsonRow]:
    return [_columns(r) for r in rows]


def _stored_request(row: ReturnRow) -> StoredRequest:
    return StoredRequest(
        rma_no=row.rma_no,
        order_no=row.order_no,
        merchant_id=row.merchant_id,
        customer_id=row.customer_id,
        request_type=row.request_type,
        channel=row.channel,
        status=row.status,
        created_at=row.created_at,
        contact=dict(row.contact or {}),
        estimate=row.estimate,
        inspection=row.inspection,
    )


def _event(row: ReturnEventRow) -> StoredEvent:
    return StoredEvent(
        id=row.id,
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        from_status=row.from_status,
        to_status=row.to_status,
        note=row.note,
        prev_hash=row.prev_hash,
        row_hash=row.row_hash,
    )


def _history_intact(rma_no: str, events: list[ReturnEventRow]) -> bool:
    """The request's own chain, walked from its genesis as `audit verify` does."""
    prev = chain.genesis(chain.RETURN_EVENTS, rma_no)
    for event in events:
        values = {name: getattr(event, name) for name in chain.RETURN_EVENTS.fields}
        expected = chain.row_digest(prev, chain.content_of(chain.RETURN_EVENTS, values))
        if event.prev_hash != prev or event.row_hash != expected:
            return False
        prev = event.row_hash
    return True
