"""One demo account per role, so every console can be tried at once.

Passwords are derived from the seed: printed by `returnflow demo`, the same on every
run with the same seed, and never used outside a demo database.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.services import accounts, reports, training
from returnflow.services.unit_of_work import UnitOfWork

# display names are people's names (issue 16): pages put the role word before them
DEMO_ACCOUNTS: tuple[tuple[str, str, Role, str | None], ...] = (
    ("agent", "李娜", Role.AGENT, None),
    ("warehouse", "张伟", Role.WAREHOUSE, None),
    ("finance", "刘洋", Role.FINANCE, None),
    ("merchant", "贝乐母婴旗舰店", Role.MERCHANT, "m-babycare"),
    ("manager", "王敏", Role.MANAGER, None),
    ("mediator", "周婷", Role.MEDIATOR, None),
    ("admin", "陈静", Role.ADMIN, None),
    ("logistics", "赵磊", Role.LOGISTICS, None),  # issue 16: carriers' exceptions, parcels
)
# the manager reads the weekly report by mail (issue 14): an address and a subscription
MANAGER_MAIL = "wang.min@demo.returnflow.example"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: Role
    merchant_id: str | None


def demo_password(username: str, seed: int) -> str:
    digest = hashlib.sha256(f"returnflow-demo:{seed}:{username}".encode()).hexdigest()
    return f"demo-{digest[:10]}"


def create_demo_accounts(context: AppContext, seed: int, now: datetime) -> list[DemoAccount]:
    """Create the accounts that do not exist yet; return all of them with passwords."""
    created = []
    with context.uow() as uow:
        for username, display_name, role, merchant_id in DEMO_ACCOUNTS:
            password = demo_password(username, seed)
            if not uow.accounts.user_exists(username):
                principal = accounts.add_user(
                    uow,
                    username=username,
                    display_name=display_name,
                    password=password,
                    role=role,
                    now=now,
                    merchant_id=merchant_id,
                )
                if username == "manager":
                    _subscribe_manager(uow, principal.user_id, now)
                _certify(uow, username, role, now)
            created.append(DemoAccount(username, password, role, merchant_id))
        uow.commit(now)
    return created


def _certify(uow: UnitOfWork, username: str, role: Role, now: datetime) -> None:
    """Issue 17: every course of the role passed through a real check, so the demo works
    with the certification gates on; the warehouse's receiving pass is 340 days old (its
    refresher is due), the others 20 days."""
    for skill in training.skills_for(role):
        days = 340 if (username, skill.value) == ("warehouse", "receiving") else 20
        at = now - timedelta(days=days)
        started = training.start_attempt(uow, username, skill, at, seed=days + len(username))
        right = [question.answer for question in started.questions]
        training.answer_attempt(uow, started.attempt_id, username, right, at)


def _subscribe_manager(uow: UnitOfWork, user_id: int, now: datetime) -> None:
    uow.staff_notices.set_email(user_id, MANAGER_MAIL)
    reports.subscribe(uow, user_id, ["week"], "zh", now)
