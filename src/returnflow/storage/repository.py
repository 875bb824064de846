"""Repositories: load and save domain objects; the only code that knows the rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, selectinload

from returnflow.domain.catalog import ItemFlag
from returnflow.domain.events import DomainEvent
from returnflow.domain.kinds import Channel, Reason, RequestType, ShippingPayer
from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.money import Money
from returnflow.domain.orders import Address, Customer, Order, OrderLine, Payment
from returnflow.domain.policy import PolicyBook, PolicyVersion
from returnflow.domain.refunds import HeldLine, OrderHistory, order_history
from returnflow.domain.returns import (
    Inspection,
    Rating,
    RefundRecord,
    ReturnLine,
    ReturnRequest,
    Shipment,
    StatusChange,
)
from returnflow.storage import chain, codecs
from returnflow.storage.schema import (
    CounterRow,
    CustomerRow,
    IdempotencyRow,
    MerchantRow,
    OrderLineRow,
    OrderRow,
    OutboxRow,
    PolicyVersionRow,
    ProductRow,
    RefundRow,
    ReturnEventRow,
    ReturnLineRow,
    ReturnRow,
)


class OrderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        # orders read in the current transaction: a request's steps (shipping, inspection,
        # refunds) each ask for the same order, and only `save` changes one
        self._read: dict[str, Order] = {}
        self._read_in: object = None
        # rows an import already looked up in this transaction, held strongly: the
        # session's identity map is weak, so without them each order re-reads its
        # merchant and customer (the demo's 10,000 orders come from ~2,000 customers)
        self._merchants: set[str] = set()
        self._customers: dict[str, CustomerRow] = {}
        self._rows: dict[str, OrderRow] = {}
        self._catalogue: dict[tuple[str, str], ProductRow] = {}

    def _row(self, order_no: str, *, for_update: bool = False) -> OrderRow | None:
        query = select(OrderRow).where(OrderRow.order_no == order_no)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query.options(selectinload(OrderRow.lines))).first()

    def _same_transaction(self) -> None:
        """Forget what an earlier transaction read or wrote (its rows may be stale or gone).

        The transaction is begun here if it has not yet been, so the first call of one
        and the next agree on which transaction they are in.
        """
        transaction = self.session.get_transaction() or self.session.begin()
        if transaction is not self._read_in:
            self._read, self._read_in = {}, transaction
            self._merchants, self._customers = set(), {}
            self._rows, self._catalogue = {}, {}

    def get(self, order_no: str, *, for_update: bool = False) -> Order | None:
        self._same_transaction()
        if not for_update and order_no in self._read:
            return self._read[order_no]
        row = self._row(order_no, for_update=for_update)
        if row is None:
            return None
        order = self._read[order_no] = self._to_domain(row)
        return order

    def id_of(self, order_no: str) -> int:
        row_id = self.session.scalar(select(OrderRow.id).where(OrderRow.order_no == order_no))
        if row_id is None:
            raise KeyError(order_no)
        return row_id

    def save(self, order: Order, now: datetime) -> bool:
        """Insert or update an order; True when it was new.

        Its lookups run without autoflush and it does not flush either: rows written
        earlier in this transaction are found in the repository's own maps, not by a
        query, and the next query (or the commit) flushes many orders' inserts at once.
        That is what makes importing (and the demo's 10,000 orders) quick.
        """
        self._same_transaction()
        self._read.pop(order.order_no, None)
        with self.session.no_autoflush:
            return self._write(order, now)

    def _write(self, order: Order, now: datetime) -> bool:
        self._ensure_merchant(order.merchant_id, now)
        self._save_customer(order.customer)
        row = self._rows.get(order.order_no) or self._row(order.order_no, for_update=True)
        created = row is None
        if row is None:
            row = OrderRow(order_no=order.order_no, imported_at=now)
            self.session.add(row)
        self._rows[order.order_no] = row
        row.merchant_id = order.merchant_id
        row.customer_id = order.customer.id
        row.currency = order.currency
        row.placed_at = order.placed_at
        row.paid_at = order.paid_at
        row.delivered_at = order.delivered_at
        row.shipping_fee = order.shipping_fee.cents
        row.return_shipping_insurance = order.return_shipping_insurance
        row.payment_method = order.payment.method
        row.payment_transaction_id = order.payment.transaction_id
        row.ship_to = _address_to_json(order.ship_to)
        row.updated_at = now
        existing = {line.line_no: line for line in row.lines}
        wanted = {line.line_no for line in order.lines}
        products = self._products(order.merchant_id, {line.sku for line in order.lines})
        for line_no, stale in existing.items():
            if line_no not in wanted:
                row.lines.remove(stale)
        for line in order.lines:
            line_row = existing.get(line.line_no)
            if line_row is None:
                line_row = OrderLineRow(line_no=line.line_no)
                row.lines.append(line_row)
            line_row.sku = line.sku
            line_row.title = line.title
            line_row.category = line.category
            line_row.unit_price = line.unit_price.cents
            line_row.quantity = line.quantity
            line_row.discount = line.discount.cents
            line_row.flags = sorted(flag.value for flag in line.flags)
            self._save_product(order.merchant_id, line, products)
        return created

    def _ensure_merchant(self, merchant_id: str, now: datetime) -> None:
        if merchant_id in self._merchants:
            return
        if self.session.get(MerchantRow, merchant_id) is None:
            self.session.add(MerchantRow(id=merchant_id, name=merchant_id, created_at=now))
            self.session.flush()
        self._merchants.add(merchant_id)

    def _save_customer(self, customer: Customer) -> None:
        row = self._customers.get(customer.id) or self.session.get(CustomerRow, customer.id)
        if row is None:
            row = CustomerRow(id=customer.id)
            self.session.add(row)
        self._customers[customer.id] = row
        row.name, row.phone, row.email = customer.name, customer.phone, customer.email

    def _products(self, merchant_id: str, skus: set[str]) -> dict[str, ProductRow]:
        """An order's catalogue rows: those not yet seen in this transaction in one query."""
        found = {
            sku: row for sku in skus if (row := self._catalogue.get((merchant_id, sku))) is not None
        }
        if missing := skus - found.keys():
            rows = self.session.scalars(
                select(ProductRow).where(
                    ProductRow.merchant_id == merchant_id, ProductRow.sku.in_(missing)
                )
            )
            found.update((row.sku, row) for row in rows)
        return found

    def _save_product(
        self, merchant_id: str, line: OrderLine, products: dict[str, ProductRow]
    ) -> None:
        row = products.get(line.sku)
        if row is None:
            row = ProductRow(merchant_id=merchant_id, sku=line.sku)
            self.session.add(row)
            products[line.sku] = row  # a second line with the same sku must not insert twice
        self._catalogue[merchant_id, line.sku] = row  # nor a later order in this transaction
        row.title, row.category = line.title, line.category
        row.flags = sorted(flag.value for flag in line.flags)

    def _to_domain(self, row: OrderRow) -> Order:
        customer = self.session.get(CustomerRow, row.customer_id)
        assert customer is not None

        def money(cents: int) -> Money:
            return Money(cents, row.currency)

        return Order(
            order_no=row.order_no,
            merchant_id=row.merchant_id,
            customer=Customer(customer.id, customer.name, customer.phone, customer.email),
            currency=row.currency,
            placed_at=row.placed_at,
            paid_at=row.paid_at,
            delivered_at=row.delivered_at,
            shipping_fee=money(row.shipping_fee),
            return_shipping_insurance=row.return_shipping_insurance,
            payment=Payment(row.payment_method, row.payment_transaction_id),
            ship_to=Address(**row.ship_to) if row.ship_to else None,
            lines=tuple(
                OrderLine(
                    line_no=line.line_no,
                    sku=line.sku,
                    title=line.title,
                    category=line.category,
                    unit_price=money(line.unit_price),
                    quantity=line.quantity,
                    discount=money(line.discount),
                    flags=frozenset(ItemFlag(f) for f in line.flags),
                )
                for line in row.lines
            ),
        )


def _address_to_json(address: Address | None) -> dict[str, Any] | None:
    if address is None:
        return None
    return {name: getattr(address, name) for name in Address.__slots__}


class ReturnRepository:
    """Return requests. Loaded aggregates are remembered so the unit of work saves them."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.seen: dict[str, tuple[ReturnRequest, ReturnRow]] = {}

    def add(self, request: ReturnRequest, order_id: int) -> None:
        row = ReturnRow(
            rma_no=request.rma_no,
            order_id=order_id,
            order_no=request.order_no,
            merchant_id=request.merchant_id,
            customer_id=request.customer_id,
            request_type=request.request_type.value,
            channel=request.channel.value,
            currency=request.estimate.total.currency,
            created_at=request.created_at,
            contact=dict(request.contact),
            photos=list(request.photos),
        )
        for line, refund in zip(request.lines, request.estimate.lines, strict=True):
            row.lines.append(
                ReturnLineRow(
                    line_no=line.line_no,
                    quantity=line.quantity,
                    reason_code=line.reason.value,
                    reason_text=line.reason_text,
                    opened=line.opened,
                    refund_amount=refund.amount.cents,
                )
            )
        _sync_row(request, row)
        self.session.add(row)
        self.seen[request.rma_no] = (request, row)

    def get(self, rma_no: str, *, for_update: bool = False) -> ReturnRequest | None:
        if rma_no in self.seen:
            if for_update:
                # read earlier without a lock: take it now, or two writers (say a refund
                # and a store-credit refund) each insert under the other's feet and
                # PostgreSQL breaks the tie with a deadlock; the version check still
                # refuses a write based on what was read before the lock
                self.session.execute(
                    select(ReturnRow.id).where(ReturnRow.rma_no == rma_no).with_for_update()
                )
            return self.seen[rma_no][0]
        query = (
            select(ReturnRow)
            .where(ReturnRow.rma_no == rma_no)
            .options(
                selectinload(ReturnRow.lines),
                selectinload(ReturnRow.history),
                selectinload(ReturnRow.refund),
            )
        )
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query).first()
        if row is None:
            return None
        request = _return_to_domain(row)
        self.seen[rma_no] = (request, row)
        return request

    def sync(self) -> None:
        """Write every remembered aggregate back to its row, so queries see the changes."""
        for request, row in self.seen.values():
            _sync_row(request, row)
        self.session.flush()
        for request, row in self.seen.values():
            request.version = row.version

    def flush_changes(self) -> list[DomainEvent]:
        """Sync every remembered aggregate; hand over their new events, once."""
        self.sync()
        events: list[DomainEvent] = []
        for request, _ in self.seen.values():
            events.extend(request.events)
            request.events.clear()
        return events

    def history_for_order(self, order_no: str, *, exclude: str | None = None) -> OrderHistory:
        """What live requests on an order already hold, line by line."""
        self.sync()  # requests changed earlier in this unit of work count as they are now
        query = (
            select(
                ReturnRow.request_type,
                ReturnRow.estimate,
                ReturnLineRow.line_no,
                ReturnLineRow.quantity,
                ReturnLineRow.refund_amount,
                ReturnLineRow.reason_code,
                ReturnRow.currency,
            )
            .join(ReturnLineRow, ReturnLineRow.return_id == ReturnRow.id)
            .where(ReturnRow.order_no == order_no)
            .where(ReturnRow.status.not_in([s.value for s in Status if not s.holds_goods]))
        )
        if exclude is not None:
            query = query.where(ReturnRow.rma_no != exclude)
        rows = self.session.execute(query).all()
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


def _return_to_domain(row: ReturnRow) -> ReturnRequest:
    estimate = codecs.estimate_from_json(row.estimate)
    refund = None
    if row.refund is not None and row.refund.paid_at is not None:  # owed is not yet paid
        refund = RefundRecord(
            Money(row.refund.amount, row.refund.currency),
            row.refund.method,
            row.refund.reference,
            row.refund.paid_at,
        )
    shipment = None
    if row.carrier and row.tracking_no and row.shipped_at:
        shipment = Shipment(row.carrier, row.tracking_no, row.shipped_at)
    inspection = None
    if row.inspection:
        inspection = Inspection(
            row.inspection["passed"],
            row.inspection["notes"],
            datetime.fromisoformat(row.inspection["inspected_at"]),
            row.inspection["inspected_by"],
        )
    return ReturnRequest(
        rma_no=row.rma_no,
        order_no=row.order_no,
        merchant_id=row.merchant_id,
        customer_id=row.customer_id,
        request_type=RequestType(row.request_type),
        channel=Channel(row.channel),
        lines=tuple(
            ReturnLine(
                line.line_no, line.quantity, Reason(line.reason_code), line.reason_text, line.opened
            )
            for line in row.lines
        ),
        created_at=row.created_at,
        estimate=estimate,
        shipping_payer=ShippingPayer(row.shipping_payer),
        status=Status(row.status),
        decision=codecs.decision_from_json(row.decision) if row.decision else None,
        contact=dict(row.contact),
        photos=tuple(row.photos),
        review_due_at=row.review_due_at,
        ship_by=row.ship_by,
        confirm_by=row.confirm_by,
        shipment=shipment,
        inspection=inspection,
        refund=refund,
        rating=None
        if not row.rating
        else Rating(
            row.rating["score"],
            row.rating["comment"],
            datetime.fromisoformat(row.rating["rated_at"]),
        ),
        history=[
            StatusChange(
                e.at,
                e.actor,
                Action(e.action),
                Status(e.from_status) if e.from_status else None,
                Status(e.to_status),
                e.note,
            )
            for e in row.history
        ],
        version=row.version,
    )


def _sync_row(request: ReturnRequest, row: ReturnRow) -> None:
    row.status = request.status.value
    row.shipping_payer = request.shipping_payer.value
    row.estimate = codecs.estimate_to_json(request.estimate)
    row.refund_total = request.estimate.total.cents
    row.goods_value = request.estimate.goods_value.cents
    row.decision = codecs.decision_to_json(request.decision) if request.decision else None
    row.review_due_at = request.review_due_at
    row.ship_by = request.ship_by
    row.confirm_by = request.confirm_by
    row.updated_at = request.history[-1].at if request.history else request.created_at
    if request.shipment is not None:
        row.carrier = request.shipment.carrier
        row.tracking_no = request.shipment.tracking_no
        row.shipped_at = request.shipment.shipped_at
    if request.inspection is not None:
        row.inspection = {
            "passed": request.inspection.passed,
            "notes": request.inspection.notes,
            "inspected_at": request.inspection.inspected_at.isoformat(),
            "inspected_by": request.inspection.inspected_by,
        }
    if request.rating is not None:
        row.rating = {
            "score": request.rating.score,
            "comment": request.rating.comment,
            "rated_at": request.rating.rated_at.isoformat(),
        }
    for seq, change in enumerate(request.history):
        if seq < len(row.history):
            continue  # history is append-only: stored entries are never rewritten
        event = ReturnEventRow(
            seq=seq,
            at=change.at,
            actor=change.actor,
            action=change.action.value,
            from_status=change.from_status.value if change.from_status else None,
            to_status=change.to_status.value,
            note=change.note,
        )
        chain.seal_event(event, row.rma_no, row.history[-1] if row.history else None)
        row.history.append(event)
    if request.refund is not None and row.refund is None:
        row.refund = RefundRow(
            amount=request.refund.amount.cents,
            currency=request.refund.amount.currency,
            method=request.refund.method,
            reference=request.refund.reference,
            paid_at=request.refund.paid_at,
        )


class PolicyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        # read once per unit of work: every eligibility check, review and refund asks for
        # it, and only `add` (through this repository) changes it
        self._book: PolicyBook | None = None

    def book(self) -> PolicyBook:
        if self._book is None:
            rows = self.session.scalars(select(PolicyVersionRow)).all()
            self._book = PolicyBook([codecs.policy_from_json(row.document) for row in rows])
        return self._book

    def has_any(self) -> bool:
        return self.session.scalar(select(PolicyVersionRow.version).limit(1)) is not None

    def add(self, policy: PolicyVersion, now: datetime, by: str) -> None:
        self._book = None
        self.session.add(
            PolicyVersionRow(
                version=policy.version,
                effective_from=policy.effective_from,
                document=codecs.policy_to_json(policy),
                published_at=now,
                published_by=by,
            )
        )


class Outbox:
    def __init__(self, session: Session) -> None:
        self.session = session

    def settle_backlog(self, now: datetime, reason: str) -> int:
        """Mark everything waiting as handled without sending it (e.g. demo history)."""
        result = self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.sent_at.is_(None), OutboxRow.failed_at.is_(None))
            .values(sent_at=now, last_error=reason)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def put(self, topic: str, payload: dict[str, Any], now: datetime) -> None:
        self.session.add(OutboxRow(topic=topic, payload=payload, created_at=now, available_at=now))


@dataclass(frozen=True)
class StoredResponse:
    request_hash: str
    status_code: int | None
    body: dict[str, Any] | None


class IdempotencyStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, scope: str, key: str) -> StoredResponse | None:
        row = self.session.get(IdempotencyRow, (scope, key))
        if row is None:
            return None
        return StoredResponse(row.request_hash, row.status_code, row.response)

    def claim(self, scope: str, key: str, request_hash: str, now: datetime) -> None:
        """Insert the key first: a concurrent twin then waits on, or fails at, the unique key."""
        self.session.add(
            IdempotencyRow(scope=scope, key=key, request_hash=request_hash, created_at=now)
        )
        self.session.flush()

    def store(self, scope: str, key: str, status_code: int, body: dict[str, Any]) -> None:
        self.session.execute(
            update(IdempotencyRow)
            .where(IdempotencyRow.scope == scope, IdempotencyRow.key == key)
            .values(status_code=status_code, response=body)
        )


class Counters:
    """Named number sequences (RMA numbers).

    PostgreSQL hands numbers out from a real SEQUENCE, which holds no lock until commit,
    so concurrent filings never wait on each other here (a rolled-back filing leaves a
    gap). SQLite has a single writer anyway and counts in the `counters` table.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def next(self, name: str) -> int:
        if self.session.get_bind().dialect.name == "postgresql":
            value = self.session.execute(text("SELECT nextval(:seq)"), {"seq": f"{name}_seq"})
            return int(value.scalar_one())
        result = self.session.execute(
            update(CounterRow)
            .where(CounterRow.name == name)
            .values(value=CounterRow.value + 1)
            .returning(CounterRow.value)
        ).scalar()
        if result is None:
            raise KeyError(f"counter {name!r} is not seeded; run the migrations")
        return int(result)
