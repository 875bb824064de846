"""Appeals and overturns on the in-memory unit of work (R3.2)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

import pytest

from returnflow.domain.appeals import AppealStatus, AppealSubject
from returnflow.domain.inspection_record import OfferStatus, PartialRefundOffer
from returnflow.domain.kinds import Reason
from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.money import Money
from returnflow.domain.refunds import Deduction
from returnflow.domain.returns import ReturnLine
from returnflow.domain.text import DomainError, Text
from returnflow.services import appeal_queries
from returnflow.services import appeals as service
from returnflow.services.errors import Conflict, NotFound
from returnflow.services.unit_of_work import UnitOfWork
from tests.domain.builders import DELIVERED_AT, make_line, make_order
from tests.services.conftest import NOW, Shop
from tests.support.fake_appeals import committed
from tests.support.fake_uow import FakeUnitOfWork

T = TypeVar("T")
WINDOW = 15
FAULT = (ReturnLine(1, 1, Reason.QUALITY, "屏幕有坏点"),)
PHOTO = "a" * 32 + ".jpg"
LATER = NOW + timedelta(hours=3)


class FakeOffers:
    """The warehouse's partial-refund offers, all this service reads of the warehouse."""

    def __init__(self, offers: dict[str, PartialRefundOffer]) -> None:
        self.offers = offers

    def offer(self, rma_no: str) -> PartialRefundOffer | None:
        return self.offers.get(rma_no)

    def inspection(self, rma_no: str) -> None:
        """No inspection records here: an overturn's offer withdrawal is tested on the
        databases (tests/test_offer_withdrawn.py)."""
        return None


class OfferUnitOfWork(FakeUnitOfWork):
    def _begin(self) -> None:
        super()._begin()
        self.warehouse = FakeOffers(vars(self.db).setdefault("offers", {}))


class AppealShop(Shop):
    def uow(self) -> FakeUnitOfWork:
        return OfferUnitOfWork(self.db)

    def act(self, step: Callable[[UnitOfWork], T], now: datetime = LATER) -> T:
        return self.run(lambda uow: step(cast(UnitOfWork, uow)), now)

    def appeal(self, rma_no: str, now: datetime = LATER, photos: tuple[str, ...] = ()) -> Any:
        return self.act(
            lambda uow: service.file_appeal(
                uow, rma_no, "照片能看出坏点", photos, "customer:c-1", now, WINDOW
            ),
            now,
        )

    def decide(self, rma_no: str, decision: str, scope: str | None = None) -> Any:
        return self.act(
            lambda uow: service.decide_appeal(
                uow, rma_no, decision, "复核结论", "agent:wang", LATER, merchant_scope=scope
            )
        )

    def offer(self, rma_no: str, status: OfferStatus) -> None:
        deduction = Deduction("partial_refund_offer", Text("划痕", "scratch"), Money(1000, "CNY"))
        vars(self.db).setdefault("offers", {})[rma_no] = PartialRefundOffer(
            deduction, NOW, "wh:1", status
        )


@pytest.fixture
def shop() -> AppealShop:
    shop = AppealShop()
    shop.add_orders(make_order(make_line(quantity=2, category="electronics")))
    return shop


def _rejected(shop: AppealShop) -> str:
    rma = shop.file("SO-1", FAULT).rma_no  # no photos: a person reviews it
    shop.step(rma, Action.REJECT, note="照片不清楚")
    return rma


def _failed(shop: AppealShop) -> str:
    rma = shop.file("SO-1").rma_no  # no-reason: approved at once
    shop.step(rma, Action.SHIP, carrier="SF", tracking_no="SF1234567890")
    shop.step(rma, Action.RECEIVE)
    shop.step(rma, Action.INSPECT_FAIL, note="有使用痕迹")
    return rma


