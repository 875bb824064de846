"""Merchants, customers, products, orders and the policy versions that judge them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from returnflow.storage.schema.base import Base


class MerchantRow(Base):
    __tablename__ = "merchants"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class CustomerRow(Base):
    __tablename__ = "customers"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40))
    email: Mapped[str] = mapped_column(String(254))
    # set when the retention job cleared the personal fields (R14.1, migration 0015)
    anonymised_at: Mapped[datetime | None]
    # key-account customers' complaints go to a named team (R8.5, migration 0016)
    key_account: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class ProductRow(Base):
    __tablename__ = "products"
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(40), index=True)
    flags: Mapped[list[Any]]


class OrderRow(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_no: Mapped[str] = mapped_column(String(64), unique=True)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    placed_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    shipping_fee: Mapped[int] = mapped_column(BigInteger)
    return_shipping_insurance: Mapped[bool] = mapped_column(Boolean)
    payment_method: Mapped[str] = mapped_column(String(40))
    payment_transaction_id: Mapped[str] = mapped_column(String(128))
    # where the order was delivered (issue 4, migration 0006): pickups come here
    ship_to: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    imported_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    lines: Mapped[list[OrderLineRow]] = relationship(
        back_populates="order", order_by="OrderLineRow.line_no", cascade="all, delete-orphan"
    )


class OrderLineRow(Base):
    __tablename__ = "order_lines"
    __table_args__ = (UniqueConstraint("order_id", "line_no"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    line_no: Mapped[int]
    sku: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(40))
    unit_price: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int]
    discount: Mapped[int] = mapped_column(BigInteger)
    flags: Mapped[list[Any]]
    # the product's picture as the order system names it (issue 16, migration 0036)
    image_url: Mapped[str | None] = mapped_column(String(2000))
    order: Mapped[OrderRow] = relationship(back_populates="lines")


class PolicyVersionRow(Base):
    __tablename__ = "policy_versions"
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    effective_from: Mapped[datetime]
    document: Mapped[dict[str, Any]]
    published_at: Mapped[datetime]
    published_by: Mapped[str] = mapped_column(String(100))


# time filters of the incident monitors' daily reads (storage/monitor_queries.py, 0028)
Index("ix_orders_delivered_at", OrderRow.delivered_at)
