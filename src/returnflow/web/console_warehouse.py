"""Warehouse pages (R5.2–R5.4): inspect a received request with its checklist, dispose
and put away; the inventory, return-to-vendor batches, figures and bin labels are in
`console_warehouse_stock.py` (included here). Plain forms with the session's CSRF
token; refusals come back on the same page with the reason and what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import quote

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.access import Forbidden, Permission
from returnflow.domain.disposition import Disposition
from returnflow.domain.inspection import Check, CheckResult, Grade, Mark, Responsibility
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints import params
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import FormText
from returnflow.entrypoints.steps import Refused, Step, attempt
from returnflow.services import inspection as inspection_service
from returnflow.services import warehouse as warehouse_service
from returnflow.services import warehouse_queries as queries
from returnflow.services.receiving_photos import FORM_BODY, MAX_PHOTOS, SavedPhotos
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.services.warehouse_queries import RequestWarehouse
from returnflow.web import console_warehouse_queue, console_warehouse_stock
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.roles import Disposer, Inspector
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)
P = Permission
_FIELDS = (
    "grade",
    "responsibility",
    "serial_no",
    "expected_serial",
    "notes",
    "deduction_amount",
    "deduction_reason",
)


def panel(context: AppContext, rma_no: str) -> RequestWarehouse:
    """What `staff/_inspection.html` shows on the request page (one call there)."""
    with context.uow() as uow:
        return queries.request_state(uow, rma_no)


def _base(rma_no: str) -> str:
    return f"/staff/warehouse/returns/{quote(rma_no, safe='')}"


# --- inspection -----------------------------------------------------------------------


@dataclass
class Typed:
    marks: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)


def _inspect_page(
    request: Request,
    context: AppContext,
    session: StaffSession,
    rma_no: str,
    *,
    typed: Typed | None = None,
    error: Text | None = None,
    status_code: int = 200,
) -> Response:
    with context.uow() as uow:
        found = queries.inspection_page(
            uow, rma_no, merchant_scope=session.principal.merchant_scope
        )
    values = {
        "rma": found.request,
        "checks": found.checks,
        "marks": list(Mark),
        "grades": list(Grade),
        "responsibilities": list(Responsibility),
        "warehouse": found.state,
        "book": found.book,
        "typed": typed or Typed(),
        "error": error,
        "open": found.request.status.value == "received",
    }
    return render_staff(
        request, session, "staff/inspect.html", values, section="warehouse", status_code=status_code
    )


@router.get("/staff/warehouse/returns/{rma_no}/inspect")
def inspect_form(request: Request, rma_no: str, context: Context, session: Inspector) -> Response:
    return _inspect_page(request, context, session, rma_no)


def _text(form: FormData, name: str, limit: int = 2000) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


async def _files(form: FormData) -> list[tuple[str, bytes]]:
    files = []
    for item in form.getlist("photos"):
        if isinstance(item, UploadFile) and (item.filename or item.size):
            files.append((item.filename or "photo", await item.read()))
    return files


@router.post("/staff/warehouse/returns/{rma_no}/inspect", max_body_size=FORM_BODY)
async def inspect(request: Request, rma_no: str, context: Context, session: Inspector) -> Response:
    """R5.2: the checklist, grade and responsibility decide pass or fail."""
    form = await request.form(max_files=MAX_PHOTOS + 1, max_fields=100)
    check_csrf(session, _text(form, "csrf_token"))
    typed = Typed(
        marks={c.value: _text(form, f"mark_{c.value}") for c in Check},
        notes={c.value: _text(form, f"note_{c.value}", 500) for c in Check},
        values={name: _text(form, name) for name in _FIELDS},
    )
    files = await _files(form)
    return await run_in_threadpool(_inspect_now, request, context, session, rma_no, typed, files)


def _inspect_now(
    request: Request,
    context: AppContext,
    session: StaffSession,
    rma_no: str,
    typed: Typed,
    files: list[tuple[str, bytes]],
) -> Response:
    principal = session.principal
    saved = SavedPhotos(context.photos)
    try:
        given = replace(_given(typed), photos=saved.save(files))
    except DomainError as refused:
        saved.discard()
        return _again(request, context, session, rma_no, typed, refused.message, 422)

    def step(uow: UnitOfWork, now: datetime) -> inspection_service.Outcome:
        return inspection_service.inspect(
            uow, rma_no, given, principal.actor, now, merchant_scope=principal.merchant_scope
        )

    try:
        done = attempt(context, step)
    except Forbidden as refused:
        saved.discard()
        if refused.code == "certificate_required":  # issue 17: the way to the course
            return RedirectResponse("/staff/training?needed=inspection", status_code=303)
        raise
    except BaseException:
        saved.discard()
        raise
    if isinstance(done, Refused):
        saved.discard()
        return _again(request, context, session, rma_no, typed, done.message, done.status)
    return RedirectResponse(f"{_base(rma_no)}/inspect?done=1", status_code=303)


def _again(
    request: Request,
    context: AppContext,
    session: StaffSession,
    rma_no: str,
    typed: Typed,
    error: Text,
    status_code: int,
) -> Response:
    """The inspection form again, with what was typed and why it was refused."""
    return _inspect_page(
        request, context, session, rma_no, typed=typed, error=error, status_code=status_code
    )


def _given(typed: Typed) -> inspection_service.InspectionInput:
    checks = []
    for name, mark in typed.marks.items():
        if mark in {m.value for m in Mark}:
            checks.append(CheckResult(Check(name), Mark(mark), typed.notes.get(name, "")))
    values = typed.values
    if values.get("grade") not in {g.value for g in Grade}:
        raise DomainError("grade_required", Text("请选择等级", "Choose a grade"), field="grade")
    if values.get("responsibility") not in {r.value for r in Responsibility}:
        raise DomainError(
            "responsibility_required",
            Text("请选择责任方", "Choose who is responsible"),
            field="responsibility",
        )
    deduction = None
    amount = values.get("deduction_amount", "")
    if amount:
        cents = params.cents(amount, "deduction.amount", 1, params.MAX_AMOUNT)
        deduction = inspection_service.Proposal(cents, values.get("deduction_reason", ""))
    return inspection_service.InspectionInput(
        checks=tuple(checks),
        grade=Grade(values["grade"]),
        responsibility=Responsibility(values["responsibility"]),
        serial_no=values.get("serial_no", "")[:64],
        expected_serial=values.get("expected_serial", "")[:64] or None,
        notes=values.get("notes", ""),
        deduction=deduction,
    )


# --- disposition and put-away -------------------------------------------------------------


def _dispose_page(
    request: Request,
    context: AppContext,
    session: StaffSession,
    rma_no: str,
    *,
    error: Text | None = None,
    status_code: int = 200,
) -> Response:
    with context.uow() as uow:
        found = queries.disposition_page(
            uow, rma_no, merchant_scope=session.principal.merchant_scope
        )
    values = {
        "rma": found.request,
        "lines": found.lines,
        "inspection": found.inspection,
        "dispositions": list(Disposition),
        "error": error,
    }
    return render_staff(
        request,
        session,
        "staff/disposition.html",
        values,
        section="warehouse",
        status_code=status_code,
    )


@router.get("/staff/warehouse/returns/{rma_no}/dispose")
def dispose_form(request: Request, rma_no: str, context: Context, session: Disposer) -> Response:
    return _dispose_page(request, context, session, rma_no)


def _disposed(
    request: Request, context: AppContext, session: StaffSession, rma_no: str, step: Step[object]
) -> Response:
    """Perform a disposition step; back to the disposition page, with the refusal if any."""
    done = attempt(context, step)
    if isinstance(done, Refused):
        return _dispose_page(
            request, context, session, rma_no, error=done.message, status_code=done.status
        )
    return RedirectResponse(f"{_base(rma_no)}/dispose", status_code=303)


@router.post("/staff/warehouse/returns/{rma_no}/dispose")
def dispose(
    request: Request,
    rma_no: str,
    context: Context,
    session: Disposer,
    csrf_token: FormText = "",
    line_no: FormText = "",
    disposition: FormText = "",
    bin: FormText = "",
) -> Response:
    """R5.4: accept the rules' suggestion or choose; kept goods may go to a bin at once."""
    check_csrf(session, csrf_token)
    principal = session.principal
    chosen = Disposition(disposition) if disposition in {d.value for d in Disposition} else None

    def step(uow: UnitOfWork, now: datetime) -> object:
        return warehouse_service.dispose(
            uow,
            rma_no,
            params.line_no(line_no, "line_no"),
            principal.actor,
            now,
            chosen=chosen,
            bin_code=bin,
            may_approve=principal.can(P.AMOUNTS_APPROVE),
            merchant_scope=principal.merchant_scope,
        )

    return _disposed(request, context, session, rma_no, step)


@router.post("/staff/warehouse/returns/{rma_no}/put-away")
def put_away(
    request: Request,
    rma_no: str,
    context: Context,
    session: Disposer,
    csrf_token: FormText = "",
    line_no: FormText = "",
    bin: FormText = "",
) -> Response:
    check_csrf(session, csrf_token)
    principal = session.principal

    def step(uow: UnitOfWork, now: datetime) -> object:
        return warehouse_service.put_away(
            uow,
            rma_no,
            params.line_no(line_no, "line_no"),
            bin,
            principal.actor,
            now,
            merchant_scope=principal.merchant_scope,
        )

    return _disposed(request, context, session, rma_no, step)


router.include_router(console_warehouse_stock.router)
router.include_router(console_warehouse_queue.router)
