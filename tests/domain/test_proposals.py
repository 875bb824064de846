"""Improvement proposals' lifecycle and China-time quarters (issue 17, R16.11)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from returnflow.domain.proposals import (
    MAX_TEXT,
    MOVES,
    Area,
    Channel,
    Outcome,
    Priority,
    Proposal,
    Status,
)
from returnflow.domain.quarters import Quarter
from returnflow.domain.text import DomainError

NOW = datetime(2026, 12, 7, 4, tzinfo=UTC)
CST = timezone(timedelta(hours=8))


def _at(status: Status) -> Proposal:
    """A proposal brought to `status` along the lifecycle."""
    p = Proposal.propose(Channel.STAFF, "agent:li.na", Area.REVIEW, "  faster checks  ", NOW)
    if status in (Status.TRIAGED, Status.IN_PROGRESS):
        p.triage("wang.fang", Priority.HIGH, "manager:boss", NOW)
    if status is Status.IN_PROGRESS:
        p.start("manager:boss", NOW)
    if status is Status.CLOSED:
        p.close(Outcome.DUPLICATE, "as #3", "manager:boss", NOW)
    return p


def _act(p: Proposal, action: str) -> None:
    if action == "triage":
        p.triage("wang.fang", Priority.LOW, "manager:boss", NOW)
    elif action == "start":
        p.start("manager:boss", NOW)
    else:
        p.close(Outcome.ADOPTED, "done", "manager:boss", NOW)


def test_the_whole_life_appends_history_and_events() -> None:
    p = _at(Status.NEW)
    assert (p.text, p.status) == ("faster checks", Status.NEW)
    p.triage("wang.fang", Priority.HIGH, "manager:boss", NOW)
    p.start("manager:boss", NOW + timedelta(days=1))
    p.close(Outcome.ADOPTED, "new checklist live", "manager:boss", NOW + timedelta(days=9))
    assert [c.action for c in p.history] == ["propose", "triage", "start", "close"]
    assert [c.to_status for c in p.history] == list(Status)
    assert [e.name for e in p.events] == [
        "proposal.proposed",
        "proposal.triaged",
        "proposal.started",
        "proposal.closed",
    ]
    assert (p.owner, p.priority, p.outcome) == ("wang.fang", Priority.HIGH, Outcome.ADOPTED)
    assert p.closed_at == NOW + timedelta(days=9)


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", ["triage", "start", "close"])
def test_every_move_outside_the_table_is_refused(status: Status, action: str) -> None:
    p = _at(status)
    before = (p.status, len(p.history), len(p.events))
    if (status, action) in MOVES:
        _act(p, action)
        assert p.status is MOVES[(status, action)]
        return
    with pytest.raises(DomainError) as refused:
        _act(p, action)
    assert refused.value.code == "proposal_illegal_move"
    assert (p.status, len(p.history), len(p.events)) == before  # nothing changed


def test_what_a_proposal_and_a_close_need() -> None:
    for text, code in (
        ("   ", "proposal_text_required"),
        ("x" * (MAX_TEXT + 1), "proposal_text_too_long"),
    ):
        with pytest.raises(DomainError) as refused:
            Proposal.propose(Channel.CUSTOMER, "customer", Area.PORTAL, text, NOW)
        assert refused.value.code == code
    p = _at(Status.NEW)
    with pytest.raises(DomainError, match="note"):
        p.close(Outcome.DECLINED, "  ", "manager:boss", NOW)
    with pytest.raises(DomainError, match="owns"):
        p.triage(" ", Priority.LOW, "manager:boss", NOW)
    assert p.status is Status.NEW and len(p.history) == 1


def test_quarters_are_china_time() -> None:
    assert Quarter.of(datetime(2026, 12, 31, 23, 30, tzinfo=CST)) == Quarter(2026, 4)
    assert Quarter.of(datetime(2027, 1, 1, 0, 10, tzinfo=CST)) == Quarter(2027, 1)
    assert Quarter.of(datetime(2026, 12, 31, 16, 10, tzinfo=UTC)) == Quarter(2027, 1)
    q4 = Quarter.parse("2026-q4")
    assert (q4.name, q4.first_day.isoformat(), q4.last_day.isoformat()) == (
        "2026-Q4",
        "2026-10-01",
        "2026-12-31",
    )
    assert q4.end == datetime(2026, 12, 31, 16, tzinfo=UTC)
    assert q4.contains(datetime(2026, 12, 31, 23, 59, tzinfo=CST))
    assert not q4.contains(datetime(2027, 1, 1, 0, 0, tzinfo=CST))
    assert q4.previous().name == "2026-Q3" and q4.next().name == "2027-Q1"
    assert Quarter(2027, 1).previous() == q4
    for bad in ("2026-Q5", "2026Q4", "Q4-2026", ""):
        with pytest.raises(DomainError):
            Quarter.parse(bad)
