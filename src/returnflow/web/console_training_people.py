"""Skill records in the console (issue 17, R16.8, R12.2).

`/staff/training/second-grades`: a warehouse supervisor, another inspector or a manager
grades recently inspected returns again without seeing the first grade (the form lives
here, not on the request page, because the request page shows the first grade).
`/staff/training/due` (+ `.csv`): managers' list of everyone with an assessment, a
re-read or a certificate due. `/staff/training/people/{user_id}`: one person's whole
skill record; a manager opens anyone's, a person their own.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import Response

from returnflow.app_context import AppContext
from returnflow.domain.inspection import Grade
from returnflow.domain.text import Text
from returnflow.domain.training_schedule import AssessmentKind
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.files import attachment
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.params import RowId, digits
from returnflow.entrypoints.steps import Refused, attempt, perform
from returnflow.services import training_due, training_grades, training_people
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.paging import PAGE_SIZE, page_number, pager
from returnflow.web.roles import Inspector, StaffScorer, Trainee
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)
GRADES = "/staff/training/second-grades"
DUE = "/staff/training/due"
TEMPLATE = "staff/training_people.html"
Csrf = Annotated[str, Form(max_length=100)]
Short = Annotated[str, Form(max_length=100)]


def _render(
    request: Request, session: StaffSession, values: dict[str, Any], status_code: int = 200
) -> Response:
    shown = {"error": None, "done": None, **values}
    return render_staff(
        request, session, TEMPLATE, shown, section="training", status_code=status_code
    )


def _grades_page(
    request: Request,
    context: AppContext,
    session: StaffSession,
    *,
    error: Text | None = None,
    made: Any = None,
    status_code: int = 200,
) -> Response:
    page = page_number(request.query_params.get("page", ""))
    username = session.principal.username
    found = perform(
        context,
        lambda uow, now: training_grades.awaiting(
            uow, username, now, (page - 1) * PAGE_SIZE, PAGE_SIZE
        ),
    )
    values = {
        "mode": "second_grades",
        "awaiting": found.items,
        "pager": pager(GRADES, found.total, page, {}),
        "grades": list(Grade),
        "made": made,
        "error": error,
        "done": _GRADED if made is not None else None,
    }
    return _render(request, session, values, status_code)


@router.get(GRADES)
def second_grades_page(request: Request, context: Context, session: Inspector) -> Response:
    """Recently inspected returns nobody has graded again; the first grade is not shown."""
    return _grades_page(request, context, session)


@router.post(GRADES)
def second_grade(
    request: Request,
    context: Context,
    session: Inspector,
    csrf_token: Csrf = "",
    rma_no: Short = "",
    grade: Short = "",
) -> Response:
    check_csrf(session, csrf_token)
    chosen = next((g for g in Grade if g.value == grade), None)
    if chosen is None:
        return _grades_page(request, context, session, error=_CHOOSE_GRADE, status_code=422)
    actor = session.principal.actor  # the gate reads its settings per call, as inspecting does
    done = attempt(
        context, lambda uow, now: training_grades.regrade(uow, rma_no.strip(), chosen, actor, now)
    )
    if isinstance(done, Refused):
        return _grades_page(request, context, session, error=done.message, status_code=done.status)
    return _grades_page(request, context, session, made=done)


def _due_list(request: Request, context: AppContext) -> tuple[list[Any], dict[str, str]]:
    query = request.query_params
    within = digits(query.get("within", ""), 0, training_due.MAX_WITHIN)
    within = training_due.DEFAULT_WITHIN if within is None else within
    sort = next((s for s in training_due.Sort if s.value == query.get("sort")), None)
    sort = sort or training_due.Sort.SOONEST

    def read(uow: UnitOfWork, now: datetime) -> list[training_due.DuePerson]:
        return training_due.who_is_due(uow, now, within, sort)

    return perform(context, read), {"within": str(within), "sort": sort.value}


@router.get(DUE)
def due_page(request: Request, context: Context, session: StaffScorer) -> Response:
    """Managers: who has an assessment, a re-read or a certificate due, a page at a time."""
    found, kept = _due_list(request, context)
    shown = pager(DUE, len(found), page_number(request.query_params.get("page", "")), kept)
    first = (shown.page - 1) * shown.size
    values = {
        "mode": "due",
        "people": found[first : first + shown.size],
        "pager": shown,
        "kept": kept,
        "sorts": list(training_due.Sort),
    }
    return _render(request, session, values)


@router.get(DUE + ".csv")
def due_csv(request: Request, context: Context, session: StaffScorer) -> Response:
    """The same list as a spreadsheet: one row per thing due, in the reader's language."""
    found, kept = _due_list(request, context)
    language = preferred_language(request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([h.in_language(language) for h in _CSV_HEADERS])
    for person in found:
        for item in person.items:
            writer.writerow(
                [
                    person.username,
                    person.display_name,
                    person.role.label.in_language(language),
                    _WHAT[item.what].in_language(language),
                    item.label.in_language(language),
                    item.on.isoformat() if item.on else "",
                    _YES.in_language(language) if item.overdue else "",
                    item.count,
                ]
            )
    name = f"training-due-{kept['within']}d.csv"
    return attachment(out.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8", name)


@router.get("/staff/training/people/{user_id}")
def record_page(request: Request, context: Context, session: Trainee, user_id: RowId) -> Response:
    """One person's whole skill record: a manager opens anyone's, a person their own."""
    principal = session.principal
    done = attempt(
        context, lambda uow, now: training_people.skill_record(uow, user_id, principal, now)
    )
    if isinstance(done, Refused):
        return _render(request, session, {"mode": "refused", "error": done.message}, done.status)
    return _render(
        request, session, {"mode": "record", "record": done, "assessment_label": _assessment}
    )


def _assessment(kind: str) -> Text:
    found = next((k for k in AssessmentKind if k.value == kind), None)
    return found.label if found is not None else Text(kind, kind)


_GRADED = Text("复核评级已记录", "Second grade recorded")
_CHOOSE_GRADE = Text("请选择一个等级", "Choose a grade")
_YES = Text("是", "yes")
_WHAT = {
    training_due.What.ASSESSMENT: Text("考核", "Assessment"),
    training_due.What.REREAD: Text("待重新学习", "Lessons to re-read"),
    training_due.What.CERTIFICATE: Text("证书到期", "Certificate expiring"),
    training_due.What.UNCERTIFIED: Text("未取得证书", "Not certified"),
}
_CSV_HEADERS = (
    Text("账号", "Account"),
    Text("姓名", "Name"),
    Text("岗位", "Role"),
    Text("事项", "What"),
    Text("课程或考核", "Course or assessment"),
    Text("日期", "Date"),
    Text("已逾期", "Overdue"),
    Text("数量", "Count"),
)
