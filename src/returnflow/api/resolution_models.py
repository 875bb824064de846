"""The resolution API's answers: Pydantic shapes of the services' read models.

Times are ISO 8601 text as the services' models give them (`datetime.isoformat()`), and
an outbound parcel's or a replacement's items are the free-form lines stored with it,
so the JSON stays exactly what the order system integration already reads.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from returnflow.api.schemas import Money as MoneyOut
from returnflow.domain.exchanges import ExchangeStep
from returnflow.domain.money import Money
from returnflow.domain.repairs import RepairStep
from returnflow.services.resolution_queries import ExchangeView, RepairView, ResolutionView
from returnflow.services.shipment_requests import ShipmentRequestView
from returnflow.services.store_credit import CreditRefund


def money_out(amount: Money | None) -> MoneyOut | None:
    return None if amount is None else MoneyOut(amount=amount.cents, currency=amount.currency)


def _money(amount: Money) -> MoneyOut:
    return MoneyOut(amount=amount.cents, currency=amount.currency)


class StepOut(BaseModel):
    at: str
    actor: str
    step: str
    note: str

    @classmethod
    def of(cls, step: ExchangeStep | RepairStep) -> StepOut:
        return cls(at=step.at.isoformat(), actor=step.actor, step=step.step, note=step.note)


class ExchangeOut(BaseModel):
    status: str
    fast: bool
    items: list[dict[str, Any]]
    returned_value: MoneyOut
    replacement_value: MoneyOut
    difference: MoneyOut
    settlement: str
    return_due_at: str | None
    charged: MoneyOut | None
    history: list[StepOut]

    @classmethod
    def of(cls, view: ExchangeView) -> ExchangeOut:
        return cls(
            status=view.status.value,
            fast=view.fast,
            items=[item.as_json() for item in view.items],
            returned_value=_money(view.returned_value),
            replacement_value=_money(view.replacement_value),
            difference=_money(view.difference),
            settlement=view.settlement.value,
            return_due_at=view.return_due_at.isoformat() if view.return_due_at else None,
            charged=money_out(view.charged),
            history=[StepOut.of(step) for step in view.history],
        )


class ReservationOut(BaseModel):
    sku: str
    quantity: int
    status: str


class RepairOut(BaseModel):
    status: str
    diagnosis: str
    cost: MoneyOut | None
    cost_approved: bool | None
    steps: list[StepOut]

    @classmethod
    def of(cls, view: RepairView) -> RepairOut:
        return cls(
            status=view.status.value,
            diagnosis=view.diagnosis,
            cost=money_out(view.cost),
            cost_approved=view.cost_approved,
            steps=[StepOut.of(step) for step in view.steps],
        )


class ShipmentRequestOut(BaseModel):
    id: int
    rma_no: str
    order_no: str
    merchant_id: str
    customer_id: str
    purpose: str
    items: list[dict[str, Any]]
    price: MoneyOut
    status: str
    carrier: str | None
    waybill_no: str | None
    created_at: str
    shipped_at: str | None

    @classmethod
    def fields_of(cls, view: ShipmentRequestView) -> dict[str, Any]:
        return {
            "id": view.id,
            "rma_no": view.rma_no,
            "order_no": view.order_no,
            "merchant_id": view.merchant_id,
            "customer_id": view.customer_id,
            "purpose": view.purpose,
            "items": [dict(item) for item in view.items],
            "price": MoneyOut(amount=view.price, currency=view.currency),
            "status": view.status,
            "carrier": view.carrier,
            "waybill_no": view.waybill_no,
            "created_at": view.created_at.isoformat(),
            "shipped_at": view.shipped_at.isoformat() if view.shipped_at else None,
        }

    @classmethod
    def of(cls, view: ShipmentRequestView) -> ShipmentRequestOut:
        return cls(**cls.fields_of(view))


class ShippedOut(ShipmentRequestOut):
    """The parcel reported, and where its request stands now."""

    return_status: str | None


class ShipmentRequestsOut(BaseModel):
    items: list[ShipmentRequestOut]


class OwedGapOut(BaseModel):
    amount: int
    currency: str
    status: str


class ResolutionOut(BaseModel):
    rma_no: str
    status: str | None
    exchange: ExchangeOut | None
    reservations: list[ReservationOut]
    repair: RepairOut | None
    shipment_requests: list[ShipmentRequestOut]
    refund_intents: list[OwedGapOut]

    @classmethod
    def of(cls, view: ResolutionView) -> ResolutionOut:
        return cls(
            rma_no=view.rma_no,
            status=view.status,
            exchange=ExchangeOut.of(view.exchange) if view.exchange else None,
            reservations=[
                ReservationOut(sku=r.sku, quantity=r.quantity, status=r.status)
                for r in view.reservations
            ],
            repair=RepairOut.of(view.repair) if view.repair else None,
            shipment_requests=[ShipmentRequestOut.of(s) for s in view.shipment_requests],
            refund_intents=[
                OwedGapOut(amount=g.amount.cents, currency=g.amount.currency, status=g.status)
                for g in view.refund_intents
            ],
        )


class CreditRefundOut(BaseModel):
    rma_no: str
    status: str
    customer_id: str
    credited: MoneyOut
    bonus: MoneyOut
    balance: MoneyOut

    @classmethod
    def of(cls, done: CreditRefund) -> CreditRefundOut:
        return cls(
            rma_no=done.rma_no,
            status=done.status,
            customer_id=done.customer_id,
            credited=_money(done.grant.principal),
            bonus=_money(done.grant.bonus),
            balance=_money(done.balance),
        )
