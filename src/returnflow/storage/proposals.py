"""Improvement proposals ⇄ rows (issue 17, R16.11): `uow.proposals`.

`get` hands out one object per proposal for the unit of work; `flush_changes` writes the
proposals it handed out (and the new ones) back, appends their new history rows and
hands over their events. Lists answer frozen read models, a page at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from returnflow.domain.events import DomainEvent, take_events
from returnflow.domain.proposals import (
    Area,
    Change,
    Channel,
    Outcome,
    Priority,
    Proposal,
    Status,
)
from returnflow.storage.schema.proposals import ProposalChangeRow, ProposalRow


@dataclass(frozen=True)
class ProposalPage:
    items: tuple[Proposal, ...]  # without their history
    total: int


class ProposalRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._seen: dict[int, tuple[Proposal, ProposalRow, int]] = {}  # id → (…, history kept)

    def add(self, proposal: Proposal) -> None:
        """Insert at once, so the proposal has its id before the commit."""
        row = ProposalRow()
        _sync(proposal, row)
        self.session.add(row)
        self.session.flush()
        proposal.id = row.id
        self._seen[row.id] = (proposal, row, 0)

    def get(self, proposal_id: int) -> Proposal | None:
        if proposal_id in self._seen:
            return self._seen[proposal_id][0]
        row = self.session.get(ProposalRow, proposal_id)
        if row is None:
            return None
        changes = self.session.scalars(
            select(ProposalChangeRow)
            .where(ProposalChangeRow.proposal_id == proposal_id)
            .order_by(ProposalChangeRow.id)
        )
        proposal = _proposal(row, [_change(c) for c in changes])
        self._seen[proposal_id] = (proposal, row, len(proposal.history))
        return proposal

    def page(
        self,
        page: int,
        page_size: int,
        *,
        status: Status | None = None,
        area: Area | None = None,
        proposer: str | None = None,
    ) -> ProposalPage:
        """Newest first; `proposer`: only that person's own proposals."""
        query = select(ProposalRow)
        if status is not None:
            query = query.where(ProposalRow.status == status.value)
        if area is not None:
            query = query.where(ProposalRow.area == area.value)
        if proposer is not None:
            query = query.where(ProposalRow.proposer == proposer)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.scalars(
            query.order_by(ProposalRow.created_at.desc(), ProposalRow.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
        return ProposalPage(tuple(_proposal(row, []) for row in rows), int(total))

    def closed_between(self, start: datetime, end: datetime, limit: int = 500) -> list[Proposal]:
        """Proposals closed in [start, end), oldest first (bounded)."""
        rows = self.session.scalars(
            select(ProposalRow)
            .where(ProposalRow.closed_at >= start, ProposalRow.closed_at < end)
            .order_by(ProposalRow.closed_at, ProposalRow.id)
            .limit(limit)
        )
        return [_proposal(row, []) for row in rows]

    def flush_changes(self) -> list[DomainEvent]:
        for proposal_id, (proposal, row, kept) in list(self._seen.items()):
            _sync(proposal, row)
            for change in proposal.history[kept:]:
                self.session.add(_change_row(proposal_id, change))
            self._seen[proposal_id] = (proposal, row, len(proposal.history))
        self.session.flush()
        return take_events(p for p, _, _ in self._seen.values())


def _sync(proposal: Proposal, row: ProposalRow) -> None:
    row.channel = proposal.channel.value
    row.proposer = proposal.proposer
    row.area = proposal.area.value
    row.text = proposal.text
    row.created_at = proposal.created_at
    row.status = proposal.status.value
    row.owner = proposal.owner
    row.priority = None if proposal.priority is None else proposal.priority.value
    row.outcome = None if proposal.outcome is None else proposal.outcome.value
    row.outcome_note = proposal.outcome_note
    row.closed_at = proposal.closed_at
    if proposal.id is not None:  # a new proposal's events were raised before it had an id
        proposal.events[:] = [
            replace(e, data={**e.data, "proposal_id": proposal.id}) for e in proposal.events
        ]


def _proposal(row: ProposalRow, history: list[Change]) -> Proposal:
    return Proposal(
        id=row.id,
        channel=Channel(row.channel),
        proposer=row.proposer,
        area=Area(row.area),
        text=row.text,
        created_at=row.created_at,
        status=Status(row.status),
        owner=row.owner,
        priority=None if row.priority is None else Priority(row.priority),
        outcome=None if row.outcome is None else Outcome(row.outcome),
        outcome_note=row.outcome_note,
        closed_at=row.closed_at,
        history=history,
    )


def _change(row: ProposalChangeRow) -> Change:
    return Change(row.at, row.actor, row.action, Status(row.to_status), row.note)


def _change_row(proposal_id: int, change: Change) -> ProposalChangeRow:
    return ProposalChangeRow(
        proposal_id=proposal_id,
        at=change.at,
        actor=change.actor,
        action=change.action,
        to_status=change.to_status.value,
        note=change.note,
    )
