"""Outbound webhooks (R15.1): subscriptions managed by administrators, deliveries
fanned out from the outbox, their outcomes recorded, and replays.

Service functions take `(uow, values, actor, now)` like the others; the HTTP call
itself is the worker's (jobs/webhooks.py), outside any transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from returnflow.domain.text import Text
from returnflow.domain.webhooks import (
    MAX_DESCRIPTION,
    Delivery,
    DueDelivery,
    Subscription,
    accepted,
    after_attempt,
    new_secret,
    parse_pattern,
    parse_url,
)
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class SubscriptionValues:
    pattern: str
    url: str
    description: str = ""


@dataclass(frozen=True)
class SubscriptionChange:
    pattern: str | None = None
    url: str | None = None
    description: str | None = None
    active: bool | None = None


@dataclass(frozen=True)
class Created:
    subscription: Subscription
    secret: str  # shown once, at creation


def subscription_not_found(subscription_id: int) -> NotFound:
    return NotFound(
        "webhook_subscription_not_found",
        Text("找不到订阅 {id}", "Webhook subscription {id} was not found").format(
            id=subscription_id
        ),
    )


def delivery_not_found(delivery_id: int) -> NotFound:
    return NotFound(
        "webhook_delivery_not_found",
        Text("找不到投递记录 {id}", "Webhook delivery {id} was not found").format(id=delivery_id),
    )


def create_subscription(
    uow: UnitOfWork, values: SubscriptionValues, actor: str, now: datetime
) -> Created:
    """A subscription with a fresh secret, generated here and returned only this once."""
    secret = new_secret()
    subscription = uow.webhooks.add(
        parse_pattern(values.pattern),
        parse_url(values.url),
        secret,
        values.description.strip()[:MAX_DESCRIPTION],
        actor,
        now,
    )
    return Created(subscription, secret)


def change_subscription(
    uow: UnitOfWork, subscription_id: int, change: SubscriptionChange, actor: str, now: datetime
) -> Subscription:
    current = uow.webhooks.get(subscription_id)
    if current is None:
        raise subscription_not_found(subscription_id)
    changed = replace(
        current,
        pattern=current.pattern if change.pattern is None else parse_pattern(change.pattern),
        url=current.url if change.url is None else parse_url(change.url),
        description=(
            current.description
            if change.description is None
            else change.description.strip()[:MAX_DESCRIPTION]
        ),
        active=current.active if change.active is None else change.active,
        updated_at=now,
    )
    uow.webhooks.change(changed)
    return changed


def delete_subscription(uow: UnitOfWork, subscription_id: int, actor: str, now: datetime) -> None:
    if uow.webhooks.get(subscription_id) is None:
        raise subscription_not_found(subscription_id)
    uow.webhooks.remove(subscription_id)


def replay(uow: UnitOfWork, delivery_id: int, actor: str, now: datetime) -> Delivery:
    """Send a delivery again (delivered or given up): it is next in its subscriber's line."""
    replayed = uow.webhooks.replay(delivery_id, now)
    if replayed is None:
        raise delivery_not_found(delivery_id)
    return replayed


# the worker's side


def fan_out(uow: UnitOfWork, now: datetime) -> int:
    """One delivery per (active subscription, matching event committed since)."""
    return uow.webhooks.fan_out(now)


def claim_due(uow: UnitOfWork, now: datetime, lease: timedelta) -> list[DueDelivery]:
    return uow.webhooks.claim_heads(now, lease)


def record_attempt(
    uow: UnitOfWork,
    due: DueDelivery,
    status_code: int | None,
    error: str | None,
    max_attempts: int,
    now: datetime,
) -> bool:
    """Store one attempt's outcome; True when the subscriber accepted it."""
    attempts = due.attempts + 1
    ok = accepted(status_code) and error is None
    outcome = after_attempt(ok, attempts, max_attempts, now)
    uow.webhooks.record(due.id, outcome, attempts, status_code, error, now)
    return ok
