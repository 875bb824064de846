"""An in-memory unit of work for the service tests: the same interface, no database.

`FakeDatabase` is what the database would hold; each `FakeUnitOfWork` over it reads
copies and stages its writes, and only `commit` stores them, checks that nobody
committed a newer version of a request meanwhile (`ConcurrentUpdate`, like the row's
`version` column), puts the requests' events into the outbox and hands them to
`db.published` (what the message bus would hear). Leaving the block without a commit
keeps nothing. It fits `services.repositories.ReturnsWork`, so mypy checks it keeps
the shape of the real repositories.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any

from returnflow.domain.events import DomainEvent, take_events
from returnflow.domain.lifecycle import Status
from returnflow.domain.money import Money
from returnflow.domain.orders import Order
from returnflow.domain.policy import PolicyBook, PolicyVersion
from returnflow.domain.refunds import HeldLine, OrderHistory, order_history
from returnflow.domain.returns import ReturnRequest
from returnflow.services.idempotency import KeyTaken, StoredResponse
from returnflow.services.unit_of_work import ConcurrentUpdate
from tests.support.fake_appeals import FakeAppeals


@dataclass(frozen=True)
class OutboxMessage:
    topic: str
    payload: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class AccessRecord:
    actor: str
    subject: str
    what: str
    at: datetime


@dataclass(frozen=True)
class PublishedPolicy:
    policy: PolicyVersion
    published_at: datetime
    published_by: str


@dataclass
class FakeDatabase:
    """What is committed; tests read it directly to see what a use case stored."""

    orders: dict[str, Order] = field(default_factory=dict)
    order_ids: dict[str, int] = field(default_factory=dict)
    returns: dict[str, ReturnRequest] = field(default_factory=dict)
    # each request line's refund at filing time (the row's refund_amount column)
    filed_amounts: dict[str, tuple[Money, ...]] = field(default_factory=dict)
    policies: list[PublishedPolicy] = field(default_factory=list)
    outbox: list[OutboxMessage] = field(default_factory=list)
    idempotency: dict[tuple[str, str], StoredResponse] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    access_log: list[AccessRecord] = field(default_factory=list)
    published: list[DomainEvent] = field(default_factory=list)
    commits: int = 0

    def topics(self) -> list[str]:
        return [message.topic for message in self.outbox]


class FakeOrders:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db
        self.staged: dict[str, Order] = {}

    def get(self, order_no: str, *, for_update: bool = False) -> Order | None:
        return self.staged.get(order_no) or self.db.orders.get(order_no)

    def id_of(self, order_no: str) -> int:
        if order_no not in self.db.order_ids:
            raise KeyError(order_no)
        return self.db.order_ids[order_no]

    def save(self, order: Order, now: datetime) -> bool:
        created = self.get(order.order_no) is None
        self.staged[order.order_no] = order
        # ids are handed out at once, like an autoincrement: a rollback leaves a gap
        self.db.order_ids.setdefault(order.order_no, len(self.db.order_ids) + 1)
        return created

    def apply(self) -> None:
        self.db.orders.update(self.staged)


class FakeReturns:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db
        self.seen: dict[str, ReturnRequest] = {}
        self.loaded_versions: dict[str, int | None] = {}  # None: added in this unit of work

    def add(self, request: ReturnRequest, order_id: int) -> None:
        self.seen[request.rma_no] = request
        self.loaded_versions[request.rma_no] = None

    def get(self, rma_no: str, *, for_update: bool = False) -> ReturnRequest | None:
        if rma_no not in self.seen:
            stored = self.db.returns.get(rma_no)
            if stored is None:
                return None
            self.seen[rma_no] = copy.deepcopy(stored)
            self.loaded_versions[rma_no] = stored.version
        return self.seen[rma_no]

    def forget(self, rma_no: str) -> None:
        self.seen.pop(rma_no, None)
        self.loaded_versions.pop(rma_no, None)

    def flush_changes(self) -> list[DomainEvent]:
        return take_events(self.seen.values())

    def sync(self) -> None:
        """Nothing to write: `history_for_order` reads this unit of work's changes."""

    def history_for_order(self, order_no: str, *, exclude: str | None = None) -> OrderHistory:
        current = {**self.db.returns, **self.seen}  # changes of this unit of work count
        held = [
            HeldLine(
                request_type=request.request_type,
                reason=line.reason,
                line_no=line.line_no,
                quantity=line.quantity,
                refund_amount=amount,
                claims_shipping=request.estimate.shipping_fee.cents > 0,
            )
            for rma_no, request in current.items()
            if request.order_no == order_no and rma_no != exclude and request.status.holds_goods
            for line, amount in zip(request.lines, self._filed_amounts(request), strict=True)
        ]
        currency = held[0].refund_amount.currency if held else "CNY"
        return order_history(held, currency)

    def _filed_amounts(self, request: ReturnRequest) -> tuple[Money, ...]:
        filed = self.db.filed_amounts.get(request.rma_no)
        return filed if filed is not None else tuple(line.amount for line in request.estimate.lines)

    def due_for_auto_close(self, now: datetime, limit: int = 500) -> list[str]:
        return [
            r.rma_no
            for r in self.db.returns.values()
            if r.status is Status.APPROVED and r.ship_by is not None and r.ship_by <= now
        ][:limit]

    def due_for_auto_confirm(self, now: datetime, limit: int = 500) -> list[str]:
        return [
            r.rma_no
            for r in self.db.returns.values()
            if r.status is Status.COMPLETED and r.confirm_by is not None and r.confirm_by <= now
        ][:limit]

    def check_versions(self) -> None:
        """Refuse the commit when another unit of work stored a newer version meanwhile."""
        for rma_no, loaded in self.loaded_versions.items():
            stored = self.db.returns.get(rma_no)
            if loaded is None and stored is not None:
                raise ConcurrentUpdate(f"{rma_no} was filed twice")
            if loaded is not None and stored is not None and stored.version != loaded:
                raise ConcurrentUpdate(f"{rma_no} changed since it was read")

    def apply(self) -> None:
        for rma_no, request in self.seen.items():
            if self.loaded_versions.get(rma_no) is None:
                self.db.filed_amounts[rma_no] = tuple(
                    line.amount for line in request.estimate.lines
                )
                request.version = 1  # the row's version column starts at 1 on insert
            elif request == self.db.returns[rma_no]:
                continue  # unchanged: no new version
            else:
                request.version += 1
            self.db.returns[rma_no] = copy.deepcopy(request)
            self.loaded_versions[rma_no] = request.version


