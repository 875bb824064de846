"""A shipment's exception tasks and the view pages take of a shipment (R4.1, R4.4, R4.5).

Both are frozen values: an `ExceptionTask` is replaced, never edited, when staff resolve
it (the `Shipment` aggregate does that), and a `ShipmentView` is what lists and pages
read, detached from whatever loaded it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from returnflow.domain.exception_remedies import RemedyTaken
from returnflow.domain.money import Money
from returnflow.domain.pickup_address import PickupAddress
from returnflow.domain.shipment_alerts import AlertKind
from returnflow.domain.shipping import ReturnMethod
from returnflow.domain.text import Text

# statuses of a parcel that will never move again by itself
DEAD = ("cancelled", "failed")


def cancellable(method: str, status: str) -> bool:
    """A door pickup the courier has not collected yet."""
    return method == ReturnMethod.PICKUP.value and status in ("requested", "arranged")


@dataclass(frozen=True, slots=True)
class ExceptionTask:
    """One task in the logistics exceptions queue; `id` is 0 until it is stored."""

    id: int
    shipment_id: int
    rma_no: str
    kind: AlertKind
    detail: Text
    raised_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    resolution_note: str | None
    carrier: str
    waybill_no: str
    remedy: RemedyTaken | None = None  # what resolving it did (issue 12); None: a note only

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    def age(self, now: datetime) -> timedelta:
        return (self.resolved_at or now) - self.raised_at

    def quiets(self, kind: AlertKind, since: datetime) -> bool:
        """True when this task makes raising `kind` again pointless: it is open, or staff
        resolved it after the last news from the carrier (`since`)."""
        if self.kind is not kind:
            return False
        return self.resolved_at is None or self.resolved_at >= since


@dataclass(frozen=True, slots=True)
class ShipmentView:
    """A shipment as pages and the API show it."""

    id: int
    rma_no: str
    direction: str
    method: str
    carrier: str
    carrier_name: str
    waybill_no: str | None
    status: str
    pickup_id: str | None
    pickup_start: datetime | None
    pickup_end: datetime | None
    dropoff_code: str | None
    promised_by: datetime | None
    currency: str
    customer_fee: int
    insured: bool
    label_cost: int
    pickup_cost: int
    insurance_cost: int
    last_error: str | None
    created_at: datetime
    pickup_to: PickupAddress | None = None  # a door pickup: where the courier comes

    @property
    def is_live(self) -> bool:
        return self.status not in DEAD

    @property
    def method_label(self) -> Text:
        known = {m.value: m.label for m in ReturnMethod}
        return known.get(self.method, Text(self.method, self.method))

    @property
    def fee(self) -> Money:
        """What the customer pays for this parcel."""
        return Money(self.customer_fee, self.currency)

    @property
    def carrier_cost(self) -> Money:
        """What the carrier charges for the label and the pickup (R4.5)."""
        return Money(self.label_cost + self.pickup_cost, self.currency)

    @property
    def insurance(self) -> Money:
        return Money(self.insurance_cost, self.currency)

    @property
    def can_cancel(self) -> bool:
        return cancellable(self.method, self.status)
