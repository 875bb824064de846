"""Resolving a logistics exception with a remedy (R4.4): the request moves on.

Each remedy runs in the unit of work that closes the task, so a refused remedy (over a
limit that refuses, a refund already owed, a parcel still travelling) leaves the task
open and nothing half done:

- `refund_without_goods` (lost or damaged in transit, the carrier's fault): the
  request's one refund, for the full amount the server computes, through
  `liability.pay_award` with the carrier named as liable (trigger "lost_in_transit";
  once paid it settles the request to refunded, the completion handler completes it,
  and the liability booking claims it from the carrier). Over the actor's authority
  the refund waits for a manager: the task still closes, with the remedy recorded as
  awaiting approval. Only requests that pay money back: an exchange's or a repair's
  refund is zero, so the award would pay nothing (`awards.Award.total`); for those the
  agent books a new parcel or compensates, and the request waits for its goods.
- `new_label` (the parcel went back to the sender, or was never collected): an old
  parcel not collected yet is called off (a booked pickup through the outbox); a new
  return parcel is booked the same way with the same carrier terms, and the worker asks
  the carrier for its waybill. The request keeps its status: in transit stays in
  transit (the customer shipped in time; no ship-by clock runs there), approved stays
  approved, where a new door pickup holds off the auto-close until its window has
  passed (`jobs/sweeps.close_unshipped`), so the carrier's failure never closes it.
- `compensation` (a delay or damage the customer accepts): store credit granted to the
  customer and booked to COMPENSATION, the request untouched; at most the goods' value,
  and within the actor's own limit (over it a manager grants it, as for credit refunds).
- `close`: the note alone, as before.

Other open tasks of the same parcel are closed with the settling or replacing remedy:
nothing is left to do about them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from returnflow.config import Settings
from returnflow.domain.awards import LOST_IN_TRANSIT, Liable
from returnflow.domain.exception_remedies import Remedy, RemedyTaken, offered
from returnflow.domain.ledger import Account, transfer
from returnflow.domain.lifecycle import Status
from returnflow.domain.money import Money
from returnflow.domain.refund import Refund
from returnflow.domain.refund_life import RefundState
from returnflow.domain.refunds import pays_money
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.shipment import ACTIVE, ARRANGED, REQUESTED, Shipment
from returnflow.domain.shipment_tasks import ExceptionTask
from returnflow.domain.shipping import ReturnMethod, pickup_slots, quote
from returnflow.domain.store_credit import EntryKind, add_months
from returnflow.domain.text import DomainError, Text
from returnflow.logistics.counter_code import new_dropoff_code
from returnflow.services.errors import Conflict, NotFound
from returnflow.services.liability import award_for, pay_award
from returnflow.services.refunds import RefundRules
from returnflow.services.returns import get_return, policy_for
from returnflow.services.shipping import book_for_order
from returnflow.services.shipping_carrier import Carriers
from returnflow.services.store_credit import CreditGrant, check_credit_authority
from returnflow.services.unit_of_work import UnitOfWork

__all__ = ["Remedy", "RemedyChoice", "RemedyOutcome", "resolve_with_remedy"]

# parcels that went back or never left: a new one may replace them
_REPLACEABLE = ("returned_to_sender", "failed", "cancelled", "cancelling")


@dataclass(frozen=True, slots=True)
class RemedyChoice:
    """What the agent chose: the remedy, the note, and compensation in minor units."""

    remedy: Remedy
    note: str
    compensation_cents: int | None = None


@dataclass(frozen=True, slots=True)
class RemedyOutcome:
    """The closed task and what its remedy did, for the answer and the page."""

    task: ExceptionTask
    request_status: Status
    refund: Refund | None = None
    parcel: Shipment | None = None
    credit: Money | None = None


@dataclass(frozen=True, slots=True)
class RemedyDeps:
    """What the remedies need of the process: settings (limits, credit expiry) and carriers."""

    settings: Settings
    carriers: Carriers


def resolve_with_remedy(
    uow: UnitOfWork,
    task_id: int,
    choice: RemedyChoice,
    actor: str,
    now: datetime,
    deps: RemedyDeps,
) -> RemedyOutcome:
    """Close an open task with the chosen remedy, in this unit of work."""
    note = _note(choice.note)
    shipment = uow.tracking.shipment_of_task(task_id, for_update=True)
    task = shipment.task(task_id) if shipment is not None else None
    if shipment is None or task is None:
        raise NotFound(
            "exception_not_found",
            Text("找不到异常任务 {id}", "Exception task {id} was not found").format(id=task_id),
        )
    if not task.is_open:
        raise Conflict(
            "exception_already_resolved",
            Text("该异常已处理", "This exception has already been resolved"),
        )
    if choice.remedy not in offered(task.kind, shipment.direction):
        raise _not_offered(choice.remedy, task)
    refund: Refund | None = None
    parcel: Shipment | None = None
    credit: Money | None = None
    if choice.remedy is Remedy.REFUND_WITHOUT_GOODS:
        refund = _refund_without_goods(uow, shipment, task_id, actor, now, deps.settings)
        taken = RemedyTaken(
            Remedy.REFUND_WITHOUT_GOODS,
            amount=refund.amount,
            awaiting_approval=refund.status is RefundState.AWAITING_APPROVAL,
        )
    elif choice.remedy is Remedy.NEW_LABEL:
        parcel = _new_label(uow, shipment, actor, now, deps.carriers)
        taken = RemedyTaken(Remedy.NEW_LABEL, shipment_id=parcel.id, method=parcel.method)
    elif choice.remedy is Remedy.COMPENSATION:
        credit = _compensate(uow, shipment.rma_no, task_id, choice, actor, now, deps.settings)
        taken = RemedyTaken(Remedy.COMPENSATION, amount=credit)
    else:
        taken = RemedyTaken(Remedy.CLOSE)
    resolved = shipment.resolve_exception(task_id, actor, note, now, taken)
    if choice.remedy in (Remedy.REFUND_WITHOUT_GOODS, Remedy.NEW_LABEL):
        _close_siblings(shipment, resolved, actor, now)
    request = get_return(uow, shipment.rma_no)
    return RemedyOutcome(resolved, request.status, refund, parcel, credit)


def _note(note: str) -> str:
    if not note.strip():
        raise DomainError(
            "note_required",
            Text("请写明处理结果", "Say what was done about it"),
            field="note",
        )
    return note.strip()[:2000]


def _not_offered(remedy: Remedy, task: ExceptionTask) -> Conflict:
    return Conflict(
        "remedy_not_offered",
        Text(
            "“{kind_zh}”类异常不能用“{remedy_zh}”处理",
            "“{remedy_en}” is not a remedy for a task of kind “{kind_en}”",
        ).format(
            kind_zh=task.kind.label.zh,
            kind_en=task.kind.label.en,
            remedy_zh=remedy.label.zh,
            remedy_en=remedy.label.en,
        ),
    )


def _close_siblings(shipment: Shipment, resolved: ExceptionTask, actor: str, now: datetime) -> None:
    """The parcel's other open tasks: settled or replaced with this one, nothing left."""
    taken = resolved.remedy.remedy.value if resolved.remedy else Remedy.CLOSE.value
    note = f"closed with exception task {resolved.id} ({taken})"
    for other in list(shipment.exceptions):
        if other.is_open and other.id != resolved.id:
            shipment.resolve_exception(other.id, actor, note, now, RemedyTaken(Remedy.CLOSE))