class FakePolicies:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db
        self.staged: list[PublishedPolicy] = []

    def book(self) -> PolicyBook:
        return PolicyBook([p.policy for p in [*self.db.policies, *self.staged]])

    def has_any(self) -> bool:
        return bool(self.db.policies or self.staged)

    def add(self, policy: PolicyVersion, now: datetime, by: str) -> None:
        if any(p.policy.version == policy.version for p in [*self.db.policies, *self.staged]):
            raise ConcurrentUpdate(f"policy version {policy.version} exists")  # primary key
        self.staged.append(PublishedPolicy(policy, now, by))

    def apply(self) -> None:
        self.db.policies.extend(self.staged)


class FakeOutbox:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db
        self.staged: list[OutboxMessage] = []

    def put(self, topic: str, payload: dict[str, Any], now: datetime) -> None:
        self.staged.append(OutboxMessage(topic, payload, now))

    def apply(self) -> None:
        self.db.outbox.extend(self.staged)


class FakeIdempotency:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db
        self.staged: dict[tuple[str, str], StoredResponse] = {}

    def get(self, scope: str, key: str) -> StoredResponse | None:
        return self.staged.get((scope, key)) or self.db.idempotency.get((scope, key))

    def claim(self, scope: str, key: str, request_hash: str, now: datetime) -> None:
        if self.get(scope, key) is not None:
            raise KeyTaken()
        self.staged[scope, key] = StoredResponse(request_hash, None, None)

    def store(self, scope: str, key: str, status_code: int, body: dict[str, Any]) -> None:
        claimed = self.get(scope, key)
        assert claimed is not None, "store() before claim()"
        self.staged[scope, key] = StoredResponse(claimed.request_hash, status_code, body)

    def apply(self) -> None:
        self.db.idempotency.update(self.staged)


