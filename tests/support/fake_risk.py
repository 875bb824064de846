"""The in-memory twin of `storage/risk.py`'s filing side for service tests (`uow.risk`).

What `services/risk.py` asks of `RiskRecords`: the customer's history (counts left at
zero — the service tests file a few requests, the signals' windows are the database
tests' business — but the watch list and a "safe" verdict are read), the identifiers
kept and the linked-accounts walk (every pair reachable from the customer), the stored
assessments, and the watch list. Writes are staged and join the unit of work's commit
through the outbox's apply, as the other newer fakes do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from returnflow.domain.linked_accounts import Identifier
from returnflow.domain.risk import CLEARED_DAYS, History, Score
from returnflow.storage.risk import StoredRisk

Pair = tuple[str, Identifier]


@dataclass
class RiskData:
    assessments: dict[str, StoredRisk] = field(default_factory=dict)
    pairs: set[Pair] = field(default_factory=set)
    # (customer, reason, expires_at, by, at)
    watch: list[tuple[str, str, datetime | None, str, datetime]] = field(default_factory=list)
    verdicts: list[tuple[str, str, datetime]] = field(default_factory=list)  # customer, verdict


def committed(db: Any) -> RiskData:
    return cast(RiskData, vars(db).setdefault("risk", RiskData()))


class FakeRisk:
    def __init__(self, uow: Any) -> None:
        self.db = uow.db
        self.staged = RiskData()
        outbox = uow.outbox
        applied = outbox.apply

        def apply_with_risk() -> None:
            applied()
            store = committed(self.db)
            store.assessments.update(self.staged.assessments)
            store.pairs |= self.staged.pairs
            store.watch.extend(self.staged.watch)
            store.verdicts.extend(self.staged.verdicts)

        outbox.apply = apply_with_risk

    def _pairs(self) -> set[Pair]:
        return committed(self.db).pairs | self.staged.pairs

    def filing_facts(self, *_: Any) -> None:
        """No combined read here: the filing asks each store (as on SQLite)."""
        return None

    def read(
        self, customer_id: str, identifiers: set[Identifier], now: datetime
    ) -> tuple[History, set[Pair] | None]:
        watched = [
            reason
            for who, reason, until, _, _ in committed(self.db).watch + self.staged.watch
            if who == customer_id and (until is None or until > now)
        ]
        since = now - timedelta(days=CLEARED_DAYS)
        verdicts = sorted(
            (at, verdict)
            for who, verdict, at in committed(self.db).verdicts
            if who == customer_id and at >= since
        )
        history = History(
            watch_reason=watched[0] if watched else None,
            cleared=bool(verdicts) and verdicts[-1][1] == "safe",
        )
        return history, None

    def link(
        self,
        customer_id: str,
        identifiers: set[Identifier],
        now: datetime,
        first_round: set[Pair] | None = None,
    ) -> list[Pair]:
        """Keep the identifiers; every pair reachable from the customer (no caps here)."""
        self.staged.pairs |= {(customer_id, i) for i in identifiers}
        pairs, reached = self._pairs(), set[Pair]()
        customers, hashes = {customer_id}, set[Identifier]()
        while True:
            found = {p for p in pairs if p[0] in customers or p[1] in hashes}
            if found <= reached:
                break
            reached |= found
            customers |= {c for c, _ in found}
            hashes |= {i for _, i in found}
        return sorted(reached, key=lambda p: (p[0], p[1].kind, p[1].value_hash))

    def add(
        self, rma_no: str, customer_id: str, merchant_id: str, scored: Score, now: datetime
    ) -> None:
        signals = tuple(
            {"code": s.code, "points": s.points, "zh": s.message.zh, "en": s.message.en}
            for s in scored.signals
        )
        actions = frozenset(a.value for a in scored.actions)
        self.staged.assessments[rma_no] = StoredRisk(
            rma_no,
            customer_id,
            merchant_id,
            scored.score,
            scored.level.value,
            signals,
            actions,
            scored.thresholds_version,
            now,
        )

    def get(self, rma_no: str) -> StoredRisk | None:
        return self.staged.assessments.get(rma_no) or committed(self.db).assessments.get(rma_no)

    def watching(self, customer_id: str, now: datetime) -> bool:
        return self.read(customer_id, set(), now)[0].watch_reason is not None

    def watch(
        self, customer_id: str, reason: str, expires_at: datetime | None, by: str, now: datetime
    ) -> int:
        self.staged.watch.append((customer_id, reason[:500], expires_at, by, now))
        return len(committed(self.db).watch) + len(self.staged.watch)
