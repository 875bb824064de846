"""The operator manual (issue 16): one chapter per staff role, in the reader's language.

`/staff/manual` is open to every signed-in person; the reader's own role comes first
and is marked, the other chapters follow so a manager can read what the team does (a
merchant's account reads its own chapter only).
The prose lives in one template per language (`staff/manual_zh.html`,
`staff/manual_en.html`): long instructions read better written whole in each language
than cut into catalog sentences. Everything that changes with the configuration is
read, not written: the deadlines (with where each is set) from `services/help_facts`,
the status names from the lifecycle, the screenshots from `static/manual/`, which
`tests/web/test_manual_screens.py` takes afresh on every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from returnflow.domain.access import Role
from returnflow.domain.lifecycle import Status
from returnflow.domain.text import Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.steps import perform
from returnflow.services import help_facts
from returnflow.web.roles import Viewer
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)
SCREENS = Path(__file__).parent / "static" / "manual"
ROLES = (Role.AGENT, Role.WAREHOUSE, Role.FINANCE, Role.MANAGER, Role.ADMIN, Role.MERCHANT)


@dataclass(frozen=True, slots=True)
class Chapter:
    role: Role
    screen: str | None  # the screenshot's URL, None until the browser test has taken it
    own: bool  # the reader's own role

    @property
    def label(self) -> Text:
        return self.role.label


def screen_for(role: Role, language: str) -> str | None:
    """The role's home in the reader's language, else in the other one, else none."""
    for lang in (language, "zh", "en"):
        if (SCREENS / f"{role.value}-{lang}.png").is_file():
            return f"/static/manual/{role.value}-{lang}.png"
    return None


def chapters(own: Role, language: str) -> tuple[Chapter, ...]:
    """Platform staff read every chapter, their own first; a merchant, from outside the
    platform, reads its own only (how the platform's teams work is not its business)."""
    shown = (Role.MERCHANT,) if own is Role.MERCHANT else ROLES
    ordered = sorted(shown, key=lambda role: role is not own)
    return tuple(Chapter(role, screen_for(role, language), role is own) for role in ordered)


@router.get("/staff/manual")
def manual(request: Request, context: Context, session: Viewer) -> Response:
    language = preferred_language(request)
    deadlines = perform(
        context, lambda uow, now: help_facts.staff_deadlines(uow, context.settings, now)
    )
    values = {
        "chapters": chapters(session.principal.role, language),
        "deadlines": deadlines,
        "statuses": tuple(Status),
    }
    template = f"staff/manual_{language}.html"
    return render_staff(request, session, template, values, section="manual")
