"""The after-sales stories: each request lived step by step, from filing up to `now`.

A story plays the people (agents who review, customers who ship, warehouse staff who
receive and inspect, finance who pay); the services decide what each step does. The
outside systems a step needs (carrier, gateway) are `World`'s (`demo/journeys.py`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from returnflow.demo import catalog_staff
from returnflow.demo.journeys import World
from returnflow.demo.returns_plan import ReturnPlan, customer_actor
from returnflow.demo.timing import (
    AGENT_HOURS,
    CUSTOMER_HOURS,
    FINANCE_HOURS,
    WAREHOUSE_HOURS,
    Hours,
    digits,
    open_hours,
)
from returnflow.domain.kinds import RequestType
from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.returns import ReturnRequest
from returnflow.services import inspection, shipping
from returnflow.services.returns import file_return, perform
from returnflow.services.unit_of_work import UnitOfWork


def play(uow: UnitOfWork, world: World, plan: ReturnPlan, now: datetime) -> Status:
    """File the request, then live its life step by step until the story reaches now."""
    request = file_return(uow, plan.new, plan.filed_at, plan.filed_by)
    story = Story(uow, world, request, plan, now)
    while story.next_step():
        pass
    return story.request.status


class Story:
    """One request after filing: each step at its own moment, none after `now`."""

    def __init__(
        self, uow: UnitOfWork, world: World, request: ReturnRequest, plan: ReturnPlan, now: datetime
    ) -> None:
        self.uow = uow
        self.world = world
        self.waybill: str | None = None  # the simulated carrier's number, once arranged
        self.silent = False  # the carrier never scanned it: the dock is the first to know
        self.request = request
        self.plan = plan
        self.now = now
        self.rng = random.Random(plan.seed)
        self.at = plan.filed_at

    @property
    def customer(self) -> str:
        return customer_actor(self.plan.shopper)

    def next_step(self) -> bool:
        step = _STEPS.get(self.request.status)
        return step is not None and step(self)

    def later(self, low_hours: float, high_hours: float, hours: Hours) -> datetime:
        """A moment some hours on, moved into the actor's opening hours."""
        seconds = self.rng.randint(int(low_hours * 3_600), int(high_hours * 3_600))
        return open_hours(self.at + timedelta(seconds=seconds), self.rng, hours)

    def act(
        self,
        at: datetime,
        action: Action,
        actor: str,
        *,
        note: str = "",
        carrier: str = "",
        tracking_no: str = "",
    ) -> bool:
        """Perform the step if its moment has come; False leaves the story where it is."""
        if at > self.now:
            return False
        self.request = perform(
            self.uow,
            self.request.rma_no,
            action,
            actor,
            at,
            note=note,
            carrier=carrier,
            tracking_no=tracking_no,
        )
        self.at = at
        return True

    def moved(self, at: datetime) -> bool:
        """A service moved the story on at `at`."""
        self.at = at
        return True

    def cancel(self, low_hours: float, high_hours: float) -> bool:
        note = self.rng.choice(catalog_staff.CANCEL_NOTES)
        at = self.later(low_hours, high_hours, CUSTOMER_HOURS)
        return self.act(at, Action.CANCEL, self.customer, note=note)


def _review(story: Story) -> bool:
    rng = story.rng
    if rng.random() < 0.05:
        return story.cancel(1, 12)
    decision = story.request.decision
    codes = {r.code for r in decision.reasons} if decision else set()
    at = _review_moment(story, codes)
    agent = rng.choice(catalog_staff.AGENTS)
    odds = min((catalog_staff.APPROVAL_ODDS.get(code, 0.85) for code in codes), default=0.85)
    if rng.random() < odds * (0.5 if story.plan.shopper.serial else 1.0):
        return story.act(at, Action.APPROVE, agent, note=rng.choice(catalog_staff.APPROVAL_NOTES))
    return story.act(at, Action.REJECT, agent, note=_rejection_note(codes))


def _review_moment(story: Story, codes: set[str]) -> datetime:
    """Most reviews take hours; some wait days for photos or run past the deadline (R3.4)."""
    roll = story.rng.random()
    if "evidence_missing" in codes and roll < 0.5:
        return story.later(24, 72, AGENT_HOURS)  # asked for photos over chat, waiting
    if roll < 0.4:
        return story.later(0.3, 4, AGENT_HOURS)
    if roll < 0.8:
        return story.later(4, 20, AGENT_HOURS)
    return story.later(24, 56, AGENT_HOURS)


def _rejection_note(codes: set[str]) -> str:
    for code, note in catalog_staff.REJECTION_NOTES:
        if code in codes:
            return note
    return catalog_staff.DEFAULT_REJECTION


