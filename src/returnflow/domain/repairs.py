"""Repair orders (R6.3): the repair desk's own steps, each with who and when.

received → diagnosed → (awaiting_approval → approved | declined when the repair costs
the customer) → repaired → awaiting_shipment → shipped_back. A declined repair goes
back unrepaired. The request's REPAIR step is performed when the parcel has shipped.

`RepairOrder` (alias `Repair`) is the aggregate: its methods are the only way to change
it; each stamps a `RepairStep` and records a `DomainEvent` for what follows (a payment
request for an accepted cost, a shipment request when it goes back). `STEPS_OPEN` is the
one table of which desk step each status allows, read by the pages and by `perform`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from returnflow.domain.events import DomainEvent
from returnflow.domain.money import Money
from returnflow.domain.text import DomainError, Text


class RepairStatus(StrEnum):
    RECEIVED = "received"
    AWAITING_APPROVAL = "awaiting_approval"  # diagnosed, the customer must accept the cost
    DIAGNOSED = "diagnosed"  # free repair, or cost accepted
    DECLINED = "declined"  # the customer refused the cost: goes back unrepaired
    REPAIRED = "repaired"
    AWAITING_SHIPMENT = "awaiting_shipment"
    SHIPPED_BACK = "shipped_back"

    @property
    def label(self) -> Text:
        return _LABELS[self]


@dataclass(frozen=True, slots=True)
class RepairStep:
    at: datetime
    actor: str
    step: str
    note: str = ""


@dataclass
class RepairOrder:
    rma_no: str
    customer_id: str
    currency: str
    status: RepairStatus = RepairStatus.RECEIVED
    diagnosis: str = ""
    cost: Money | None = None
    cost_approved: bool | None = None
    steps: list[RepairStep] = field(default_factory=list)
    # events raised since loading, for the unit of work to hand on
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @classmethod
    def receive(
        cls, rma_no: str, customer_id: str, currency: str, now: datetime, actor: str
    ) -> RepairOrder:
        order = cls(rma_no, customer_id, currency)
        order.steps.append(RepairStep(now, actor, RepairStatus.RECEIVED.value))
        order._record("repair.received", now)
        return order

    @property
    def steps_open(self) -> tuple[str, ...]:
        """The desk steps this status allows (the forms the console shows)."""
        return STEPS_OPEN.get(self.status, ())

    def diagnose(self, now: datetime, actor: str, note: str, cost: Money) -> None:
        self._expect(RepairStatus.RECEIVED)
        if not note.strip():
            raise DomainError(
                "diagnosis_required",
                Text("请填写检测结论", "Write down the diagnosis"),
                field="note",
            )
        if cost.cents < 0:
            raise DomainError(
                "amount_not_positive",
                Text("费用不能为负", "A cost cannot be negative"),
                field="cost",
            )
        self.diagnosis = note.strip()
        self.cost = cost
        chargeable = cost.cents > 0
        self._move(
            RepairStatus.AWAITING_APPROVAL if chargeable else RepairStatus.DIAGNOSED,
            now,
            actor,
            f"{note.strip()} ({cost})" if chargeable else note.strip(),
        )
        if chargeable:  # the customer is asked to accept the cost
            self._record("repair.cost_proposed", now, amount=cost.cents)

    def answer_cost(self, now: datetime, actor: str, approved: bool) -> Money | None:
        """The customer's answer; what they now owe (a payment request follows), if any."""
        self._expect(RepairStatus.AWAITING_APPROVAL)
        self.cost_approved = approved
        self._move(RepairStatus.DIAGNOSED if approved else RepairStatus.DECLINED, now, actor)
        charge = self.charge
        if charge is not None:
            self._record("repair.cost_accepted", now, amount=charge.cents)
        return charge

    def repaired(self, now: datetime, actor: str, note: str = "") -> None:
        self._expect(RepairStatus.DIAGNOSED)
        self._move(RepairStatus.REPAIRED, now, actor, note)

    def request_shipment(self, now: datetime, actor: str) -> None:
        self._expect(RepairStatus.REPAIRED, RepairStatus.DECLINED)
        self._move(RepairStatus.AWAITING_SHIPMENT, now, actor)
        self._record("repair.shipment_requested", now)  # the order system sends it back

    def shipped_back(self, now: datetime, actor: str, waybill: str) -> None:
        self._expect(RepairStatus.AWAITING_SHIPMENT)
        self._move(RepairStatus.SHIPPED_BACK, now, actor, waybill)
        self._record("repair.shipped_back", now, waybill=waybill)  # the REPAIR step follows

    @property
    def charge(self) -> Money | None:
        """What the customer owes once they accepted a chargeable repair."""
        return self.cost if self.cost_approved and self.cost and self.cost.cents > 0 else None

    def _expect(self, *allowed: RepairStatus) -> None:
        if self.status not in allowed:
            raise DomainError(
                "repair_step_not_allowed",
                Text(
                    "维修单当前状态“{zh}”下不能执行此步骤",
                    "Not possible while the repair is {en}",
                ).format(zh=self.status.label.zh, en=self.status.label.en),
            )

    def _move(self, target: RepairStatus, now: datetime, actor: str, note: str = "") -> None:
        self.status = target
        self.steps.append(RepairStep(now, actor, target.value, note))

    def _record(self, name: str, now: datetime, **data: Any) -> None:
        payload = {"rma_no": self.rma_no, "customer_id": self.customer_id, **data}
        self.events.append(DomainEvent(name, now, {"currency": self.currency, **payload}))


Repair = RepairOrder  # the aggregate's name in issue 10; `RepairOrder` in its rows

# the repair desk's steps, by the status that allows each (the pages' forms)
STEP_NAMES = ("diagnose", "answer_cost", "repaired", "ship_back")
STEPS_OPEN: dict[RepairStatus, tuple[str, ...]] = {
    RepairStatus.RECEIVED: ("diagnose",),
    RepairStatus.AWAITING_APPROVAL: ("answer_cost",),
    RepairStatus.DIAGNOSED: ("repaired",),
    RepairStatus.REPAIRED: ("ship_back",),
    RepairStatus.DECLINED: ("ship_back",),
}


_LABELS = {
    RepairStatus.RECEIVED: Text("维修已接收", "received for repair"),
    RepairStatus.AWAITING_APPROVAL: Text("已检测，待顾客确认费用", "diagnosed, cost to approve"),
    RepairStatus.DIAGNOSED: Text("已检测", "diagnosed"),
    RepairStatus.DECLINED: Text("顾客拒绝维修费用，原样寄回", "cost declined, returned as is"),
    RepairStatus.REPAIRED: Text("已修好", "repaired"),
    RepairStatus.AWAITING_SHIPMENT: Text("待寄回", "awaiting shipment back"),
    RepairStatus.SHIPPED_BACK: Text("已寄回", "shipped back"),
}
