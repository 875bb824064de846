"""The conversation's rules (issue 13, R11.1): who writes, bounds, the customer's window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from returnflow.domain.canned_replies import GENERAL, REPLIES, replies_for
from returnflow.domain.conversations import (
    BODY_MAX,
    CUSTOMER_WINDOW,
    MAX_ATTACHMENTS,
    Attachment,
    AuthorKind,
    Thread,
    Writer,
    write,
)
from returnflow.domain.kinds import Reason
from returnflow.domain.text import DomainError

NOW = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
THREAD = Thread("RMA-1", "SO-1", "m-1", "c-1", None)
CUSTOMER = Writer("customer:c-1", customer_id="c-1")
AGENT = Writer("agent:li", "Li Na", 7, staff=True)
MERCHANT = Writer("merchant:acme", "Acme", 8, merchant_scope="m-1")
PHOTO = Attachment("0" * 32 + ".jpg", "a" * 64, 10)


def _refused(code: str, *args: object, **kwargs: object) -> DomainError:
    with pytest.raises(DomainError) as refused:
        write(*args, **kwargs)  # type: ignore[arg-type]
    assert refused.value.code == code
    assert refused.value.message.zh and refused.value.message.en
    return refused.value


def test_each_party_writes_as_its_kind() -> None:
    kinds = [write(w, THREAD, "你好", (), NOW).author.kind for w in (CUSTOMER, AGENT, MERCHANT)]
    assert kinds == [AuthorKind.CUSTOMER, AuthorKind.AGENT, AuthorKind.MERCHANT]
    relayed = write(Writer("integration:app", for_customer=True), THREAD, "hi", (), NOW)
    assert relayed.author.kind is AuthorKind.CUSTOMER


def test_another_customer_or_merchant_finds_nothing() -> None:
    _refused("return_not_found", Writer("customer:c-2", customer_id="c-2"), THREAD, "x", (), NOW)
    _refused("return_not_found", Writer("merchant:b", merchant_scope="m-2"), THREAD, "x", (), NOW)
    _refused("forbidden", Writer("warehouse:w"), THREAD, "x", (), NOW)


def test_body_is_one_to_two_thousand_characters_after_trimming() -> None:
    assert write(AGENT, THREAD, "  a  ", (), NOW).body == "a"
    assert len(write(AGENT, THREAD, "字" * BODY_MAX, (), NOW).body) == BODY_MAX
    _refused("message_empty", AGENT, THREAD, "   ", (), NOW)
    _refused("message_too_long", AGENT, THREAD, "字" * (BODY_MAX + 1), (), NOW)


def test_attachments_are_bounded_well_formed_and_not_repeated() -> None:
    photos = tuple(Attachment(f"{i:032x}.png", "b" * 64) for i in range(MAX_ATTACHMENTS))
    assert len(write(AGENT, THREAD, "x", photos, NOW).attachments) == MAX_ATTACHMENTS
    extra = (*photos, Attachment("f" * 32 + ".png", "b" * 64))
    _refused("too_many_attachments", AGENT, THREAD, "x", extra, NOW)
    _refused("attachment_repeated", AGENT, THREAD, "x", (PHOTO, PHOTO), NOW)
    _refused("photo_not_found", AGENT, THREAD, "x", (Attachment("../etc/passwd", "a" * 64),), NOW)
    _refused("photo_not_found", AGENT, THREAD, "x", (Attachment(PHOTO.name, "nothex"),), NOW)


def test_the_customer_may_write_until_ninety_days_after_the_end() -> None:
    ended = Thread("RMA-1", "SO-1", "m-1", "c-1", NOW)
    just_before = NOW + CUSTOMER_WINDOW - timedelta(seconds=1)
    assert write(CUSTOMER, ended, "还在吗", (), just_before).body == "还在吗"
    _refused("conversation_closed", CUSTOMER, ended, "还在吗", (), NOW + CUSTOMER_WINDOW)
    assert write(AGENT, ended, "follow-up", (), NOW + CUSTOMER_WINDOW * 3).body == "follow-up"


def test_posted_event_carries_the_contract() -> None:
    message = write(AGENT, THREAD, "hello " * 40, (PHOTO,), NOW)
    message.id = 42
    message.posted("m-1")
    (event,) = message.events
    assert event.name == "conversation.posted"
    assert event.data == {
        "rma_no": "RMA-1",
        "merchant_id": "m-1",
        "author_kind": "agent",
        "author_name": "Li Na",
        "message_id": 42,
    }
    assert len(message.excerpt) == 140 and message.excerpt.endswith("…")


def test_canned_replies_two_per_reason_in_both_languages() -> None:
    for reason in [GENERAL, *(r.value for r in Reason)]:
        own = [r for r in REPLIES if r.reason == reason]
        assert len(own) >= 2, reason
        for reply in own:
            assert reply.title.zh and reply.title.en and reply.body.zh and reply.body.en
            assert reply.body.zh != reply.body.en
    keys = [r.key for r in REPLIES]
    assert len(keys) == len(set(keys))


def test_canned_replies_put_the_reason_first_then_general() -> None:
    found = replies_for(Reason.QUALITY.value)
    assert [r.reason for r in found[:2]] == ["quality", "quality"]
    assert {r.reason for r in found[2:]} == {GENERAL}
    title, body = found[0].filled("en", "RMA-9")
    assert title == "Sorry about the fault" and "photos" in body
    _, general = replies_for(None)[0].filled("zh", "RMA-9")
    assert "RMA-9" in general and "{rma_no}" not in general