# --- refund without the goods ------------------------------------------------------------


def _refund_without_goods(
    uow: UnitOfWork,
    shipment: Shipment,
    task_id: int,
    actor: str,
    now: datetime,
    settings: Settings,
) -> Refund:
    request = get_return(uow, shipment.rma_no, for_update=True)
    if not pays_money(request.request_type):
        raise Conflict(
            "remedy_needs_money_request",
            Text(
                "换货、维修申请没有可退的款项：请重新安排寄回或给予补偿",
                "An exchange or repair request pays no money back: book a new parcel "
                "or compensate instead",
            ),
        )
    currency = request.estimate.total.currency
    award = award_for(
        uow,
        request.rma_no,
        source=LOST_IN_TRANSIT,
        reference=f"exception:{task_id}",
        liable=Liable.CARRIER,
        compensation=Money.zero(currency),
    )
    return pay_award(uow, request.rma_no, award, actor, now, RefundRules.from_settings(settings))


# --- a new label -------------------------------------------------------------------------


def _new_label(
    uow: UnitOfWork, old: Shipment, actor: str, now: datetime, carriers: Carriers
) -> Shipment:
    request = get_return(uow, old.rma_no, for_update=True)
    if request.status not in (Status.APPROVED, Status.IN_TRANSIT):
        raise Conflict(
            "new_label_not_open",
            Text(
                "申请当前状态（{zh}）不需要重新寄回",
                "The request is {en}: no new return parcel is needed",
            ).format(zh=request.status.label.zh, en=request.status.label.en),
        )
    if old.status in (REQUESTED, ARRANGED):
        old.call_off(now)  # never collected: a booked pickup is called off through the outbox
        uow.shipments.show_waybill_on_request(old.rma_no, None, None)
    elif old.status not in _REPLACEABLE:
        raise Conflict(
            "parcel_still_travelling",
            Text(
                "快递仍在运送该包裹，不能重新安排寄回",
                "The carrier still has the parcel: a new label is not possible",
            ),
        )
    others = [
        s
        for s in uow.shipments.for_rma(old.rma_no)
        if s.direction == "return" and s.status in ACTIVE and s.id != old.id
    ]
    if others:
        raise Conflict(
            "shipment_already_arranged",
            Text("该申请已另行安排寄回", "Another return parcel is already arranged"),
        )
    return uow.shipments.add(_parcel_like(uow, request, old, actor, now, carriers))


