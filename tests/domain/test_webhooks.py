"""Webhook rules (R15.1): which events a pattern hears, addresses, secrets, backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from returnflow.domain.text import DomainError
from returnflow.domain.webhooks import (
    DeliveryStatus,
    accepted,
    after_attempt,
    backoff,
    is_integration_event,
    matches,
    new_secret,
    parse_pattern,
    parse_url,
    public_payload,
)

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "pattern", ["return.*", "refund.*", "exchange.*", "complaint.*", "dispute.*", "inventory.*"]
)
def test_every_family_has_a_wildcard(pattern: str) -> None:
    assert parse_pattern(f"  {pattern.upper()} ") == pattern
    family = pattern[:-1]
    assert matches(pattern, family + "approved")
    assert not matches(pattern, "other." + family)


def test_an_exact_name_hears_only_itself() -> None:
    assert parse_pattern("return.approved") == "return.approved"
    assert matches("return.approved", "return.approved")
    assert not matches("return.approved", "return.approved_again")
    assert not matches("return.*", "returns.created")


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "*",
        "return",
        "return.",
        "carrier.*",
        "integration.shipment_requested",
        "return.**",
        "return.a b",
        "x" * 90,
        "return.*.x",
    ],
)
def test_other_patterns_are_refused(bad: str) -> None:
    with pytest.raises(DomainError) as refused:
        parse_pattern(bad)
    assert refused.value.code == "webhook_pattern_invalid"
    assert "return.approved" in refused.value.message.en


@pytest.mark.parametrize(
    "bad", ["", "ftp://x.example/hook", "http://", "/relative", "x" * 10, "https://" + "a" * 600]
)
def test_only_full_http_addresses(bad: str) -> None:
    with pytest.raises(DomainError) as refused:
        parse_url(bad)
    assert refused.value.code == "webhook_url_invalid"
    assert parse_url(" https://erp.example.com/hooks ") == "https://erp.example.com/hooks"


def test_secrets_are_fresh_and_long() -> None:
    first, second = new_secret(), new_secret()
    assert first != second and first.startswith("whsec_") and len(first) > 40


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(30) == timedelta(hours=1)


def test_an_attempt_delivers_retries_or_gives_up() -> None:
    assert after_attempt(True, 3, 5, NOW).status is DeliveryStatus.DELIVERED
    retry = after_attempt(False, 2, 5, NOW)
    assert (retry.status, retry.next_attempt_at) == (DeliveryStatus.PENDING, NOW + backoff(2))
    assert after_attempt(False, 4, 5, NOW).status is DeliveryStatus.PENDING
    gave_up = after_attempt(False, 5, 5, NOW)
    assert (gave_up.status, gave_up.next_attempt_at) == (DeliveryStatus.FAILED, None)


def test_only_2xx_is_accepted() -> None:
    assert [accepted(code) for code in (200, 204, 299, 300, 404, 500, None)] == [
        True,
        True,
        True,
        False,
        False,
        False,
        False,
    ]


def test_commands_and_customer_words_are_not_integration_events() -> None:
    assert is_integration_event("return.approved") and is_integration_event("refund.paid")
    for topic in ("return.survey_invite", "return.message", "refund.submit"):
        assert not is_integration_event(topic) and not matches("return.*", topic)
        assert not matches(topic, topic)
    assert not matches("return.*", "return.reminder.ship_by")
    assert matches("return.*", "return.received")


def test_a_subscriber_gets_the_event_without_the_customers_contact_details() -> None:
    payload = {"rma_no": "RMA1", "email": "a@example.com", "phone": "13800000000", "amount": 5}
    assert public_payload(payload) == {"rma_no": "RMA1", "amount": 5}
