"""Staff and merchant notifications on the in-memory unit of work (issue 13)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import cast

import pytest

from returnflow.domain.access import Principal, Role
from returnflow.domain.events import DomainEvent
from returnflow.domain.kinds import Reason
from returnflow.domain.returns import ReturnLine
from returnflow.domain.staff_notice_words import drafts_for
from returnflow.domain.staff_notices import Kind, local_time
from returnflow.domain.text import DomainError
from returnflow.services import staff_notice_handlers as handlers
from returnflow.services import staff_notices as service
from returnflow.services.errors import NotFound
from returnflow.services.timers import TimerRules
from returnflow.services.unit_of_work import UnitOfWork
from tests.domain.builders import make_line, make_order
from tests.services.conftest import NOW, Shop
from tests.support.fake_staff_notices import committed
from tests.support.fake_uow import FakeUnitOfWork

MERCHANT = Principal(1, "babycare", "Babycare", Role.MERCHANT, "m-babycare")
COLLEAGUE = Principal(2, "babycare-2", "Babycare 2", Role.MERCHANT, "m-babycare")
OTHER_MERCHANT = Principal(3, "acme", "Acme", Role.MERCHANT, "m-acme")
AGENT = Principal(4, "li", "Li", Role.AGENT)
MANAGER = Principal(5, "wu", "Wu", Role.MANAGER)
FILED = {
    "rma_no": "RMA-1",
    "order_no": "SO-1",
    "merchant_id": "m-babycare",
    "status": "pending_review",
}
RULES = TimerRules(review_days=5, inspection_due_days=2, inspection_timeout_days=10)
TICK = timedelta(microseconds=1)


def _uow(uow: FakeUnitOfWork) -> UnitOfWork:
    return cast(UnitOfWork, uow)


def _notify(shop: Shop, name: str, data: Mapping[str, object]) -> list[int]:
    return shop.run(lambda uow: service.notify(_uow(uow), drafts_for(name, data), NOW))


def _page(shop: Shop, who: Principal, **options: bool) -> tuple[list[str], int]:
    with shop.uow() as uow:
        found = service.notices_for(_uow(uow), who, **options)
    return [n.subject.en for n in found.notices], found.unread


def test_a_notification_is_made_once_and_a_merchants_is_mailed_through_the_outbox() -> None:
    shop = Shop()
    committed(shop.db)["mailed"] = {"m-babycare"}  # an account of it gave an address
    assert len(_notify(shop, "return.created", FILED)) == 1
    assert _notify(shop, "return.created", FILED) == []  # a retried handler: nothing new
    mails = [m for m in shop.db.outbox if m.topic == service.MAIL_TOPIC]
    assert len(mails) == 1 and mails[0].payload["merchant_id"] == "m-babycare"
    _notify(shop, "complaint.breached", {"complaint_no": "CP-1", "deadline": "respond"})
    assert len([m for m in shop.db.outbox if m.topic == service.MAIL_TOPIC]) == 1  # staff: no mail
    _notify(shop, "return.created", {**FILED, "rma_no": "RMA-2", "merchant_id": "m-acme"})
    assert len([m for m in shop.db.outbox if m.topic == service.MAIL_TOPIC]) == 1  # no address


def test_each_account_sees_what_is_addressed_to_it_its_role_or_its_merchant() -> None:
    shop = Shop()
    _notify(shop, "return.created", FILED)
    _notify(shop, "appeal.filed", {"rma_no": "RMA-1", "subject": "rejection", "occurred_at": "t"})
    new = "New request RMA-1 is waiting for your review"
    assert _page(shop, MERCHANT) == ([new], 1)
    assert _page(shop, COLLEAGUE) == ([new], 1)
    assert _page(shop, OTHER_MERCHANT) == ([], 0)
    assert _page(shop, AGENT) == (["Appeal filed on request RMA-1"], 1)
    assert _page(shop, MANAGER) == ([], 0)


def test_reads_are_per_account_and_someone_elses_notification_is_not_found() -> None:
    shop = Shop()
    [notice_id] = _notify(shop, "return.created", FILED)
    opened = shop.run(lambda uow: service.mark_read(_uow(uow), MERCHANT, notice_id, NOW))
    assert opened.kind is Kind.REQUEST_FILED and opened.link == "/staff/returns/RMA-1"
    assert _page(shop, MERCHANT)[1] == 0
    assert _page(shop, COLLEAGUE)[1] == 1  # still unread for the other account
    assert _page(shop, COLLEAGUE, unread_only=True)[0] != []
    with pytest.raises(NotFound):
        shop.run(lambda uow: service.mark_read(_uow(uow), OTHER_MERCHANT, notice_id, NOW))


def test_mark_all_read_marks_what_the_account_sees() -> None:
    shop = Shop()
    _notify(shop, "return.created", FILED)
    _notify(shop, "return.created", {**FILED, "rma_no": "RMA-2"})
    assert shop.run(lambda uow: service.mark_all_read(_uow(uow), MERCHANT, NOW)) == 2
    assert _page(shop, MERCHANT) == (
        [
            "New request RMA-2 is waiting for your review",
            "New request RMA-1 is waiting for your review",
        ],
        0,
    )
    assert _page(shop, MERCHANT, unread_only=True) == ([], 0)
    assert shop.run(lambda uow: service.mark_all_read(_uow(uow), MERCHANT, NOW)) == 0


def test_the_bus_handler_turns_an_event_into_its_notifications() -> None:
    shop = Shop()
    event = DomainEvent("approval.requested", NOW, {"kind": "refund", "subject": "RMA-1"})
    shop.run(lambda uow: handlers.notify_staff(_uow(uow), event, NOW))
    shop.run(lambda uow: handlers.notify_staff(_uow(uow), event, NOW))  # retried
    assert _page(shop, MANAGER) == (["Amount waiting for approval: RMA-1"], 1)
    assert _page(shop, AGENT) == ([], 0)


def test_an_address_is_checked_before_it_is_kept() -> None:
    shop = Shop()
    assert shop.run(lambda uow: service.set_email(_uow(uow), 1, " ops@babycare.example")) == (
        "ops@babycare.example"
    )
    with pytest.raises(DomainError):
        shop.run(lambda uow: service.set_email(_uow(uow), 1, "ops at babycare"))


def test_the_merchant_is_warned_once_from_24_hours_before_approval_by_silence() -> None:
    shop = Shop()
    shop.add_orders(make_order(make_line(quantity=2, category="electronics")))
    rma = shop.file("SO-1", (ReturnLine(1, 1, Reason.QUALITY, "屏幕有坏点"),)).rma_no
    owner = Principal(9, "m1", "M1", Role.MERCHANT, "m-1")  # the builder's merchant
    due = NOW + timedelta(days=5)
    warn_from = due - timedelta(hours=24)

    def warn(at: datetime) -> bool:
        return shop.run(lambda uow: handlers.warn_review_due(_uow(uow), rma, RULES, at), at)

    assert not warn(warn_from - TICK)
    assert _page(shop, owner) == ([], 0)
    assert warn(warn_from)
    assert not warn(warn_from + timedelta(hours=1))  # once per wait
    assert _page(shop, owner) == ([f"Answer {rma} by {local_time(due)}"], 1)
    assert not warn(due)  # approved by silence at the deadline: no warning then
