"""Complaint use cases on the in-memory unit of work (R8.1, R8.2, R8.5): filing with the
classifier's suggestion, the order or RMA checked, key accounts, handling, breaches,
corrections kept as training data, the satisfaction invitation, the queue."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

import pytest

from returnflow.config import Settings
from returnflow.domain.complaints import Complaint
from returnflow.domain.text import DomainError
from returnflow.services import complaint_queries as queries
from returnflow.services import complaints as service
from returnflow.services.classifying import LabelledText, Suggestion
from returnflow.services.errors import Conflict, NotFound
from returnflow.services.unit_of_work import UnitOfWork
from tests.domain.builders import make_order
from tests.services.conftest import NOW, Shop
from tests.support.fake_complaints import committed, key_accounts
from tests.support.fake_uow import FakeUnitOfWork

T = TypeVar("T")
HOUR = timedelta(hours=1)
AGENT = "agent:li"
RULES = replace(
    service.ComplaintRules.from_settings(Settings(database_url="sqlite://")),
    key_account_team="vip_desk",
)


class FixedClassifier:
    """A stand-in: logistics when the words mention a parcel, else product quality."""

    def __init__(self) -> None:
        self.learned: list[LabelledText] = []

    def suggest(self, text: str) -> Suggestion:
        if "parcel" in text or "快递" in text:
            return Suggestion("logistics", 0.83, "urgent", 0.7)
        return Suggestion("product_quality", 0.55, "ordinary", 0.6)

    def learn(self, corrections: Iterable[LabelledText]) -> None:
        self.learned = list(corrections)


class BrokenClassifier(FixedClassifier):
    def suggest(self, text: str) -> Suggestion:
        return Suggestion("weather", 7.0, "asap", 1.0)


@pytest.fixture
def shop() -> Shop:
    shop = Shop()
    shop.add_orders(make_order(), make_order(order_no="SO-2", merchant_id="m-2"))
    return shop


def work(shop: Shop, step: Callable[[UnitOfWork], T], now: datetime = NOW) -> T:
    def run(uow: FakeUnitOfWork) -> T:
        return step(cast(UnitOfWork, uow))

    return shop.run(run, now)


def file(
    shop: Shop,
    text: str = "快递三天没动 / parcel stuck",
    *,
    now: datetime = NOW,
    classifier: FixedClassifier | None = None,
    **given: str,
) -> Complaint:
    filing = service.ComplaintFiling(channel=given.pop("channel", "hotline"), text=text, **given)
    return work(
        shop,
        lambda uow: service.file_complaint(
            uow, filing, AGENT, now, classifier or FixedClassifier(), RULES
        ),
        now,
    )


def stored(shop: Shop, no: str) -> Complaint:
    return committed(shop.db)[no]


# --- filing -------------------------------------------------------------------------------


def test_filing_takes_the_suggestion_and_starts_both_clocks(shop: Shop) -> None:
    c = file(shop, order_no="SO-1")
    assert c.complaint_no.startswith("CP20260303-") and len(c.complaint_no) == 17
    kept = stored(shop, c.complaint_no)
    assert (kept.category.value, kept.urgency.value, kept.category_confidence) == (
        "logistics",
        "urgent",
        0.83,
    )
    assert kept.first_response_due_at == NOW + HOUR
    assert kept.resolve_due_at == NOW + 48 * HOUR  # config's logistics hours
    assert (kept.customer_id, kept.merchant_id) == ("c-1", "m-1")
    assert kept.contact_email == "xiaoming@example.com"  # from the order
    assert "complaint.filed" in shop.db.topics()


def test_numbers_are_sequential(shop: Shop) -> None:
    first, second = file(shop), file(shop)
    assert int(second.complaint_no[-6:]) == int(first.complaint_no[-6:]) + 1


def test_a_given_category_and_urgency_win_over_the_suggestion(shop: Shop) -> None:
    c = file(shop, category="account", urgency="ordinary")
    kept = stored(shop, c.complaint_no)
    assert (kept.category.value, kept.urgency.value, kept.category_confidence) == (
        "account",
        "ordinary",
        1.0,
    )
    assert kept.suggested.category is not None and kept.suggested.category.value == "logistics"
    assert kept.suggested.confidence == 0.83
    assert kept.first_response_due_at == NOW + 24 * HOUR


def test_a_classifier_saying_nonsense_is_not_trusted(shop: Shop) -> None:
    c = file(shop, classifier=BrokenClassifier())
    assert (c.category.value, c.urgency.value, c.category_confidence) == ("other", "ordinary", 0)


def test_an_rma_names_its_order(shop: Shop) -> None:
    rma_no = shop.file("SO-1").rma_no
    c = file(shop, rma_no=rma_no)
    assert (c.order_no, c.rma_no, c.customer_id, c.merchant_id) == ("SO-1", rma_no, "c-1", "m-1")


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ({"order_no": "SO-404"}, "order_not_found"),
        ({"rma_no": "RMA404"}, "return_not_found"),
        ({"order_no": "SO-1", "customer_id": "c-other"}, "order_not_found"),
        ({"channel": "pigeon"}, "complaint_channel_unknown"),
        ({"category": "weather"}, "complaint_category_unknown"),
        ({"urgency": "asap"}, "complaint_urgency_unknown"),
    ],
)
def test_unknown_or_foreign_references_are_refused(
    shop: Shop, given: dict[str, str], code: str
) -> None:
    with pytest.raises(DomainError) as refused:
        file(shop, **cast(dict[str, Any], given))
    assert refused.value.code == code
    assert committed(shop.db) == {}


def test_an_rma_of_another_customer_or_order_is_refused(shop: Shop) -> None:
    rma_no = shop.file("SO-1").rma_no
    with pytest.raises(NotFound):
        file(shop, rma_no=rma_no, customer_id="c-other")
    with pytest.raises(DomainError) as mismatch:
        file(shop, rma_no=rma_no, order_no="SO-2")
    assert mismatch.value.code == "complaint_order_mismatch"


def test_key_account_customers_go_to_their_team(shop: Shop) -> None:
    assert file(shop, order_no="SO-1").team == ""
    key_accounts(shop.db).add("c-1")
    assert file(shop, order_no="SO-1").team == "vip_desk"


def test_too_long_words_are_refused(shop: Shop) -> None:
    with pytest.raises(DomainError) as refused:
        file(shop, text="字" * (service.MAX_TEXT + 1))
    assert refused.value.code == "complaint_text_too_long"


# --- handling ------------------------------------------------------------------------------


def test_respond_escalate_resolve_reopen(shop: Shop) -> None:
    no = file(shop, order_no="SO-1").complaint_no
    work(shop, lambda uow: service.respond(uow, no, "在查 / checking", AGENT, NOW + HOUR / 2))
    work(shop, lambda uow: service.escalate(uow, no, "需要经理", AGENT, NOW + HOUR))
    work(shop, lambda uow: service.resolve(uow, no, "已补发 / resent", AGENT, NOW + 2 * HOUR))
    kept = stored(shop, no)
    assert (kept.status.value, kept.first_responded_at) == ("resolved", NOW + HOUR / 2)
    invites = [m for m in shop.db.outbox if m.topic == service.SATISFACTION_INVITE]
    assert [m.payload for m in invites] == [
        {
            "complaint_no": no,
            "customer_id": "c-1",
            "email": "xiaoming@example.com",
            "resolved_at": (NOW + 2 * HOUR).isoformat(),
        }
    ]
    later = NOW + 10 * HOUR
    work(
        shop,
        lambda uow: service.reopen(
            uow, no, "又坏了", "customer:c-1", later, rules=RULES, customer_id="c-1"
        ),
    )
    kept = stored(shop, no)
    assert (kept.status.value, kept.resolve_due_at) == ("reopened", later + 48 * HOUR)
    assert [h.action for h in kept.history] == [
        "filed",
        "respond",
        "escalate",
        "resolve",
        "reopen",
    ]


def test_a_step_the_status_does_not_allow_is_a_conflict(shop: Shop) -> None:
    no = file(shop).complaint_no
    with pytest.raises(Conflict) as refused:
        work(shop, lambda uow: service.reopen(uow, no, "why", AGENT, NOW, rules=RULES))
    assert refused.value.code == "complaint_step_not_allowed"


def test_someone_elses_complaint_cannot_be_reopened_or_rated(shop: Shop) -> None:
    no = file(shop, order_no="SO-1").complaint_no
    work(shop, lambda uow: service.resolve(uow, no, "done", AGENT, NOW))
    with pytest.raises(NotFound):
        work(
            shop, lambda uow: service.reopen(uow, no, "x", "c", NOW, rules=RULES, customer_id="c-9")
        )
    with pytest.raises(NotFound):
        work(shop, lambda uow: service.rate(uow, no, 5, "", "c-9", NOW))


def test_merchants_handle_only_complaints_about_their_orders(shop: Shop) -> None:
    no = file(shop, order_no="SO-2").complaint_no
    with pytest.raises(NotFound) as hidden:
        work(
            shop,
            lambda uow: service.respond(uow, no, "hi", "merchant:a", NOW, merchant_scope="m-1"),
        )
    assert hidden.value.code == "complaint_not_found"
    work(shop, lambda uow: service.respond(uow, no, "hi", "merchant:b", NOW, merchant_scope="m-2"))


def test_classify_keeps_corrections_as_training_data(shop: Shop) -> None:
    no = file(shop).complaint_no  # suggested logistics/urgent
    work(
        shop, lambda uow: service.classify(uow, no, "logistics", "urgent", AGENT, NOW, rules=RULES)
    )
    assert work(shop, service.training_corrections) == []  # a confirmation is no correction
    work(
        shop, lambda uow: service.classify(uow, no, "account", "ordinary", AGENT, NOW, rules=RULES)
    )
    kept = stored(shop, no)
    assert (kept.category.value, kept.resolve_due_at) == ("account", NOW + 24 * HOUR)
    assert work(shop, service.training_corrections) == [
        LabelledText(kept.text, "account", "ordinary")
    ]
    with pytest.raises(DomainError) as bad:
        work(
            shop,
            lambda uow: service.classify(uow, no, "weather", "urgent", AGENT, NOW, rules=RULES),
        )
    assert bad.value.code == "complaint_category_unknown"


def test_flag_routes_to_risk(shop: Shop) -> None:
    no = file(shop).complaint_no
    work(shop, lambda uow: service.flag(uow, no, "abnormal_order", "20 单同地址", AGENT, NOW))
    kept = stored(shop, no)
    assert (kept.flag and kept.flag.value, kept.routed_to) == ("abnormal_order", "risk")
    assert "complaint.flagged" in shop.db.topics()
    with pytest.raises(DomainError):
        work(shop, lambda uow: service.flag(uow, no, "nonsense", "", AGENT, NOW))


def test_rating_once_after_resolution(shop: Shop) -> None:
    no = file(shop, order_no="SO-1").complaint_no
    with pytest.raises(DomainError) as early:
        work(shop, lambda uow: service.rate(uow, no, 5, "", "c-1", NOW))
    assert early.value.code == "complaint_not_resolved"
    work(shop, lambda uow: service.resolve(uow, no, "done", AGENT, NOW))
    work(shop, lambda uow: service.rate(uow, no, 4, "不错", "c-1", NOW + HOUR))
    satisfaction = stored(shop, no).satisfaction
    assert satisfaction is not None and (satisfaction.score, satisfaction.comment) == (4, "不错")
    with pytest.raises(Conflict) as twice:
        work(shop, lambda uow: service.rate(uow, no, 1, "", "c-1", NOW + HOUR))
    assert twice.value.code == "complaint_already_rated"


# --- breaches and the queue -----------------------------------------------------------------


def test_flag_breaches_marks_each_clock_once_at_its_boundary(shop: Shop) -> None:
    urgent = file(shop).complaint_no  # urgent: first response due at +1 h
    ordinary = file(shop, "商品有划痕").complaint_no  # ordinary: +24 h
    assert work(shop, lambda uow: service.flag_breaches(uow, NOW + HOUR - HOUR / 3600)) == 0
    assert work(shop, lambda uow: service.flag_breaches(uow, NOW + HOUR), NOW + HOUR) == 1
    assert work(shop, lambda uow: service.flag_breaches(uow, NOW + HOUR), NOW + HOUR) == 0
    kept = stored(shop, urgent)
    assert (kept.status.value, kept.escalated_to) == ("escalated", "manager")
    assert kept.first_response_breached_at == NOW + HOUR
    assert stored(shop, ordinary).first_response_breached_at is None
    assert "complaint.breached" in shop.db.topics()


def test_the_queue_puts_the_least_time_left_first(shop: Shop) -> None:
    ordinary = file(shop, "商品有划痕").complaint_no  # +24 h
    urgent = file(shop).complaint_no  # +1 h
    done = file(shop, "again").complaint_no
    work(shop, lambda uow: service.resolve(uow, done, "ok", AGENT, NOW))
    later = NOW + 2 * HOUR
    work(shop, lambda uow: service.flag_breaches(uow, later), later)
    page = work(shop, lambda uow: queries.queue(uow, later))
    assert [s.complaint_no for s in page.items] == [urgent, ordinary, done]
    first = page.items[0]
    assert first.breached and first.time_left == -HOUR and first.status == "escalated"
    assert page.items[2].time_left is None
    breached = work(shop, lambda uow: queries.queue(uow, later, breached=True))
    assert [s.complaint_no for s in breached.items] == [urgent]
    assert work(shop, lambda uow: queries.queue(uow, later, status="resolved")).total == 1
    paged = work(shop, lambda uow: queries.queue(uow, later, page=2, per_page=2))
    assert ([s.complaint_no for s in paged.items], paged.total, paged.pages) == ([done], 3, 2)


def test_merchants_see_only_their_orders_complaints(shop: Shop) -> None:
    mine = file(shop, order_no="SO-1").complaint_no
    theirs = file(shop, order_no="SO-2").complaint_no
    page = work(shop, lambda uow: queries.queue(uow, NOW, merchant_scope="m-1"))
    assert [s.complaint_no for s in page.items] == [mine]
    with pytest.raises(NotFound):
        work(shop, lambda uow: queries.detail(uow, theirs, NOW, merchant_scope="m-1"))


def test_detail_and_the_customers_own_list(shop: Shop) -> None:
    first = file(shop, order_no="SO-1", now=NOW).complaint_no
    second = file(shop, order_no="SO-1", now=NOW + HOUR).complaint_no
    found = work(shop, lambda uow: queries.detail(uow, first, NOW, customer_id="c-1"))
    assert found.summary.complaint_no == first and found.history[0].action == "filed"
    assert found.suggested_category == "logistics" and found.actions_open[0] == "respond"
    assert not found.can_rate
    mine = work(shop, lambda uow: queries.for_customer(uow, "c-1", NOW + HOUR))
    assert [s.complaint_no for s in mine] == [second, first]
    assert work(shop, lambda uow: queries.for_customer(uow, "c-9", NOW)) == ()