class FakeCounters:
    """Like a PostgreSQL sequence: a number once handed out is gone, commit or not."""

    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    def next(self, name: str) -> int:
        self.db.counters[name] = self.db.counters.get(name, 0) + 1
        return self.db.counters[name]


class FakeAccessLog:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db
        self.staged: list[AccessRecord] = []

    def log_access(
        self,
        actor: str,
        subject: str,
        what: str,
        now: datetime,
        *,
        customer_id: str | None = None,
        route: str | None = None,
    ) -> None:
        self.staged.append(AccessRecord(actor, subject, what, now))

    def apply(self) -> None:
        self.db.access_log.extend(self.staged)


class FakePhotoRecords:
    """Where a photo name is recorded: only requests carry photos in this fake."""

    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    def where_recorded(self, name: str) -> dict[str, list[str]]:
        carrying = [r.rma_no for r in self.db.returns.values() if name in r.photos]
        return {"request": carrying} if carrying else {}

    def request_parties(self, rma_nos: Iterable[str]) -> set[tuple[str, str]]:
        wanted = set(rma_nos)
        return {
            (r.merchant_id, r.customer_id) for r in self.db.returns.values() if r.rma_no in wanted
        }


class FakeUnitOfWork:
    """One "transaction" over a `FakeDatabase`: `with FakeUnitOfWork(db) as uow: ...`."""

    orders: FakeOrders
    returns: FakeReturns
    policies: FakePolicies
    outbox: FakeOutbox
    idempotency: FakeIdempotency
    counters: FakeCounters
    accounts: FakeAccessLog
    photo_records: FakePhotoRecords

    publishes = False  # no bus runs here: the tests read `db.published`

    def __init__(self, db: FakeDatabase | None = None) -> None:
        self.db = db if db is not None else FakeDatabase()
        self._begin()

    def _begin(self) -> None:
        self.orders = FakeOrders(self.db)
        self.returns = FakeReturns(self.db)
        self.policies = FakePolicies(self.db)
        self.outbox = FakeOutbox(self.db)
        self.idempotency = FakeIdempotency(self.db)
        self.counters = FakeCounters(self.db)
        self.accounts = FakeAccessLog(self.db)
        self.photo_records = FakePhotoRecords(self.db)
        from tests.support.fake_disputes import FakeDisputes  # joins commit via the outbox

        self.disputes = FakeDisputes(self)
        self.appeals = FakeAppeals(self.db)  # tests/support/fake_appeals.py
        from tests.support.fake_complaints import FakeComplaints  # joins commit via the outbox

        self.complaints = FakeComplaints(self)
        from tests.support.fake_surveys import FakeSurveys  # joins commit via the outbox

        self.surveys = FakeSurveys(self)
        from tests.support.fake_conversations import FakeConversations  # R11.1

        self.conversations = FakeConversations(self)
        from tests.support.fake_staff_notices import FakeStaffNotices  # issue 13

        self.staff_notices = FakeStaffNotices(self)
        from tests.support.fake_risk import FakeRisk  # issue 15: scored at filing (R10.3)

        self.risk = FakeRisk(self)

    def __enter__(self) -> FakeUnitOfWork:
        self._begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self, now: datetime) -> None:
        """Store every staged change and the requests' events, or nothing on a lost race."""
        self.returns.check_versions()
        events = self.returns.flush_changes() + self.appeals.flush_changes()
        for event in events:
            payload = {**event.data, "occurred_at": event.occurred_at.isoformat()}
            self.outbox.put(event.name, payload, now)
        for repository in (
            self.orders,
            self.returns,
            self.policies,
            self.outbox,
            self.idempotency,
            self.accounts,
        ):
            repository.apply()
        self.db.published.extend(events)
        self.db.commits += 1
        self._begin()

    def rollback(self) -> None:
        self._begin()
