"""Frequent-returner care (issue 15, R10.4): the list, a customer's page, outreach.

The rule and the themes are domain/returner_care.py's: ≥ 3 counted requests of one
theme in the last 90 days. An outreach leaves only through the outbox, in the same
transaction that records it: an advice or a size-guide link is a customer notice
(topic `care.advice`, kept in the customer's inbox and sent on their channels by
jobs/returner_care.py through the notice pipeline), a coupon is a message to the order
system (`integration.coupon_requested`, the signed webhook of integrations/webhooks.py),
which issues the code. `once_key` (the caller's Idempotency-Key, or the page form's
one-time token) makes a double click or a retry answer the first outreach again; the
same key with another body is refused (`idempotency_key_reused`).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from returnflow.domain.access import Permission, Principal, mask_email, mask_phone
from returnflow.domain.paging import page_count
from returnflow.domain.returner_care import (
    MIN_REQUESTS,
    WINDOW,
    WINDOW_DAYS,
    Action,
    Outcome,
    Outreach,
    OutreachAsk,
    advice_words,
    coupon_code,
)
from returnflow.domain.text import DomainError, Text
from returnflow.services.errors import Conflict, NotFound
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.returner_care import FiledRequest, Returner

ADVICE_TOPIC = "care.advice"
COUPON_TOPIC = "integration.coupon_requested"
PAGE_SIZE = 20
MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class CarePage:
    rows: tuple[tuple[Returner, Outreach | None], ...]
    names: dict[str, str]  # customer id → name
    total: int
    page: int
    pages: int
    since: datetime


@dataclass(frozen=True, slots=True)
class Effect:
    before: int  # counted requests in the 90 days before the outreach
    after: int  # … in the days after it (up to 90)
    days_after: int
    complete: bool  # the 90 days after have passed


@dataclass(frozen=True, slots=True)
class CareCustomer:
    customer_id: str
    name: str
    phone: str  # masked unless the viewer may see contact data
    email: str
    themes: dict[str, int]  # counted requests per theme in the window
    frequent: tuple[str, ...]  # the themes at or above the rule
    requests: tuple[FiledRequest, ...]
    outreach: tuple[tuple[Outreach, Effect], ...]


def listing(uow: UnitOfWork, theme: str | None, page: int, now: datetime) -> CarePage:
    page = max(1, min(page, MAX_PAGE))
    since = now - WINDOW
    found, total = uow.returner_care.frequent(since, now, theme, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    ids = sorted({r.customer_id for r in found})
    latest = uow.returner_care.latest_for(ids)
    rows = tuple((r, latest.get(r.customer_id)) for r in found)
    names = uow.returner_care.names_of(ids)
    return CarePage(rows, names, total, page, page_count(total, PAGE_SIZE), since)


def customer(uow: UnitOfWork, customer_id: str, viewer: Principal, now: datetime) -> CareCustomer:
    contact = uow.returner_care.contact(customer_id)
    if contact is None:
        raise NotFound("customer_not_found", Text("找不到该客户", "The customer was not found"))
    since = now - WINDOW
    themes = uow.returner_care.themes_of(customer_id, since, now)
    shown = viewer.can(Permission.CONTACT_VIEW)
    outreach = tuple((o, effect(uow, o, now)) for o in uow.returner_care.outreach_of(customer_id))
    return CareCustomer(
        customer_id=customer_id,
        name=contact.name,
        phone=contact.phone if shown else mask_phone(contact.phone),
        email=contact.email if shown else mask_email(contact.email),
        themes=themes,
        frequent=tuple(sorted(t for t, n in themes.items() if n >= MIN_REQUESTS)),
        requests=tuple(uow.returner_care.requests_of(customer_id, since, now)),
        outreach=outreach,
    )


def effect(uow: UnitOfWork, outreach: Outreach, now: datetime) -> Effect:
    """Counted requests in the 90 days after the outreach against the 90 days before."""
    at = outreach.created_at
    until = min(now, at + WINDOW)
    before = uow.returner_care.counted(outreach.customer_id, at - WINDOW, at)
    after = uow.returner_care.counted(outreach.customer_id, at, until) if until > at else 0
    days = max(0, (until - at) // timedelta(days=1))
    return Effect(before, after, min(days, WINDOW_DAYS), now >= at + WINDOW)


def _digest(customer_id: str, ask: OutreachAsk) -> str:
    return hashlib.sha256(repr((customer_id, ask)).encode()).hexdigest()


def reach_out(
    uow: UnitOfWork,
    customer_id: str,
    ask: OutreachAsk,
    once_key: str | None,
    actor: str,
    now: datetime,
) -> tuple[Outreach, bool]:
    """Record one outreach and put its message in the outbox; (outreach, replayed)."""
    key = hashlib.sha256(f"{actor}\n{once_key or uuid.uuid4().hex}".encode()).hexdigest()
    digest = _digest(customer_id, ask)
    if (seen := uow.returner_care.by_key(key)) is not None:
        if seen[1] != digest:
            raise DomainError(
                "idempotency_key_reused",
                Text(
                    "该幂等键已用于另一次不同的回访", "This key was used for a different outreach"
                ),
                field="Idempotency-Key",
            )
        return seen[0], True
    ask.check()
    if uow.returner_care.contact(customer_id) is None:
        raise NotFound("customer_not_found", Text("找不到该客户", "The customer was not found"))
    if uow.returner_care.themes_of(customer_id, now - WINDOW, now).get(ask.theme, 0) < MIN_REQUESTS:
        raise Conflict(
            "not_a_frequent_returner",
            Text(
                "该客户近 90 天内此原因的退货不足 3 次",
                "This customer has fewer than 3 returns for this reason in 90 days",
            ),
        )
    made = Outreach(
        0,
        customer_id,
        ask.theme,
        ask.action,
        ask.note.strip(),
        ask.link,
        coupon_code(customer_id, key) if ask.action is Action.COUPON else "",
        ask.coupon_fen if ask.action is Action.COUPON else 0,
        actor,
        now,
    )
    outreach_id = uow.returner_care.add(made, key, digest)
    _send(uow, made, outreach_id, ask, now)
    return uow.returner_care.get(outreach_id) or made, False


def _send(
    uow: UnitOfWork, made: Outreach, outreach_id: int, ask: OutreachAsk, now: datetime
) -> None:
    if made.action is Action.COUPON:
        payload = {
            "event": "coupon.requested",
            "outreach_id": outreach_id,
            "customer_id": made.customer_id,
            "coupon_code": made.coupon_code,
            "amount": made.coupon_fen,
            "currency": "CNY",
            "reason": made.theme,
        }
        uow.outbox.put(COUPON_TOPIC, payload, now)
        return
    subject, body = advice_words(ask)
    uow.outbox.put(
        ADVICE_TOPIC,
        {
            "outreach_id": outreach_id,
            "customer_id": made.customer_id,
            "subject": {"zh": subject.zh, "en": subject.en},
            "body": {"zh": body.zh, "en": body.en},
        },
        now,
    )


def record_outcome(
    uow: UnitOfWork, customer_id: str, outreach_id: int, outcome: Outcome, actor: str, now: datetime
) -> Outreach:
    found = uow.returner_care.get(outreach_id)
    if found is None or found.customer_id != customer_id:
        raise NotFound("outreach_not_found", Text("找不到该回访", "The outreach was not found"))
    uow.returner_care.record_outcome(outreach_id, outcome, actor, now)
    return uow.returner_care.get(outreach_id) or found
