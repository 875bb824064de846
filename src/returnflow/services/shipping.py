"""Sending a return back (R4.1–R4.2): the offered methods, the choice, calling it off.

Choosing pickup or drop-off only stores the `Shipment` (status "requested"), whose
"carrier.arrange" event reaches the outbox in the same transaction; the worker then asks
the carrier for the waybill and books the pickup (`shipping_carrier.arrange_step`), so a
slow or failing carrier never holds up the customer's click and a retry never books twice.
Self-ship needs no outside call: the customer's own number is checked by the manual
carrier and the request moves to in transit at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from returnflow.domain.kinds import ShippingPayer
from returnflow.domain.lifecycle import Action, Status, transition_for
from returnflow.domain.orders import Order
from returnflow.domain.pickup_address import PickupAddress
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.shipment import ACTIVE, Shipment
from returnflow.domain.shipment_tasks import ShipmentView
from returnflow.domain.shipping import (
    ANY,
    MethodBook,
    Quote,
    ReturnMethod,
    Slot,
    book_for,
    find_slot,
    method_not_offered,
    offers,
    pickup_slots,
    quote,
)
from returnflow.domain.text import DomainError, Text
from returnflow.logistics.carriers import OTHER, TRACKING_FORMATS, Carrier, Party, WaybillRequest
from returnflow.logistics.counter_code import new_dropoff_code
from returnflow.services.errors import Conflict, NotFound
from returnflow.services.returns import get_return, policy_for
from returnflow.services.shipping_carrier import Carriers, arrange_step, cancel_step, refuse
from returnflow.services.unit_of_work import UnitOfWork

__all__ = ["Carriers", "ShipmentView", "arrange_step", "cancel_step", "refuse"]


@dataclass(frozen=True)
class Options:
    """What the customer may choose from for one request, and what is already arranged."""

    request: ReturnRequest
    order: Order
    book: MethodBook
    quotes: list[Quote]
    slots: list[Slot]
    shipments: list[ShipmentView]
    active: ShipmentView | None

    @property
    def can_choose(self) -> bool:
        return self.request.status is Status.APPROVED and self.active is None and bool(self.quotes)

    @property
    def current(self) -> ShipmentView | None:
        """The return parcel to show: the live one, else the latest that failed or ended."""
        returns = [s for s in self.shipments if s.direction == "return"]
        live = [s for s in returns if s.is_live]
        return live[-1] if live else None

    @property
    def last_failed(self) -> ShipmentView | None:
        returns = [s for s in self.shipments if s.direction == "return"]
        return returns[-1] if returns and returns[-1].status == "failed" else None


@dataclass(frozen=True)
class Choice:
    method: ReturnMethod
    slot: str = ""  # pickup: the window's key
    brand: str = ""  # self-ship: sf, zto, … or "other"
    brand_name: str = ""  # self-ship with "other": the carrier's name
    tracking_no: str = ""  # self-ship: the customer's number
    pickup_to: PickupAddress | None = None  # pickup: another address; None: the order's


def province_of(order: Order) -> str:
    return order.ship_to.province if order.ship_to is not None else ANY


def order_address(order: Order) -> PickupAddress | None:
    """Where the order was delivered, as the pickup address the customer may keep."""
    return PickupAddress.of(order.ship_to) if order.ship_to is not None else None


def book_for_order(uow: UnitOfWork, order: Order) -> MethodBook:
    return book_for(order.merchant_id, province_of(order), uow.shipments.adjustments())


def options(
    uow: UnitOfWork,
    rma_no: str,
    now: datetime,
    carriers: Carriers,
    *,
    merchant_scope: str | None = None,
) -> Options:
    request = get_return(uow, rma_no, merchant_scope=merchant_scope)
    order, _ = policy_for(uow, request)
    book = book_for_order(uow, order)
    payer = request.shipping_payer if request.request_type.ships_back else ShippingPayer.NONE
    quotes = offers(book, payer, order.return_shipping_insurance, order.currency, carriers)
    offered = {q.method for q in quotes}
    slots = (
        pickup_slots(now, book.pickup_hours, book.timezone)
        if ReturnMethod.PICKUP in offered
        else []
    )
    shipments = uow.shipments.views(rma_no)
    active = next((s for s in shipments if s.direction == "return" and s.status in ACTIVE), None)
    return Options(request, order, book, quotes, slots, shipments, active)


def panel(
    new_uow: Callable[[], UnitOfWork], rma_no: str, now: datetime, carriers: Carriers
) -> Options | None:
    """What the request pages show about sending the goods back; None when nothing ships."""
    with new_uow() as uow:
        return panel_in(uow, rma_no, now, carriers)


def panel_in(uow: UnitOfWork, rma_no: str, now: datetime, carriers: Carriers) -> Options | None:
    """`panel` inside a unit of work already open (SQLite has one writer at a time)."""
    found = options(uow, rma_no, now, carriers)
    return found if found.request.request_type.ships_back else None


def choose(
    uow: UnitOfWork,
    rma_no: str,
    choice: Choice,
    now: datetime,
    actor: str,
    carriers: Carriers,
    *,
    merchant_scope: str | None = None,
) -> Shipment:
    """Arrange the return by the chosen method; concurrent choices arrange one parcel.

    Pickup and drop-off wait for the carrier (the shipment's "carrier.arrange" event goes
    to the worker); self-ship needs no outside call and ships the request at once.
    """
    request = get_return(uow, rma_no, merchant_scope=merchant_scope, for_update=True)
    transition_for(Action.SHIP, request.status, request.request_type)  # 409 if not awaiting
    order, _ = policy_for(uow, request)
    if uow.shipments.active_return(rma_no) is not None:
        raise _already_arranged(rma_no)
    book = book_for_order(uow, order)
    terms = book.terms(choice.method)
    if (
        terms is None
        or terms.carrier not in carriers
        or not request.request_type.ships_back
        or request.shipping_payer is ShippingPayer.NONE
    ):
        raise method_not_offered(choice.method)
    offer = quote(terms, request.shipping_payer, order.return_shipping_insurance, order.currency)
    slot = (
        find_slot(choice.slot, now, book.pickup_hours, book.timezone)
        if choice.method is ReturnMethod.PICKUP
        else None
    )
    shipment = Shipment.choose(
        rma_no,
        offer,
        carriers[terms.carrier].name.zh,
        book.warehouse,
        now,
        actor,
        slot=slot,
        dropoff_code=new_dropoff_code() if choice.method is ReturnMethod.DROPOFF else None,
        pickup_to=choice.pickup_to or order_address(order),
    )
    if choice.method is ReturnMethod.SELF_SHIP:
        _self_ship(uow, request, shipment, choice, now, actor, carriers[terms.carrier])
    return uow.shipments.add(shipment)


def record_tracking(
    uow: UnitOfWork,
    rma_no: str,
    carrier_text: str,
    tracking_no: str,
    now: datetime,
    actor: str,
    carriers: Carriers,
    *,
    merchant_scope: str | None = None,
) -> ReturnRequest:
    """The customer's carrier and number as free text (the `/ship` step and the old form).

    A brand code (sf, zto, …) is checked against that brand's format; any other text is
    taken as the carrier's name. When the number is the waybill of a pickup or drop-off
    already arranged, this records the hand-over of that parcel instead of a new one.
    """
    request = get_return(uow, rma_no, merchant_scope=merchant_scope, for_update=True)
    active = uow.shipments.active_return(rma_no)
    cleaned = tracking_no.strip()
    if active is not None and active.waybill_no and active.waybill_no == cleaned.upper():
        request.ship(actor, now, active.carrier_name, active.waybill_no)
        return request
    text = carrier_text.strip()
    brand = text if text in TRACKING_FORMATS and text != OTHER else OTHER
    choice = Choice(ReturnMethod.SELF_SHIP, brand=brand, brand_name=text, tracking_no=cleaned)
    choose(uow, rma_no, choice, now, actor, carriers, merchant_scope=merchant_scope)
    return request


def _self_ship(
    uow: UnitOfWork,
    request: ReturnRequest,
    shipment: Shipment,
    choice: Choice,
    now: datetime,
    actor: str,
    manual: Carrier,
) -> None:
    if not choice.brand.strip() and not choice.brand_name.strip():
        raise DomainError(
            "tracking_required",
            Text("请填写快递公司", "Give the carrier"),
            field="carrier",
        )
    waybill = manual.create_waybill(
        WaybillRequest(
            rma_no=request.rma_no,
            sender=Party("", "", ()),
            receiver=Party("", "", ()),
            carrier_code=choice.brand or OTHER,
            tracking_no=choice.tracking_no,
            carrier_name=choice.brand_name,
        )
    )
    holder = uow.shipments.holder_of(shipment.carrier, waybill.waybill_no)
    if holder is not None:
        raise Conflict(
            "waybill_in_use",
            Text(
                "运单号 {no} 已登记在申请 {rma} 上，请核对",
                "Tracking number {no} is already recorded on request {rma}: check it",
            ).format(no=waybill.waybill_no, rma=holder),
        )
    request.ship(actor, now, waybill.carrier_name, waybill.waybill_no)
    shipment.self_shipped(waybill.carrier_code, waybill.carrier_name, waybill.waybill_no, now)


def cancel_pickup(
    uow: UnitOfWork,
    rma_no: str,
    shipment_id: int,
    now: datetime,
    *,
    merchant_scope: str | None = None,
) -> Shipment:
    """Call the courier off; the carrier hears of it through the outbox."""
    get_return(uow, rma_no, merchant_scope=merchant_scope, for_update=True)
    shipment = uow.shipments.get(shipment_id, for_update=True)
    if shipment is None or shipment.rma_no != rma_no:
        raise NotFound(
            "shipment_not_found",
            Text("找不到该寄件安排", "That shipment was not found"),
        )
    try:
        shipment.cancel_pickup(now)
    except DomainError as refused:
        raise Conflict(refused.code, refused.message) from refused
    uow.shipments.show_waybill_on_request(rma_no, None, None)
    return shipment


def call_off(uow: UnitOfWork, rma_no: str, now: datetime) -> None:
    """The request was cancelled: the courier should not come, the waybill is not needed.

    A booked pickup is called off with the carrier through the outbox; calling it again
    finds nothing left to do.
    """
    shipment = uow.shipments.active_return(rma_no, for_update=True)
    if shipment is not None:
        shipment.call_off(now)


def _already_arranged(rma_no: str) -> Conflict:
    return Conflict(
        "shipment_already_arranged",
        Text(
            "申请 {no} 已安排寄回；如需更换方式请先取消",
            "Request {no} already has its return arranged: cancel it first to change",
        ).format(no=rma_no),
    )
