"""Improvement proposals (issue 17, R16.11): propose, triage, start, close, list.

Any staff member proposes (`IMPROVEMENTS_PROPOSE`) and sees their own; managers
(`IMPROVEMENTS_MANAGE`) see every proposal, triage it to an owner with a priority, and
close it with an outcome. Customers propose through the help centre's public form
(`propose_as_customer`), counted per address like the other public forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from returnflow.domain.access import Permission, Principal
from returnflow.domain.proposals import Area, Channel, Outcome, Priority, Proposal, Status
from returnflow.domain.text import Text
from returnflow.domain.throttling import Rule
from returnflow.services import throttling
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import UnitOfWork

PAGE_SIZE = 50
CUSTOMER = "customer"  # how a customer's proposal names its proposer: nobody in particular
# the public form: five suggestions an hour from one address, then waits that double
SUGGEST_RULE = Rule(
    free=5, window=timedelta(hours=1), backoff=timedelta(minutes=1), max_wait=timedelta(hours=1)
)


@dataclass(frozen=True)
class Listing:
    items: tuple[Proposal, ...]
    total: int
    page: int
    page_size: int
    everyone: bool  # a manager's list; else the asker's own proposals


def propose(uow: UnitOfWork, principal: Principal, area: Area, text: str, now: datetime) -> int:
    """A staff member's proposal; its id."""
    proposal = Proposal.propose(Channel.STAFF, principal.actor, area, text, now)
    return _added(uow, proposal)


def count_suggestion(uow: UnitOfWork, source: str, now: datetime) -> None:
    """Count one try of the public form from `source` (its own transaction, before the
    text is looked at); `TooManyAttempts` (429) when it must wait."""
    throttling.take(uow, [(f"suggest:{source[:100]}", SUGGEST_RULE)], now)


def propose_as_customer(uow: UnitOfWork, area: Area, text: str, now: datetime) -> int:
    """A customer's proposal from the help centre's form; its id."""
    return _added(uow, Proposal.propose(Channel.CUSTOMER, CUSTOMER, area, text, now))


def _added(uow: UnitOfWork, proposal: Proposal) -> int:
    uow.proposals.add(proposal)
    assert proposal.id is not None
    return proposal.id


def listing(
    uow: UnitOfWork,
    principal: Principal,
    page: int,
    status: Status | None = None,
    area: Area | None = None,
    page_size: int = PAGE_SIZE,
) -> Listing:
    """Managers see every proposal; everyone else their own."""
    everyone = principal.can(Permission.IMPROVEMENTS_MANAGE)
    mine = None if everyone else principal.actor
    found = uow.proposals.page(page, page_size, status=status, area=area, proposer=mine)
    return Listing(found.items, found.total, page, page_size, everyone)


def detail(uow: UnitOfWork, principal: Principal, proposal_id: int) -> Proposal:
    """One proposal with its history: a manager's, or the asker's own."""
    proposal = uow.proposals.get(proposal_id)
    may_see = principal.can(Permission.IMPROVEMENTS_MANAGE)
    if proposal is None or not (may_see or proposal.proposer == principal.actor):
        raise not_found(proposal_id)
    return proposal


def triage(
    uow: UnitOfWork, proposal_id: int, owner: str, priority: Priority, actor: str, now: datetime
) -> Proposal:
    proposal = _get(uow, proposal_id)
    proposal.triage(owner, priority, actor, now)
    return proposal


def start(uow: UnitOfWork, proposal_id: int, actor: str, now: datetime) -> Proposal:
    proposal = _get(uow, proposal_id)
    proposal.start(actor, now)
    return proposal


def close(
    uow: UnitOfWork, proposal_id: int, outcome: Outcome, note: str, actor: str, now: datetime
) -> Proposal:
    proposal = _get(uow, proposal_id)
    proposal.close(outcome, note, actor, now)
    return proposal


def _get(uow: UnitOfWork, proposal_id: int) -> Proposal:
    proposal = uow.proposals.get(proposal_id)
    if proposal is None:
        raise not_found(proposal_id)
    return proposal


def not_found(proposal_id: int) -> NotFound:
    return NotFound(
        "proposal_not_found",
        Text("找不到改进建议 {id}", "Improvement proposal {id} was not found").format(
            id=proposal_id
        ),
    )
