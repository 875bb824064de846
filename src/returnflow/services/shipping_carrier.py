"""The worker's side of arranging a return: one carrier call per step (R4.1–R4.2).

`jobs/carrier_calls.py` delivers the shipment's "carrier.arrange" and
"carrier.cancel_pickup" events here. Each call's answer is stored in its own
transaction (the waybill first, then the pickup), so a retry after a failure carries on
from the last answer instead of asking twice, and a repeated message finds nothing to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from returnflow.domain.orders import Order
from returnflow.domain.shipment import Shipment
from returnflow.domain.text import DomainError
from returnflow.logistics.carriers import Carrier, Party, PickupRequest, WaybillRequest
from returnflow.services.returns import get_return, policy_for
from returnflow.services.unit_of_work import UnitOfWork

Carriers = Mapping[str, Carrier]


def arrange_step(uow: UnitOfWork, shipment_id: int, now: datetime, carriers: Carriers) -> bool:
    """One call to the carrier for a requested shipment; True when more remain."""
    shipment = uow.shipments.get(shipment_id, for_update=True)
    if shipment is None or shipment.next_call is None:
        return False  # cancelled meanwhile, or a repeated delivery of the same message
    carrier = carriers[shipment.carrier]
    sender = sender_of(order_of(uow, shipment.rma_no), shipment)
    if shipment.next_call == "waybill":
        waybill = carrier.create_waybill(
            WaybillRequest(
                rma_no=shipment.rma_no,
                sender=sender,
                receiver=_receiver(shipment),
                carrier_code=shipment.carrier,
            )
        )
        shipment.waybill_booked(waybill.waybill_no, waybill.carrier_name, now)
    elif shipment.next_call == "pickup":
        assert shipment.waybill_no is not None
        assert shipment.pickup_start is not None and shipment.pickup_end is not None
        pickup = carrier.book_pickup(
            PickupRequest(
                shipment.rma_no,
                shipment.waybill_no,
                sender,
                shipment.pickup_start,
                shipment.pickup_end,
            )
        )
        shipment.pickup_booked(pickup.pickup_id, now)
    if shipment.next_call is not None:
        return True
    uow.shipments.show_waybill_on_request(
        shipment.rma_no, shipment.carrier_name, shipment.waybill_no
    )
    tell_customer(uow, shipment, now)
    return False


def tell_customer(uow: UnitOfWork, shipment: Shipment, now: datetime) -> None:
    """The customer hears the way back is booked: the label (drop-off code) or the pickup."""
    request = uow.returns.get(shipment.rma_no)
    if request is None or shipment.direction != "return":
        return
    topic = "return.pickup_booked" if shipment.pickup_id else "return.label_ready"
    start, end, ship_by = shipment.pickup_start, shipment.pickup_end, request.ship_by
    notice = {
        "rma_no": request.rma_no,
        "order_no": request.order_no,
        "customer_id": request.customer_id,
        "email": request.contact.get("email", ""),
        "carrier": shipment.carrier_name or shipment.carrier,
        "waybill_no": shipment.waybill_no or "",
        "method": shipment.method,
        "dropoff_code": shipment.dropoff_code or "",
        "pickup_start": start.isoformat() if start else None,
        "pickup_end": end.isoformat() if end else None,
        "ship_by": ship_by.isoformat() if ship_by else None,
        "occurred_at": now.isoformat(),
    }
    uow.outbox.put(topic, notice, now)


def refuse(uow: UnitOfWork, shipment_id: int, now: datetime, error: DomainError) -> None:
    """The carrier said no for good (an address it does not serve): the customer may choose
    another method, and staff see why."""
    shipment = uow.shipments.get(shipment_id, for_update=True)
    if shipment is not None:
        shipment.refused(f"{error.code}: {error.message.zh} / {error.message.en}", now)


def cancel_step(uow: UnitOfWork, shipment_id: int, now: datetime, carriers: Carriers) -> None:
    """Tell the carrier a booked pickup is off, once; then the shipment is cancelled."""
    shipment = uow.shipments.get(shipment_id, for_update=True)
    if shipment is None or not shipment.awaits_cancellation:
        return
    assert shipment.pickup_id is not None
    carriers[shipment.carrier].cancel_pickup(shipment.pickup_id)
    shipment.pickup_called_off(now)


def order_of(uow: UnitOfWork, rma_no: str) -> Order:
    request = get_return(uow, rma_no)
    order, _ = policy_for(uow, request)
    return order


def sender_of(order: Order, shipment: Shipment | None = None) -> Party:
    """The customer as the waybill's sender: the address the courier comes to, the one
    chosen with the pickup (issue 16), else the order's delivery address."""
    if shipment is not None and shipment.pickup_to is not None:
        chosen = shipment.pickup_to
        return Party(chosen.name, chosen.phone, chosen.lines)
    if order.ship_to is not None:
        address = order.ship_to
        return Party(address.name, address.phone, address.lines)
    return Party(order.customer.name, order.customer.phone, ())


def _receiver(shipment: Shipment) -> Party:
    warehouse = shipment.return_to
    assert warehouse is not None
    return Party(warehouse.name, warehouse.phone, warehouse.lines)
