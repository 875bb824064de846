"""Who bears a ruling's or a lost parcel's money, and paying it (R8.4, R4.4).

`pay_award` is the one way a dispute ruling or a logistics remedy moves money: it
names the party the cost is booked against (the request's merchant, the carrier of its
return parcel) and asks for the request's refund with the award, in the caller's unit of
work, so a refused award refuses the ruling with it. The booking against the liable
party happens once the money is paid (`book_liability`, on "refund.paid").

The booking moves the cost out of sales returns (where the refund's "accepted" entry
put it) to whoever bears it: the merchant's receivable (deducted from their next
settlement), a claim against the carrier, or the platform's goodwill expense. The
customer's own error books nothing. Inspection's finding that the merchant is
responsible books an ordinary refund to the merchant the same way. Each booking has
one key per request and source, so the bus, the worker's safety net and a repeated
delivery of "refund.paid" book it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from returnflow.domain.awards import SETTLING_TRIGGERS, Award, Liable
from returnflow.domain.events import DomainEvent
from returnflow.domain.inspection import Responsibility
from returnflow.domain.ledger import Account, JournalEntry, transfer
from returnflow.domain.money import Money
from returnflow.domain.refund import GAP_TRIGGER, Refund
from returnflow.domain.refund_life import RefundState
from returnflow.domain.shipment import MANUAL_CARRIER, Shipment
from returnflow.services.refunds import RefundRules, request_refund
from returnflow.services.returns import get_return
from returnflow.services.unit_of_work import UnitOfWork

KEY_PREFIX = "liability:"
INSPECTION = "inspection"  # the reference of a charge that inspection's finding made
# how long the bus has to book a paid refund before the worker's safety net does,
# and how far back the net looks (a crash between commit and handler is minutes old)
GRACE = timedelta(minutes=10)
LOOK_BACK = timedelta(days=3)
OTHER_BRAND = "other"  # a self-shipped parcel's brand when the customer named none we know

# who bears it → the account debited (the credit is always sales returns)
_DEBITED = {
    Liable.MERCHANT: Account.MERCHANT_RECEIVABLE,
    Liable.CARRIER: Account.CARRIER_CLAIMS,
    Liable.PLATFORM: Account.COMPENSATION,
}


def party_of(uow: UnitOfWork, rma_no: str, liable: Liable) -> str:
    """The merchant id or carrier code a liability is booked against ("" for others)."""
    if liable is Liable.MERCHANT:
        return get_return(uow, rma_no).merchant_id
    if liable is Liable.CARRIER:
        parcels = [s for s in uow.shipments.for_rma(rma_no) if s.direction == "return"]
        return carrier_of(parcels[-1]) if parcels else ""
    return ""


def carrier_of(parcel: Shipment) -> str:
    """Who carried it: the carrier, or for a self-shipped parcel the brand the customer named."""
    if parcel.carrier == MANUAL_CARRIER and parcel.brand and parcel.brand != OTHER_BRAND:
        return parcel.brand
    return parcel.carrier


def award_for(
    uow: UnitOfWork,
    rma_no: str,
    *,
    source: str,
    reference: str,
    liable: Liable,
    compensation: Money,
    refund: Money | None = None,
) -> Award:
    return Award(
        source=source,
        reference=reference,
        liable=liable,
        party=party_of(uow, rma_no, liable),
        compensation=compensation,
        refund=refund,
    )


def pay_award(
    uow: UnitOfWork, rma_no: str, award: Award, actor: str, now: datetime, rules: RefundRules
) -> Refund:
    """The award as the request's refund: authority limits and "paid once" apply."""
    return request_refund(uow, rma_no, actor, now, rules, award=award)


# --- booking the cost against the liable party --------------------------------------------


@dataclass(frozen=True, slots=True)
class Charge:
    """What a paid refund costs whom: `liable` bears `amount`, booked under `reference`."""

    rma_no: str
    source: str  # "ruling" | "lost_in_transit" | "inspection"
    reference: str  # the dispute number, the shipment exception, or "inspection"
    liable: Liable
    party: str
    amount: Money

    @property
    def key(self) -> str:
        return f"{KEY_PREFIX}{self.rma_no}:{self.reference}"

    def entry(self, at: datetime) -> JournalEntry | None:
        """The balanced entry moving the cost to the liable party; None for the customer."""
        debit = _DEBITED.get(self.liable)
        if debit is None or self.amount.is_zero:
            return None
        who = f"{self.liable.value} {self.party}".strip()
        return transfer(
            self.key,
            at,
            f"{self.source} {self.reference}: {who} bears {self.amount} for {self.rma_no}",
            debit=debit,
            credit=Account.SALES_RETURNS,
            amount=self.amount,
            rma_no=self.rma_no,
            debit_party=self.party if debit is not Account.COMPENSATION else "",
        )


def book_liability(uow: UnitOfWork, event: DomainEvent, now: datetime) -> None:
    """The bus's handler ("refund.paid", "return.inspected"): book who bears the refund.

    "return.inspected" covers a refund paid before the goods were judged (an instant
    refund at the first scan): the merchant's fault is known only then.
    """
    rma_no = event.data.get("rma_no")
    if isinstance(rma_no, str) and rma_no:
        book_for(uow, rma_no, now)


def book_for(uow: UnitOfWork, rma_no: str, now: datetime) -> bool:
    """Book the request's paid refund against its liable party; True if booked now.

    Idempotent: a refund not paid, borne by the customer, or already booked books
    nothing more (the entry's key is unique).
    """
    refund = uow.refunds.get(rma_no)
    if refund is None or refund.status is not RefundState.SUCCEEDED:
        return False
    charge = charge_of(uow, refund)
    if charge is None:
        return False
    entry = charge.entry(refund.paid_at or now)
    return entry is not None and uow.ledger.post(entry)


def charge_of(uow: UnitOfWork, refund: Refund) -> Charge | None:
    """Who bears a paid refund: the award's liable party, or the merchant at fault."""
    award = refund.workings.get("award")
    if refund.trigger in SETTLING_TRIGGERS and isinstance(award, dict):
        return _award_charge(refund, award)
    if refund.trigger == GAP_TRIGGER or refund.trigger in SETTLING_TRIGGERS:
        return None  # an exchange's price gap is no cost of the return
    inspection = uow.warehouse.inspection(refund.rma_no)
    if inspection is None or inspection.findings.responsibility is not Responsibility.MERCHANT:
        return None
    return Charge(
        refund.rma_no,
        INSPECTION,
        INSPECTION,
        Liable.MERCHANT,
        inspection.merchant_id,
        refund.amount,
    )


def _award_charge(refund: Refund, award: dict[str, Any]) -> Charge | None:
    try:
        liable = Liable(str(award["liable"]))
    except (KeyError, ValueError):
        return None
    return Charge(
        refund.rma_no,
        str(award.get("source", refund.trigger)),
        str(award.get("reference", "")) or refund.trigger,
        liable,
        str(award.get("party", "")),
        refund.amount,  # what was paid: the refund part and the compensation
    )


def left_unbooked(uow: UnitOfWork, now: datetime) -> list[str]:
    """The safety net's list: paid refunds the bus should have booked and did not.

    Paid between `LOOK_BACK` and `GRACE` ago, settled by an award or after an
    inspection that found the merchant responsible, with no liability entry yet.
    """
    return uow.ledger.liability_candidates(
        since=now - LOOK_BACK,
        before=now - GRACE,
        triggers=tuple(sorted(SETTLING_TRIGGERS)),
        responsibility=Responsibility.MERCHANT.value,
    )
