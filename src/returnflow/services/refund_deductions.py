"""What comes off every refund of a request, whichever way it is paid (R6.1, R4.5).

Money refunds and store-credit refunds must take off the same things, so both ask
here: the partial-refund offer the customer accepted at inspection, and the return
freight the customer owes when the policy makes them pay it and the method we booked
for them has a fee (pickup, drop-off). A self-shipped parcel's freight was paid by
the customer to their own carrier, so it is never taken a second time.
"""

from __future__ import annotations

from returnflow.domain.money import Money
from returnflow.domain.refunds import Deduction
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.shipping import ReturnMethod
from returnflow.domain.text import Text
from returnflow.services.unit_of_work import UnitOfWork

RETURN_SHIPPING = "return_shipping"
_DEAD = ("cancelled", "cancelling", "failed")
_CARRIED = [m.value for m in ReturnMethod if m.calls_carrier]


def return_shipping(uow: UnitOfWork, request: ReturnRequest) -> Deduction | None:
    """The customer's share of the return freight, if we carried the parcel for them."""
    carried = [
        shipment
        for shipment in uow.shipments.for_rma(request.rma_no)
        if shipment.direction == "return"
        and shipment.status not in _DEAD
        and shipment.method in _CARRIED
        and shipment.customer_fee > 0
    ]
    if not carried:
        return None
    shipment = max(carried, key=lambda found: found.id)
    label = ReturnMethod(shipment.method).label
    return Deduction(
        RETURN_SHIPPING,
        Text(f"退货运费由您承担（{label.zh}）", f"Return shipping, which you pay ({label.en})"),
        Money(shipment.customer_fee, request.estimate.total.currency),
    )


def standing(
    uow: UnitOfWork, request: ReturnRequest, *, accepted: list[Deduction] | None = None
) -> list[Deduction]:
    """Everything that comes off this request's refund before anyone adds more.

    `accepted`: the accepted offer's deductions, when the caller has read them already.
    """
    if accepted is None:
        accepted = uow.warehouse.accepted_deductions(request.rma_no)
    taken = list(accepted)
    freight = return_shipping(uow, request)
    if freight is not None:
        taken.append(freight)
    return taken
