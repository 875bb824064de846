"""Filing a return and moving it along its lifecycle.

Each use case takes a unit of work (`ReturnsWork`: the real one or the tests'
in-memory one) and plain values, loads the aggregates, calls their methods and leaves
the commit to the caller. What follows a step (a cancelled request's pickup called
off, a refund asked for) is not done here: the aggregate's events reach the handlers
listed in `bootstrap.py` once the caller commits. One exception (issue 11, the outbox
rule): a filing's merchant notification is written in the filing's own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from returnflow.domain.access import Permission, Principal
from returnflow.domain.kinds import Channel, RequestType
from returnflow.domain.lifecycle import Action
from returnflow.domain.orders import Order
from returnflow.domain.policy import PolicyVersion
from returnflow.domain.returns import ReturnLine, ReturnRequest
from returnflow.domain.review import assess, validate_claims
from returnflow.services import photo_refs, staff_notices, training_gate
from returnflow.services import risk as risk_service
from returnflow.services.errors import order_not_found, return_not_found
from returnflow.services.repositories import ReturnRepo, ReturnsWork
from returnflow.storage.filing_facts import FilingFacts


@dataclass(frozen=True)
class NewReturn:
    order_no: str
    request_type: RequestType
    channel: Channel
    lines: tuple[ReturnLine, ...]
    contact: dict[str, str] = field(default_factory=dict)
    photos: tuple[str, ...] = ()
    device_id: str = ""  # the filing's device, where the app says (linked accounts, R10.3)


class FilingReturns(ReturnRepo, Protocol):
    def sync(self) -> None: ...


class FilingWork(ReturnsWork, Protocol):
    """What a filing asks of its unit of work beyond `ReturnsWork`."""

    @property
    def returns(self) -> FilingReturns: ...

    @property
    def staff_notices(self) -> staff_notices.NoticeStore: ...

    @property
    def publishes(self) -> bool: ...  # the bus hears its commits (storage/uow.py)


def file_return(uow: FilingWork, new: NewReturn, now: datetime, actor: str) -> ReturnRequest:
    """R1.3 and R3.1: issue an RMA number and decide what policy allows, in one go.

    The order row is locked first, so two requests on the same order are judged one
    after the other and can never both take the last unit of a line. What the filing
    reads after the lock (earlier requests, risk history, the number) is one statement
    on PostgreSQL (`_facts`); the merchant's notification is written with the request.
    """
    order = uow.orders.get(new.order_no, for_update=True)
    if order is None:
        raise order_not_found(new.order_no)
    photo_refs.check_for_new_request(
        uow, new.photos, merchant_id=order.merchant_id, customer_id=order.customer.id
    )
    policy = uow.policies.book().in_force_at(order.placed_at)
    claims = [line.claim for line in new.lines]
    validate_claims(order, claims)  # a malformed request draws no number
    facts = _facts(uow, order, new, now)
    assessment = assess(
        order=order,
        request_type=new.request_type,
        claims=claims,
        history=uow.returns.history_for_order(order.order_no) if facts is None else facts.held,
        has_photos=bool(new.photos),
        now=now,
        policy=policy,
    )
    read = None if facts is None else (facts.history, facts.first_round)
    risk = risk_service.assess_risk(uow, order, new, now, read=read)  # R10.3: scored at filing
    assessment = risk_service.review_with(assessment, risk)
    number = uow.counters.next("rma") if facts is None else facts.number
    request = ReturnRequest.open(
        rma_no=_rma_no(now, policy, number),
        order_no=order.order_no,
        merchant_id=order.merchant_id,
        customer_id=order.customer.id,
        request_type=new.request_type,
        channel=new.channel,
        lines=new.lines,
        assessment=assessment,
        policy=policy,
        now=now,
        actor=actor,
        contact=dict(new.contact) or _contact_of(order),
        photos=new.photos,
    )
    uow.returns.add(request, uow.orders.id_of(order.order_no))
    risk_service.keep(uow, request.rma_no, order, risk, now)
    if uow.publishes:  # not for a writer playing its follow-ons itself (the demo's past)
        staff_notices.notify_with_change(uow, request.events, now)
    return request


def _facts(uow: FilingWork, order: Order, new: NewReturn, now: datetime) -> FilingFacts | None:
    """The order's earlier requests, the customer's risk history and the RMA number in
    one statement (storage/filing_facts.py), after the lock; None: asked one by one.
    Requests changed earlier in this unit of work are written first, so they count as
    they are now (as `history_for_order` does)."""
    identifiers = risk_service.identifiers_of(order, new.contact, new.device_id)
    uow.returns.sync()
    return uow.risk.filing_facts(order.order_no, order.customer.id, identifiers, now, "rma")


def _contact_of(order: Order) -> dict[str, str]:
    """Without a contact of its own, a request reaches the customer of the order."""
    customer = order.customer
    return {"name": customer.name, "phone": customer.phone, "email": customer.email}


def _rma_no(now: datetime, policy: PolicyVersion, number: int) -> str:
    """RMA + the platform's local date + a global sequence: unique, and easy to read out."""
    return f"RMA{policy.local_date(now).strftime('%Y%m%d')}{number:07d}"


