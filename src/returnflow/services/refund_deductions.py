"""What comes off every refund of a request, whichever way it is paid (R6.1, R4.5).

Money refunds and store-credit refunds must take off the same things, so both ask
here: the partial-refund offer the customer accepted at inspection, and the return
freight the customer owes when the policy makes them pay it and the method we booked
for them has a fee (pickup, drop-off). A self-shipped parcel's freight was paid by
the customer to their own carrier, so it is never taken a second time.
"""

from __future__ import annotations

from sqlalchemy import select

from returnflow.domain.money import Money
from returnflow.domain.refunds import Deduction
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.shipping import ReturnMethod
from returnflow.domain.text import Text
from returnflow.storage.schema import ShipmentRow
from returnflow.storage.uow import UnitOfWork

RETURN_SHIPPING = "return_shipping"
_DEAD = ("cancelled", "cancelling", "failed")
_CARRIED = [m.value for m in ReturnMethod if m.calls_carrier]


def return_shipping(uow: UnitOfWork, request: ReturnRequest) -> Deduction | None:
    """The customer's share of the return freight, if we carried the parcel for them."""
    row = uow.session.scalars(
        select(ShipmentRow)
        .where(
            ShipmentRow.rma_no == request.rma_no,
            ShipmentRow.direction == "return",
            ShipmentRow.status.not_in(_DEAD),
            ShipmentRow.method.in_(_CARRIED),
            ShipmentRow.customer_fee > 0,
        )
        .order_by(ShipmentRow.id.desc())
    ).first()
    if row is None:
        return None
    label = ReturnMethod(row.method).label
    return Deduction(
        RETURN_SHIPPING,
        Text(f"退货运费由您承担（{label.zh}）", f"Return shipping, which you pay ({label.en})"),
        Money(row.customer_fee, request.estimate.total.currency),
    )


def standing(uow: UnitOfWork, request: ReturnRequest) -> list[Deduction]:
    """Everything that comes off this request's refund before anyone adds more."""
    taken = list(uow.warehouse.accepted_deductions(request.rma_no))
    freight = return_shipping(uow, request)
    if freight is not None:
        taken.append(freight)
    return taken
