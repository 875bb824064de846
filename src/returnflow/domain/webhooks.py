"""Outbound webhooks for integrators (R15.1): which events a subscription hears, its
secret, and how a delivery is retried.

A subscription names an event-type pattern: a family with a wildcard (`return.*`,
`refund.*`, `exchange.*`, `complaint.*`, `dispute.*`, `inventory.*`) or one exact event
name (`return.approved`). Each event a subscription hears becomes one delivery, retried
with exponential backoff until it is accepted (2xx) or `max_attempts` were spent.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from returnflow.domain.text import DomainError, Text

FAMILIES = ("return", "refund", "exchange", "complaint", "dispute", "inventory")
MAX_URL = 500
MAX_PATTERN = 80
MAX_DESCRIPTION = 200
SECRET_PREFIX = "whsec_"
_EXACT = re.compile(r"^[a-z]+(\.[a-z_]+)+$")


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    DELIVERED = "delivered"  # the subscriber answered 2xx
    FAILED = "failed"  # gave up after max_attempts; a replay sends it again


@dataclass(frozen=True)
class Subscription:
    id: int
    pattern: str
    url: str
    description: str
    active: bool
    created_by: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Delivery:
    """One event for one subscription, as the delivery log shows it."""

    id: int
    subscription_id: int
    outbox_id: int
    topic: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None


@dataclass(frozen=True)
class DueDelivery:
    """A claimed delivery with what the sender needs (the payload and the secret)."""

    id: int
    outbox_id: int
    topic: str
    payload: dict[str, Any]
    url: str
    secret: str
    attempts: int  # attempts made before this one


def parse_pattern(text: str) -> str:
    """`family.*` or an exact event name of one of the families; else refused."""
    pattern = text.strip().lower()
    family = pattern.split(".", 1)[0]
    valid = len(pattern) <= MAX_PATTERN and family in FAMILIES
    if valid and pattern != f"{family}.*" and not _EXACT.match(pattern):
        valid = False
    if not valid:
        raise DomainError(
            "webhook_pattern_invalid",
            Text(
                "事件类型须为 {families} 之一加“.*”，或一个确切的事件名（如 return.approved）",
                "The event type must be one of {families} followed by “.*”, or one exact "
                "event name (such as return.approved)",
            ).format(families=", ".join(FAMILIES)),
        )
    return pattern


# outbox topics that are commands to our own workers or words for the customer, not events
# an integrator hears: the survey invitation, a conversation's notice, reminders, a refund's
# submission to the gateway (R15.1 lists status, refund and inventory changes)
INTERNAL_TOPICS = frozenset(
    {"return.survey_invite", "return.message", "return.receipt_discrepancy", "refund.submit"}
)
INTERNAL_PREFIXES = ("return.reminder",)
# the customer's contact details stay with us (R14.1): integrators get numbers, not people
PERSONAL_KEYS = frozenset({"email", "phone", "name", "customer_name", "contact", "address"})


def is_integration_event(topic: str) -> bool:
    return topic not in INTERNAL_TOPICS and not topic.startswith(INTERNAL_PREFIXES)


def matches(pattern: str, topic: str) -> bool:
    if not is_integration_event(topic):
        return False
    if pattern.endswith(".*"):
        return topic.startswith(pattern[:-1])
    return topic == pattern


def public_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """What a subscriber receives: the event without the customer's contact details."""
    return {key: value for key, value in payload.items() if key not in PERSONAL_KEYS}


def parse_url(text: str) -> str:
    """An absolute http(s) address with a host; anything else is refused."""
    url = text.strip()
    parts = urlsplit(url)
    if len(url) > MAX_URL or parts.scheme not in ("http", "https") or not parts.hostname:
        raise DomainError(
            "webhook_url_invalid",
            Text(
                "接收地址须为完整的 http(s) 网址（不超过 {n} 个字符）",
                "The target must be a full http(s) address (at most {n} characters)",
            ).format(n=MAX_URL),
        )
    return url


def new_secret() -> str:
    """A fresh signing secret: 32 random bytes, never a default."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def backoff(attempts: int) -> timedelta:
    """After the n-th failed attempt: 30 s, 1 min, 2 min … capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


@dataclass(frozen=True)
class Outcome:
    status: DeliveryStatus
    next_attempt_at: datetime | None


def after_attempt(accepted: bool, attempts: int, max_attempts: int, now: datetime) -> Outcome:
    """What an attempt (the `attempts`-th) leaves: delivered, tried again later, or given up."""
    if accepted:
        return Outcome(DeliveryStatus.DELIVERED, None)
    if attempts >= max_attempts:
        return Outcome(DeliveryStatus.FAILED, None)
    return Outcome(DeliveryStatus.PENDING, now + backoff(attempts))


def accepted(status_code: int | None) -> bool:
    return status_code is not None and 200 <= status_code < 300
