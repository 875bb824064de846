"""Posting and reading a request's conversation on the in-memory unit of work (R11.1)."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

import pytest

from returnflow.domain.access import Principal, Role
from returnflow.domain.conversations import Attachment, AuthorKind, Writer
from returnflow.domain.lifecycle import Action
from returnflow.domain.text import DomainError
from returnflow.notify.notices import render_notice
from returnflow.services import conversations as service
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import UnitOfWork
from tests.domain.builders import make_line, make_order
from tests.services.conftest import NOW, Shop

CONTACT = {"name": "王小明", "email": "c@example.com", "phone": "13800000000"}
FRESH = Attachment("1" * 32 + ".jpg", "c" * 64, 99)


@pytest.fixture
def shop() -> Shop:
    shop = Shop()
    shop.add_orders(make_order(make_line(quantity=2)))
    return shop


def _post(
    shop: Shop, rma: str, writer: Writer, body: str = "你好", **values: object
) -> service.Posted:
    post = service.Post(body, **values)  # type: ignore[arg-type]
    return shop.run(lambda uow: service.post(cast(UnitOfWork, uow), rma, post, writer, NOW))


def _principal(role: Role, merchant_id: str | None = None) -> Principal:
    return Principal(3, f"{role.value}-user", "Li Na", role, merchant_id)


def test_a_staff_message_tells_the_customer_and_raises_posted(shop: Shop) -> None:
    rma = shop.file("SO-1", contact=CONTACT).rma_no
    posted = _post(shop, rma, service.writer_for(_principal(Role.AGENT)), "请补充照片")
    assert posted.message.author.kind is AuthorKind.AGENT and posted.message.id == 1
    (notice,) = [m for m in shop.db.outbox if m.topic == "return.message"]
    assert notice.payload["customer_id"] == shop.stored(rma).customer_id
    assert (notice.payload["rma_no"], notice.payload["email"]) == (rma, "c@example.com")
    assert notice.payload["note"] == "请补充照片"
    words = render_notice("return.message", notice.payload)
    assert words is not None and "请补充照片" in words[1].zh and rma in words[0].en
    (event,) = [e for e in shop.db.published if e.name == "conversation.posted"]
    assert event.data["author_kind"] == "agent" and event.data["message_id"] == 1
    assert "conversation.posted" in shop.db.topics()


def test_a_customer_message_is_not_sent_back_to_them(shop: Shop) -> None:
    rma = shop.file("SO-1", contact=CONTACT).rma_no
    customer = shop.stored(rma).customer_id
    posted = _post(shop, rma, service.customer_writer(customer), "什么时候退款？")
    assert posted.message.author.name == "王小明"  # the contact's name
    assert "return.message" not in shop.db.topics()
    assert [e.data["author_kind"] for e in shop.db.published if e.name.startswith("conv")] == [
        "customer"
    ]


def test_merchants_and_other_customers_see_only_their_own(shop: Shop) -> None:
    rma = shop.file("SO-1").rma_no
    other = service.writer_for(_principal(Role.MERCHANT, "m-other"))
    with pytest.raises(NotFound):
        _post(shop, rma, other)
    with pytest.raises(NotFound):
        _post(shop, rma, service.customer_writer("c-somebody-else"))
    own = service.writer_for(_principal(Role.MERCHANT, shop.stored(rma).merchant_id))
    assert _post(shop, rma, own).message.author.kind is AuthorKind.MERCHANT
    with pytest.raises(DomainError) as refused:
        service.writer_for(_principal(Role.MERCHANT, "m-1"), as_customer=True)
    assert refused.value.code == "forbidden"


def test_the_integration_posts_for_its_customer(shop: Shop) -> None:
    rma = shop.file("SO-1", contact=CONTACT).rma_no
    writer = service.writer_for(_principal(Role.INTEGRATION))
    assert _post(shop, rma, writer).message.author.kind is AuthorKind.CUSTOMER


def test_one_submission_posts_once(shop: Shop) -> None:
    rma = shop.file("SO-1", contact=CONTACT).rma_no
    agent = service.writer_for(_principal(Role.AGENT))
    first = _post(shop, rma, agent, submission="form-1")
    again = _post(shop, rma, agent, "changed", submission="form-1")
    assert (again.again, again.message.id, again.message.body) == (True, first.message.id, "你好")
    assert shop.db.topics().count("return.message") == 1


def test_named_photos_must_be_on_this_request(shop: Shop) -> None:
    own_photo = "a" * 32 + ".jpg"
    rma = shop.file("SO-1", photos=(own_photo,)).rma_no
    agent = service.writer_for(_principal(Role.AGENT))
    reused = (Attachment(own_photo, "d" * 64),)
    assert _post(shop, rma, agent, reused=reused).message.attachments == reused
    stranger = (Attachment("b" * 32 + ".jpg", "d" * 64),)  # recorded nowhere: not given
    with pytest.raises(DomainError) as refused:
        _post(shop, rma, agent, reused=stranger)
    assert refused.value.code == "photo_not_found"
    posted = _post(shop, rma, agent, uploaded=(FRESH,))
    assert posted.message.attachments == (FRESH,)
    again = (Attachment(FRESH.name, FRESH.sha256),)  # an earlier message's photo
    assert _post(shop, rma, agent, reused=again).message.attachments == again


def test_the_thread_reads_oldest_first_in_pages(shop: Shop) -> None:
    rma = shop.file("SO-1").rma_no
    agent = service.writer_for(_principal(Role.AGENT))
    for n in range(3):
        _post(shop, rma, agent, f"m{n}")
    page = shop.run(lambda uow: service.read_thread(cast(UnitOfWork, uow), rma, agent, NOW, 2, 2))
    assert ([m.body for m in page.items], page.total, page.reason) == (["m2"], 3, "no_reason")
    assert page.customer_may_write


def test_the_customer_window_closes_ninety_days_after_the_end(shop: Shop) -> None:
    rma = shop.file("SO-1").rma_no
    shop.step(rma, Action.CANCEL, actor="agent:li")
    customer = service.customer_writer(shop.stored(rma).customer_id)
    ended = shop.stored(rma).history[-1].at
    late = ended + timedelta(days=90)
    post = service.Post("还能退吗？")
    with pytest.raises(DomainError) as refused:
        shop.run(lambda uow: service.post(cast(UnitOfWork, uow), rma, post, customer, late))
    assert refused.value.code == "conversation_closed"
    before = late - timedelta(seconds=1)
    stored = shop.run(lambda uow: service.post(cast(UnitOfWork, uow), rma, post, customer, before))
    assert stored.message.body == "还能退吗？"
    page = shop.run(lambda uow: service.read_thread(cast(UnitOfWork, uow), rma, customer, late))
    assert not page.customer_may_write


def test_canned_replies_refuse_an_unknown_reason() -> None:
    assert service.canned_replies("quality")[0].reason == "quality"
    with pytest.raises(DomainError) as refused:
        service.canned_replies("gibberish")
    assert refused.value.code == "reason_unknown"
