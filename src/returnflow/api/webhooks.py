"""Outbound webhooks (R15.1): administrators subscribe integrators to event types,
read the delivery log and replay a delivery.

The secret is generated here, on creation, and answered only then (`secret` in the
201); it signs every delivery (see jobs/webhooks.py for the headers and the body).
Bad patterns or addresses are 422 problems, unknown ids 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from returnflow.api import schemas
from returnflow.api.roles import Admin
from returnflow.domain.webhooks import (
    MAX_DESCRIPTION,
    MAX_PATTERN,
    MAX_URL,
    Delivery,
    DeliveryStatus,
    Subscription,
)
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.steps import perform
from returnflow.services import webhook_queries
from returnflow.services import webhooks as webhook_service
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]  # bounded: no overflow on PostgreSQL


class SubscriptionIn(schemas.Strict):
    event_type: str = Field(min_length=1, max_length=MAX_PATTERN, examples=["return.*"])
    url: str = Field(min_length=1, max_length=MAX_URL)
    description: str = Field(default="", max_length=MAX_DESCRIPTION)


class SubscriptionPatch(schemas.Strict):
    event_type: str | None = Field(default=None, min_length=1, max_length=MAX_PATTERN)
    url: str | None = Field(default=None, min_length=1, max_length=MAX_URL)
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)
    active: bool | None = None


class SubscriptionOut(BaseModel):
    id: int
    event_type: str
    url: str
    description: str
    active: bool
    created_by: str
    created_at: datetime
    updated_at: datetime


class CreatedOut(SubscriptionOut):
    secret: str  # shown this once: store it to verify signatures


class SubscriptionListOut(BaseModel):
    items: list[SubscriptionOut]


class DeliveryOut(BaseModel):
    id: int
    subscription_id: int
    event_id: str
    event_type: str
    status: str  # pending | delivered | failed
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None


class DeliveryPageOut(BaseModel):
    items: list[DeliveryOut]
    total: int
    page: int
    page_size: int


def subscription_out(found: Subscription) -> SubscriptionOut:
    return SubscriptionOut(
        id=found.id,
        event_type=found.pattern,
        url=found.url,
        description=found.description,
        active=found.active,
        created_by=found.created_by,
        created_at=found.created_at,
        updated_at=found.updated_at,
    )


def delivery_out(found: Delivery) -> DeliveryOut:
    return DeliveryOut(
        id=found.id,
        subscription_id=found.subscription_id,
        event_id=f"evt_{found.outbox_id}",
        event_type=found.topic,
        status=found.status.value,
        attempts=found.attempts,
        next_attempt_at=found.next_attempt_at,
        last_status_code=found.last_status_code,
        last_error=found.last_error,
        created_at=found.created_at,
        last_attempt_at=found.last_attempt_at,
        delivered_at=found.delivered_at,
    )


@router.post("/subscriptions", status_code=201, response_model=CreatedOut)
def create_subscription(body: SubscriptionIn, context: Context, principal: Admin) -> CreatedOut:
    """Subscribe a URL to `return.*`, `refund.*`, … or one exact event type."""
    values = webhook_service.SubscriptionValues(body.event_type, body.url, body.description)

    def step(uow: UnitOfWork, now: datetime) -> CreatedOut:
        created = webhook_service.create_subscription(uow, values, principal.actor, now)
        shown = subscription_out(created.subscription)
        return CreatedOut(**shown.model_dump(), secret=created.secret)

    return perform(context, step)


@router.get("/subscriptions", response_model=SubscriptionListOut)
def list_subscriptions(context: Context, principal: Admin) -> SubscriptionListOut:
    with context.uow() as uow:
        found = webhook_queries.subscriptions(uow)
    return SubscriptionListOut(items=[subscription_out(item) for item in found])


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionOut)
def read_subscription(subscription_id: Id, context: Context, principal: Admin) -> SubscriptionOut:
    return perform(
        context,
        lambda uow, now: subscription_out(webhook_queries.subscription(uow, subscription_id)),
    )


@router.patch("/subscriptions/{subscription_id}", response_model=SubscriptionOut)
def change_subscription(
    subscription_id: Id, body: SubscriptionPatch, context: Context, principal: Admin
) -> SubscriptionOut:
    """Change the event type, the URL or the description; `active: false` pauses it."""
    change = webhook_service.SubscriptionChange(
        body.event_type, body.url, body.description, body.active
    )

    def step(uow: UnitOfWork, now: datetime) -> SubscriptionOut:
        changed = webhook_service.change_subscription(
            uow, subscription_id, change, principal.actor, now
        )
        return subscription_out(changed)

    return perform(context, step)


@router.delete("/subscriptions/{subscription_id}", status_code=204)
def delete_subscription(subscription_id: Id, context: Context, principal: Admin) -> Response:
    """Remove the subscription and its delivery log."""
    perform(
        context,
        lambda uow, now: webhook_service.delete_subscription(
            uow, subscription_id, principal.actor, now
        ),
    )
    return Response(status_code=204)


@router.get("/deliveries", response_model=DeliveryPageOut)
def list_deliveries(
    context: Context,
    principal: Admin,
    subscription: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    status: DeliveryStatus | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DeliveryPageOut:
    """The delivery log, newest first."""
    with context.uow() as uow:
        items, total = webhook_queries.deliveries(uow, subscription, status, page, page_size)
    return DeliveryPageOut(
        items=[delivery_out(item) for item in items], total=total, page=page, page_size=page_size
    )


@router.post("/deliveries/{delivery_id}/replay", response_model=DeliveryOut)
def replay_delivery(delivery_id: Id, context: Context, principal: Admin) -> DeliveryOut:
    """Send a delivery again from its first attempt (delivered or given up alike)."""
    return perform(
        context,
        lambda uow, now: delivery_out(
            webhook_service.replay(uow, delivery_id, principal.actor, now)
        ),
    )
