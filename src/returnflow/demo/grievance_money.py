"""Money in the demo's grievances (issue 12): a ruling's refund paid, a lost parcel settled.

Paid as the demo pays every refund (`demo/journeys.py`): submitted to the sandbox
gateway, heard back a few minutes later; above the mediator's or agent's limit a
manager approves it first. Once paid, the cost is booked against the liable party with
`liability.book_for`, what the bus does after "refund.paid" (the demo's past runs
without the bus).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from returnflow.config import Settings
from returnflow.demo import catalog_grievances as words
from returnflow.demo import catalog_staff
from returnflow.demo.journeys import MANAGER, World
from returnflow.demo.timing import FINANCE_HOURS, open_hours
from returnflow.domain.exception_remedies import Remedy, offered
from returnflow.domain.kinds import RequestType
from returnflow.domain.lifecycle import Status
from returnflow.domain.refund_life import RefundState
from returnflow.domain.scans import TrackingEvent, TrackingProblem, TrackingStatus
from returnflow.domain.shipment_tasks import ExceptionTask
from returnflow.services import liability, refund_gateway, refunds, tracking
from returnflow.services.approvals import decide
from returnflow.services.exception_remedies import RemedyChoice, RemedyDeps, resolve_with_remedy
from returnflow.services.queries import ReturnFilter, list_returns
from returnflow.services.unit_of_work import UnitOfWork

SETTLING = timedelta(minutes=5)  # the sandbox answers a poll this long after a submission
LOST_PARCELS_MAX = 100


def pay_out(
    uow: UnitOfWork, world: World, rma_no: str, at: datetime, now: datetime, rng: random.Random
) -> datetime | None:
    """The request's refund asked for at `at` paid and booked; when it was paid, or None
    if it is still waiting for a manager or the gateway at `now`."""
    refund = uow.refunds.get(rma_no)
    if refund is not None and refund.status is RefundState.AWAITING_APPROVAL:
        approval = uow.approvals.pending_for("refund", rma_no)
        later = at + timedelta(seconds=rng.randint(3_600, 28_800))
        at = open_hours(later, rng, FINANCE_HOURS).replace(microsecond=0)
        if approval is None or approval.id is None or at > now:
            return None
        world.at(at)
        decide(uow, approval.id, True, MANAGER, at, "裁决金额核对无误 / amount checked")
        refunds.release_decided(uow, approval.id, at)  # the bus would, after the commit
        refund = uow.refunds.get(rma_no)
    if refund is None or refund.id is None or refund.status is not RefundState.REQUESTED:
        return None
    world.at(at)
    refund_gateway.submit(uow, refund.id, world.gateway, at, world.rules)
    paid = at + SETTLING
    if paid > now:
        return None
    world.at(paid)
    refund_gateway.poll(uow, refund.id, world.gateway, paid, world.rules)
    liability.book_for(uow, rma_no, paid)
    settled = uow.refunds.get(rma_no)
    return paid if settled is not None and settled.status is RefundState.SUCCEEDED else None


def lost_parcel(
    uow: UnitOfWork,
    world: World,
    settings: Settings,
    rng: random.Random,
    now: datetime,
    carry_on: Callable[[str, datetime], None],
) -> None:
    """A return parcel lost on the carrier's watch, refunded without the goods (R4.4).

    An open lost, damaged or stalled task if the stories left one; else the carrier
    reports one of its parcels in transit lost (a push, as its webhook would).
    """
    page = list_returns(uow, ReturnFilter(status=Status.IN_TRANSIT), 1, 10_000)
    rmas = sorted((s.rma_no for s in page.items if s.request_type is RequestType.REFUND),
                  reverse=True)  # fmt: skip
    found = _open_task(uow, rmas[:LOST_PARCELS_MAX]) or _reported(uow, world, rmas, rng, now)
    if found is None:
        return
    task, raised = found
    # the carrier confirms the loss after its search: lately, so this month's claims show it
    at = max(raised + timedelta(hours=rng.uniform(1, 4)), now - timedelta(hours=rng.uniform(3, 30)))
    at = min(at, now - timedelta(minutes=30)).replace(microsecond=0)
    if at <= task.raised_at:
        return
    world.at(at)
    deps = RemedyDeps(settings.model_copy(update={"payment_gateway": "sandbox"}), world.carriers)
    choice = RemedyChoice(Remedy.REFUND_WITHOUT_GOODS, words.LOST_PARCEL_NOTE)
    agent = rng.choice(catalog_staff.AGENTS)
    resolve_with_remedy(uow, task.id, choice, agent, at, deps)
    paid = pay_out(uow, world, task.rma_no, at, now, rng)
    if paid is not None:
        carry_on(task.rma_no, paid)


def _open_task(uow: UnitOfWork, rmas: list[str]) -> tuple[ExceptionTask, datetime] | None:
    for rma_no in rmas:
        for task in uow.tracking.tasks_for(rma_no):
            if task.is_open and Remedy.REFUND_WITHOUT_GOODS in offered(task.kind, "return"):
                return task, task.raised_at
    return None


def _reported(
    uow: UnitOfWork, world: World, rmas: list[str], rng: random.Random, now: datetime
) -> tuple[ExceptionTask, datetime] | None:
    """The carrier reports a scanned parcel lost, a day or more after its last scan."""
    for rma_no in rmas:
        parcel = uow.shipments.active_return(rma_no)
        if (
            parcel is None
            or parcel.carrier != "simulated"
            or not parcel.waybill_no
            or parcel.status != "in_transit"
            or parcel.last_event_at is None
        ):
            continue
        at = parcel.last_event_at + timedelta(seconds=rng.randint(72_000, 108_000))
        if at > now - timedelta(hours=3):
            continue
        world.at(at)
        event = TrackingEvent(at, TrackingStatus.EXCEPTION, words.LOST_REPORT, "",
                              TrackingProblem.LOST)  # fmt: skip
        tracking.ingest(uow, "simulated", parcel.waybill_no, [event], at, source="push",
                        limits=world.limits)  # fmt: skip
        found = _open_task(uow, [rma_no])
        if found is not None:
            return found[0], at
    return None
