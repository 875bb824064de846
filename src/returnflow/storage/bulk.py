"""New orders written in a few statements, not one ORM flush per row (issue 11).

The order system's import (`OrderRepository.save`) reads each order back to update it
in place: right for a feed that repeats itself, and far too slow for the demo's 100,000
orders, which are all new. `NewOrders` inserts a batch of orders that are known not to
be stored yet with one multi-row INSERT per table (SQLAlchemy's insertmanyvalues, on
SQLite and PostgreSQL alike): the merchants, customers and products it has not seen
before, the orders (their ids come back, in order), then every line. The statements are
Core inserts on the tables, not ORM inserts on the row classes: the rows are plain
values already, and the ORM's per-row bookkeeping cost more than the database did.

What it writes is exactly what `OrderRepository.save` would write for a new order. A
customer or product already stored is left as it is: the demo's people and catalogue do
not change between orders (a key-account change goes through `save`, as for real).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from returnflow.domain.orders import Order
from returnflow.storage.orders import _address_to_json
from returnflow.storage.schema import CustomerRow, MerchantRow, OrderLineRow, OrderRow, ProductRow


class NewOrders:
    """Remembers which merchants, customers and products exist, across transactions.

    One writer per run on one database: what it inserted stays inserted (the run
    commits or gives up as a whole), so it never asks for the same key twice.
    """

    def __init__(self) -> None:
        self._merchants: set[str] | None = None
        self._customers: set[str] = set()
        self._products: set[tuple[str, str]] = set()

    def insert(self, session: Session, orders: Sequence[tuple[Order, datetime]]) -> None:
        """Each (order, the moment it was imported): none may be stored already."""
        if not orders:
            return
        if self._merchants is None:
            self._load_known(session)
        self._insert_parties(session, orders)
        rows = [_order_values(order, at) for order, at in orders]
        table = _table(OrderRow)
        ids = session.scalars(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
        ).all()
        lines = [
            _line_values(order_id, order) for order_id, (order, _) in zip(ids, orders, strict=True)
        ]
        session.execute(insert(_table(OrderLineRow)), [line for group in lines for line in group])

    def _load_known(self, session: Session) -> None:
        self._merchants = set(session.scalars(select(MerchantRow.id)))
        self._customers = set(session.scalars(select(CustomerRow.id)))
        found = session.execute(select(ProductRow.merchant_id, ProductRow.sku))
        self._products = {(merchant_id, sku) for merchant_id, sku in found}

    def _insert_parties(self, session: Session, orders: Sequence[tuple[Order, datetime]]) -> None:
        assert self._merchants is not None
        merchants: dict[str, dict[str, Any]] = {}
        customers: dict[str, dict[str, Any]] = {}
        products: dict[tuple[str, str], dict[str, Any]] = {}
        for order, at in orders:
            if order.merchant_id not in self._merchants and order.merchant_id not in merchants:
                name = order.merchant_name or order.merchant_id
                merchants[order.merchant_id] = {
                    "id": order.merchant_id,
                    "name": name,
                    "created_at": at,
                }
            customer = order.customer
            if customer.id not in self._customers and customer.id not in customers:
                customers[customer.id] = {
                    "id": customer.id,
                    "name": customer.name,
                    "phone": customer.phone,
                    "email": customer.email,
                    "key_account": bool(customer.key_account),
                }
            for line in order.lines:
                key = (order.merchant_id, line.sku)
                if key not in self._products and key not in products:
                    products[key] = {
                        "merchant_id": order.merchant_id,
                        "sku": line.sku,
                        "title": line.title,
                        "category": line.category,
                        "flags": sorted(flag.value for flag in line.flags),
                    }
        for row, values in (
            (MerchantRow, merchants),
            (CustomerRow, customers),
            (ProductRow, products),
        ):
            if values:
                session.execute(insert(_table(row)), list(values.values()))
        self._merchants.update(merchants)
        self._customers.update(customers)
        self._products.update(products)


def _table(row: type[Any]) -> Table:
    """The Core table a row class maps: its inserts skip the ORM's per-row work."""
    return cast(Table, row.__table__)


def _order_values(order: Order, at: datetime) -> dict[str, Any]:
    return {
        "order_no": order.order_no,
        "merchant_id": order.merchant_id,
        "customer_id": order.customer.id,
        "currency": order.currency,
        "placed_at": order.placed_at,
        "paid_at": order.paid_at,
        "delivered_at": order.delivered_at,
        "shipping_fee": order.shipping_fee.cents,
        "return_shipping_insurance": order.return_shipping_insurance,
        "payment_method": order.payment.method,
        "payment_transaction_id": order.payment.transaction_id,
        "ship_to": _address_to_json(order.ship_to),
        "imported_at": at,
        "updated_at": at,
    }


def _line_values(order_id: int, order: Order) -> list[dict[str, Any]]:
    return [
        {
            "order_id": order_id,
            "line_no": line.line_no,
            "sku": line.sku,
            "title": line.title,
            "category": line.category,
            "unit_price": line.unit_price.cents,
            "quantity": line.quantity,
            "discount": line.discount.cents,
            "flags": sorted(flag.value for flag in line.flags),
            "image_url": line.image_url,
        }
        for line in order.lines
    ]