def get_return(
    uow: ReturnsWork, rma_no: str, *, merchant_scope: str | None = None, for_update: bool = False
) -> ReturnRequest:
    """A request by number; another merchant's request is as unknown as a missing one."""
    request = uow.returns.get(rma_no, for_update=for_update)
    if request is None or (merchant_scope is not None and request.merchant_id != merchant_scope):
        raise return_not_found(rma_no)
    return request


def policy_for(uow: ReturnsWork, request: ReturnRequest) -> tuple[Order, PolicyVersion]:
    """The order behind a request and the policy version it is judged under (R2.5)."""
    order = uow.orders.get(request.order_no)
    if order is None:
        raise order_not_found(request.order_no)
    return order, uow.policies.book().in_force_at(order.placed_at)


def reveal_contact(
    uow: ReturnsWork, request: ReturnRequest, viewer: Principal, now: datetime
) -> bool:
    """R14.1: whether `viewer` sees the contact unmasked; every unmasked look is logged."""
    shown = viewer.can(Permission.CONTACT_VIEW)
    if shown:
        uow.accounts.log_access(
            viewer.actor, request.rma_no, "contact", now, customer_id=request.customer_id
        )
    return shown


def perform(
    uow: ReturnsWork,
    rma_no: str,
    action: Action,
    actor: str,
    now: datetime,
    *,
    note: str = "",
    carrier: str = "",
    tracking_no: str = "",
    merchant_scope: str | None = None,
) -> ReturnRequest:
    """One lifecycle step; the transition table refuses steps the state does not allow.

    REFUND is not one of them: money moves only through `services/refunds.py`.
    """
    request = get_return(uow, rma_no, merchant_scope=merchant_scope, for_update=True)
    _, policy = policy_for(uow, request)
    match action:
        case Action.APPROVE:
            training_gate.check_approval(uow, request, actor, now)  # issue 17: refund-only
            request.approve(actor, now, policy, note)
        case Action.REJECT:
            request.reject(actor, now, note)
        case Action.SHIP:
            request.ship(actor, now, carrier, tracking_no)
        case Action.RECEIVE:
            request.receive(actor, now, note)
        case Action.INSPECT_PASS | Action.INSPECT_FAIL:
            request.inspect(actor, now, action is Action.INSPECT_PASS, note)
        case Action.EXCHANGE | Action.REPAIR | Action.REISSUE:
            request.resolve(action, actor, now, note)
        case Action.COMPLETE:
            request.complete(actor, now, policy, note)
        case Action.CONFIRM:
            request.confirm(actor, now, note)
        case Action.CANCEL:
            request.cancel(actor, now, note)  # "return.cancelled": the pickup is called off
        case _:
            raise ValueError(f"{action} is not a manual step")
    return request
