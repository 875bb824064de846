"""Training pages (issue 17, R16.8): `/staff/training`, every staff role.

My courses with lessons whose worked cases the policy engine computes as the page is
read, my certificates and their standing (refresher due, grace), taking a knowledge
check (`/staff/training/attempts/{id}`) and its result with an explanation per
question; administrators waive the gate for a person with a reason.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.access import Permission
from returnflow.domain.staff_notices import LOCAL_ZONE
from returnflow.domain.text import Text
from returnflow.domain.training import Skill
from returnflow.domain.training_records import RecognitionKind
from returnflow.domain.training_schedule import AssessmentKind
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.steps import Refused, attempt, perform
from returnflow.services import training as service
from returnflow.services import training_practice, training_schedule, training_stale, training_team
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.roles import Admin, StaffScorer, Trainee
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)
PAGE = "/staff/training"
Csrf = Annotated[str, Form(max_length=100)]
Short = Annotated[str, Form(max_length=100)]
Reason = Annotated[str, Form(max_length=500)]


def _render(
    request: Request,
    session: StaffSession,
    values: dict[str, Any],
    status_code: int = 200,
) -> Response:
    shown = {"choice_text": service.choice_text, "mode": "courses", "error": None, **values}
    return render_staff(
        request, session, "staff/training.html", shown, section="training", status_code=status_code
    )


def _courses_page(
    request: Request,
    context: AppContext,
    session: StaffSession,
    error: Text | None = None,
    status_code: int = 200,
    notice: Text | None = None,
) -> Response:
    principal = session.principal

    def read(uow: UnitOfWork, now: datetime) -> dict[str, Any]:
        return {
            "courses": service.courses(uow, principal.username, principal.role, now),
            "attempts": service.past_attempts(uow, principal.username),
            "rereads": training_stale.rereads_of(uow, principal.username),
            "assessments": training_schedule.schedule_of(uow, principal.username, now),
            "recognitions": training_practice.recognitions_of(uow, [principal.username]),
        }

    values = perform(context, read)
    values.update(
        error=error,
        done=notice,
        may_waive=principal.can(Permission.USERS_MANAGE),
        user_id=principal.user_id,
        skills=list(Skill),
    )
    return _render(request, session, values, status_code)


_NEEDED = Text(
    "验收前需要取得“退货检验”证书：请先学习下面的“退货检验”课程并通过测验。",
    "Inspecting needs the inspection certificate: take the inspection course below and pass"
    " its check.",
)


@router.get(PAGE)
def courses_page(
    request: Request, context: Context, session: Trainee, needed: str = ""
) -> Response:
    """`?needed=inspection`: sent here by the inspection desk's gate (issue 17)."""
    notice = _NEEDED if needed == Skill.INSPECTION.value else None
    return _courses_page(request, context, session, notice=notice)


@router.get(PAGE + "/team")
def team_page(request: Request, context: Context, session: StaffScorer) -> Response:
    """Managers: the team's skills matrix, expiring certificates and gaps."""
    return _team_page(request, context, session)


def _team_page(
    request: Request,
    context: AppContext,
    session: StaffSession,
    error: Text | None = None,
    status_code: int = 200,
    notice: Text | None = None,
) -> Response:
    found = perform(context, lambda uow, now: training_team.team_matrix(uow, now))
    shown = {
        "mode": "team",
        "team": found,
        "assessment_kinds": list(AssessmentKind),
        "recognition_kinds": list(RecognitionKind),
    }
    return _render(request, session, {**shown, "error": error, "done": notice}, status_code)


@router.post(PAGE + "/assessments")
def record_assessment(
    request: Request,
    context: Context,
    session: StaffScorer,
    csrf_token: Csrf = "",
    username: Short = "",
    kind: Short = "",
    note: Reason = "",
) -> Response:
    """A supervisor records a periodic assessment done (practical, satisfaction, appraisal)."""
    check_csrf(session, csrf_token)
    if kind not in {k.value for k in AssessmentKind}:
        return _team_page(request, context, session, _CHOOSE, 422)
    actor = session.principal.actor
    done = attempt(
        context,
        lambda uow, now: _record(uow, username.strip(), AssessmentKind(kind), actor, now, note),
    )
    if isinstance(done, Refused):
        return _team_page(request, context, session, done.message, done.status)
    return _team_page(request, context, session, notice=_RECORDED)


def _record(
    uow: UnitOfWork, username: str, kind: AssessmentKind, actor: str, now: datetime, note: str
) -> None:
    """A practical assessment carries this month's figures from real work (computed)."""
    if kind is AssessmentKind.PRACTICAL:
        month = now.astimezone(LOCAL_ZONE).date()
        training_practice.record_practical(uow, username, month, actor, now, note)
    else:
        training_schedule.record(uow, username, kind, actor, now, note)