def test_a_rejection_is_appealed_then_overturned_through_the_approve_path(
    shop: AppealShop,
) -> None:
    rma = _rejected(shop)
    appeal = shop.appeal(rma, photos=(PHOTO,))
    assert (appeal.subject, appeal.status, appeal.photos) == ("rejection", "open", (PHOTO,))
    request = shop.stored(rma)
    assert request.status is Status.PENDING_REVIEW
    assert request.review_due_at == LATER + timedelta(hours=24)
    assert request.history[-1].action is Action.APPEAL
    decided = shop.decide(rma, "overturn")
    assert decided.status is AppealStatus.OVERTURNED and decided.decided_at == LATER
    request = shop.stored(rma)
    assert request.status is Status.APPROVED
    assert request.history[-1].action is Action.APPROVE
    assert request.ship_by == LATER + timedelta(days=7)
    assert committed(shop.db)[rma].status is AppealStatus.OVERTURNED
    topics = shop.db.topics()
    assert topics[-4:] == [
        "return.pending_review",
        "appeal.filed",
        "return.approved",
        "appeal.decided",
    ]


def test_an_upheld_rejection_is_rejected_again_with_the_reason(shop: AppealShop) -> None:
    rma = _rejected(shop)
    shop.appeal(rma)
    shop.decide(rma, "uphold")
    request = shop.stored(rma)
    assert request.status is Status.REJECTED
    assert request.history[-1].note == "复核结论"
    assert committed(shop.db)[rma].status is AppealStatus.UPHELD


def test_a_request_is_appealed_once(shop: AppealShop) -> None:
    rma = _rejected(shop)
    shop.appeal(rma)
    shop.decide(rma, "uphold")
    with pytest.raises(Conflict) as again:
        shop.appeal(rma)
    assert again.value.code == "already_appealed"
    with pytest.raises(Conflict) as decided:
        shop.decide(rma, "overturn")
    assert decided.value.code == "appeal_decided"


def test_the_window_is_counted_from_the_decision(shop: AppealShop) -> None:
    rma = _rejected(shop)  # rejected at NOW
    with pytest.raises(DomainError) as late:
        shop.appeal(rma, now=NOW + timedelta(days=WINDOW, seconds=1))
    assert late.value.code == "appeal_window_closed"
    assert shop.stored(rma).status is Status.REJECTED and not committed(shop.db)
    shop.appeal(rma, now=NOW + timedelta(days=WINDOW))
    assert shop.stored(rma).status is Status.PENDING_REVIEW


def test_only_decisions_are_appealed(shop: AppealShop) -> None:
    approved = shop.file("SO-1").rma_no
    with pytest.raises(Conflict) as refused:
        shop.appeal(approved)
    assert refused.value.code == "not_appealable"


def test_a_failed_inspection_is_overturned_or_upheld_without_moving(shop: AppealShop) -> None:
    rma = _failed(shop)
    appeal = shop.appeal(rma)
    assert appeal.subject is AppealSubject.INSPECTION
    assert shop.stored(rma).status is Status.INSPECTION_FAILED
    assert "return.appealed" in shop.db.topics()
    shop.decide(rma, "overturn")
    request = shop.stored(rma)
    assert request.status is Status.INSPECTED
    assert request.history[-1].action is Action.OVERTURN
    assert shop.db.topics()[-2:] == ["return.inspected", "appeal.decided"]

    other = _failed(shop)
    shop.appeal(other)
    shop.decide(other, "uphold")
    assert shop.stored(other).status is Status.INSPECTION_FAILED
    assert committed(shop.db)[other].status is AppealStatus.UPHELD


def test_a_partial_offer_is_its_own_subject_and_an_accepted_one_is_settled(
    shop: AppealShop,
) -> None:
    open_offer, accepted = _failed(shop), _failed(shop)
    shop.offer(open_offer, OfferStatus.OFFERED)
    shop.offer(accepted, OfferStatus.ACCEPTED)
    assert shop.appeal(open_offer).subject is AppealSubject.PARTIAL_OFFER
    with pytest.raises(Conflict):
        shop.appeal(accepted)
    with pytest.raises(Conflict) as settled:
        shop.act(lambda uow: service.overturn(uow, accepted, "x", "agent:wang", LATER))
    assert settled.value.code == "not_overturnable"


