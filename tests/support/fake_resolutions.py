"""In-memory twins of the resolution repositories (exchanges, stock, catalogue, repairs,
shipment requests, store credit, refund intents) and a small ledger that records what
was posted, on top of the in-memory unit of work of tests/support/fake_uow.py.

`ResolutionDatabase` is what the database would hold; a `ResolutionUnitOfWork` works on
a copy of its resolution state and only `commit` stores it, puts the aggregates' new
events into the outbox (like `storage/uow.py`) and hands them to `db.published`.
Leaving the block without a commit keeps nothing. Method names and meanings follow
src/returnflow/storage/{exchanges,stock,catalogue,repairs,shipment_requests,
store_credit,refund_intents}.py; the services take the real `UnitOfWork`, so tests hand
this one over with `as_uow` (a cast: mypy cannot check the shape here).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar, cast

from returnflow.config import Settings
from returnflow.domain.events import DomainEvent, take_events
from returnflow.domain.exchanges import (
    CustomerRecord,
    ExchangeOrder,
    ExchangeStatus,
    out_of_stock,
)
from returnflow.domain.kinds import Channel, RequestType
from returnflow.domain.ledger import JournalEntry
from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.money import Money
from returnflow.domain.orders import Order
from returnflow.domain.price_feed import CatalogueItem, PriceUpdate
from returnflow.domain.refunds import Deduction
from returnflow.domain.repairs import RepairOrder
from returnflow.domain.returns import ReturnLine, ReturnRequest
from returnflow.domain.shipment_requests import ShipmentRequest
from returnflow.domain.store_credit import CreditEntry, CreditLot, StoreCreditAccount, insufficient
from returnflow.services import orders as order_service
from returnflow.services import returns as return_service
from returnflow.services.unit_of_work import ConcurrentUpdate, UnitOfWork
from tests.support.fake_uow import FakeDatabase, FakeUnitOfWork

T = TypeVar("T")

RESERVED, SHIPPED, RELEASED = "reserved", "shipped", "released"
PENDING, CANCELLED = "pending", "cancelled"


@dataclass
class StoredReservation:
    rma_no: str
    merchant_id: str
    sku: str
    quantity: int
    status: str


@dataclass(frozen=True)
class StoredCatalogueItem:
    title: str
    price: Money


@dataclass(frozen=True)
class StoredCreditEntry:
    customer_id: str
    entry: CreditEntry


@dataclass(frozen=True)
class StoredIntent:
    key: str
    rma_no: str
    customer_id: str
    amount: Money
    status: str


@dataclass
class ResolutionState:
    """The resolution tables: what a unit of work copies, changes and commits back."""

    exchanges: dict[str, ExchangeOrder] = field(default_factory=dict)
    repairs: dict[str, RepairOrder] = field(default_factory=dict)
    shipment_requests: dict[int, ShipmentRequest] = field(default_factory=dict)
    catalogue: dict[tuple[str, str], StoredCatalogueItem] = field(default_factory=dict)
    stock_levels: dict[tuple[str, str], int] = field(default_factory=dict)
    reservations: list[StoredReservation] = field(default_factory=list)
    credit_lots: dict[str, list[CreditLot]] = field(default_factory=dict)
    credit_currency: dict[str, str] = field(default_factory=dict)
    credit_entries: list[StoredCreditEntry] = field(default_factory=list)
    ledger: list[JournalEntry] = field(default_factory=list)
    refund_intents: dict[str, StoredIntent] = field(default_factory=dict)
    next_id: int = 0

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id


@dataclass
class ResolutionDatabase(FakeDatabase):
    resolutions: ResolutionState = field(default_factory=ResolutionState)

    def ledger_keys(self) -> list[str]:
        return [entry.key for entry in self.resolutions.ledger]

    def posted(self, key: str) -> JournalEntry:
        return next(entry for entry in self.resolutions.ledger if entry.key == key)


def _strip_events(value: Any) -> None:
    events = getattr(value, "events", None)
    if isinstance(events, list):
        events.clear()


class FakeExchanges:
    def __init__(self, state: ResolutionState, uow: ResolutionUnitOfWork) -> None:
        self.state, self.uow = state, uow
        self.touched: dict[str, ExchangeOrder] = {}

    def get(self, rma_no: str, *, for_update: bool = False) -> ExchangeOrder | None:
        found = self.state.exchanges.get(rma_no)
        if found is not None:
            self.touched[rma_no] = found
        return found

    def add(self, order: ExchangeOrder, now: datetime) -> None:
        if order.rma_no in self.state.exchanges:
            raise ConcurrentUpdate(f"{order.rma_no} has an exchange")  # the unique rma_no
        self.state.exchanges[order.rma_no] = order
        self.touched[order.rma_no] = order

    def save(self, order: ExchangeOrder, now: datetime) -> None:
        self.state.exchanges[order.rma_no] = order
        self.touched[order.rma_no] = order

    def flush_changes(self) -> list[DomainEvent]:
        return take_events(self.touched.values())

    def overdue(self, now: datetime, limit: int = 500) -> list[str]:
        return [
            e.rma_no
            for e in self.state.exchanges.values()
            if e.fast
            and e.status in (ExchangeStatus.REQUESTED, ExchangeStatus.SHIPPED)
            and e.return_due_at is not None
            and e.return_due_at <= now
        ][:limit]

    def fast_shipped_and_inspected(self, limit: int = 500) -> list[str]:
        judged = (Status.INSPECTED, Status.INSPECTION_FAILED)
        return [
            e.rma_no
            for e in self.state.exchanges.values()
            if e.fast
            and e.status is ExchangeStatus.SHIPPED
            and (request := self.uow.current_return(e.rma_no)) is not None
            and request.status in judged
        ][:limit]

    def units_exchanged(self, order_no: str, *, excluding: str) -> dict[int, int]:
        units: dict[int, int] = {}
        for e in self.state.exchanges.values():
            request = self.uow.current_return(e.rma_no)
            if e.rma_no == excluding or e.status is ExchangeStatus.CANCELLED:
                continue
            if request is None or request.order_no != order_no:
                continue
            for line_no in {item.line_no for item in e.items}:
                units[line_no] = units.get(line_no, 0) + e.returned_units.get(line_no, 0)
        return units

    def customer_record(self, customer_id: str) -> CustomerRecord:
        requests = [r for r in self.uow.all_returns() if r.customer_id == customer_id]
        completed = sum(r.status in (Status.COMPLETED, Status.CONFIRMED) for r in requests)
        failed = sum(c.action is Action.INSPECT_FAIL for r in requests for c in r.history)
        charged = sum(
            e.customer_id == customer_id and e.status is ExchangeStatus.CHARGED
            for e in self.state.exchanges.values()
        )
        return CustomerRecord(completed, failed, charged)


class FakeRepairs:
    def __init__(self, state: ResolutionState) -> None:
        self.state = state
        self.touched: dict[str, RepairOrder] = {}

    def get(self, rma_no: str, *, for_update: bool = False) -> RepairOrder | None:
        found = self.state.repairs.get(rma_no)
        if found is not None:
            self.touched[rma_no] = found
        return found

    def add(self, order: RepairOrder, now: datetime) -> None:
        if order.rma_no in self.state.repairs:
            raise ConcurrentUpdate(f"{order.rma_no} has a repair order")
        self.save(order, now)

    def save(self, order: RepairOrder, now: datetime) -> None:
        self.state.repairs[order.rma_no] = order
        self.touched[order.rma_no] = order

    def flush_changes(self) -> list[DomainEvent]:
        return take_events(self.touched.values())


class FakeShipmentRequests:
    def __init__(self, state: ResolutionState) -> None:
        self.state = state
        self.touched: dict[int, ShipmentRequest] = {}

    def add(self, request: ShipmentRequest) -> int:
        request.request_id = self.state.new_id()
        self.state.shipment_requests[request.request_id] = request
        self.touched[request.request_id] = request
        return request.request_id

    def get(self, request_id: int, *, for_update: bool = False) -> ShipmentRequest | None:
        found = self.state.shipment_requests.get(request_id)
        if found is not None:
            self.touched[request_id] = found
        return found

    def listing(
        self, *, status: str | None, merchant_scope: str | None, rma_no: str | None = None
    ) -> list[ShipmentRequest]:
        """Oldest first; read-only copies, not tracked."""
        return [
            replace(r, events=[])
            for _, r in sorted(self.state.shipment_requests.items())
            if (not status or r.status == status)
            and (merchant_scope is None or r.merchant_id == merchant_scope)
            and (rma_no is None or r.rma_no == rma_no)
        ]

    def waybill_taken(self, carrier: str, waybill_no: str) -> bool:
        return any(
            (r.carrier, r.waybill_no) == (carrier, waybill_no)
            for r in self.state.shipment_requests.values()
        )

    def save(self, request: ShipmentRequest) -> None:
        self.state.shipment_requests[request.request_id] = request
        self.touched[request.request_id] = request

    def flush_changes(self) -> list[DomainEvent]:
        return take_events(self.touched.values())


class FakeStock:
    def __init__(self, state: ResolutionState) -> None:
        self.state = state

    def report(self, merchant_id: str, sku: str, available: int, now: datetime) -> None:
        self.state.stock_levels[merchant_id, sku] = available

    def reserve(
        self, rma_no: str, merchant_id: str, sku: str, quantity: int, now: datetime
    ) -> None:
        level = self.state.stock_levels.get((merchant_id, sku))
        if level is not None:
            reserved = self.reserved(merchant_id, sku)
            if reserved + quantity > level:
                raise out_of_stock(sku, level, reserved, quantity)
        if rma_no not in self.state.exchanges:
            raise LookupError(f"no exchange order for {rma_no}")
        self.state.reservations.append(
            StoredReservation(rma_no, merchant_id, sku, quantity, RESERVED)
        )

    def reserved(self, merchant_id: str, sku: str) -> int:
        return sum(
            r.quantity
            for r in self.state.reservations
            if (r.merchant_id, r.sku, r.status) == (merchant_id, sku, RESERVED)
        )

    def settle(self, rma_no: str, status: str, now: datetime) -> None:
        for r in self.state.reservations:
            if r.rma_no == rma_no and r.status == RESERVED:
                r.status = status

    def for_exchange(self, rma_no: str) -> list[StoredReservation]:
        return [r for r in self.state.reservations if r.rma_no == rma_no]


class FakeCatalogue:
    def __init__(self, state: ResolutionState, stock: FakeStock) -> None:
        self.state, self.stock = state, stock

    def upsert(
        self, merchant_id: str, updates: Iterable[PriceUpdate], actor: str, now: datetime
    ) -> int:
        count = 0
        for update in updates:
            price = Money(update.unit_price, update.currency)
            self.state.catalogue[merchant_id, update.sku] = StoredCatalogueItem(update.title, price)
            self.stock.report(merchant_id, update.sku, update.available, now)
            count += 1
        return count

    def get(self, merchant_id: str, sku: str) -> CatalogueItem | None:
        found = self.state.catalogue.get((merchant_id, sku))
        if found is None:
            return None
        available = self.state.stock_levels.get((merchant_id, sku))
        return CatalogueItem(sku, found.title, found.price, available)

    def listing(self, merchant_id: str, limit: int = 200) -> list[CatalogueItem]:
        items = [
            item
            for (merchant, sku) in self.state.catalogue
            if merchant == merchant_id and (item := self.get(merchant, sku)) is not None
        ]
        return sorted(items, key=lambda item: (item.title, item.sku))[:limit]


@dataclass(frozen=True)
class CreditEntryView:
    """The shape of storage.store_credit.CreditEntryView (what `spend` answers with)."""

    kind: Any
    amount: Money
    balance_after: Money
    at: datetime
    rma_no: str
    reference: str
    actor: str
    key: str


def _view(entry: CreditEntry) -> CreditEntryView:
    return CreditEntryView(
        entry.kind,
        entry.amount,
        entry.balance_after,
        entry.at,
        entry.rma_no,
        entry.reference,
        entry.actor,
        entry.key,
    )


class FakeStoreCredit:
    """Accounts with their open lots; `save` stores new lots with global ids and appends
    the new entries (the real one seals them into the customer's hash chain)."""

    def __init__(self, state: ResolutionState) -> None:
        self.state = state
        self.loaded: dict[str, tuple[StoreCreditAccount, int, set[int]]] = {}

    def account(self, customer_id: str, currency: str = "CNY") -> StoreCreditAccount:
        if customer_id in self.loaded:
            return self.loaded[customer_id][0]
        stored = self.state.credit_lots.get(customer_id, [])
        lots = sorted(
            (lot for lot in stored if lot.remaining.cents > 0),
            key=lambda lot: (lot.expires_at, lot.lot_id),
        )
        currency = self.state.credit_currency.get(customer_id, currency)
        account = StoreCreditAccount(customer_id, currency, lots=list(lots))
        self.loaded[customer_id] = (account, 0, {id(lot) for lot in lots})
        return account

    def save(self, account: StoreCreditAccount, now: datetime) -> None:
        _, saved, known = self.loaded[account.customer_id]
        if account.balance.cents < 0:  # the CHECK constraint
            raise insufficient(Money.zero(account.currency), -account.balance)
        stored = self.state.credit_lots.setdefault(account.customer_id, [])
        for lot in account.lots:
            if id(lot) not in known:
                lot.lot_id = self.state.new_id()  # the stored id from now on
                stored.append(lot)
                known.add(id(lot))
        self.state.credit_currency.setdefault(account.customer_id, account.currency)
        for entry in account.entries[saved:]:
            if self.entry(entry.key) is not None:
                raise ConcurrentUpdate(f"entry {entry.key} exists")  # the unique key
            self.state.credit_entries.append(StoredCreditEntry(account.customer_id, entry))
        self.loaded[account.customer_id] = (account, len(account.entries), known)

    def flush_changes(self) -> list[DomainEvent]:
        return take_events(account for account, _, _ in self.loaded.values())

    def lot_owner(self, lot_id: int) -> str | None:
        for customer_id, lots in self.state.credit_lots.items():
            if any(lot.lot_id == lot_id for lot in lots):
                return customer_id
        return None

    def balance(self, customer_id: str, currency: str = "CNY") -> Money:
        currency = self.state.credit_currency.get(customer_id, currency)
        lots = self.state.credit_lots.get(customer_id, [])
        return Money(sum(lot.remaining.cents for lot in lots), currency)

    def entry(self, key: str) -> CreditEntryView | None:
        found = next((s for s in self.state.credit_entries if s.entry.key == key), None)
        return None if found is None else _view(found.entry)

    def entries(self, customer_id: str, limit: int = 200) -> list[CreditEntryView]:
        """Newest first."""
        mine = [_view(s.entry) for s in self.state.credit_entries if s.customer_id == customer_id]
        return mine[::-1][:limit]

    def lapsed(self, now: datetime, limit: int = 500) -> list[int]:
        return sorted(
            lot.lot_id
            for lots in self.state.credit_lots.values()
            for lot in lots
            if lot.remaining.cents > 0 and lot.expires_at <= now
        )[:limit]


class FakeLedger:
    """Records what was posted; the same key twice posts once (the unique key)."""

    def __init__(self, state: ResolutionState) -> None:
        self.state = state

    def post(self, entry: JournalEntry) -> bool:
        if any(posted.key == entry.key for posted in self.state.ledger):
            return False
        self.state.ledger.append(entry)
        return True


class FakeRefundIntents:
    def __init__(self, state: ResolutionState) -> None:
        self.state = state

    def add(self, key: str, rma_no: str, customer_id: str, amount: Money, now: datetime) -> None:
        if key in self.state.refund_intents:
            raise ConcurrentUpdate(f"intent {key} exists")
        self.state.refund_intents[key] = StoredIntent(key, rma_no, customer_id, amount, PENDING)

    def get(self, key: str, *, for_update: bool = False) -> StoredIntent | None:
        return self.state.refund_intents.get(key)

    def for_rma(self, rma_no: str) -> list[StoredIntent]:
        return [i for i in self.state.refund_intents.values() if i.rma_no == rma_no]

    def cancel_for(self, rma_no: str) -> int:
        moved = 0
        for key, intent in list(self.state.refund_intents.items()):
            if intent.rma_no == rma_no and intent.status == PENDING:
                self.state.refund_intents[key] = replace(intent, status=CANCELLED)
                moved += 1
        return moved


class NoRefunds:
    """No refund row exists for any request (store credit checks this first)."""

    def get(self, rma_no: str, *, for_update: bool = False) -> None:
        return None


class NoDeductions:
    """No deduction accepted at inspection, no return freight booked for the customer."""

    def accepted_deductions(self, rma_no: str) -> list[Deduction]:
        return []

    def for_rma(self, rma_no: str) -> list[Any]:
        return []


class ResolutionUnitOfWork(FakeUnitOfWork):
    """The fake unit of work with the resolution repositories attached."""

    exchanges: FakeExchanges
    repairs: FakeRepairs
    shipment_requests: FakeShipmentRequests
    stock: FakeStock
    catalogue: FakeCatalogue
    store_credit: FakeStoreCredit
    ledger: FakeLedger
    refund_intents: FakeRefundIntents
    refunds: NoRefunds
    warehouse: NoDeductions
    shipments: NoDeductions

    def __init__(self, db: ResolutionDatabase) -> None:
        self.rdb = db
        super().__init__(db)

    def _begin(self) -> None:
        super()._begin()
        self.state = copy.deepcopy(self.rdb.resolutions)
        for order in (
            *self.state.exchanges.values(),
            *self.state.repairs.values(),
            *self.state.shipment_requests.values(),
        ):
            _strip_events(order)
        self.exchanges = FakeExchanges(self.state, self)
        self.repairs = FakeRepairs(self.state)
        self.shipment_requests = FakeShipmentRequests(self.state)
        self.stock = FakeStock(self.state)
        self.catalogue = FakeCatalogue(self.state, self.stock)
        self.store_credit = FakeStoreCredit(self.state)
        self.ledger = FakeLedger(self.state)
        self.refund_intents = FakeRefundIntents(self.state)
        self.refunds = NoRefunds()
        self.warehouse = NoDeductions()
        self.shipments = NoDeductions()

    def __enter__(self) -> ResolutionUnitOfWork:
        self._begin()
        return self

    def current_return(self, rma_no: str) -> ReturnRequest | None:
        return self.returns.seen.get(rma_no) or self.db.returns.get(rma_no)

    def all_returns(self) -> list[ReturnRequest]:
        return list({**self.db.returns, **self.returns.seen}.values())

    def commit(self, now: datetime) -> None:
        """Store the resolution state and its aggregates' events, then the core's commit."""
        self.returns.check_versions()
        events: list[DomainEvent] = []
        for repository in (self.exchanges, self.repairs, self.shipment_requests):
            events.extend(repository.flush_changes())
        events.extend(self.store_credit.flush_changes())
        for event in events:
            payload = {**event.data, "occurred_at": event.occurred_at.isoformat()}
            self.outbox.put(event.name, payload, now)
        self.rdb.resolutions = self.state
        super().commit(now)
        self.db.published.extend(events)


def as_uow(uow: ResolutionUnitOfWork) -> UnitOfWork:
    """The services are typed with the real unit of work; this one has its shape."""
    return cast(UnitOfWork, uow)


SETTINGS = Settings(database_url="sqlite://")


class ResolutionShop:
    """Orders and requests put in place through the services, one commit each, on a
    `ResolutionDatabase` (like `tests/services/conftest.Shop`)."""

    def __init__(self, settings: Settings = SETTINGS) -> None:
        self.db = ResolutionDatabase()
        self.settings = settings

    @property
    def state(self) -> ResolutionState:
        return self.db.resolutions

    def uow(self) -> ResolutionUnitOfWork:
        return ResolutionUnitOfWork(self.db)

    def run(self, step: Callable[[UnitOfWork], T], now: datetime) -> T:
        """One unit of work, committed at `now`; nothing is kept when `step` raises."""
        with self.uow() as uow:
            result = step(as_uow(uow))
            uow.commit(now)
        return result

    def add_orders(self, *orders: Order, now: datetime) -> None:
        def import_all(uow: UnitOfWork) -> None:
            for order in orders:
                order_service.import_order(uow, order, now)

        self.run(import_all, now)

    def file(
        self,
        order_no: str,
        lines: Sequence[ReturnLine],
        request_type: RequestType,
        now: datetime,
        actor: str = "c-1",
    ) -> str:
        new = return_service.NewReturn(
            order_no=order_no,
            request_type=request_type,
            channel=Channel.WEB,
            lines=tuple(lines),
            contact={},
            photos=(),
        )
        return self.run(lambda uow: return_service.file_return(uow, new, now, actor).rma_no, now)

    def step(self, rma_no: str, action: Action, now: datetime, **kw: str) -> None:
        self.run(
            lambda uow: return_service.perform(uow, rma_no, action, "agent:li", now, **kw), now
        )

    def inspect(self, rma_no: str, now: datetime, *, passed: bool = True) -> None:
        """Shipped back, received and inspected."""
        self.step(rma_no, Action.SHIP, now, carrier="SF", tracking_no=f"SF{rma_no[-4:]}")
        self.step(rma_no, Action.RECEIVE, now)
        self.step(rma_no, Action.INSPECT_PASS if passed else Action.INSPECT_FAIL, now, note="x")

    def stored(self, rma_no: str) -> ReturnRequest:
        return self.db.returns[rma_no]


def movements(entry: JournalEntry) -> dict[str, int]:
    """An entry's postings as `account[/party]` → signed cents (debit +, credit -)."""
    moved: dict[str, int] = {}
    for posting in entry.postings:
        name = posting.account.value + (f"/{posting.party}" if posting.party else "")
        moved[name] = moved.get(name, 0) + posting.debit.cents - posting.credit.cents
    return moved
