"""Remedies for logistics exceptions (R4.4) on the in-memory unit of work: a lost parcel
refunded without its goods (the carrier liable, authority limits), a new label for a
parcel back with its sender or never collected, compensation as store credit, the note
alone; refusals leave the task open and nothing half done."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest

from returnflow.config import Settings
from returnflow.domain.access import Forbidden
from returnflow.domain.approvals import AmountApproval
from returnflow.domain.exception_remedies import Remedy, RemedyTaken, offered
from returnflow.domain.kinds import RequestType
from returnflow.domain.ledger import Account
from returnflow.domain.lifecycle import Status
from returnflow.domain.money import Money
from returnflow.domain.refund import Refund
from returnflow.domain.refund_life import RefundState
from returnflow.domain.refunds import Deduction
from returnflow.domain.scans import TrackingEvent, TrackingStatus
from returnflow.domain.shipment_alerts import AlertKind, Thresholds
from returnflow.domain.shipping import ReturnMethod
from returnflow.domain.text import DomainError
from returnflow.services import shipping, tracking, tracking_sweeps
from returnflow.services.errors import Conflict, NotFound
from returnflow.services.exception_remedies import (
    RemedyChoice,
    RemedyDeps,
    RemedyOutcome,
    resolve_with_remedy,
)
from returnflow.services.shipping import Choice
from returnflow.services.unit_of_work import UnitOfWork
from tests.domain.builders import make_order
from tests.services.conftest import NOW
from tests.support.fake_resolutions import FakeLedger, FakeStoreCredit, ResolutionState
from tests.support.fake_shipping import ShippingDatabase, ShippingShop, ShippingUnitOfWork

LIMITS = Thresholds()
WAYBILL = "SIM0000000001"
AGENT = "agent:li"


# --- the money side of the unit of work, kept (or dropped) with each commit --------------


@dataclass
class Books:
    refunds: dict[str, Refund] = field(default_factory=dict)
    approvals: list[AmountApproval] = field(default_factory=list)
    credit: ResolutionState = field(default_factory=ResolutionState)


class _Refunds:
    def __init__(self, books: Books) -> None:
        self.books = books

    def get(self, rma_no: str, *, for_update: bool = False) -> Refund | None:
        return self.books.refunds.get(rma_no)

    def add(self, refund: Refund) -> None:
        refund.id = len(self.books.refunds) + 1
        self.books.refunds[refund.rma_no] = refund


class _Approvals:
    def __init__(self, books: Books) -> None:
        self.books = books

    def add(self, approval: AmountApproval) -> None:
        approval.id = len(self.books.approvals) + 1
        self.books.approvals.append(approval)


class _Warehouse:
    def accepted_deductions(self, rma_no: str) -> list[Deduction]:
        return []

    def offer(self, rma_no: str) -> None:
        return None


@dataclass
class RemedyDatabase(ShippingDatabase):
    books: Books = field(default_factory=Books)


class RemedyUnitOfWork(ShippingUnitOfWork):
    db: RemedyDatabase

    def _begin(self) -> None:
        super()._begin()
        self.books = copy.deepcopy(self.db.books)
        self.refunds = _Refunds(self.books)
        self.approvals = _Approvals(self.books)
        self.warehouse = _Warehouse()
        self.store_credit = FakeStoreCredit(self.books.credit)
        self.ledger = FakeLedger(self.books.credit)

    def commit(self, now: datetime) -> None:
        books = self.books
        super().commit(now)
        self.db.books = books


class RemedyShop(ShippingShop):
    db: RemedyDatabase

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__()
        self.db = RemedyDatabase()
        self.settings = settings or Settings(database_url="sqlite://")

    def uow(self) -> RemedyUnitOfWork:
        return RemedyUnitOfWork(self.db)

    def resolve(
        self, task_id: int, remedy: Remedy, *, actor: str = AGENT, cents: int | None = None
    ) -> RemedyOutcome:
        choice = RemedyChoice(remedy, "checked with the carrier", cents)
        deps = RemedyDeps(self.settings, self.carriers)
        at = NOW + timedelta(days=9)
        return self.work(lambda uow: resolve_with_remedy(uow, task_id, choice, actor, at, deps), at)

    def request(self, rma_no: str) -> Any:
        return self.db.returns[rma_no]


# --- arranging, scanning and sweeping ----------------------------------------------------


def _shop(
    method: ReturnMethod = ReturnMethod.DROPOFF,
    request_type: RequestType = RequestType.REFUND,
    limits: dict[str, int | None] | None = None,
) -> tuple[RemedyShop, str, int]:
    settings = Settings(database_url="sqlite://")
    if limits is not None:
        settings.authority_limits = limits
    shop = RemedyShop(settings)
    shop.add_orders(make_order())
    rma = shop.file("SO-1", request_type=request_type).rma_no

    def arrange(uow: UnitOfWork) -> int:
        slot = ""
        if method is ReturnMethod.PICKUP:
            slot = shipping.options(uow, rma, NOW, shop.carriers).slots[0].key
        chosen = shipping.choose(uow, rma, Choice(method, slot=slot), NOW, "c-1", shop.carriers)
        while shipping.arrange_step(uow, chosen.id, NOW, shop.carriers):
            pass
        return chosen.id

    return shop, rma, shop.work(arrange)


def _scan(shop: RemedyShop, at: datetime, status: TrackingStatus) -> None:
    event = TrackingEvent(at, status, status.value)
    shop.work(
        lambda uow: tracking.ingest(
            uow, "simulated", WAYBILL, [event], at, source="push", limits=LIMITS
        ),
        at,
    )
    shop.follow_pickups(at)  # the worker puts a picked-up request in transit (issue 11)


def _sweep(shop: RemedyShop, at: datetime) -> int:
    return shop.work(
        lambda uow: tracking_sweeps.sweep_batch(uow, at, LIMITS, after_id=0, batch=50).raised, at
    )


def _task(shop: RemedyShop, kind: AlertKind) -> int:
    tasks = shop.work(lambda uow: tracking.exceptions(uow, kind=kind.value))
    assert len(tasks) == 1, tasks
    return tasks[0].id


def _lost(shop: RemedyShop) -> int:
    """Picked up an hour in, then silent: stalled after three days, lost after seven."""
    _scan(shop, NOW + timedelta(hours=1), TrackingStatus.ACCEPTED)
    _sweep(shop, NOW + timedelta(hours=74))
    _sweep(shop, NOW + timedelta(days=8))
    return _task(shop, AlertKind.LOST)


def _open_kinds(shop: RemedyShop) -> list[str]:
    return [t.kind.value for t in shop.work(lambda uow: tracking.exceptions(uow))]


# --- what is offered ----------------------------------------------------------------------


def test_each_kind_offers_its_remedies_and_outbound_parcels_no_refund_or_label() -> None:
    assert offered(AlertKind.LOST)[0] is Remedy.REFUND_WITHOUT_GOODS
    assert offered(AlertKind.RETURNED_TO_SENDER)[0] is Remedy.NEW_LABEL
    assert Remedy.NEW_LABEL not in offered(AlertKind.DAMAGED)
    assert offered(AlertKind.LATE) == (Remedy.COMPENSATION, Remedy.CLOSE)
    assert offered(AlertKind.LOST, "outbound") == (Remedy.COMPENSATION, Remedy.CLOSE)
    for kind in AlertKind:
        assert Remedy.CLOSE in offered(kind)
    taken = RemedyTaken(Remedy.NEW_LABEL, shipment_id=7, method="pickup")
    assert RemedyTaken.from_json("new_label", taken.to_json()) == taken


# --- refund without the goods -------------------------------------------------------------


def test_a_lost_parcel_is_refunded_without_its_goods_with_the_carrier_liable() -> None:
    shop, rma, old = _shop()
    task = _lost(shop)
    assert sorted(_open_kinds(shop)) == ["late", "lost", "stalled"]
    # the full computed refund: the estimate less the return freight the customer pays
    freight = shop.shipment(old).customer_fee
    assert freight > 0
    estimate = shop.request(rma).estimate.total - Money(freight)
    outcome = shop.resolve(task, Remedy.REFUND_WITHOUT_GOODS)
    refund = outcome.refund
    assert refund is not None
    assert [d["code"] for d in refund.workings["deductions"]] == ["return_shipping"]
    assert (refund.amount, refund.trigger, refund.status) == (
        estimate,
        "lost_in_transit",
        RefundState.REQUESTED,
    )
    award = refund.workings["award"]
    assert (award["liable"], award["party"], award["reference"]) == (
        "carrier",
        "simulated",
        f"exception:{task}",
    )
    assert outcome.task.remedy == RemedyTaken(Remedy.REFUND_WITHOUT_GOODS, amount=estimate)
    assert outcome.request_status is Status.IN_TRANSIT  # refunded once the money is paid
    assert f"refund:{rma}:{refund.idempotency_key}:accepted" in [
        e.key for e in shop.db.books.credit.ledger
    ]
    assert shop.topics().count("refund.submit") == 1
    # the parcel's other tasks are settled with it
    assert _open_kinds(shop) == []
    with pytest.raises(Conflict) as again:
        shop.resolve(task, Remedy.REFUND_WITHOUT_GOODS)
    assert again.value.code == "exception_already_resolved"


def test_over_the_agents_limit_the_refund_waits_for_a_manager_and_the_task_closes() -> None:
    shop, rma, _ = _shop(limits={"agent": 100})
    outcome = shop.resolve(_lost(shop), Remedy.REFUND_WITHOUT_GOODS)
    assert outcome.refund is not None
    assert outcome.refund.status is RefundState.AWAITING_APPROVAL
    assert outcome.task.remedy is not None and outcome.task.remedy.awaiting_approval
    assert [(a.subject, a.requested_by) for a in shop.db.books.approvals] == [(rma, AGENT)]
    assert "refund.submit" not in shop.topics()


def test_an_exchange_is_not_refunded_and_the_task_stays_open() -> None:
    shop, _, _ = _shop(request_type=RequestType.EXCHANGE)
    task = _lost(shop)
    with pytest.raises(Conflict) as refused:
        shop.resolve(task, Remedy.REFUND_WITHOUT_GOODS)
    assert refused.value.code == "remedy_needs_money_request"
    assert "lost" in _open_kinds(shop) and shop.db.books.refunds == {}


def test_a_remedy_the_kind_does_not_offer_is_refused() -> None:
    shop, _, _ = _shop()
    with pytest.raises(Conflict) as refused:
        shop.resolve(_lost(shop), Remedy.NEW_LABEL)
    assert refused.value.code == "remedy_not_offered"
    assert "New return label" in refused.value.message.en


# --- a new label --------------------------------------------------------------------------


def test_a_parcel_back_with_its_sender_gets_a_new_one_the_same_way() -> None:
    shop, _, old = _shop()
    _scan(shop, NOW + timedelta(hours=1), TrackingStatus.ACCEPTED)
    _scan(shop, NOW + timedelta(hours=20), TrackingStatus.RETURNED_TO_SENDER)
    outcome = shop.resolve(_task(shop, AlertKind.RETURNED_TO_SENDER), Remedy.NEW_LABEL)
    parcel = outcome.parcel
    assert parcel is not None and parcel.id != old
    assert (parcel.method, parcel.status, parcel.carrier) == ("dropoff", "requested", "simulated")
    assert parcel.dropoff_code is not None
    assert outcome.task.remedy == RemedyTaken(
        Remedy.NEW_LABEL, shipment_id=parcel.id, method="dropoff"
    )
    assert outcome.request_status is Status.IN_TRANSIT  # shipped in time: no clock runs
    assert shop.shipment(old).status == "returned_to_sender"
    assert shop.topics().count("carrier.arrange") == 2  # the old parcel's and the new one's


def test_a_pickup_never_collected_is_called_off_and_the_new_one_holds_off_the_closing() -> None:
    shop, rma, old = _shop(ReturnMethod.PICKUP)
    assert _sweep(shop, NOW + timedelta(hours=49)) == 1
    outcome = shop.resolve(_task(shop, AlertKind.NO_FIRST_SCAN), Remedy.NEW_LABEL)
    parcel = outcome.parcel
    assert parcel is not None and parcel.method == "pickup"
    assert shop.shipment(old).status == "cancelling"  # the carrier is told through the outbox
    assert "carrier.cancel_pickup" in shop.topics()
    assert outcome.request_status is Status.APPROVED
    shop.work(lambda uow: shipping.arrange_step(uow, parcel.id, NOW, shop.carriers))
    shop.work(lambda uow: shipping.arrange_step(uow, parcel.id, NOW, shop.carriers))
    # past the ship-by day, the new booked window keeps the request from closing (R1.5)
    resolved_at = NOW + timedelta(days=9)
    ship_by = shop.request(rma).ship_by
    assert ship_by is not None and ship_by < resolved_at
    assert shop.work(lambda uow: uow.returns.due_for_auto_close(resolved_at)) == [rma]
    grace = timedelta(hours=2)
    assert shop.work(
        lambda uow: tracking_sweeps.pending_pickups(uow, [rma], resolved_at, grace)
    ) == {rma}


# --- compensation and the note alone -----------------------------------------------------


def test_compensation_is_store_credit_bounded_by_value_and_authority() -> None:
    shop, rma, _ = _shop(limits={"agent": 1000})
    _scan(shop, NOW + timedelta(hours=1), TrackingStatus.ACCEPTED)
    _sweep(shop, NOW + timedelta(days=4))  # past the promised three days
    task = _task(shop, AlertKind.LATE)
    value = shop.request(rma).estimate.goods_value.cents
    for cents, code in ((None, "compensation_required"), (value + 1, "compensation_too_high")):
        with pytest.raises(DomainError) as refused:
            shop.resolve(task, Remedy.COMPENSATION, cents=cents)
        assert refused.value.code == code
    with pytest.raises(Forbidden) as over:
        shop.resolve(task, Remedy.COMPENSATION, cents=1001)
    assert over.value.code == "authority_exceeded"
    assert shop.db.books.credit.ledger == [] and "late" in _open_kinds(shop)
    outcome = shop.resolve(task, Remedy.COMPENSATION, cents=1000)
    assert outcome.credit is not None and outcome.credit.cents == 1000
    assert outcome.refund is None and outcome.request_status is Status.IN_TRANSIT
    [entry] = shop.db.books.credit.ledger
    assert (entry.key, entry.postings[0].account, entry.postings[1].account) == (
        f"store_credit:compensation:exception:{task}",
        Account.COMPENSATION,
        Account.STORE_CREDIT,
    )
    assert [lot.remaining.cents for lot in shop.db.books.credit.credit_lots["c-1"]] == [1000]
    assert shop.db.books.refunds == {}  # the request's one refund is not touched


def test_close_keeps_the_note_only_and_bad_input_is_refused() -> None:
    shop, _, _ = _shop()
    task = _lost(shop)
    with pytest.raises(NotFound):
        shop.resolve(9999, Remedy.CLOSE)
    deps = RemedyDeps(shop.settings, shop.carriers)
    with pytest.raises(DomainError) as empty:
        shop.work(
            lambda uow: resolve_with_remedy(
                uow, task, RemedyChoice(Remedy.CLOSE, "  "), AGENT, NOW, deps
            )
        )
    assert empty.value.code == "note_required"
    outcome = shop.resolve(task, Remedy.CLOSE)
    assert outcome.task.remedy == RemedyTaken(Remedy.CLOSE)
    assert outcome.task.resolution_note == "checked with the carrier"
    assert outcome.request_status is Status.IN_TRANSIT
    assert sorted(_open_kinds(shop)) == ["late", "stalled"]  # the note closes one task only
