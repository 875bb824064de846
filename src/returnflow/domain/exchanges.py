"""Exchanges (R6.2): the replacement, its price gap, and the `Exchange` aggregate.

An `ExchangeOrder` is a separate entity beside the return request, with its own states,
so a fast exchange can send the replacement before the customer's parcel arrives while
the request itself still moves only along the lifecycle table: the request's EXCHANGE
step is performed once the replacement has shipped *and* the goods passed inspection.

What the returned units were worth comes from the paid per-unit shares of
`OrderLine.paid_for_units`. Refund requests take a line's units from the front of the
allocation order (`domain/refunds.py`); exchanges value theirs from the back. Because
every unit is held by at most one live request, the two ranges never overlap, so
refunds plus exchange price gaps paid back never exceed what the line cost.

The fast-exchange risk rules live in `domain/fast_exchange.py` (re-exported here).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from returnflow.domain.events import DomainEvent
from returnflow.domain.fast_exchange import CustomerRecord as CustomerRecord
from returnflow.domain.fast_exchange import FastExchangeLimits as FastExchangeLimits
from returnflow.domain.fast_exchange import fast_exchange_refusals as fast_exchange_refusals
from returnflow.domain.money import Money
from returnflow.domain.orders import Order
from returnflow.domain.text import DomainError, Text


class ExchangeStatus(StrEnum):
    RESERVED = "reserved"  # replacement chosen, stock held, waiting for inspection
    REQUESTED = "requested"  # the order system was asked to ship it
    SHIPPED = "shipped"  # the order system reported the waybill
    CHARGED = "charged"  # fast exchange never returned: the customer pays for it
    CANCELLED = "cancelled"

    @property
    def label(self) -> Text:
        return _LABELS[self]


class Settlement(StrEnum):
    NONE = "none"  # same price
    CHARGE = "charge"  # the customer pays the gap: receivable + payment request
    REFUND_PENDING = "refund_pending"  # we owe the gap back; waiting for the refund
    REFUND_CANCELLED = "refund_cancelled"  # the owed gap was folded into a charge


@dataclass(frozen=True, slots=True)
class ReplacementItem:
    """One replacement, priced by the server (catalogue feed or the order line).

    `total` is set only for a like-for-like swap the catalogue does not price: the
    same SKU in the same quantity is worth exactly what was paid for the units it
    replaces, so such a swap never moves money.
    """

    line_no: int  # the returned order line this replaces
    sku: str
    title: str
    quantity: int
    unit_price: Money
    total: Money | None = None

    @property
    def value(self) -> Money:
        return self.total if self.total is not None else self.unit_price * self.quantity

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "line_no": self.line_no,
            "sku": self.sku,
            "title": self.title,
            "quantity": self.quantity,
            "unit_price": self.unit_price.cents,
        }
        if self.total is not None:
            out["total"] = self.total.cents
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any], currency: str) -> ReplacementItem:
        total = data.get("total")
        return cls(
            int(data["line_no"]),
            str(data["sku"]),
            str(data["title"]),
            int(data["quantity"]),
            Money(int(data["unit_price"]), currency),
            None if total is None else Money(int(total), currency),
        )


def returned_value(
    order: Order, returned: Mapping[int, int], exchanged_before: Mapping[int, int]
) -> Money:
    """What the customer paid for the units sent back in exchange, valued from the back.

    `returned` is units per line in this exchange; `exchanged_before` the units of each
    line earlier exchanges already valued.
    """
    total = Money.zero(order.currency)
    for line_no, count in returned.items():
        line = order.line(line_no)
        if line is None:
            raise KeyError(line_no)
        end = max(line.quantity - exchanged_before.get(line_no, 0), 0)
        start = max(end - count, 0)
        total = total + line.paid_for_units(start, end - start)
    return total


def price_difference(returned: Money, items: Sequence[ReplacementItem]) -> Money:
    """Positive: the customer pays the gap; negative: we pay it back. Exact to the cent."""
    replacement = Money.zero(returned.currency)
    for item in items:
        replacement = replacement + item.value
    return replacement - returned


def settlement_for(difference: Money) -> Settlement:
    if difference.cents > 0:
        return Settlement.CHARGE
    if difference.cents < 0:
        return Settlement.REFUND_PENDING
    return Settlement.NONE


def line_not_returned() -> DomainError:
    """A replacement must stand for a line of the request."""
    return DomainError(
        "replacement_line_unknown",
        Text("换货商品须对应申请中的商品行", "A replacement must replace a returned line"),
        field="items",
    )


def out_of_stock(sku: str, available: int, reserved: int, wanted: int) -> DomainError:
    """Stock the order system reported, less what other exchanges hold, is too little."""
    return DomainError(
        "replacement_out_of_stock",
        Text(
            "{sku} 库存不足：可用 {a}，已预留 {r}，需要 {w}",
            "Not enough {sku} in stock: {a} available, {r} reserved, {w} wanted",
        ).format(sku=sku, a=str(available), r=str(reserved), w=str(wanted)),
        field="items",
    )


def check_items(items: Sequence[ReplacementItem], returned: Mapping[int, int]) -> None:
    """A replacement names a returned line, a positive quantity and a price ≥ 0."""
    if not items:
        raise DomainError(
            "replacement_required",
            Text("请选择换货商品", "Choose the replacement item"),
            field="items",
        )
    for item in items:
        if item.line_no not in returned:
            raise line_not_returned()
        if item.quantity < 1 or item.unit_price.cents < 0 or not item.sku.strip():
            raise DomainError(
                "replacement_invalid",
                Text("换货商品的数量和价格不正确", "The replacement's quantity or price is wrong"),
                field="items",
            )


# --- the entity -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExchangeStep:
    at: datetime
    actor: str
    step: str
    note: str = ""


@dataclass
class ExchangeOrder:
    """The exchange aggregate: its methods are the only way to change it.

    Each step checks the state, stamps an `ExchangeStep` (who, when) on the history and
    records a `DomainEvent` for what follows it: a shipment request and the price gap's
    settlement at release, the request's EXCHANGE step once shipped, a payment request
    when an unreturned fast exchange is charged, released stock when cancelled.
    """

    rma_no: str
    merchant_id: str
    customer_id: str
    items: tuple[ReplacementItem, ...]
    returned_units: dict[int, int]  # units per order line sent back in exchange
    returned_value: Money
    fast: bool
    status: ExchangeStatus
    settlement: Settlement
    return_due_at: datetime | None = None
    charged: Money | None = None
    history: list[ExchangeStep] = field(default_factory=list)
    # events raised since loading, for the unit of work to hand on
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @property
    def currency(self) -> str:
        return self.returned_value.currency

    @property
    def replacement_value(self) -> Money:
        return self.returned_value + self.difference

    @property
    def difference(self) -> Money:
        return price_difference(self.returned_value, self.items)

    @property
    def chosen_by(self) -> str:
        """Who chose the replacement: a refunded gap is theirs to answer for (R12.3)."""
        chosen = next((step for step in self.history if step.step == "chosen"), None)
        return chosen.actor if chosen is not None else ""

    @classmethod
    def choose(
        cls,
        *,
        rma_no: str,
        merchant_id: str,
        customer_id: str,
        items: Sequence[ReplacementItem],
        returned: Mapping[int, int],
        returned_value: Money,
        fast: bool,
        now: datetime,
        actor: str,
        limits: FastExchangeLimits,
    ) -> ExchangeOrder:
        check_items(items, returned)
        order = cls(
            rma_no=rma_no,
            merchant_id=merchant_id,
            customer_id=customer_id,
            items=tuple(items),
            returned_units=dict(returned),
            returned_value=returned_value,
            fast=fast,
            status=ExchangeStatus.RESERVED,
            settlement=Settlement.NONE,
            return_due_at=now + timedelta(days=limits.return_days) if fast else None,
        )
        order.settlement = settlement_for(order.difference)
        order.history.append(ExchangeStep(now, actor, "chosen", "fast" if fast else ""))
        order._record("exchange.chosen", now, fast=fast, difference=order.difference.cents)
        return order

    def release(self, now: datetime, actor: str, *, goods_inspected: bool) -> None:
        """Ask the order system to ship: after inspection, or at once for fast exchange."""
        if self.status is not ExchangeStatus.RESERVED:
            raise _not_now(self.status)
        if not (self.fast or goods_inspected):
            raise DomainError(
                "exchange_waits_for_inspection",
                Text(
                    "退回商品验收通过后才能发出换货",
                    "The replacement ships once the returned goods pass inspection",
                ),
            )
        self.status = ExchangeStatus.REQUESTED
        self.history.append(ExchangeStep(now, actor, "requested"))
        # what follows: the shipment request, and the gap charged or owed back
        self._record(
            "exchange.released",
            now,
            settlement=self.settlement.value,
            difference=self.difference.cents,
            replacement_value=self.replacement_value.cents,
        )

    def shipped(self, now: datetime, actor: str, waybill: str) -> None:
        if self.status is not ExchangeStatus.REQUESTED:
            raise _not_now(self.status)
        self.status = ExchangeStatus.SHIPPED
        self.history.append(ExchangeStep(now, actor, "shipped", waybill))
        self._record("exchange.shipped", now, waybill=waybill)  # the EXCHANGE step follows

    def charge_unreturned(self, now: datetime) -> Money:
        """A fast exchange whose return never left: the customer keeps both and pays.

        They paid the original price (+ a charged gap); if we have not yet paid back a
        negative gap, that refund is cancelled and they pay the replacement's price,
        otherwise what the kept original cost.
        """
        if not self.fast or self.status not in (ExchangeStatus.REQUESTED, ExchangeStatus.SHIPPED):
            raise _not_now(self.status)
        refund_cancelled = self.settlement is Settlement.REFUND_PENDING
        if refund_cancelled:
            amount = self.replacement_value
            self.settlement = Settlement.REFUND_CANCELLED
        else:
            amount = self.returned_value
        self.status = ExchangeStatus.CHARGED
        self.charged = amount
        self.history.append(ExchangeStep(now, "system", "charged", str(amount)))
        self._record(
            "exchange.charged", now, amount=amount.cents, refund_cancelled=refund_cancelled
        )
        return amount

    def cancel(self, now: datetime, actor: str, note: str = "") -> None:
        if self.status is not ExchangeStatus.RESERVED:
            raise _not_now(self.status)
        self.status = ExchangeStatus.CANCELLED
        self.history.append(ExchangeStep(now, actor, "cancelled", note))
        self._record("exchange.cancelled", now)  # the reserved stock is released

    def return_settled(self) -> None:
        """The customer's parcel left in time, or inspection decided: no deadline to watch."""
        self.return_due_at = None

    def return_overdue(self, now: datetime) -> bool:
        return (
            self.fast
            and self.status in (ExchangeStatus.REQUESTED, ExchangeStatus.SHIPPED)
            and self.return_due_at is not None
            and now >= self.return_due_at
        )

    def _record(self, name: str, now: datetime, **data: Any) -> None:
        self.events.append(
            DomainEvent(
                name,
                now,
                {
                    "rma_no": self.rma_no,
                    "customer_id": self.customer_id,
                    "currency": self.currency,
                    **data,
                },
            )
        )


Exchange = ExchangeOrder  # the aggregate's name in issue 10; `ExchangeOrder` in its rows


def _not_now(status: ExchangeStatus) -> DomainError:
    return DomainError(
        "exchange_step_not_allowed",
        Text(
            "换货单当前状态“{zh}”下不能执行此操作", "Not possible while the exchange is {en}"
        ).format(zh=status.label.zh, en=status.label.en),
    )


_LABELS = {
    ExchangeStatus.RESERVED: Text("已选定换货商品，库存已预留", "replacement reserved"),
    ExchangeStatus.REQUESTED: Text("已通知发货", "shipment requested"),
    ExchangeStatus.SHIPPED: Text("换货已发出", "replacement shipped"),
    ExchangeStatus.CHARGED: Text("未按时退回，已转为购买", "not returned in time: charged"),
    ExchangeStatus.CANCELLED: Text("已取消", "cancelled"),
}