@router.post(PAGE + "/recognitions")
def recognize(
    request: Request,
    context: Context,
    session: StaffScorer,
    csrf_token: Csrf = "",
    username: Short = "",
    kind: Short = "",
    reason: Reason = "",
    on: Short = "",
) -> Response:
    """A manager records a reward or a corrective action for a person, with the reason."""
    check_csrf(session, csrf_token)
    try:
        chosen, day = RecognitionKind(kind), date.fromisoformat(on)
    except ValueError:
        return _team_page(request, context, session, _CHOOSE_KIND, 422)
    actor = session.principal.actor
    done = attempt(
        context,
        lambda uow, now: training_practice.recognize(
            uow, username.strip(), chosen, reason, day, actor, now
        ),
    )
    if isinstance(done, Refused):
        return _team_page(request, context, session, done.message, done.status)
    return _team_page(request, context, session, notice=_RECOGNIZED)


@router.post(PAGE + "/attempts")
def start(
    request: Request,
    context: Context,
    session: Trainee,
    csrf_token: Csrf = "",
    skill: Short = "",
) -> Response:
    check_csrf(session, csrf_token)
    if skill not in {s.value for s in Skill}:
        return _courses_page(request, context, session, _CHOOSE, 422)
    username = session.principal.username
    done = attempt(
        context, lambda uow, now: service.start_attempt(uow, username, Skill(skill), now)
    )
    if isinstance(done, Refused):
        return _courses_page(request, context, session, done.message, done.status)
    return RedirectResponse(f"{PAGE}/attempts/{done.attempt_id}", status_code=303)


@router.get(PAGE + "/attempts/{attempt_id}")
def check_page(request: Request, context: Context, session: Trainee, attempt_id: RowId) -> Response:
    username = session.principal.username
    done = attempt(context, lambda uow, now: service.open_attempt(uow, attempt_id, username))
    if isinstance(done, Refused):
        return _courses_page(request, context, session, done.message, done.status)
    return _render(request, session, {"mode": "check", "started": done})


@router.post(PAGE + "/attempts/{attempt_id}/answers")
async def answer(
    request: Request, context: Context, session: Trainee, attempt_id: RowId
) -> Response:
    form = await request.form(max_fields=60)
    check_csrf(session, str(form.get("csrf_token", "")))
    given: list[int | None] = []
    for number in range(1, 51):
        if f"present_{number}" not in form:
            break
        value = str(form.get(f"q{number}", ""))
        given.append(int(value) if value.isdigit() and len(value) < 3 else None)
    username = session.principal.username
    rules = service.TrainingRules.from_settings(context.settings)
    done = attempt(
        context,
        lambda uow, now: service.answer_attempt(uow, attempt_id, username, given, now, rules),
    )
    if isinstance(done, Refused):
        return _courses_page(request, context, session, done.message, done.status)
    return _render(request, session, {"mode": "result", "result": done})


@router.post(PAGE + "/waivers")
def waive(
    request: Request,
    context: Context,
    session: Admin,
    csrf_token: Csrf = "",
    username: Short = "",
    skill: Short = "",
    reason: Reason = "",
) -> Response:
    check_csrf(session, csrf_token)
    if skill not in {s.value for s in Skill}:
        return _courses_page(request, context, session, _CHOOSE, 422)
    actor = session.principal.actor
    done = attempt(
        context,
        lambda uow, now: service.waive(uow, username.strip(), Skill(skill), reason, actor, now),
    )
    if isinstance(done, Refused):
        return _courses_page(request, context, session, done.message, done.status)
    return _courses_page(request, context, session, notice=_WAIVED.format(name=done.username))


@router.post(PAGE + "/rereads")
def confirm_reread(
    request: Request, context: Context, session: Trainee, csrf_token: Csrf = "", lesson: Short = ""
) -> Response:
    """I have re-read a lesson a new policy version changed: the mark is cleared."""
    check_csrf(session, csrf_token)
    username = session.principal.username
    done = attempt(
        context, lambda uow, now: training_stale.confirm_reread(uow, username, lesson, now)
    )
    if isinstance(done, Refused):
        return _courses_page(request, context, session, done.message, done.status)
    return _courses_page(request, context, session, notice=_REREAD)


_RECORDED = Text("考核已记录", "Assessment recorded")
_RECOGNIZED = Text("已记录，附原因", "Recorded with its reason")
_CHOOSE_KIND = Text(
    "请选择奖励或纠正措施，并填写日期", "Choose a reward or a corrective action and a date"
)
_REREAD = Text("已确认重新学习", "Marked as re-read")
_CHOOSE = Text("请选择课程", "Choose a course")
_WAIVED = Text("已为 {name} 豁免，已记录原因", "Waived for {name}; the reason is on record")
