"""The risk register page (issue 15, R10.1, R10.2): `/staff/risk/register`.

Everyone with risk.view reads it: each risk's rating (probability × impact) and level,
owner, mitigation, status, review date, the monitors that indicate it with their last
reading against its threshold and any open incident, and the history of its changes.
Managers (risk.manage) edit a risk in place. The frequent-returner pages
(web/console_care.py) are included here; the tabs link the watch list of issue 15's
intake work (`/staff/risk/watch-list`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.monitors import key_label
from returnflow.domain.risk_register import RiskEdit, RiskLevel, RiskStatus
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.steps import Refused, attempt, perform
from returnflow.services import incident_names
from returnflow.services import risk_register as service
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web import console_care
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.roles import RiskManager, RiskViewer
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)
router.include_router(console_care.router)
PAGE = "/staff/risk/register"
Csrf = Annotated[str, Form(max_length=100)]
Short = Annotated[str, Form(max_length=100)]
Long = Annotated[str, Form(max_length=4000)]


def _read(context: AppContext, uow: UnitOfWork, now: datetime) -> dict[str, Any]:
    entries = service.register(uow, now)
    keys = [(i.monitor.scope, i.worst.key) for e in entries for i in e.indicators if i.worst]
    return {
        "names": incident_names.key_names(uow, keys, context.carrier_registry()),
        "entries": entries,
        "histories": {e.risk.code: service.named_history(uow, e.risk.code) for e in entries},
        "owners": service.owners(uow),
    }


def _page(
    request: Request,
    context: AppContext,
    session: StaffSession,
    error: Text | None = None,
    failed: str = "",
    status_code: int = 200,
    notice: str | None = None,
) -> Response:
    values = perform(context, lambda uow, now: _read(context, uow, now))
    values.update(
        error=error,
        failed=failed,
        levels=list(RiskLevel),
        statuses=list(RiskStatus),
        key_label=key_label,
        field_words=FIELD_WORDS,
    )
    return render_staff(
        request,
        session,
        "staff/risk_register.html",
        values,
        section="risk",
        status_code=status_code,
        notice=notice,
    )


@router.get(PAGE)
def register_page(request: Request, context: Context, session: RiskViewer) -> Response:
    return _page(request, context, session)


def _score(value: str, name: str) -> int:
    if value.strip().isdigit() and 1 <= int(value) <= 5:
        return int(value)
    raise DomainError(
        f"invalid_{name}", Text("概率和影响须在 1 到 5 之间", "Probability and impact are 1 to 5")
    )


def _edit(
    probability: str, impact: str, owner: str, mitigation: str, status: str, review_on: str
) -> RiskEdit:
    try:
        chosen = RiskStatus(status)
        review = date.fromisoformat(review_on) if review_on else None
    except ValueError:
        raise DomainError(
            "invalid_risk_edit", Text("状态或复核日期无效", "Invalid status or review date")
        ) from None
    return RiskEdit(
        _score(probability, "probability"), _score(impact, "impact"), owner, mitigation, chosen,
        review,
    )  # fmt: skip


@router.post(PAGE + "/{code}")
def edit_risk(
    request: Request,
    context: Context,
    session: RiskManager,
    code: Annotated[str, Path(max_length=40)],
    csrf_token: Csrf = "",
    probability: Short = "",
    impact: Short = "",
    owner: Short = "",
    mitigation: Long = "",
    status: Short = "",
    review_on: Short = "",
) -> Response:
    check_csrf(session, csrf_token)
    try:
        change = _edit(probability, impact, owner, mitigation, status, review_on)
    except DomainError as refused:
        return _page(request, context, session, refused.message, code[:40], 422)
    actor = session.principal.actor
    done = attempt(context, lambda uow, now: service.edit(uow, code[:40], change, actor, now))
    if isinstance(done, Refused):
        return _page(request, context, session, done.message, code[:40], done.status)
    return RedirectResponse(f"{PAGE}#risk-{done.code}", status_code=303)


FIELD_WORDS = {
    "probability": Text("概率", "Probability"),
    "impact": Text("影响", "Impact"),
    "owner": Text("负责人", "Owner"),
    "mitigation": Text("应对措施", "Mitigation"),
    "status": Text("状态", "Status"),
    "review_on": Text("复核日期", "Review date"),
}
