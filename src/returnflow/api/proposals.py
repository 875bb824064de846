"""Improvement proposals API (issue 17, R16.11): propose, list, triage, start, close.

Any staff member proposes and lists their own; managers (`IMPROVEMENTS_MANAGE`) list
every proposal and move it along its lifecycle (new → triaged → in progress → closed).
An illegal move is a 422 problem with code `proposal_illegal_move`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from returnflow.api.roles import ImprovementManager, Proposer
from returnflow.domain.proposals import (
    MAX_NOTE,
    MAX_TEXT,
    Area,
    Outcome,
    Priority,
    Proposal,
    Status,
)
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import MAX_PAGE, RowId
from returnflow.entrypoints.steps import perform
from returnflow.services import proposals as service
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1/proposals", tags=["improvements"])


class ProposeIn(BaseModel):
    area: Area
    text: str = Field(min_length=1, max_length=MAX_TEXT)


class TriageIn(BaseModel):
    owner: str = Field(min_length=1, max_length=100)
    priority: Priority = Priority.NORMAL


class CloseIn(BaseModel):
    outcome: Outcome
    note: str = Field(min_length=1, max_length=MAX_NOTE)


class ChangeOut(BaseModel):
    at: datetime
    actor: str
    action: str
    to_status: Status
    note: str


class ProposalOut(BaseModel):
    id: int
    channel: str
    proposer: str
    area: Area
    text: str
    created_at: datetime
    status: Status
    owner: str | None
    priority: Priority | None
    outcome: Outcome | None
    outcome_note: str
    closed_at: datetime | None
    history: list[ChangeOut]


class ProposalsOut(BaseModel):
    items: list[ProposalOut]
    total: int
    page: int
    page_size: int
    everyone: bool


def proposal_out(p: Proposal) -> ProposalOut:
    assert p.id is not None
    return ProposalOut(
        id=p.id,
        channel=p.channel.value,
        proposer=p.proposer,
        area=p.area,
        text=p.text,
        created_at=p.created_at,
        status=p.status,
        owner=p.owner,
        priority=p.priority,
        outcome=p.outcome,
        outcome_note=p.outcome_note,
        closed_at=p.closed_at,
        history=[
            ChangeOut(at=c.at, actor=c.actor, action=c.action, to_status=c.to_status, note=c.note)
            for c in p.history
        ],
    )


@router.get("")
def listed(
    context: Context,
    principal: Proposer,
    status: Status | None = None,
    area: Area | None = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> ProposalsOut:
    """Newest first: a manager's list holds every proposal, anyone else's their own."""
    with context.uow() as uow:
        found = service.listing(uow, principal, page, status, area)
    return ProposalsOut(
        items=[proposal_out(p) for p in found.items],
        total=found.total,
        page=found.page,
        page_size=found.page_size,
        everyone=found.everyone,
    )


@router.post("", status_code=201)
def propose(body: ProposeIn, context: Context, principal: Proposer) -> ProposalOut:
    """Propose an improvement (channel `staff`)."""

    def step(uow: UnitOfWork, now: datetime) -> Proposal:
        made = service.propose(uow, principal, body.area, body.text, now)
        return service.detail(uow, principal, made)

    return proposal_out(perform(context, step))


@router.post("/{proposal_id}/triage")
def triage(
    proposal_id: RowId, body: TriageIn, context: Context, principal: ImprovementManager
) -> ProposalOut:
    """Give it an owner and a priority (again, to change either)."""

    def step(uow: UnitOfWork, now: datetime) -> Proposal:
        return service.triage(uow, proposal_id, body.owner, body.priority, principal.actor, now)

    return proposal_out(perform(context, step))


@router.post("/{proposal_id}/start")
def start(proposal_id: RowId, context: Context, principal: ImprovementManager) -> ProposalOut:
    """Work on a triaged proposal has begun."""
    return proposal_out(
        perform(context, lambda uow, now: service.start(uow, proposal_id, principal.actor, now))
    )


@router.post("/{proposal_id}/close")
def close(
    proposal_id: RowId, body: CloseIn, context: Context, principal: ImprovementManager
) -> ProposalOut:
    """Close with an outcome (adopted, declined, duplicate) and a note."""

    def step(uow: UnitOfWork, now: datetime) -> Proposal:
        return service.close(uow, proposal_id, body.outcome, body.note, principal.actor, now)

    return proposal_out(perform(context, step))
