"""What the order, policy and return use cases need from a unit of work, as Protocols.

The use cases in `orders.py`, `returns.py`, `policies.py` and `idempotency.py` take a
`ReturnsWork`: the real `UnitOfWork` (storage/uow.py, on the database) fits it, and so
does the in-memory one of the service tests (tests/support/fake_uow.py), so most of
the behaviour is tested in milliseconds and mypy checks that both keep the same shape.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from returnflow.domain.events import DomainEvent
from returnflow.domain.orders import Order
from returnflow.domain.policy import PolicyBook, PolicyVersion
from returnflow.domain.refunds import OrderHistory
from returnflow.domain.returns import ReturnRequest
from returnflow.services.photo_refs import PhotoRecords
from returnflow.services.risk import RiskRecords
from returnflow.storage.idempotency import StoredResponse


class OrderRepo(Protocol):
    def get(self, order_no: str, *, for_update: bool = False) -> Order | None: ...

    def id_of(self, order_no: str) -> int: ...

    def save(self, order: Order, now: datetime) -> bool: ...


class ReturnRepo(Protocol):
    def add(self, request: ReturnRequest, order_id: int) -> None: ...

    def get(self, rma_no: str, *, for_update: bool = False) -> ReturnRequest | None: ...

    def forget(self, rma_no: str) -> None: ...

    def flush_changes(self) -> list[DomainEvent]: ...

    def history_for_order(self, order_no: str, *, exclude: str | None = None) -> OrderHistory: ...

    def due_for_auto_close(self, now: datetime, limit: int = 500) -> list[str]: ...

    def due_for_auto_confirm(self, now: datetime, limit: int = 500) -> list[str]: ...


class PolicyRepo(Protocol):
    def book(self) -> PolicyBook: ...

    def has_any(self) -> bool: ...

    def add(self, policy: PolicyVersion, now: datetime, by: str) -> None: ...


class OutboxWriter(Protocol):
    def put(self, topic: str, payload: dict[str, Any], now: datetime) -> None: ...


class IdempotencyRecords(Protocol):
    def get(self, scope: str, key: str) -> StoredResponse | None: ...

    def claim(self, scope: str, key: str, request_hash: str, now: datetime) -> None: ...

    def store(self, scope: str, key: str, status_code: int, body: dict[str, Any]) -> None: ...


class CounterSequences(Protocol):
    def next(self, name: str) -> int: ...


class AccessLog(Protocol):
    def log_access(
        self,
        actor: str,
        subject: str,
        what: str,
        now: datetime,
        *,
        customer_id: str | None = None,
        route: str | None = None,
    ) -> None: ...


class ReturnsWork(Protocol):
    """The part of a unit of work these use cases touch (read-only: they never replace it)."""

    @property
    def orders(self) -> OrderRepo: ...

    @property
    def returns(self) -> ReturnRepo: ...

    @property
    def policies(self) -> PolicyRepo: ...

    @property
    def outbox(self) -> OutboxWriter: ...

    @property
    def idempotency(self) -> IdempotencyRecords: ...

    @property
    def counters(self) -> CounterSequences: ...

    @property
    def accounts(self) -> AccessLog: ...

    @property
    def photo_records(self) -> PhotoRecords: ...

    @property
    def risk(self) -> RiskRecords: ...  # R10.3: scored at filing (services/risk.py)

    def commit(self, now: datetime) -> None: ...

    def rollback(self) -> None: ...