def _approved(story: Story) -> bool:
    rng = story.rng
    if story.waybill is not None:
        return _first_scan(story)
    match story.request.request_type:
        case RequestType.REFUND_ONLY:
            return _refund_only(story)
        case RequestType.REISSUE:
            carrier, tracking_no = _waybill(rng)
            at = story.later(2, 36, WAREHOUSE_HOURS)
            note = f"配件已补发：{carrier} {tracking_no}"
            return story.act(
                at, Action.REISSUE, rng.choice(catalog_staff.WAREHOUSE_STAFF), note=note
            )
        case _:
            return _ship_back(story)


def _refund_only(story: Story) -> bool:
    """The approving agent's refund; above their limit it waits for a manager (R12.3)."""
    rma_no = story.request.rma_no
    row = story.uow.refunds.for_rma(rma_no)
    if row is None:
        at = story.later(0.1, 2, AGENT_HOURS)
        if at > story.now:
            return False
        agent = next(
            (c.actor for c in reversed(story.request.history) if c.action is Action.APPROVE),
            story.rng.choice(catalog_staff.AGENTS),
        )
        story.world.pay(story.uow, rma_no, agent, at, "approval", story.now)
        return story.moved(at) and story.request.status is not Status.APPROVED
    if row.status != "awaiting_approval":
        return False
    at = story.later(2, 30, FINANCE_HOURS)
    if at > story.now or not story.world.approve_waiting(story.uow, rma_no, at, story.now):
        return False
    return story.moved(at) and story.request.status is not Status.APPROVED


def _ship_back(story: Story) -> bool:
    """Most customers send the goods within three days; some cancel, some never ship.

    The never-shipped stay approved: the worker closes them when ship_by passes (R1.5).
    A pickup or drop-off is booked with the (simulated) carrier; self-shippers type
    their own carrier's number.
    """
    roll = story.rng.random()
    if roll < 0.04:
        return story.cancel(2, 48)
    if roll < 0.12:
        return False
    at = story.later(0.5, 72, CUSTOMER_HOURS)
    if at > story.now:
        return False
    rma_no = story.request.rma_no
    world = story.world
    story.waybill = world.arrange(story.uow, rma_no, story.rng, at, story.customer)
    if story.waybill is None:
        carrier, tracking_no = _waybill(story.rng)
        shipping.record_tracking(
            story.uow, rma_no, carrier, tracking_no, at, story.customer, world.carriers
        )
    else:
        story.silent = story.rng.random() < 0.12
    return story.moved(at)


def _first_scan(story: Story) -> bool:
    """The carrier's first scans put the request in transit (R4.3)."""
    if story.silent:
        return _in_transit(story)
    assert story.waybill is not None
    at = story.at + timedelta(hours=story.rng.uniform(4, 20))
    if at > story.now:
        return False
    story.world.scan(story.uow, story.waybill, at)
    return story.moved(at) and story.request.status is Status.IN_TRANSIT


def _in_transit(story: Story) -> bool:
    """Parcels reach the dock; a few go missing or stall: exceptions to chase (R4.4)."""
    rng = story.rng
    if story.waybill is None and rng.random() < 0.015:
        return False
    carried = story.waybill is not None
    at = story.later(50, 96, WAREHOUSE_HOURS) if carried else story.later(20, 72, WAREHOUSE_HOURS)
    if at > story.now:
        return False
    worker = rng.choice(catalog_staff.WAREHOUSE_STAFF)
    troubled = story.waybill is not None and not story.silent
    if troubled and story.world.scan(story.uow, story.waybill or "", at):
        if rng.random() < 0.3:
            return False  # still missing: an open exception in the queue
        story.world.resolve_exceptions(story.uow, story.request.rma_no, worker, at)
    story.world.receive(story.uow, story.request, rng, worker, at)
    return story.moved(at)


def _received(story: Story) -> bool:
    """The checklist inspection; passed goods are disposed and put away soon after."""
    rng = story.rng
    serial = story.plan.shopper.serial
    at = story.later(1, 20, WAREHOUSE_HOURS)
    if at > story.now:
        return False
    inspector = rng.choice(catalog_staff.WAREHOUSE_STAFF)
    failure = None
    if rng.random() < (0.3 if serial else 0.05):
        failure = rng.choice(_failure_notes(story.plan.category, serial))
    route = story.world.inspect(story.uow, story.request, rng, inspector, at, failure)
    story.moved(at)
    if route == "passed":
        later = at + timedelta(minutes=rng.randint(20, 300))
        if later <= story.now:
            story.world.dispose(story.uow, story.request, inspector, later)
            story.moved(later)
    return True