def _parcel_like(
    uow: UnitOfWork,
    request: ReturnRequest,
    old: Shipment,
    actor: str,
    now: datetime,
    carriers: Carriers,
) -> Shipment:
    """A new parcel the way the old one went (a carrier-booked method), else the other one."""
    order, _ = policy_for(uow, request)
    book = book_for_order(uow, order)
    slots = pickup_slots(now, book.pickup_hours, book.timezone)
    preferred = [m for m in ReturnMethod if m.value == old.method and m.calls_carrier]
    for method in (*preferred, ReturnMethod.PICKUP, ReturnMethod.DROPOFF):
        terms = book.terms(method)
        if terms is None or terms.carrier not in carriers:
            continue
        if method is ReturnMethod.PICKUP and not slots:
            continue
        offer = quote(
            terms, request.shipping_payer, order.return_shipping_insurance, order.currency
        )
        return Shipment.choose(
            request.rma_no,
            offer,
            carriers[terms.carrier].name.zh,
            book.warehouse,
            now,
            actor,
            slot=slots[0] if method is ReturnMethod.PICKUP else None,
            dropoff_code=new_dropoff_code() if method is ReturnMethod.DROPOFF else None,
        )
    raise Conflict(
        "no_return_method",
        Text("没有可用的寄回方式", "No return method is available for a new parcel"),
    )


# --- compensation ------------------------------------------------------------------------


def _compensate(
    uow: UnitOfWork,
    rma_no: str,
    task_id: int,
    choice: RemedyChoice,
    actor: str,
    now: datetime,
    settings: Settings,
) -> Money:
    """Store credit for the customer, booked to COMPENSATION; the request is untouched."""
    request = get_return(uow, rma_no)
    value = request.estimate.goods_value
    cents = choice.compensation_cents
    if cents is None or cents <= 0:
        raise DomainError(
            "compensation_required",
            Text("请填写补偿金额", "Give the compensation amount"),
            field="compensation_cents",
        )
    if cents > value.cents:
        raise DomainError(
            "compensation_too_high",
            Text(
                "补偿不能超过商品价值 {max}", "Compensation cannot exceed the goods' value {max}"
            ).format(max=str(value)),
            field="compensation_cents",
        )
    amount = Money(cents, value.currency)
    check_credit_authority(settings, actor, CreditGrant(amount, Money.zero(amount.currency)))
    key = f"compensation:exception:{task_id}"
    account = uow.store_credit.account(request.customer_id, amount.currency)
    account.grant(
        amount,
        now,
        add_months(now, settings.store_credit_expiry_months),
        key,
        EntryKind.BONUS,
        source=key,
        actor=actor,
        rma_no=rma_no,
        reference=f"exception:{task_id}",
    )
    uow.store_credit.save(account, now)
    uow.ledger.post(
        transfer(
            f"store_credit:{key}",
            now,
            f"compensation for logistics exception {task_id}",
            debit=Account.COMPENSATION,
            credit=Account.STORE_CREDIT,
            amount=amount,
            rma_no=rma_no,
            credit_party=request.customer_id,
        )
    )
    return amount
