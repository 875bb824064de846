"""The read side of outbound webhooks: subscriptions and the delivery log (R15.1)."""

from __future__ import annotations

from returnflow.domain.webhooks import Delivery, DeliveryStatus, Subscription
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.services.webhooks import delivery_not_found, subscription_not_found


def subscriptions(uow: UnitOfWork) -> list[Subscription]:
    return uow.webhooks.subscriptions()


def subscription(uow: UnitOfWork, subscription_id: int) -> Subscription:
    found = uow.webhooks.get(subscription_id)
    if found is None:
        raise subscription_not_found(subscription_id)
    return found


def delivery(uow: UnitOfWork, delivery_id: int) -> Delivery:
    found = uow.webhooks.delivery(delivery_id)
    if found is None:
        raise delivery_not_found(delivery_id)
    return found


def deliveries(
    uow: UnitOfWork,
    subscription_id: int | None,
    status: DeliveryStatus | None,
    page: int,
    page_size: int,
) -> tuple[list[Delivery], int]:
    found = uow.webhooks.deliveries(subscription_id, status, page, page_size)
    return list(found.items), found.total
