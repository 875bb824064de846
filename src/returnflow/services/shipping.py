"""Sending a return back (R4.1–R4.2): the offered methods, the choice, the carrier's answer.

Choosing pickup or drop-off only writes the shipment (status "requested") and an outbox
message in the same transaction; the worker then asks the carrier for the waybill and
books the pickup (`arrange`), so a slow or failing carrier never holds up the customer's
click and a retry never books twice. Self-ship needs no outside call: the customer's own
number is checked by the manual carrier and the request moves to in transit at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from returnflow.domain.kinds import ShippingPayer
from returnflow.domain.lifecycle import Action, Status, transition_for
from returnflow.domain.orders import Order
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.shipping import (
    ANY,
    WAREHOUSE_FIELDS,
    MethodBook,
    Quote,
    ReturnMethod,
    Slot,
    Warehouse,
    book_for,
    find_slot,
    method_not_offered,
    offers,
    pickup_slots,
    promised_by,
    quote,
)
from returnflow.domain.text import DomainError, Text
from returnflow.logistics.carriers import (
    OTHER,
    TRACKING_FORMATS,
    Carrier,
    Party,
    PickupRequest,
    WaybillRequest,
)
from returnflow.logistics.counter_code import new_dropoff_code
from returnflow.logistics.labels import ReturnLabel
from returnflow.services.errors import Conflict, NotFound
from returnflow.services.returns import get_return, policy_for
from returnflow.storage.schema import ShipmentRow
from returnflow.storage.shipments import ShipmentView
from returnflow.storage.uow import UnitOfWork

Carriers = Mapping[str, Carrier]
MANUAL = "manual"


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


def province_of(order: Order) -> str:
    return order.ship_to.province if order.ship_to is not None else ANY


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
    active = uow.shipments.active_return(rma_no)
    return Options(
        request,
        order,
        book,
        quotes,
        slots,
        uow.shipments.views(rma_no),
        None if active is None else ShipmentView.of(active),
    )


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
) -> ShipmentRow:
    """Arrange the return by the chosen method; concurrent choices arrange one parcel."""
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
    row = ShipmentRow(
        rma_no=rma_no,
        direction="return",
        purpose="return",
        method=choice.method.value,
        carrier=terms.carrier,
        carrier_name=carriers[terms.carrier].name.zh,
        status="requested",
        pickup_start=slot.start if slot else None,
        pickup_end=slot.end if slot else None,
        dropoff_code=new_dropoff_code() if choice.method is ReturnMethod.DROPOFF else None,
        promised_by=promised_by(terms, now, slot),
        currency=order.currency,
        customer_fee=offer.customer_fee.cents,
        insured=offer.payer is ShippingPayer.INSURANCE,
        label_cost=offer.label_cost.cents,
        pickup_cost=offer.pickup_cost.cents if choice.method is ReturnMethod.PICKUP else 0,
        insurance_cost=offer.insurance_covers.cents,
        requested_by=actor,
        return_to=_warehouse_json(book.warehouse),
        created_at=now,
        updated_at=now,
    )
    if choice.method is ReturnMethod.SELF_SHIP:
        _self_ship(uow, request, row, choice, now, actor, carriers[terms.carrier])
        return row
    uow.shipments.add(row)
    uow.outbox.put("carrier.arrange", {"shipment_id": row.id, "rma_no": rma_no}, now)
    return row


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
    row: ShipmentRow,
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
    holder = uow.shipments.holder_of(row.carrier, waybill.waybill_no)
    if holder is not None:
        raise Conflict(
            "waybill_in_use",
            Text(
                "运单号 {no} 已登记在申请 {rma} 上，请核对",
                "Tracking number {no} is already recorded on request {rma}: check it",
            ).format(no=waybill.waybill_no, rma=holder),
        )
    request.ship(actor, now, waybill.carrier_name, waybill.waybill_no)
    row.brand = waybill.carrier_code
    row.carrier_name = waybill.carrier_name
    row.waybill_no = waybill.waybill_no
    row.status = "in_transit"
    uow.shipments.add(row)


def cancel_pickup(
    uow: UnitOfWork,
    rma_no: str,
    shipment_id: int,
    now: datetime,
    *,
    merchant_scope: str | None = None,
) -> ShipmentRow:
    """Call the courier off; the carrier hears of it through the outbox."""
    get_return(uow, rma_no, merchant_scope=merchant_scope, for_update=True)
    row = uow.shipments.get(shipment_id, for_update=True)
    if row is None or row.rma_no != rma_no:
        raise NotFound(
            "shipment_not_found",
            Text("找不到该寄件安排", "That shipment was not found"),
        )
    if row.method != ReturnMethod.PICKUP.value or row.status not in ("requested", "arranged"):
        raise Conflict(
            "pickup_not_cancellable",
            Text(
                "只能取消尚未揽收的上门取件",
                "Only a door pickup the courier has not collected yet can be cancelled",
            ),
        )
    if row.pickup_id:
        row.status = "cancelling"
        uow.outbox.put("carrier.cancel_pickup", {"shipment_id": row.id, "rma_no": rma_no}, now)
    else:
        row.status = "cancelled"  # nothing booked yet: the arranging job will skip it
    row.updated_at = now
    uow.shipments.show_waybill_on_request(rma_no, None, None)
    return row


def call_off(uow: UnitOfWork, rma_no: str, now: datetime) -> None:
    """The request was cancelled: the courier should not come, the waybill is not needed."""
    row = uow.shipments.active_return(rma_no)
    if row is None or row.status not in ("requested", "arranged"):
        return
    if row.method == ReturnMethod.PICKUP.value and row.pickup_id:
        row.status = "cancelling"
        uow.outbox.put("carrier.cancel_pickup", {"shipment_id": row.id, "rma_no": rma_no}, now)
    else:
        row.status = "cancelled"
    row.updated_at = now


# --- the worker's side: talking to the carrier ------------------------------------


def arrange_step(uow: UnitOfWork, shipment_id: int, now: datetime, carriers: Carriers) -> bool:
    """One call to the carrier for a requested shipment; True when more remain.

    Each call is stored in its own transaction (waybill first, then the pickup), so a
    retry after a failure carries on from the last answer instead of asking twice.
    """
    row = uow.shipments.get(shipment_id, for_update=True)
    if row is None or row.status != "requested":
        return False  # cancelled meanwhile, or a repeated delivery of the same message
    carrier = carriers[row.carrier]
    order = _order_of(uow, row.rma_no)
    sender = _sender(order)
    if row.waybill_no is None:
        waybill = carrier.create_waybill(
            WaybillRequest(
                rma_no=row.rma_no,
                sender=sender,
                receiver=_receiver(row),
                carrier_code=row.carrier,
            )
        )
        row.waybill_no = waybill.waybill_no
        row.carrier_name = waybill.carrier_name or row.carrier_name
        row.updated_at = now
        if row.method == ReturnMethod.PICKUP.value:
            return True
    if row.method == ReturnMethod.PICKUP.value and row.pickup_id is None:
        assert row.pickup_start is not None and row.pickup_end is not None
        pickup = carrier.book_pickup(
            PickupRequest(row.rma_no, row.waybill_no, sender, row.pickup_start, row.pickup_end)
        )
        row.pickup_id = pickup.pickup_id
    row.status = "arranged"
    row.updated_at = now
    row.last_error = None
    uow.shipments.show_waybill_on_request(row.rma_no, row.carrier_name, row.waybill_no)
    return False


def refuse(uow: UnitOfWork, shipment_id: int, now: datetime, error: DomainError) -> None:
    """The carrier said no for good (an address it does not serve): the customer may choose
    another method, and staff see why."""
    row = uow.shipments.get(shipment_id, for_update=True)
    if row is not None and row.status == "requested":
        row.status = "failed"
        row.last_error = f"{error.code}: {error.message.zh} / {error.message.en}"
        row.updated_at = now


def cancel_step(uow: UnitOfWork, shipment_id: int, now: datetime, carriers: Carriers) -> None:
    row = uow.shipments.get(shipment_id, for_update=True)
    if row is None or row.status != "cancelling" or row.pickup_id is None:
        return
    carriers[row.carrier].cancel_pickup(row.pickup_id)
    row.status = "cancelled"
    row.updated_at = now


# --- the label -------------------------------------------------------------------


def label_for(uow: UnitOfWork, rma_no: str, *, merchant_scope: str | None = None) -> ReturnLabel:
    """The label of the request's current return parcel, once it has a waybill."""
    request = get_return(uow, rma_no, merchant_scope=merchant_scope)
    order, _ = policy_for(uow, request)
    row = next(
        (
            r
            for r in reversed(uow.shipments.for_rma(rma_no))
            if r.direction == "return" and r.waybill_no and r.status not in ("cancelled", "failed")
        ),
        None,
    )
    if row is None or row.waybill_no is None:
        raise NotFound(
            "label_not_ready",
            Text(
                "面单尚未生成：快递公司确认后即可下载",
                "The label is not ready yet: it can be downloaded once the carrier confirms",
            ),
        )
    warehouse = (
        Warehouse(**row.return_to) if row.return_to else book_for_order(uow, order).warehouse
    )
    sender = _sender(order)
    return ReturnLabel(
        rma_no=rma_no,
        waybill_no=row.waybill_no,
        carrier_name=row.carrier_name,
        sender_name=sender.name,
        sender_phone=sender.phone,
        return_address=warehouse.lines,
        warehouse_name=warehouse.name,
        warehouse_phone=warehouse.phone,
        reason="；".join(line.reason.label.zh for line in request.lines),
        created_at=row.created_at,
    )


def _order_of(uow: UnitOfWork, rma_no: str) -> Order:
    request = get_return(uow, rma_no)
    order, _ = policy_for(uow, request)
    return order


def _sender(order: Order) -> Party:
    if order.ship_to is not None:
        address = order.ship_to
        return Party(address.name, address.phone, address.lines)
    return Party(order.customer.name, order.customer.phone, ())


def _receiver(row: ShipmentRow) -> Party:
    assert row.return_to is not None
    warehouse = Warehouse(**row.return_to)
    return Party(warehouse.name, warehouse.phone, warehouse.lines)


def _warehouse_json(warehouse: Warehouse) -> dict[str, str]:
    return {name: getattr(warehouse, name) for name in WAREHOUSE_FIELDS}


def _already_arranged(rma_no: str) -> Conflict:
    return Conflict(
        "shipment_already_arranged",
        Text(
            "申请 {no} 已安排寄回；如需更换方式请先取消",
            "Request {no} already has its return arranged: cancel it first to change",
        ).format(no=rma_no),
    )
