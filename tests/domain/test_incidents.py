"""An incident's life: open → acknowledged → mitigated → closed with a review (R13.1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from returnflow.domain import playbooks
from returnflow.domain.incidents import Incident, IncidentStatus, open_incident, opened_event
from returnflow.domain.monitors import Indicator, Severity
from returnflow.domain.text import DomainError, Text

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def _incident(kind: str = Indicator.BACKLOG.value, drill: bool = False) -> Incident:
    return open_incident(
        playbook=playbooks.default_playbook(kind),
        severity=Severity.CRITICAL,
        title=Text("积压", "Backlog"),
        summary=Text("待收货 400", "400 to receive"),
        monitor_id=7,
        breach_key="7|",
        drill=drill,
        actor="system:monitors",
        now=NOW,
    )


def test_a_new_incident_carries_its_playbook_and_an_opened_entry() -> None:
    incident = _incident()
    assert incident.status is IncidentStatus.OPEN
    assert [s.text for s in incident.steps] == list(
        playbooks.default_playbook(Indicator.BACKLOG.value).steps
    )
    assert [e.action for e in incident.timeline] == ["opened"]
    assert opened_event(incident).name == "incident.opened"


def test_the_lifecycle_with_owner_steps_and_review() -> None:
    incident = _incident()
    later = NOW + timedelta(minutes=5)
    incident.acknowledge("manager:li", later)
    assert incident.owner == "manager:li"  # the first to acknowledge owns it
    incident.do_step(0, "manager:li", later)
    incident.do_step(0, "manager:li", later)  # twice: still once
    assert incident.steps_done == 1 and incident.steps[0].done_by == "manager:li"
    incident.add_note("加派两名质检员", "manager:li", later)
    incident.mitigate("积压回落", "manager:li", later)
    incident.close("节后退货集中到达；已增加排班", "manager:li", later)
    assert incident.status is IncidentStatus.CLOSED and incident.closed_at == later
    actions = [e.action for e in incident.timeline]
    assert actions == ["opened", "acknowledged", "assigned", "step", "note", "mitigated", "closed"]
    assert [e.name for e in incident.events] == ["incident.assigned", "incident.closed"]


def test_closing_needs_a_review_and_a_mitigation() -> None:
    incident = _incident()
    with pytest.raises(DomainError) as early:
        incident.close("复盘", "manager:li", NOW)
    assert early.value.code == "incident_wrong_status"
    incident.mitigate("", "manager:li", NOW)
    with pytest.raises(DomainError) as blank:
        incident.close("   ", "manager:li", NOW)
    assert blank.value.code == "review_required"
    assert incident.status is IncidentStatus.MITIGATED


def test_a_closed_incident_takes_no_more_steps() -> None:
    incident = _incident()
    incident.mitigate("", "manager:li", NOW)
    incident.close("复盘", "manager:li", NOW)
    with pytest.raises(DomainError) as refused:
        incident.do_step(1, "manager:li", NOW)
    assert refused.value.code == "incident_closed"


def test_a_drill_is_marked_and_has_its_own_playbook() -> None:
    drill = _incident(playbooks.DRILL, drill=True)
    assert drill.drill and drill.kind == "drill"
    assert any("演练" in s.text.zh for s in drill.steps)


def test_playbook_steps_need_both_languages() -> None:
    with pytest.raises(DomainError) as refused:
        playbooks.checked_steps([Text("确认", "")])
    assert refused.value.code == "step_needs_both_languages"
    assert playbooks.checked_steps([Text(" 确认 ", " Confirm ")]) == (Text("确认", "Confirm"),)
    for kind in playbooks.kinds():
        book = playbooks.default_playbook(kind)
        assert book.steps[-1].zh.startswith("复盘")  # every plan ends with its review (10.1.3)
