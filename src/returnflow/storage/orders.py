"""Orders as the order system reported them: saved (idempotently) and loaded as `Order`s.

The only code that knows the order, order-line, merchant, customer and product rows.
An import writes many orders in one transaction, so the repository remembers the rows
it has already seen there instead of asking the database again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from returnflow.domain.catalog import ItemFlag
from returnflow.domain.money import Money
from returnflow.domain.orders import Address, Customer, Order, OrderLine, Payment
from returnflow.storage.policies import POLICY_STAMP, note_stamp
from returnflow.storage.schema import CustomerRow, MerchantRow, OrderLineRow, OrderRow, ProductRow

# the order, its lines and its customer; on PostgreSQL with the policy table's stamp,
# so the filing's policy book needs no statement of its own (storage/policies.py)
_GET = (
    select(OrderRow, CustomerRow)
    .join(CustomerRow, CustomerRow.id == OrderRow.customer_id)
    .options(joinedload(OrderRow.lines))
)
_GET_STAMPED = _GET.add_columns(POLICY_STAMP)


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
        self._merchants: dict[str, MerchantRow] = {}
        self._customers: dict[str, CustomerRow] = {}
        self._rows: dict[str, OrderRow] = {}
        self._catalogue: dict[tuple[str, str], ProductRow] = {}
        self._ids: dict[str, int] = {}  # order number → row id, of orders `get` loaded

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
            self._merchants, self._customers = {}, {}
            self._rows, self._catalogue, self._ids = {}, {}, {}

    def get(self, order_no: str, *, for_update: bool = False) -> Order | None:
        self._same_transaction()
        if not for_update and order_no in self._read:
            return self._read[order_no]
        # the order, its lines and its customer in one statement (a filing's first read);
        # FOR UPDATE OF orders locks the order row alone, as the two reads it replaces did
        query = _GET_STAMPED if self._postgresql() else _GET  # + policies' stamp (issue 11)
        query = query.where(OrderRow.order_no == order_no)
        if for_update:
            query = query.with_for_update(of=OrderRow)
        found = self.session.execute(query).unique().first()
        if found is None:
            return None
        row, customer = found[0], found[1]  # held: _to_domain finds the customer mapped
        if len(found) > 2:
            note_stamp(self.session, str(found[2]))
        self._ids[order_no] = row.id
        order = self._read[order_no] = self._to_domain(row)
        del customer
        return order

    def _postgresql(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    def id_of(self, order_no: str) -> int:
        self._same_transaction()
        if order_no in self._ids:  # loaded by `get` in this transaction
            return self._ids[order_no]
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
        self._ensure_merchant(order.merchant_id, order.merchant_name, now)
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
            line_row.image_url = line.image_url
            self._save_product(order.merchant_id, line, products)
        return created

    def _ensure_merchant(self, merchant_id: str, name: str | None, now: datetime) -> None:
        """The merchant's row; a name the import carries replaces the stored one.

        Without a name a new merchant is named by its id and a known one keeps its name.
        """
        row = self._merchants.get(merchant_id) or self.session.get(MerchantRow, merchant_id)
        if row is None:
            row = MerchantRow(id=merchant_id, name=name or merchant_id, created_at=now)
            self.session.add(row)
            self.session.flush()
        elif name is not None and row.name != name:
            row.name = name
        self._merchants[merchant_id] = row

    def merchant_names(self, ids: Iterable[str]) -> dict[str, str]:
        """id → stored name of the merchants among `ids` that exist."""
        wanted = sorted(set(ids))
        names: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = self.session.execute(
                select(MerchantRow.id, MerchantRow.name).where(MerchantRow.id.in_(chunk))
            )
            names.update((merchant_id, name) for merchant_id, name in rows)
        return names

    def _save_customer(self, customer: Customer) -> None:
        row = self._customers.get(customer.id) or self.session.get(CustomerRow, customer.id)
        if row is None:
            row = CustomerRow(id=customer.id)
            self.session.add(row)
        self._customers[customer.id] = row
        row.name, row.phone, row.email = customer.name, customer.phone, customer.email
        if customer.key_account is not None:  # not said: a known customer keeps theirs
            row.key_account = customer.key_account  # (a new one is not: the column's default)

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
            customer=Customer(
                customer.id,
                customer.name,
                customer.phone,
                customer.email,
                key_account=bool(customer.key_account),
            ),
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
                    image_url=line.image_url,
                )
                for line in row.lines
            ),
        )


def _address_to_json(address: Address | None) -> dict[str, Any] | None:
    if address is None:
        return None
    return {name: getattr(address, name) for name in Address.__slots__}
