"""The incidents console (issue 14, R13.1): incidents, one incident, monitors, playbooks.

`/staff/incidents` lists them (open first, severity colours) with "start a drill";
`/staff/incidents/{id}` shows the planned steps as a checklist, the timeline and the
actions (acknowledge, assign, note, mitigate, close with the review); `/staff/monitors`
shows every monitor's last value against its baseline with its thresholds to edit and
"evaluate now"; `/staff/playbooks` edits the planned steps; the on-call rota
(`/staff/incidents/on-call`) is web/console_on_call.py. A breach keyed by merchant, SKU,
carrier or category is shown by name (services/incident_names.py), read in the page's
own unit of work. The same services as api/incidents.py; managers and admins only
(`incidents.manage`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain import playbooks as playbook_rules
from returnflow.domain.incidents import MAX_REVIEW, IncidentStatus
from returnflow.domain.monitors import Indicator, Severity, key_label
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import RowId
from returnflow.entrypoints.steps import Refused, attempt, perform
from returnflow.services import incident_names, incident_rota
from returnflow.services import incidents as incident_service
from returnflow.services import monitors as monitor_service
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web import console_on_call
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.paging import CARDS_SIZE, page_number, page_of
from returnflow.web.roles import IncidentManager
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)
router.include_router(console_on_call.router)  # /staff/incidents/on-call before /{incident_id}
Csrf = Annotated[str, Form(max_length=100)]
Short = Annotated[str, Form(max_length=100)]
Long = Annotated[str, Form(max_length=MAX_REVIEW)]
Number = Annotated[str, Form(max_length=12)]
Steps = Annotated[str, Form(max_length=20 * 700)]


def _shared() -> dict[str, Any]:
    return {
        "severities": list(Severity),
        "indicators": list(Indicator),
        "statuses": list(IncidentStatus),
        "kinds": playbook_rules.kinds(),
        "kind_label": _kind_label,
        "key_label": key_label,
    }


def _people(uow: UnitOfWork) -> dict[str, str]:
    """Who can own an incident, user name → display name (owners are shown by name)."""
    return {m.username: m.display_name for m in uow.on_call.members()}


def _kind_label(kind: str) -> Text:
    if kind == playbook_rules.DRILL:
        return Text("演练", "Drill")
    return Indicator(kind).label


@router.get("/staff/incidents")
def incidents_page(
    request: Request, context: Context, session: IncidentManager, error: Text | None = None
) -> Response:
    carriers = context.carrier_registry()
    asked = page_number(request.query_params.get("page", ""))

    def read(uow: UnitOfWork, now: datetime) -> dict[str, Any]:
        found = incident_service.listing(uow)
        shown, control = page_of("/staff/incidents", found, asked, {}, CARDS_SIZE)
        active = [i for i in found if i.status is not IncidentStatus.CLOSED]
        return {
            "incidents": shown,
            "pager": control,  # issue 16: 20 cards a page
            "words": incident_names.incident_words(uow, shown, carriers),
            "people": _people(uow),
            "active": len(active),
            "critical": sum(1 for i in active if i.severity is Severity.CRITICAL),
            "drills": sum(1 for i in active if i.drill),
        }

    values = {**_shared(), **perform(context, read), "error": error}
    return render_staff(request, session, "staff/incidents.html", values, section="incidents")


@router.post("/staff/incidents/drills")
def start_drill(
    request: Request,
    context: Context,
    session: IncidentManager,
    csrf_token: Csrf = "",
    kind: Short = "drill",
    severity: Short = "medium",
) -> Response:
    check_csrf(session, csrf_token)
    level = Severity(severity) if severity in set(Severity) else Severity.MEDIUM
    made = attempt(
        context,
        lambda uow, now: incident_service.start_drill(
            uow, kind, level, session.principal.actor, now
        ),
    )
    if isinstance(made, Refused):
        return incidents_page(request, context, session, error=made.message)
    return RedirectResponse(f"/staff/incidents/{made.id}", status_code=303)


def _incident_page(
    request: Request,
    context: AppContext,
    session: StaffSession,
    incident_id: int,
    error: Text | None = None,
    status_code: int = 200,
) -> Response:
    carriers = context.carrier_registry()

    def read(uow: UnitOfWork, now: datetime) -> dict[str, Any]:
        found = incident_service.incident(uow, incident_id)
        return {
            "incident": found,
            "words": incident_names.incident_words(uow, [found], carriers)[found.id],
            "on_call": incident_rota.on_call_now(uow, now),
            "people": _people(uow),
        }

    values = {**_shared(), **perform(context, read), "error": error, "max_review": MAX_REVIEW}
    return render_staff(
        request,
        session,
        "staff/incidents_detail.html",
        values,
        section="incidents",
        status_code=status_code,
    )


@router.get("/staff/incidents/{incident_id}")
def incident_page(
    request: Request, context: Context, session: IncidentManager, incident_id: RowId
) -> Response:
    return _incident_page(request, context, session, incident_id)


@router.post("/staff/incidents/{incident_id}/actions")
def act(
    request: Request,
    context: Context,
    session: IncidentManager,
    incident_id: RowId,
    csrf_token: Csrf = "",
    action: Short = "",
    owner: Short = "",
    step: Number = "0",
    text: Long = "",
) -> Response:
    check_csrf(session, csrf_token)
    number = int(step) if step.isdigit() else 0
    chosen = incident_service.Action(action, owner, number, text)
    done = attempt(
        context,
        lambda uow, now: incident_service.act(
            uow, incident_id, chosen, session.principal.actor, now
        ),
    )
    if isinstance(done, Refused):
        return _incident_page(
            request, context, session, incident_id, done.message, status_code=done.status
        )
    return RedirectResponse(f"/staff/incidents/{incident_id}#timeline", status_code=303)


def _monitors_page(
    request: Request,
    context: AppContext,
    session: StaffSession,
    error: Text | None = None,
    status_code: int = 200,
    notice: str | None = None,
) -> Response:
    carriers = context.carrier_registry()

    def read(uow: UnitOfWork, now: datetime) -> dict[str, Any]:
        views = monitor_service.overview(uow, now)
        return {"views": views, "names": incident_names.monitor_names(uow, views, carriers)}

    values = {**_shared(), **perform(context, read), "error": error}
    return render_staff(
        request,
        session,
        "staff/monitors.html",
        values,
        section="monitors",
        status_code=status_code,
        notice=notice,
    )


@router.get("/staff/monitors")
def monitors_page(request: Request, context: Context, session: IncidentManager) -> Response:
    return _monitors_page(request, context, session)


@router.post("/staff/monitors/evaluate")
def evaluate(
    request: Request, context: Context, session: IncidentManager, csrf_token: Csrf = ""
) -> Response:
    check_csrf(session, csrf_token)
    perform(context, monitor_service.evaluate)
    return RedirectResponse("/staff/monitors", status_code=303)


@router.post("/staff/monitors/{monitor_id}")
def retune(
    request: Request,
    context: Context,
    session: IncidentManager,
    monitor_id: RowId,
    csrf_token: Csrf = "",
    factor: Number = "",
    k_sd: Number = "",
    min_volume: Number = "",
    severity: Short = "",
    enabled: Short = "",
) -> Response:
    check_csrf(session, csrf_token)
    try:
        level = Severity(severity)
        values = monitor_service.ThresholdValues(
            float(factor), float(k_sd), int(min_volume), level, enabled == "yes"
        )
    except ValueError:
        message = Text("请填写有效的数字", "Enter valid numbers")
        return _monitors_page(request, context, session, message, 422)
    done = attempt(
        context,
        lambda uow, now: monitor_service.retune(
            uow, monitor_id, values, session.principal.actor, now
        ),
    )
    if isinstance(done, Refused):
        return _monitors_page(request, context, session, done.message, done.status)
    return RedirectResponse("/staff/monitors", status_code=303)


def _playbooks_page(
    request: Request,
    context: AppContext,
    session: StaffSession,
    error: Text | None = None,
    status_code: int = 200,
) -> Response:
    books = perform(context, lambda uow, now: incident_service.playbook_list(uow))
    values = {**_shared(), "books": books, "error": error}
    return render_staff(
        request,
        session,
        "staff/incidents_playbooks.html",
        values,
        section="incidents",
        status_code=status_code,
    )


@router.get("/staff/playbooks")
def playbooks_page(request: Request, context: Context, session: IncidentManager) -> Response:
    return _playbooks_page(request, context, session)


@router.post("/staff/playbooks/{kind}")
def edit_playbook(
    request: Request,
    context: Context,
    session: IncidentManager,
    kind: Annotated[str, Path(max_length=40)],
    csrf_token: Csrf = "",
    title_zh: Short = "",
    title_en: Short = "",
    steps: Steps = "",
) -> Response:
    """`steps`: one step a line, "中文 | English"."""
    check_csrf(session, csrf_token)
    try:
        lines = [_step(line) for line in steps.splitlines() if line.strip()]
    except DomainError as refused:
        return _playbooks_page(request, context, session, refused.message, 422)
    title = Text(title_zh, title_en)
    done = attempt(
        context,
        lambda uow, now: incident_service.edit_playbook(
            uow, kind, title, lines, session.principal.actor, now
        ),
    )
    if isinstance(done, Refused):
        return _playbooks_page(request, context, session, done.message, done.status)
    return RedirectResponse(f"/staff/playbooks#{kind}", status_code=303)


def _step(line: str) -> Text:
    zh, bar, en = line.partition("|")
    if not bar:
        raise DomainError(
            "step_needs_both_languages",
            Text("每行写一个步骤：中文 | English", "One step a line: 中文 | English"),
            field="steps",
        )
    return Text(zh.strip(), en.strip())
