"""The worker's tracking duties: poll carriers, adopt parked scans, sweep for exceptions,
and let go of pickups booked for requests that closed unshipped (R4.3, R4.4, R1.5); and
put a request in transit once its parcel's first pickup scan is in (the push leaves
that to the worker as "shipment.picked_up", issue 11), with a sweep behind that message
for when it is given up (`ship_picked_up`).

Everything takes the worker's `now`, so tests drive it with a fake clock. The jobs run
at most once a minute whatever the worker's own interval, since each one reads every
open shipment.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from returnflow.app_context import AppContext
from returnflow.domain.text import DomainError
from returnflow.jobs.notices import NoticeJobs
from returnflow.notify import alerts
from returnflow.notify.mailer import Mailer
from returnflow.notify.sms import sms_from_settings
from returnflow.services import tracking as tracking_service
from returnflow.services import tracking_sweeps as sweeps
from returnflow.services.unit_of_work import ConcurrentUpdate

log = logging.getLogger("returnflow.tracking")
RUN_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class TrackingReport:
    polled: int = 0
    adopted: int = 0
    raised: int = 0
    released: int = 0
    shipped: int = 0  # requests put in transit by the pickup sweep (safety net)


def poll(context: AppContext, now: datetime) -> int:
    """Ask carriers about open shipments nothing was heard of for a while.

    For carriers without push, and as a safety net for lost pushes. The carrier call
    happens outside any transaction; its answer goes through the push pipeline.
    """
    carriers = context.carrier_registry()
    every = timedelta(minutes=context.settings.tracking_poll_minutes)
    limits = tracking_service.thresholds(context.settings)
    with context.uow() as uow:
        due = sweeps.due_for_poll(uow, now, every, sorted(carriers))
    polled = 0
    for shipment in due:
        error: str | None = None
        try:
            events = carriers[shipment.carrier].fetch_tracking(shipment.waybill_no)
            tracking_service.record(
                context.uow,
                shipment.carrier,
                shipment.waybill_no,
                events,
                now,
                source="poll",
                limits=limits,
            )
            polled += 1
        except Exception as exc:  # one carrier failing must not stop the others
            log.warning("polling %s %s failed: %s", shipment.carrier, shipment.waybill_no, exc)
            error = f"{type(exc).__name__}: {exc}"[:2000]
        with context.uow() as uow:
            sweeps.mark_polled(uow, shipment.id, now, error)
            uow.commit(now)
    return polled


def adopt_parked(context: AppContext, now: datetime) -> int:
    """Scans pushed before their waybill was known join the shipment that now has it."""
    limits = tracking_service.thresholds(context.settings)
    with context.uow() as uow:
        waiting = sweeps.adoptable(uow)
    adopted = 0
    for carrier, waybill_no in waiting:
        try:
            with context.uow() as uow:
                adopted += tracking_service.adopt_parked(
                    uow, carrier, waybill_no, now, limits
                ).stored
                uow.commit(now)
        except ConcurrentUpdate:
            continue  # a push for the same shipment won; the next run tries again
    return adopted


def sweep_exceptions(context: AppContext, now: datetime, batch: int = 200) -> int:
    """Ask every open shipment whether something is wrong; each trouble is raised once."""
    limits = tracking_service.thresholds(context.settings)
    raised = 0
    after_id = 0
    while True:
        with context.uow() as uow:
            done = sweeps.sweep_batch(uow, now, limits, after_id=after_id, batch=batch)
            uow.commit(now)
        raised += done.raised
        if done.checked < batch:
            return raised
        after_id = done.last_id


def release_pickups(context: AppContext, now: datetime) -> int:
    """A request closed unshipped (R1.5) no longer needs its booked pickup: cancel it.

    The safety net behind the message bus: a cancelled request's pickup is called off
    by `services/shipping_handlers.py` the moment it is cancelled.
    """
    with context.uow() as uow:
        released = sweeps.release_pickups(uow, now)
        uow.commit(now)
    return released


def ship_picked_up(context: AppContext, now: datetime) -> int:
    """Safety net of "shipment.picked_up": requests still approved
    `pickup_ship_grace_minutes` after their parcel's first pickup scan go in transit
    here, each in its own transaction, the same way the message's consumer moves them.

    The message given up for good (a dead letter) used to leave the request waiting for
    a re-drive by hand. The move is `ship_after_pickup`'s, under the request's row lock
    and only from approved, so a message delivered after the sweep (or a second worker's
    sweep) moves nothing, and the "return.in_transit" of the one commit that moved it
    pays the instant refund once. Idle, this is one indexed read a minute.
    """
    grace = timedelta(minutes=context.settings.pickup_ship_grace_minutes)
    with context.uow() as uow:
        due = sweeps.picked_up_unshipped(uow, now, grace)
    shipped = 0
    for pickup in due:
        try:
            with context.uow() as uow:
                if tracking_service.ship_after_pickup(uow, pickup):
                    uow.commit(now)
                    shipped += 1
        except (ConcurrentUpdate, DomainError):
            continue  # moved meanwhile (the message, another worker): the next sweep looks
    return shipped


def pending_pickups(context: AppContext, rma_numbers: Iterable[str], now: datetime) -> set[str]:
    """Requests whose booked pickup window (plus grace) has not passed: not closed yet."""
    grace = timedelta(hours=context.settings.pickup_close_grace_hours)
    with context.uow() as uow:
        return sweeps.pending_pickups(uow, rma_numbers, now, grace)


class TrackingJobs:
    """The tracking part of a worker tick, and the outbox consumers it brings."""

    def __init__(self, context: AppContext, mailer: Mailer) -> None:
        self.context = context
        self.mailer = mailer
        self.notices = NoticeJobs(context, mailer, sms_from_settings(context.settings))
        self.last_run: datetime | None = None

    def tick(self, now: datetime) -> TrackingReport:
        if self.last_run is not None and now - self.last_run < RUN_EVERY:
            return TrackingReport()
        self.last_run = now
        return TrackingReport(
            polled=poll(self.context, now),
            adopted=adopt_parked(self.context, now),
            raised=sweep_exceptions(self.context, now),
            released=release_pickups(self.context, now),
            shipped=ship_picked_up(self.context, now),
        )

    def consumers(self) -> dict[str, Any]:
        return {
            tracking_service.STAFF_ALERT_TOPIC: self.mail_staff,
            tracking_service.CUSTOMER_NOTICE_TOPIC: self.mail_customer,
            tracking_service.CANCEL_PICKUP_TOPIC: self.cancel_pickup,
            tracking_service.PICKED_UP_TOPIC: self.ship_request,  # issue 11: out of the push
        }

    def ship_request(self, topic: str, payload: dict[str, Any]) -> None:
        """A return parcel's first pickup scan: the request goes in transit here, and the
        bus handler of its "return.in_transit" pays the instant refund, in the worker.

        Delivered twice, the second finds the request moved on and commits nothing; a
        lost race (the customer shipping it at the same moment) is retried by the outbox.
        """
        now = self.context.clock()
        with self.context.uow() as uow:
            if tracking_service.ship_after_pickup(uow, payload):
                uow.commit(now)

    def _send(self, message: EmailMessage | None) -> None:
        if message is not None:
            self.mailer.send(message)

    def mail_staff(self, topic: str, payload: dict[str, Any]) -> None:
        settings = self.context.settings
        self._send(alerts.staff_alert(payload, settings.ops_alert_email, settings.mail_from))

    def mail_customer(self, topic: str, payload: dict[str, Any]) -> None:
        """Inbox, email and/or SMS, once per channel (jobs/notices.py, issue 13)."""
        self.notices.deliver(topic, payload)

    def cancel_pickup(self, topic: str, payload: dict[str, Any]) -> None:
        carrier = self.context.carrier_registry().get(str(payload["carrier"]))
        if carrier is None:
            raise LookupError(f"no carrier {payload['carrier']!r} to cancel the pickup with")
        carrier.cancel_pickup(str(payload["pickup_id"]))
