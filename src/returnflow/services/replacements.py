"""What a replacement costs, decided by the server (issue 9).

The caller of an exchange names the SKU and the quantity, nothing else: the price
comes from the order system's catalogue feed (`uow.catalogue`, `domain/price_feed.py`)
and the stock from what that feed last reported. A price taken from the caller let an agent send 0
for an ¥8,000 laptop and have the difference paid out.

Like-for-like: the same SKU as the returned line, in the same quantity, is worth
exactly what the customer paid for the units it replaces when the catalogue has no
price for it, so such a swap never moves money. With a catalogue price, that price
applies like for any other product.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from returnflow.domain.exchanges import (
    ReplacementItem,
    line_not_returned,
    out_of_stock,
    returned_value,
)
from returnflow.domain.money import Money
from returnflow.domain.orders import Order
from returnflow.domain.price_feed import CatalogueItem, PriceUpdate
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.text import DomainError, Text
from returnflow.services.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Wanted:
    """The caller's whole say in a replacement: which line, which SKU, how many."""

    line_no: int
    sku: str
    quantity: int


def feed(
    uow: UnitOfWork, merchant_id: str, updates: Iterable[PriceUpdate], actor: str, now: datetime
) -> int:
    """The order system's price feed for one merchant; returns how many SKUs it set."""
    return uow.catalogue.upsert(merchant_id, updates, actor, now)


def listing(uow: UnitOfWork, merchant_id: str, limit: int = 1000) -> list[CatalogueItem]:
    """One merchant's catalogue as the feed left it, by title."""
    return uow.catalogue.listing(merchant_id, limit)


def offered(uow: UnitOfWork, request: ReturnRequest, order: Order | None) -> list[CatalogueItem]:
    """What the pages offer: the fed catalogue in stock (or never reported), plus each
    returned line's own SKU (like-for-like) when the catalogue does not list it."""
    items = [item for item in uow.catalogue.listing(request.merchant_id) if item.offered]
    listed = {item.sku for item in items}
    for returned in request.lines:
        line = order.line(returned.line_no) if order is not None else None
        if line is not None and line.sku not in listed:
            items.append(CatalogueItem(line.sku, line.title, line.unit_price))
            listed.add(line.sku)
    return items


def price(
    uow: UnitOfWork, request: ReturnRequest, order: Order, wanted: Sequence[Wanted]
) -> tuple[ReplacementItem, ...]:
    """Each wanted replacement priced from the catalogue (or like-for-like), in stock."""
    returned = {line.line_no: line.quantity for line in request.lines}
    items = []
    for want in wanted:
        if want.line_no not in returned:
            raise line_not_returned()
        items.append(_priced(uow, request, order, want, returned[want.line_no]))
    return tuple(items)


def _priced(
    uow: UnitOfWork, request: ReturnRequest, order: Order, want: Wanted, returned: int
) -> ReplacementItem:
    sku = want.sku.strip()
    listed = uow.catalogue.get(request.merchant_id, sku)
    line = order.line(want.line_no)
    if listed is not None:
        if listed.price.currency != order.currency:
            raise DomainError(
                "replacement_currency_mismatch",
                Text("{sku} 的标价币种与订单不同", "{sku} is priced in another currency").format(
                    sku=sku
                ),
                field="items",
            )
        _in_stock(uow, request.merchant_id, sku, want.quantity, listed.available)
        return ReplacementItem(want.line_no, sku, listed.title, want.quantity, listed.price)
    if line is not None and line.sku == sku and want.quantity == returned:
        paid = returned_value(order, {want.line_no: returned}, {})
        return ReplacementItem(want.line_no, sku, line.title, want.quantity, line.unit_price, paid)
    raise DomainError(
        "replacement_unknown_sku",
        Text(
            "商品目录中没有 {sku}，不能作为换货商品",
            "{sku} is not in the catalogue to exchange for",
        ).format(sku=sku),
        field="items",
    )


def _in_stock(
    uow: UnitOfWork, merchant_id: str, sku: str, quantity: int, available: int | None
) -> None:
    if available is None:
        return  # never reported: the order system stays the judge of its own stock
    reserved = uow.stock.reserved(merchant_id, sku)
    if available - reserved < quantity:
        raise out_of_stock(sku, available, reserved, quantity)


def paid_value(order: Order, request: ReturnRequest) -> Money:
    """What the customer paid for the request's lines: the ceiling of any charge or refund."""
    return returned_value(order, {line.line_no: line.quantity for line in request.lines}, {})
