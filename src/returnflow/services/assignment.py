"""Review work given to people (seed 000 §7.2.3, issue 16): take, assign, the queue's reads.

Anyone who may review takes an unassigned request in review for themselves; a manager
(`returns.assign`) gives or moves one to any active person who may review. Each change
is one record in the trail (who, to whom, when, by whom). The queue reads answer one
page of requests in review with their holders, and the team's workload per person.
Merchant accounts see and take only their own merchant's requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from returnflow.domain.access import Permission, Principal, forbidden
from returnflow.domain.assignment import (
    Assignee,
    AssignmentRecord,
    check_assignee,
    check_take,
    not_in_review,
)
from returnflow.domain.lifecycle import Status
from returnflow.domain.paging import page_count
from returnflow.domain.text import Text
from returnflow.services.history_words import actor_label
from returnflow.services.merchants import merchant_names
from returnflow.services.returns import get_return
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.assignment_queries import SORTS, QueueFilter, QueuePage, Workload

__all__ = [
    "SORTS",
    "Assignee",
    "Holding",
    "QueueFilter",
    "QueuePage",
    "QueueRead",
    "Workload",
    "assign",
    "holding",
    "queue",
    "reviewers",
    "take",
    "trail",
    "workload",
]


@dataclass(frozen=True, slots=True)
class QueueRead:
    """One page of the queue, the page actually shown (a page past the last shows the last),
    with the merchants' and the givers' names (one query each for the page)."""

    found: QueuePage
    page: int
    pages: int
    merchants: Mapping[str, str] = field(default_factory=dict)
    people: Mapping[int | str, str] = field(default_factory=dict)

    def merchant(self, merchant_id: str) -> str:
        return self.merchants.get(merchant_id, merchant_id)

    def giver(self, actor: str) -> Text:
        """Who gave the request, "运营经理 赵敏" (by display name when the account has one)."""
        return _who(actor, self.people)


@dataclass(frozen=True, slots=True)
class TrailLine:
    """One assignment change in words: when, to whom, from whom (None: nobody), by whom."""

    at: datetime
    to_name: str
    from_name: str | None
    by: Text


@dataclass(frozen=True, slots=True)
class Holding:
    """Who holds a request in review (None: nobody) and how it got there."""

    holder_id: int | None
    holder_name: str | None
    assigned_at: datetime | None
    trail: tuple[TrailLine, ...]


def _who(actor: str, people: Mapping[int | str, str]) -> Text:
    return actor_label(actor, {k: v for k, v in people.items() if isinstance(k, str)})


def _login(actor: str) -> str:
    return actor.partition(":")[2]


def _in_review(uow: UnitOfWork, rma_no: str, principal: Principal) -> None:
    request = get_return(uow, rma_no, merchant_scope=principal.merchant_scope, for_update=True)
    if request.status is not Status.PENDING_REVIEW:
        raise not_in_review(rma_no)


def take(uow: UnitOfWork, rma_no: str, principal: Principal, now: datetime) -> bool:
    """The reviewer takes the request; False when it was already theirs (nothing written)."""
    principal.require(Permission.RETURNS_REVIEW)
    _in_review(uow, rma_no, principal)
    current = uow.assignments.current(rma_no, for_update=True)
    check_take(current, principal.user_id)
    if current is not None:
        return False
    uow.assignments.give(rma_no, principal.user_id, principal.actor, now)
    return True


def assign(
    uow: UnitOfWork, rma_no: str, assignee_id: int, principal: Principal, now: datetime
) -> Assignee:
    """A manager gives or moves the request to `assignee_id` (a no-op if already theirs)."""
    if not principal.can(Permission.RETURNS_ASSIGN):
        raise forbidden()
    _in_review(uow, rma_no, principal)
    found = uow.assignments.person(assignee_id)
    person = check_assignee(*(found if found else (None, False)))
    current = uow.assignments.current(rma_no, for_update=True)
    if current is None or current.user_id != person.user_id:
        uow.assignments.give(rma_no, person.user_id, principal.actor, now)
    return person


def reviewers(uow: UnitOfWork) -> tuple[Assignee, ...]:
    return uow.assignments.reviewers()


def trail(uow: UnitOfWork, rma_no: str) -> tuple[AssignmentRecord, ...]:
    return uow.assignments.trail(rma_no)


def holding(uow: UnitOfWork, rma_no: str) -> Holding:
    """The request's holder and its trail in words (people by display name, one query)."""
    current = uow.assignments.current(rma_no)
    records = uow.assignments.trail(rma_no)
    ids = {r.user_id for r in records} | {r.previous_user_id for r in records if r.previous_user_id}
    if current is not None:
        ids.add(current.user_id)
    people = uow.accounts.display_names(ids, {_login(r.by) for r in records if ":" in r.by})

    def name(user_id: int) -> str:
        return people.get(user_id, f"#{user_id}")

    lines = tuple(
        TrailLine(
            r.at,
            name(r.user_id),
            name(r.previous_user_id) if r.previous_user_id else None,
            _who(r.by, people),
        )
        for r in records
    )
    if current is None:
        return Holding(None, None, None, lines)
    return Holding(current.user_id, name(current.user_id), current.assigned_at, lines)


def queue(
    uow: UnitOfWork,
    where: QueueFilter,
    now: datetime,
    page: int,
    size: int,
    *,
    merchant_scope: str | None = None,
) -> QueueRead:
    """One page of requests in review; the scope overrides any merchant asked for."""
    if merchant_scope is not None:
        where = replace(where, merchant_id=merchant_scope)
    found = uow.assignments.queue(where, now, page, size)
    pages = page_count(found.total, size)
    if page > pages:  # a stale link past the end: the last page
        page = pages
        found = uow.assignments.queue(where, now, page, size)
    entries = found.entries
    givers = {_login(e.assigned_by) for e in entries if e.assigned_by and ":" in e.assigned_by}
    return QueueRead(
        found,
        page,
        pages,
        merchant_names(uow, (e.merchant_id for e in entries)),
        uow.accounts.display_names((), givers),
    )


def workload(
    uow: UnitOfWork, now: datetime, *, merchant_scope: str | None = None
) -> tuple[Workload, ...]:
    return uow.assignments.workload(now, merchant_scope)
