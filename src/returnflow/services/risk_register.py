"""The risk register's use cases (issue 15, R10.1, R10.2).

The register is seeded the first time anyone reads it (the five risk types of seed 000
§6.1.1, rated 3 × 3, unowned, the seed's measures as mitigation), like the monitors'
default set. Each entry shows the monitors (issue 14) whose indicator warns of it: their
last readings as the monitors page keeps them (the worst key first) and any open
incident. Nothing here changes a monitor or an incident. An edit keeps a history row:
who, when, and each changed field's old and new value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from returnflow.domain import risk_register as rules
from returnflow.domain.incidents import Incident
from returnflow.domain.monitors import Monitor, Reading
from returnflow.domain.risk_register import Risk, RiskEdit, RiskType
from returnflow.domain.text import DomainError, Text
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import UnitOfWork

SYSTEM = "system:risk-register"


@dataclass(frozen=True, slots=True)
class IndicatorView:
    monitor: Monitor
    worst: Reading | None  # the key closest to (or furthest over) its threshold
    breached_keys: int
    read_at: datetime | None
    incidents: tuple[Incident, ...]  # open (not closed) incidents of this monitor

    @property
    def breached(self) -> bool:
        return self.breached_keys > 0


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    risk: Risk
    kind: RiskType
    owner_name: str
    indicators: tuple[IndicatorView, ...]

    @property
    def warning(self) -> bool:
        return any(i.breached or i.incidents for i in self.indicators)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    actor: str
    changes: dict[str, list[str]]


def ensure_register(uow: UnitOfWork, now: datetime) -> list[Risk]:
    """The register, the five seeded risks added to it the first time (caller commits)."""
    found = uow.risk_register.all()
    have = {r.code for r in found}
    missing = [r for r in rules.seeded(now, SYSTEM) if r.code not in have]
    for risk in missing:
        uow.risk_register.add(risk)
    return uow.risk_register.all() if missing else found


def register(uow: UnitOfWork, now: datetime) -> list[RegisterEntry]:
    """Every risk, highest rating first, with its indicators (read only)."""
    risks = ensure_register(uow, now)
    names = uow.risk_register.staff_names()
    monitors = uow.monitors.all()
    readings = uow.monitors.readings()
    open_incidents = [i for i in uow.incidents.listing(include_closed=False) if not i.drill]
    entries = []
    for risk in risks:
        views = tuple(
            _indicator(m, readings.get(m.id, []), open_incidents)
            for m in monitors
            if m.indicator in risk.kind.indicators
        )
        entries.append(RegisterEntry(risk, risk.kind, names.get(risk.owner, risk.owner), views))
    return sorted(entries, key=lambda e: (-e.risk.rating, list(rules.TYPES).index(e.risk.code)))


def _indicator(
    monitor: Monitor, pairs: list[tuple[Reading, datetime]], incidents: list[Incident]
) -> IndicatorView:
    def ratio(r: Reading) -> float:
        return r.value / r.threshold if r.threshold > 0 else r.value

    found = [r for r, _ in pairs]
    worst = max(found, key=lambda r: (r.breached, ratio(r)), default=None)
    mine = tuple(i for i in incidents if i.monitor_id == monitor.id)
    read_at = pairs[0][1] if pairs else None
    return IndicatorView(monitor, worst, sum(r.breached for r in found), read_at, mine)


def entry(uow: UnitOfWork, code: str, now: datetime) -> RegisterEntry:
    for found in register(uow, now):
        if found.risk.code == code:
            return found
    raise _not_found()


def history(uow: UnitOfWork, code: str) -> list[HistoryEntry]:
    if code not in rules.TYPES:
        raise _not_found()
    return [
        HistoryEntry(at, actor, changes) for at, actor, changes in uow.risk_register.history(code)
    ]


def named_history(uow: UnitOfWork, code: str) -> list[HistoryEntry]:
    """The history for a page: people by display name ("运营经理 王敏"), not user name."""
    names = uow.risk_register.staff_names()
    return [
        HistoryEntry(e.at, _named_actor(e.actor, names), _named_owner(e.changes, names))
        for e in history(uow, code)
    ]


def _named_actor(actor: str, names: dict[str, str]) -> str:
    role, colon, login = actor.partition(":")
    return f"{role}:{names.get(login, login)}" if colon else actor


def _named_owner(changes: dict[str, list[str]], names: dict[str, str]) -> dict[str, list[str]]:
    if "owner" not in changes:
        return changes
    return {**changes, "owner": [names.get(v, v) for v in changes["owner"]]}


def owners(uow: UnitOfWork) -> dict[str, str]:
    """Who may own a risk: active staff accounts, user name → display name."""
    return uow.risk_register.staff_names()


def edit(uow: UnitOfWork, code: str, change: RiskEdit, actor: str, now: datetime) -> Risk:
    """A manager's edit of one risk, its history row beside it (caller commits)."""
    ensure_register(uow, now)
    if code not in rules.TYPES:
        raise _not_found()
    found = uow.risk_register.get(code)
    if found is None:
        raise _not_found()
    owner = change.owner.strip()
    if owner and owner not in uow.risk_register.staff_names():
        raise DomainError(
            "owner_not_found",
            Text("负责人须为在职员工账号", "The owner must be an active staff account"),
            field="owner",
        )
    changed = rules.edited(found, _with_owner(change, owner), actor, now)
    uow.risk_register.save(changed, rules.changes(found, changed), actor, now)
    return changed


def _with_owner(change: RiskEdit, owner: str) -> RiskEdit:
    return RiskEdit(
        change.probability, change.impact, owner, change.mitigation, change.status, change.review_on
    )


def _not_found() -> NotFound:
    return NotFound("risk_not_found", Text("找不到该风险", "The risk was not found"))
