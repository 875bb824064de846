"""The satisfaction survey on the in-memory unit of work (R7.2, seed 001 §7.1.3)."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

import pytest

from returnflow.domain.events import DomainEvent
from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.surveys import Scores, Survey, agent_of
from returnflow.domain.text import DomainError
from returnflow.services import survey_queries
from returnflow.services import surveys as service
from returnflow.services.errors import Conflict, NotFound
from returnflow.services.unit_of_work import UnitOfWork
from tests.domain.builders import make_line, make_order
from tests.services.conftest import NOW, Shop

LATER = NOW + timedelta(days=3)


@pytest.fixture
def shop() -> Shop:
    shop = Shop()
    shop.add_orders(make_order(make_line(quantity=2, category="electronics")))
    return shop


def _completed(shop: Shop, handler: str = "agent:li") -> str:
    rma = shop.file("SO-1", contact={"email": "c@example.com", "phone": "13800000000"}).rma_no
    shop.step(rma, Action.SHIP, carrier="SF", tracking_no="SF1234567890")
    request = shop.stored(rma)
    request.status = Status.COMPLETED  # the journey's end, as journey.complete_request leaves it
    request.history[-1] = type(request.history[-1])(
        NOW, handler, Action.COMPLETE, Status.REFUNDED, Status.COMPLETED
    )
    return rma


def _answer(shop: Shop, rma: str, scores: Scores, customer: str | None = None) -> Survey:
    return shop.run(
        lambda uow: service.answer_survey(
            cast(UnitOfWork, uow),
            rma,
            scores,
            " 很好 ",
            "customer:c-1",
            LATER,
            customer_id=customer,
        ),
        LATER,
    )


def test_an_answer_is_stored_once_with_its_agent_and_merchant(shop: Shop) -> None:
    rma = _completed(shop, "agent:wang")
    survey = _answer(shop, rma, Scores(5, 4, 3, 2, 9))
    assert (survey.agent, survey.merchant_id, survey.comment) == ("agent:wang", "m-1", "很好")
    with pytest.raises(Conflict):
        _answer(shop, rma, Scores(1, 1, 1, 1, 0))
    assert shop.db.surveys[rma].scores == Scores(5, 4, 3, 2, 9)  # type: ignore[attr-defined]


def test_no_answer_before_completion_nor_for_another_customer(shop: Shop) -> None:
    rma = shop.file("SO-1").rma_no
    with pytest.raises(DomainError) as refused:
        _answer(shop, rma, Scores(5, 5, 5, 5, 10))
    assert refused.value.code == "survey_not_open"
    done = _completed(shop)
    with pytest.raises(NotFound):
        _answer(shop, done, Scores(5, 5, 5, 5, 10), customer="someone-else")


@pytest.mark.parametrize(
    ("scores", "field"),
    [
        (Scores(0, 5, 5, 5, 5), "speed"),
        (Scores(5, 6, 5, 5, 5), "attitude"),
        (Scores(5, 5, 0, 5, 5), "effectiveness"),
        (Scores(5, 5, 5, 6, 5), "process"),
        (Scores(5, 5, 5, 5, 11), "nps"),
        (Scores(5, 5, 5, 5, -1), "nps"),
    ],
)
def test_every_score_is_bounded(shop: Shop, scores: Scores, field: str) -> None:
    rma = _completed(shop)
    with pytest.raises(DomainError) as refused:
        _answer(shop, rma, scores)
    assert refused.value.field == field
    assert _answer(shop, rma, Scores(1, 1, 1, 1, 0)).scores.nps == 0  # bounds themselves pass


def test_completion_invites_once_through_the_outbox(shop: Shop) -> None:
    rma = _completed(shop)
    event = DomainEvent("return.completed", NOW, {"rma_no": rma})
    for _ in range(2):
        shop.run(lambda uow: service.invite_after_completion(cast(UnitOfWork, uow), event, NOW))
    invites = [m for m in shop.db.outbox if m.topic == service.INVITE_TOPIC]
    assert len(invites) == 1
    assert invites[0].payload["email"] == "c@example.com"
    assert invites[0].payload["phone"] == "13800000000"


def test_an_unfinished_request_is_not_invited(shop: Shop) -> None:
    rma = shop.file("SO-1").rma_no
    event = DomainEvent("return.completed", NOW, {"rma_no": rma})
    shop.run(lambda uow: service.invite_after_completion(cast(UnitOfWork, uow), event, NOW))
    assert not [m for m in shop.db.outbox if m.topic == service.INVITE_TOPIC]


def test_the_agent_is_the_last_person_who_handled_the_request() -> None:
    actors = ["customer:c-1", "agent:li", "warehouse:wh", "manager:zhao", "system"]
    assert agent_of(actors) == "manager:zhao"
    assert agent_of(["customer:c-1", "system", "auto"]) == ""


def test_nps_is_promoters_minus_detractors_in_percent() -> None:
    assert survey_queries.nps([10, 9, 8, 7, 6, 0]) == pytest.approx(0.0)
    assert survey_queries.nps([10, 9, 9, 6]) == pytest.approx(50.0)
    assert survey_queries.nps([0, 6, 7]) == pytest.approx(-66.7)
    assert survey_queries.nps([]) == 0.0


def test_the_report_groups_by_agent_and_merchant_in_the_period(shop: Shop) -> None:
    first = _completed(shop, "agent:li")
    second = _completed(shop, "agent:wang")
    _answer(shop, first, Scores(5, 5, 4, 4, 10))
    _answer(shop, second, Scores(3, 2, 2, 1, 3))
    with shop.uow() as uow:
        report = survey_queries.satisfaction(cast(UnitOfWork, uow), "agent")
        by_merchant = survey_queries.satisfaction(cast(UnitOfWork, uow), "merchant")
        empty = survey_queries.satisfaction(cast(UnitOfWork, uow), "agent", LATER + timedelta(1))
    assert [(line.key, line.answers, line.nps) for line in report.lines] == [
        ("agent:li", 1, 100.0),
        ("agent:wang", 1, -100.0),
    ]
    assert report.overall.speed == 4.0 and report.overall.process == 2.5
    assert report.overall.nps == 0.0
    assert [(line.key, line.answers) for line in by_merchant.lines] == [("m-1", 2)]
    assert empty.overall.answers == 0 and empty.lines == ()
