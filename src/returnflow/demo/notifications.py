"""The demo's bells (issue 13): the notifications its recent past made, some already read.

The demo writes its history without running the message bus, so no handler made a
notification. This step asks the same rules through the same service as the worker's
safety net (`notify_missed`) for every event of the last `WINDOW`, each made at the
moment its event happened: merchants find their new requests and disputes, agents the
appeals and the customers' messages, managers the breached complaints, mediators the
disputes waiting for them. Then every demo account has read what is older than `FRESH`
and a share of the rest, as someone who opens the console now and then would have;
a request still waiting for its merchant's review, or a dispute for a mediator, stays
unread. Deterministic for a seed; running it again makes nothing twice.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from returnflow.app_context import AppContext
from returnflow.domain.access import Principal
from returnflow.domain.lifecycle import Status
from returnflow.domain.staff_notice_words import RULES
from returnflow.domain.staff_notices import Kind, audiences_of
from returnflow.services import staff_notice_handlers as handlers
from returnflow.services import staff_notices
from returnflow.services.unit_of_work import UnitOfWork

WINDOW = timedelta(days=14)  # how far back the bells reach
FRESH = timedelta(hours=48)  # older than this: read by everyone who sees it
READ_SHARE = 0.35  # of the fresh ones, this share was read already


def ring(context: AppContext, now: datetime, seed: int) -> int:
    """Make the recent past's notifications and read some of them; how many were made."""
    rng = random.Random(f"bells:{seed}")
    with context.uow(publish=False) as uow:
        made = 0
        for name, data in uow.staff_notices.events(tuple(RULES)):
            at = _occurred(data.get("occurred_at"))
            if at is not None and now - WINDOW <= at <= now:
                made += handlers.notify_missed(uow, [(name, data)], at)
        for dispute_no, _rma_no in uow.staff_notices.disputes_under_review():
            made += handlers.tell_mediators(uow, dispute_no, now)
        uow.commit(now)
    with context.uow(publish=False) as uow:
        users, _total = uow.accounts.list_users(0, 1000)
        for listing in users:
            if listing.active:
                _read_some(uow, listing.principal, now, rng)
        uow.commit(now)
    return made


def _read_some(uow: UnitOfWork, principal: Principal, now: datetime, rng: random.Random) -> None:
    audiences = audiences_of(principal)
    for notice_id, made_at, kind, rma_no in uow.staff_notices.unread_list(
        audiences, principal.user_id
    ):
        if _waiting(uow, kind, rma_no):
            continue  # still waiting for whoever it tells: the bell keeps it
        if now - made_at < FRESH and rng.random() >= READ_SHARE:
            continue
        read_at = min(made_at + timedelta(minutes=rng.randint(5, 720)), now)
        staff_notices.mark_read(uow, principal, notice_id, read_at)


def _waiting(uow: UnitOfWork, kind: Kind, rma_no: str) -> bool:
    """A request waiting for its merchant's review, or a dispute for its mediator."""
    if kind is Kind.DISPUTE_WAITING:
        return True  # made just now, for a dispute under review
    request = uow.returns.get(rma_no) if kind is Kind.REQUEST_FILED and rma_no else None
    return request is not None and request.status is Status.PENDING_REVIEW


def _occurred(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None
