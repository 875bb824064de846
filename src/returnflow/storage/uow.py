"""The unit of work: one transaction, its repositories, and the outbox.

On commit every aggregate the work touched is written back and its domain events
go into the outbox table in the same transaction, so a notice leaves if and only
if the change it announces was stored.
"""

from __future__ import annotations

from datetime import datetime
from types import TracebackType

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from returnflow.storage.accounts import Accounts
from returnflow.storage.attempts import Attempts
from returnflow.storage.catalogue import Catalogue
from returnflow.storage.ledger import Ledger
from returnflow.storage.receiving import Parcels, Receipts
from returnflow.storage.refunds import Approvals, Recoveries, RefundStore
from returnflow.storage.repository import (
    Counters,
    IdempotencyStore,
    OrderRepository,
    Outbox,
    PolicyRepository,
    ReturnRepository,
)
from returnflow.storage.resolutions import (
    ExchangeRepository,
    RefundIntents,
    RepairRepository,
    ShipmentRequests,
    Stock,
    StoreCredit,
)
from returnflow.storage.shipments import Shipments
from returnflow.storage.tracking import TrackingStore
from returnflow.storage.warehouse import Warehouse


class ConcurrentUpdate(Exception):
    """Another transaction changed the same record first; nothing of this one was kept."""


class UnitOfWork:
    session: Session
    orders: OrderRepository
    returns: ReturnRepository
    policies: PolicyRepository
    outbox: Outbox
    idempotency: IdempotencyStore
    counters: Counters
    accounts: Accounts
    attempts: Attempts
    ledger: Ledger
    shipments: Shipments
    tracking: TrackingStore
    warehouse: Warehouse
    # one repository per capability; a capability adds its line here and in __enter__
    catalogue: Catalogue
    refunds: RefundStore
    approvals: Approvals
    recoveries: Recoveries
    receipts: Receipts
    parcels: Parcels
    exchanges: ExchangeRepository
    stock: Stock
    shipment_requests: ShipmentRequests
    repairs: RepairRepository
    store_credit: StoreCredit
    refund_intents: RefundIntents

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self.orders = OrderRepository(self.session)
        self.returns = ReturnRepository(self.session)
        self.policies = PolicyRepository(self.session)
        self.outbox = Outbox(self.session)
        self.idempotency = IdempotencyStore(self.session)
        self.counters = Counters(self.session)
        self.accounts = Accounts(self.session)
        self.attempts = Attempts(self.session)
        self.ledger = Ledger(self.session)
        self.shipments = Shipments(self.session)
        self.tracking = TrackingStore(self.session)
        self.warehouse = Warehouse(self.session)
        self.catalogue = Catalogue(self.session)
        self.refunds = RefundStore(self.session)
        self.approvals = Approvals(self.session)
        self.recoveries = Recoveries(self.session)
        self.receipts = Receipts(self.session)
        self.parcels = Parcels(self.session)
        self.exchanges = ExchangeRepository(self.session)
        self.stock = Stock(self.session)
        self.shipment_requests = ShipmentRequests(self.session)
        self.repairs = RepairRepository(self.session)
        self.store_credit = StoreCredit(self.session)
        self.refund_intents = RefundIntents(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.session.rollback()
        self.session.close()
        if isinstance(exc, (StaleDataError, IntegrityError)):
            # a unique key or a version lost a race inside the block: say so in our words,
            # so nothing above storage/ needs to know SQLAlchemy's exceptions
            raise ConcurrentUpdate(str(exc)) from exc

    def commit(self, now: datetime) -> None:
        try:
            for event in self.returns.flush_changes():
                payload = {**event.data, "occurred_at": event.occurred_at.isoformat()}
                self.outbox.put(event.name, payload, now)
            self.session.commit()
        except (StaleDataError, IntegrityError) as exc:
            # a stale version or a second refund row: someone else's change won the race
            self.session.rollback()
            raise ConcurrentUpdate(str(exc)) from exc

    def rollback(self) -> None:
        self.session.rollback()
