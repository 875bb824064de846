"""Who bears a ruling's or a lost parcel's money, and paying it (R8.4, R4.4).

`pay_award` is the one way a dispute ruling or a logistics remedy moves money: it
names the party the cost is booked against (the request's merchant, the carrier of its
return parcel) and asks for the request's refund with the award, in the caller's unit of
work, so a refused award refuses the ruling with it. The booking against the liable
party happens once the money is paid (`book_liability`, on "refund.paid").
"""

from __future__ import annotations

from datetime import datetime

from returnflow.domain.awards import Award, Liable
from returnflow.domain.money import Money
from returnflow.domain.refund import Refund
from returnflow.services.refunds import RefundRules, request_refund
from returnflow.services.returns import get_return
from returnflow.services.unit_of_work import UnitOfWork


def party_of(uow: UnitOfWork, rma_no: str, liable: Liable) -> str:
    """The merchant id or carrier code a liability is booked against ("" for others)."""
    if liable is Liable.MERCHANT:
        return get_return(uow, rma_no).merchant_id
    if liable is Liable.CARRIER:
        parcels = [s for s in uow.shipments.for_rma(rma_no) if s.direction == "return"]
        return parcels[-1].carrier if parcels else ""
    return ""


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
