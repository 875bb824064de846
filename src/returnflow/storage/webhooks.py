"""Webhook subscriptions and deliveries ⇄ rows (issue 13, R15.1).

The fan-out reads the outbox past each active subscription's cursor, in id order, and
writes one delivery per matching event (unique per subscription and event). The sender
claims, per subscription, only its oldest undelivered event, so a subscriber hears its
events in outbox order: a delivery waiting for its retry holds back the later ones.
A claim is a lease (`next_attempt_at` pushed ahead), so two workers never send one
delivery at the same moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from returnflow.domain.webhooks import (
    Delivery,
    DeliveryStatus,
    DueDelivery,
    Outcome,
    Subscription,
    matches,
    public_payload,
)
from returnflow.storage.schema import OutboxRow
from returnflow.storage.schema.webhooks import WebhookDeliveryRow, WebhookSubscriptionRow

_PENDING = DeliveryStatus.PENDING.value
# how far back the fan-out looks for events committed late (below the cursor)
RESCAN = timedelta(minutes=2)


@dataclass(frozen=True)
class DeliveryPage:
    items: tuple[Delivery, ...]
    total: int


class WebhookStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    # subscriptions

    def add(
        self, pattern: str, url: str, secret: str, description: str, actor: str, now: datetime
    ) -> Subscription:
        """A new subscription hears what is committed from now on (its cursor: the newest event)."""
        newest = self.session.scalar(select(func.max(OutboxRow.id))) or 0
        row = WebhookSubscriptionRow(
            pattern=pattern,
            url=url,
            secret=secret,
            description=description,
            active=True,
            cursor=newest,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        self.session.add(row)
        self.session.flush()
        return _subscription(row)

    def get(self, subscription_id: int) -> Subscription | None:
        row = self.session.get(WebhookSubscriptionRow, subscription_id)
        return None if row is None else _subscription(row)

    def subscriptions(self) -> list[Subscription]:
        rows = self.session.scalars(
            select(WebhookSubscriptionRow).order_by(WebhookSubscriptionRow.id)
        )
        return [_subscription(row) for row in rows]

    def change(self, subscription: Subscription) -> None:
        row = self.session.get_one(WebhookSubscriptionRow, subscription.id)
        row.pattern, row.url = subscription.pattern, subscription.url
        row.description, row.updated_at = subscription.description, subscription.updated_at
        if subscription.active and not row.active:  # reactivated: hears from now on
            row.cursor = self.session.scalar(select(func.max(OutboxRow.id))) or 0
        row.active = subscription.active

    def remove(self, subscription_id: int) -> None:
        self.session.execute(
            delete(WebhookDeliveryRow).where(WebhookDeliveryRow.subscription_id == subscription_id)
        )
        self.session.execute(
            delete(WebhookSubscriptionRow).where(WebhookSubscriptionRow.id == subscription_id)
        )

    # the fan-out and the sender's claims

    def fan_out(self, now: datetime, batch: int = 200) -> int:
        """One delivery per (active subscription, matching event past its cursor).

        On PostgreSQL outbox ids are handed out before commit, so a transaction can
        commit a lower id after a higher one was read: the events of the last
        `RESCAN` are read again below the cursor, and one not yet delivered to the
        subscription gets its delivery late rather than never.
        """
        created = 0
        active = select(WebhookSubscriptionRow).where(WebhookSubscriptionRow.active.is_(True))
        for sub in self.session.scalars(active).all():
            fresh = self.session.execute(
                select(OutboxRow.id, OutboxRow.topic, OutboxRow.payload)
                .where(OutboxRow.id > sub.cursor)
                .order_by(OutboxRow.id)
                .limit(batch)
            ).all()
            late = self.session.execute(
                select(OutboxRow.id, OutboxRow.topic, OutboxRow.payload)
                .where(
                    OutboxRow.id <= sub.cursor,
                    # nothing from before it was created, changed or resumed
                    OutboxRow.created_at >= max(now - RESCAN, sub.updated_at),
                    ~select(WebhookDeliveryRow.id)
                    .where(
                        WebhookDeliveryRow.subscription_id == sub.id,
                        WebhookDeliveryRow.outbox_id == OutboxRow.id,
                    )
                    .exists(),
                )
                .order_by(OutboxRow.id)
                .limit(batch)
            ).all()
            for outbox_id, topic, payload in [*late, *fresh]:
                if matches(sub.pattern, topic):
                    self.session.add(
                        _new_delivery(sub.id, outbox_id, topic, public_payload(payload), now)
                    )
                    created += 1
            if fresh:
                sub.cursor = fresh[-1][0]
        self.session.flush()
        return created

    def claim_heads(self, now: datetime, lease: timedelta) -> list[DueDelivery]:
        """Each active subscription's oldest pending delivery, if it is due; leased."""
        heads = (
            select(func.min(WebhookDeliveryRow.outbox_id), WebhookDeliveryRow.subscription_id)
            .join(WebhookSubscriptionRow)
            .where(WebhookDeliveryRow.status == _PENDING, WebhookSubscriptionRow.active.is_(True))
            .group_by(WebhookDeliveryRow.subscription_id)
        )
        claimed: list[DueDelivery] = []
        for outbox_id, subscription_id in self.session.execute(heads).all():
            row = self.session.scalars(
                select(WebhookDeliveryRow).where(
                    WebhookDeliveryRow.subscription_id == subscription_id,
                    WebhookDeliveryRow.outbox_id == outbox_id,
                )
            ).one()
            if row.next_attempt_at is not None and row.next_attempt_at > now:
                continue  # waiting for its retry: the later events wait too
            taken = self.session.execute(
                update(WebhookDeliveryRow)
                .where(
                    WebhookDeliveryRow.id == row.id,
                    WebhookDeliveryRow.next_attempt_at == row.next_attempt_at,
                )
                .values(next_attempt_at=now + lease)
                .execution_options(synchronize_session=False)
            )
            if int(taken.rowcount) == 1:  # type: ignore[attr-defined]
                sub = self.session.get_one(WebhookSubscriptionRow, subscription_id)
                claimed.append(
                    DueDelivery(
                        row.id,
                        row.outbox_id,
                        row.topic,
                        dict(row.payload),
                        sub.url,
                        sub.secret,
                        row.attempts,
                    )
                )
        return claimed

    def record(
        self,
        delivery_id: int,
        outcome: Outcome,
        attempts: int,
        status_code: int | None,
        error: str | None,
        now: datetime,
    ) -> None:
        row = self.session.get(WebhookDeliveryRow, delivery_id)
        if row is None:
            return  # its subscription was deleted while it was on its way
        row.status, row.next_attempt_at = outcome.status.value, outcome.next_attempt_at
        row.attempts, row.last_attempt_at = attempts, now
        row.last_status_code, row.last_error = status_code, error
        if outcome.status is DeliveryStatus.DELIVERED:
            row.delivered_at = now

    def replay(self, delivery_id: int, now: datetime) -> Delivery | None:
        """Send again from the first attempt, whatever happened before."""
        row = self.session.get(WebhookDeliveryRow, delivery_id)
        if row is None:
            return None
        row.status, row.attempts, row.next_attempt_at = _PENDING, 0, now
        self.session.flush()
        return _delivery(row)

    # the delivery log

    def delivery(self, delivery_id: int) -> Delivery | None:
        row = self.session.get(WebhookDeliveryRow, delivery_id)
        return None if row is None else _delivery(row)

    def deliveries(
        self,
        subscription_id: int | None,
        status: DeliveryStatus | None,
        page: int,
        page_size: int,
    ) -> DeliveryPage:
        query = select(WebhookDeliveryRow)
        if subscription_id is not None:
            query = query.where(WebhookDeliveryRow.subscription_id == subscription_id)
        if status is not None:
            query = query.where(WebhookDeliveryRow.status == status.value)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.scalars(
            query.order_by(WebhookDeliveryRow.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
        return DeliveryPage(tuple(_delivery(row) for row in rows), int(total))


def _new_delivery(
    subscription_id: int, outbox_id: int, topic: str, payload: dict[str, object], now: datetime
) -> WebhookDeliveryRow:
    return WebhookDeliveryRow(
        subscription_id=subscription_id,
        outbox_id=outbox_id,
        topic=topic,
        payload=payload,
        status=_PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )


def _subscription(row: WebhookSubscriptionRow) -> Subscription:
    return Subscription(
        id=row.id,
        pattern=row.pattern,
        url=row.url,
        description=row.description,
        active=row.active,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _delivery(row: WebhookDeliveryRow) -> Delivery:
    return Delivery(
        id=row.id,
        subscription_id=row.subscription_id,
        outbox_id=row.outbox_id,
        topic=row.topic,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        created_at=row.created_at,
        last_attempt_at=row.last_attempt_at,
        delivered_at=row.delivered_at,
    )
