"""What follows what: the one table of domain events and the handlers that follow them.

Read `EVENT_HANDLERS` top to bottom to know what happens after a change. Each
handler runs right after the change that raised its event was committed, in a unit of
work of its own (services/messagebus.py); anything that touches the outside world
(mail, carriers, the payment gateway, webhooks) still leaves through the outbox, which
holds every event too. The worker's pollers (jobs/) stay as safety nets that pick up
what a failed handler or a crash between commit and handler left behind.

`AppContext` builds its bus here, so every unit of work a process opens with
`context.uow()` (API, pages, worker, tests alike) publishes to it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from returnflow.domain.events import DomainEvent
from returnflow.services import (
    appeals,
    journey,
    liability,
    refund_handlers,
    shipping_handlers,
    surveys,
)
from returnflow.services.incident_rota import notify_on_call  # R13.1: on call, else managers
from returnflow.services.messagebus import Handler, MessageBus, OncePerRequest
from returnflow.services.refunds import RefundRules
from returnflow.services.staff_notice_handlers import (  # issue 13
    notify_mediators_when_heard,
    notify_staff,
)
from returnflow.services.training_stale import mark_stale  # issue 17: lessons to re-read
from returnflow.services.unit_of_work import UnitOfWork

if TYPE_CHECKING:  # app_context builds its bus here: a type-only import, no cycle
    from returnflow.app_context import AppContext

# a handler as the table lists it, bound to a process's context when its bus is built
Follower = Callable[["AppContext"], Handler]
RefundHandler = Callable[[UnitOfWork, DomainEvent, datetime, RefundRules], None]


def plain(handler: Handler) -> Follower:
    """A handler that needs nothing of the process but its unit of work and the event."""
    return lambda _context: handler


def under_refund_rules(handler: RefundHandler) -> Follower:
    """A refund handler, given the refund rules of the settings in force when it runs."""

    def bind(context: AppContext) -> Handler:
        def run(uow: UnitOfWork, event: DomainEvent, now: datetime) -> None:
            handler(uow, event, now, RefundRules.from_settings(context.settings))

        run.__qualname__ = handler.__qualname__
        return run

    return bind


# a request's completion reads only its state: once per request per commit, though a
# paid refund's commit raises both "refund.paid" and "return.refunded" (issue 11)
COMPLETE = plain(OncePerRequest(journey.complete_request))

EVENT_HANDLERS: Mapping[str, Sequence[Follower]] = {
    # the refund is asked for when policy says it is due (R6.1)
    "return.inspected": [
        under_refund_rules(refund_handlers.request_after_inspection),
        # a refund paid before the goods were judged: the merchant's fault books it (R8.4)
        plain(liability.book_liability),
    ],
    "return.inspection_failed": [under_refund_rules(refund_handlers.request_after_inspection)],
    "return.approved": [
        under_refund_rules(refund_handlers.request_after_approval),
        # a reviewer's approval or rejection of an appealed request decides the appeal (R3.2)
        plain(appeals.decide_after_review),
    ],
    "return.rejected": [plain(appeals.decide_after_review)],
    # the first carrier scan pays an instant refund where allowed (R6.4); a carrier's scan
    # puts the request in transit in the worker (jobs/tracking.ship_request), so it runs there
    "return.in_transit": [under_refund_rules(refund_handlers.instant_after_first_scan)],
    # a manager's decision releases (or declines) the amount that waited for it (R12.3)
    "approval.decided": [under_refund_rules(refund_handlers.release_after_decision)],
    # a cancelled request needs no courier: a booked pickup is called off
    "return.cancelled": [plain(shipping_handlers.call_off_pickup)],
    # the outcome reached the customer: the request is completed (R7.1)
    "refund.paid": [COMPLETE, plain(liability.book_liability)],
    "return.refunded": [COMPLETE],
    "return.exchanged": [COMPLETE],
    "return.repaired": [COMPLETE],
    "return.reissued": [COMPLETE],
    # the customer is invited to the satisfaction survey (R7.2, seed 001 §7.1.3)
    "return.completed": [plain(surveys.invite_after_completion)],
    # staff and merchants hear in their console (and merchants by mail) (issue 13)
    # (a new request's merchant is told in the filing's own transaction: services/returns.py)
    "dispute.opened": [plain(notify_staff)],  # the merchant: a dispute on its request
    "complaint.filed": [plain(notify_staff)],  # the merchant: a complaint about it
    "complaint.breached": [plain(notify_staff)],  # managers
    "complaint.escalated": [plain(notify_staff)],  # managers
    "complaint.flagged": [plain(notify_staff)],  # managers (the risk desk)
    "appeal.filed": [plain(notify_staff)],  # agents
    "approval.requested": [plain(notify_staff)],  # whoever approves amounts
    "conversation.posted": [plain(notify_staff)],  # the other sides of a conversation
    "merchant_application.submitted": [plain(notify_staff)],  # reviewers (issue 15)
    "merchant_application.resubmitted": [plain(notify_staff)],  # the applicant answered
    "dispute.evidence_added": [
        plain(notify_mediators_when_heard)
    ],  # both sides heard: the mediators
    # monitors and incidents (issue 14): managers hear a new incident, an owner its assignment
    "incident.opened": [plain(notify_on_call)],
    "incident.assigned": [plain(notify_on_call)],
    # training (issue 17): a new policy version marks the lessons it changed for re-reading
    "policy.published": [plain(mark_stale)],
}


def event_handlers(context: AppContext) -> dict[str, list[Handler]]:
    """`EVENT_HANDLERS` bound to this process's context."""
    return {
        name: [follower(context) for follower in followers]
        for name, followers in EVENT_HANDLERS.items()
    }


def message_bus(context: AppContext) -> MessageBus:
    """The process's bus; its handlers' units of work publish back to it (they queue)."""
    return MessageBus(context.uow, event_handlers(context), lambda: context.clock())
