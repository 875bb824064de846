"""The team's skills matrix (issue 17, R16.8, R12.2): who holds what, what expires, gaps.

One row per active staff account (up to `LIMIT`, by username), one cell per skill its
role trains; a cell is the person's best standing in that skill and when it expires.
Certificates expired longer than a year ago are not read: the cell says "missing".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from returnflow.domain import training
from returnflow.domain.access import Role
from returnflow.domain.training import Certificate, Skill, Standing
from returnflow.domain.training_records import Recognition
from returnflow.services.unit_of_work import UnitOfWork

LIMIT = 200


@dataclass(frozen=True)
class Cell:
    standing: Standing
    expires_at: datetime | None
    rereads: int = 0  # lessons a new policy version asks this person to re-read


@dataclass(frozen=True)
class Member:
    username: str
    display_name: str
    role: Role
    cells: dict[Skill, Cell]  # only the skills the role trains
    recognitions: tuple[Recognition, ...] = ()  # rewards and corrective actions, newest first
    user_id: int = 0  # the skill record's page: /staff/training/people/{user_id}


@dataclass(frozen=True)
class TeamMatrix:
    skills: tuple[Skill, ...]
    members: list[Member]
    missing: int  # cells that block work or were never earned
    due: int  # cells that ask for a refresher but still allow work


def team_matrix(uow: UnitOfWork, now: datetime) -> TeamMatrix:
    users, _ = uow.accounts.list_users(0, LIMIT)
    held: dict[tuple[str, Skill], list[Certificate]] = defaultdict(list)
    for certificate in uow.training.certificates_since(now - timedelta(days=365)):
        held[(certificate.username, certificate.skill)].append(certificate)
    rereads: dict[tuple[str, str], int] = defaultdict(int)
    for reread in uow.training.open_rereads():
        rereads[(reread.username, reread.skill)] += 1
    members = []
    for user in users:
        principal = user.principal
        skills = training.ROLE_SKILLS[principal.role]
        if not user.active or not skills:
            continue
        cells = {}
        for skill in skills:
            mine = held.get((principal.username, skill), [])
            best = max(mine, key=lambda c: c.expires_at, default=None)
            expires = best.expires_at if best else None
            waiting = rereads[(principal.username, skill.value)]
            cells[skill] = Cell(training.standing_of(mine, now), expires, waiting)
        member = Member(principal.username, principal.display_name, principal.role, cells)
        members.append(replace(member, user_id=principal.user_id))
    members = _with_recognitions(uow, members)
    every = [cell for member in members for cell in member.cells.values()]
    missing = sum(1 for cell in every if not cell.standing.allows_work)
    due = sum(1 for cell in every if cell.standing.allows_work and cell.standing.refresher_due)
    return TeamMatrix(tuple(Skill), members, missing, due)


def _with_recognitions(uow: UnitOfWork, members: list[Member]) -> list[Member]:
    """Each person's rewards and corrective actions on their row (one bounded read)."""
    mine: dict[str, list[Recognition]] = defaultdict(list)
    for made in uow.training.records.recognitions([m.username for m in members]):
        mine[made.username].append(made)
    return [replace(m, recognitions=tuple(mine[m.username])) for m in members]