def _failure_notes(category: str, serial: bool) -> tuple[str, ...]:
    if serial:
        return catalog_staff.ABUSE_FINDINGS
    return catalog_staff.INSPECTION_FAILURES.get(
        category, catalog_staff.DEFAULT_INSPECTION_FAILURES
    )


def _inspected(story: Story) -> bool:
    rng = story.rng
    world, uow, rma_no = story.world, story.uow, story.request.rma_no
    match story.request.request_type:
        case RequestType.REFUND:
            if uow.refunds.for_rma(rma_no) is not None:
                return False  # paid, failing or escalated: finance's queue now
            at = story.later(1, 24, FINANCE_HOURS)
            if at > story.now:
                return False
            if rng.random() < 0.1:
                world.at(at)
                world.take_credit(uow, rma_no, at)
            else:
                world.pay(
                    uow,
                    rma_no,
                    rng.choice(catalog_staff.FINANCE_STAFF),
                    at,
                    "inspection",
                    story.now,
                )
            return story.moved(at) and story.request.status is not Status.INSPECTED
        case RequestType.EXCHANGE:
            at = story.later(2, 36, WAREHOUSE_HOURS)
            if at > story.now:
                return False
            world.exchange(uow, story.request, rng.choice(catalog_staff.AGENTS), at, _waybill(rng))
            return story.moved(at) and story.request.status is not Status.INSPECTED
        case RequestType.REPAIR:
            at = story.later(72, 240, WAREHOUSE_HOURS)
            if at > story.now:
                return False
            note = rng.choice(catalog_staff.REPAIR_NOTES)
            staff = rng.choice(catalog_staff.WAREHOUSE_STAFF)
            world.repair(uow, rma_no, staff, at, note, _waybill(rng))
            return story.moved(at) and story.request.status is not Status.INSPECTED
        case _:
            return False


def _resolved(story: Story) -> bool:
    """Done once the money lands (bank cards take days) or the parcel is signed for."""
    refund = story.request.refund
    if refund is None:
        low, high, note = 48.0, 96.0, "买家已签收"
    elif refund.method == "unionpay":
        low, high, note = 24.0, 72.0, "银行卡退款已到账"
    else:
        low, high, note = 12.0, 30.0, "退款已原路退回"
    at = story.later(low, high, AGENT_HOURS)
    return story.act(at, Action.COMPLETE, story.rng.choice(catalog_staff.AGENTS), note=note)


def _inspection_failed(story: Story) -> bool:
    """R5.3: a partial-refund offer is answered, or the goods go back and the request ends."""
    uow, rma_no, rng = story.uow, story.request.rma_no, story.rng
    offer = uow.warehouse.offer(rma_no)
    if offer is not None and offer.status == "offered":
        at = story.later(2, 48, CUSTOMER_HOURS)
        if at > story.now:
            return False
        inspection.answer_offer(uow, rma_no, rng.random() < 0.7, story.customer, at)
        return story.moved(at)
    if offer is not None and offer.status == "accepted":
        if uow.refunds.for_rma(rma_no) is not None:
            return False
        at = story.later(1, 24, FINANCE_HOURS)
        if at > story.now:
            return False
        story.world.pay(
            uow, rma_no, rng.choice(catalog_staff.FINANCE_STAFF), at, "inspection", story.now
        )
        return story.moved(at) and story.request.status is not Status.INSPECTION_FAILED
    carrier, tracking_no = _waybill(rng)
    at = story.later(4, 72, WAREHOUSE_HOURS)
    note = f"验收未通过，商品已寄回买家：{carrier} {tracking_no}"
    return story.act(at, Action.COMPLETE, rng.choice(catalog_staff.WAREHOUSE_STAFF), note=note)


def _completed(story: Story) -> bool:
    """Half the customers confirm; the rest let the window confirm it for them (R7.1)."""
    if story.rng.random() >= 0.5:
        return False
    return story.act(story.later(2, 120, CUSTOMER_HOURS), Action.CONFIRM, story.customer)


def _waybill(rng: random.Random) -> tuple[str, str]:
    carriers = catalog_staff.CARRIERS
    name, prefix, length, _ = rng.choices(carriers, [c[3] for c in carriers])[0]
    return name, prefix + digits(rng, length)


_STEPS: dict[Status, Callable[[Story], bool]] = {
    Status.PENDING_REVIEW: _review,
    Status.APPROVED: _approved,
    Status.IN_TRANSIT: _in_transit,
    Status.RECEIVED: _received,
    Status.INSPECTED: _inspected,
    Status.INSPECTION_FAILED: _inspection_failed,
    Status.REFUNDED: _resolved,
    Status.EXCHANGED: _resolved,
    Status.REPAIRED: _resolved,
    Status.REISSUED: _resolved,
    Status.COMPLETED: _completed,
}