def test_merchants_decide_only_their_own(shop: AppealShop) -> None:
    rma = _rejected(shop)
    shop.appeal(rma)
    with pytest.raises(NotFound):
        shop.decide(rma, "overturn", scope="m-other")
    shop.decide(rma, "overturn", scope="m-1")
    assert shop.stored(rma).status is Status.APPROVED


def test_staff_overturn_an_automated_rejection_with_a_reason(shop: AppealShop) -> None:
    late = shop.file("SO-1", now=DELIVERED_AT + timedelta(days=10)).rma_no  # auto-rejected
    with pytest.raises(DomainError) as no_reason:
        shop.act(lambda uow: service.overturn(uow, late, " ", "agent:wang", LATER))
    assert no_reason.value.code == "reason_required"
    shop.act(lambda uow: service.overturn(uow, late, "物流延误，顾客无责", "agent:wang", LATER))
    request = shop.stored(late)
    assert request.status is Status.APPROVED and request.ship_by is not None
    step = request.history[-1]
    assert (step.action, step.actor, step.note) == (
        Action.OVERTURN,
        "agent:wang",
        "物流延误，顾客无责",
    )
    person = _rejected(shop)  # a person's rejection goes through an appeal instead
    with pytest.raises(Conflict):
        shop.act(lambda uow: service.overturn(uow, person, "x", "agent:wang", LATER))


def test_an_overturn_decides_an_open_appeal(shop: AppealShop) -> None:
    rma = _failed(shop)
    shop.appeal(rma)
    shop.act(lambda uow: service.overturn(uow, rma, "复检合格", "agent:wang", LATER))
    assert shop.stored(rma).status is Status.INSPECTED
    appeal = committed(shop.db)[rma]
    assert (appeal.status, appeal.reason) == (AppealStatus.OVERTURNED, "复检合格")


@pytest.mark.parametrize(
    ("action", "note", "outcome", "reason"),
    [
        (Action.APPROVE, "", AppealStatus.OVERTURNED, service.APPROVED_ON_REVIEW),
        (Action.REJECT, "仍不符合", AppealStatus.UPHELD, "仍不符合"),
    ],
)
def test_the_ordinary_review_buttons_decide_the_appeal(
    shop: AppealShop, action: Action, note: str, outcome: AppealStatus, reason: str
) -> None:
    rma = _rejected(shop)
    shop.appeal(rma)
    shop.step(rma, action, note=note, actor="agent:zhao", now=LATER)
    event = shop.db.published[-1]
    shop.act(lambda uow: service.decide_after_review(uow, event, LATER))
    appeal = committed(shop.db)[rma]
    assert (appeal.status, appeal.decided_by, appeal.reason) == (outcome, "agent:zhao", reason)
    shop.act(lambda uow: service.decide_after_review(uow, event, LATER))  # heard twice: no change
    assert committed(shop.db)[rma].decided_by == "agent:zhao"


def test_a_photo_of_another_appeal_is_refused(shop: AppealShop) -> None:
    first, second = _rejected(shop), _rejected(shop)
    shop.appeal(first, photos=(PHOTO,))
    with pytest.raises(DomainError) as refused:
        shop.appeal(second, photos=(PHOTO,))
    assert refused.value.code == "photo_not_found"
    with pytest.raises(DomainError):
        shop.appeal(second, photos=("../etc/passwd",))


def test_the_queue_is_oldest_first_and_scoped(shop: AppealShop) -> None:
    first, second = _rejected(shop), _failed(shop)
    shop.appeal(second, now=LATER)
    shop.appeal(first, now=LATER + timedelta(minutes=5))
    page = shop.act(lambda uow: appeal_queries.queue(uow, AppealStatus.OPEN, 1, 10))
    assert [item.rma_no for item in page.items] == [second, first] and page.total == 2
    scoped = shop.act(lambda uow: appeal_queries.queue(uow, None, 1, 10, merchant_scope="m-other"))
    assert scoped.total == 0
    shop.decide(first, "uphold")
    still_open = shop.act(lambda uow: appeal_queries.queue(uow, AppealStatus.OPEN, 1, 10))
    assert [item.rma_no for item in still_open.items] == [second]
