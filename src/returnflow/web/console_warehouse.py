"""Warehouse pages (R5.2–R5.4): inspect a received request with its checklist, dispose
and put away with a printable bin label, the inventory, return-to-vendor batches and the
warehouse figures. Plain forms with the session's CSRF token; refusals come back on the
same page with the reason and what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.access import Forbidden, Permission
from returnflow.domain.disposition import Disposition
from returnflow.domain.inspection import Check, CheckResult, Grade, Mark, Responsibility
from returnflow.domain.inventory import check_bin
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints import params
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import FormText, RowId
from returnflow.entrypoints.problems import status_for
from returnflow.logistics.bin_labels import BinLabel, render_bin_label
from returnflow.services import inspection as inspection_service
from returnflow.services import warehouse as warehouse_service
from returnflow.services.errors import NotFound
from returnflow.services.returns import get_return
from returnflow.services.warehouse_figures import ZONE, figures
from returnflow.storage.photos import MAX_BYTES, MAX_PHOTOS
from returnflow.storage.uow import ConcurrentUpdate
from returnflow.storage.warehouse import StockFilter
from returnflow.web.guards import StaffPage, StaffSession, check_csrf
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)
P = Permission
Inspector = Annotated[StaffSession, Depends(StaffPage(P.WAREHOUSE_INSPECT))]
Disposer = Annotated[StaffSession, Depends(StaffPage(P.WAREHOUSE_DISPOSE))]
StockViewer = Annotated[StaffSession, Depends(StaffPage(P.INVENTORY_VIEW))]
Reporter = Annotated[StaffSession, Depends(StaffPage(P.REPORTS_VIEW))]
_CONFLICT = Text(
    "该申请刚被他人修改，请查看最新状态后重试",
    "Someone else just changed this request: check its status and try again",
)


def panel(context: AppContext, rma_no: str) -> dict[str, Any]:
    """What `staff/_inspection.html` shows on the request page (one call there)."""
    with context.uow() as uow:
        found = {
            "inspection": uow.warehouse.inspection(rma_no),
            "offer": uow.warehouse.offer(rma_no),
            "send_backs": uow.warehouse.send_backs(rma_no),
        }
        uow.session.expunge_all()  # rows stay readable after the session closes
    return found


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
        rma = get_return(uow, rma_no, merchant_scope=session.principal.merchant_scope)
        checks = inspection_service.checklist(uow, rma)
        inspection = uow.warehouse.inspection(rma.rma_no)
        offer = uow.warehouse.offer(rma.rma_no)
        book = uow.warehouse.rules()
        send_backs = uow.warehouse.send_backs(rma.rma_no)
        uow.session.expunge_all()
    values = {
        "rma": rma,
        "checks": checks,
        "marks": list(Mark),
        "grades": list(Grade),
        "responsibilities": list(Responsibility),
        "warehouse": {"inspection": inspection, "offer": offer, "send_backs": send_backs},
        "book": book,
        "typed": typed or Typed(),
        "error": error,
        "open": rma.status.value == "received",
    }
    return render_staff(
        request,
        session,
        "staff/inspect.html",
        values,
        section="warehouse",
        status_code=status_code,
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


@router.post(
    "/staff/warehouse/returns/{rma_no}/inspect", max_body_size=(MAX_PHOTOS + 1) * MAX_BYTES
)
async def inspect(request: Request, rma_no: str, context: Context, session: Inspector) -> Response:
    """R5.2: the checklist, grade and responsibility decide pass or fail."""
    form = await request.form(max_files=MAX_PHOTOS + 1, max_fields=100)
    check_csrf(session, _text(form, "csrf_token"))
    typed = Typed(
        marks={c.value: _text(form, f"mark_{c.value}") for c in Check},
        notes={c.value: _text(form, f"note_{c.value}", 500) for c in Check},
        values={
            name: _text(form, name)
            for name in (
                "grade",
                "responsibility",
                "serial_no",
                "expected_serial",
                "notes",
                "deduction_amount",
                "deduction_reason",
            )
        },
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
    def again(error: Text, status_code: int) -> Response:
        return _inspect_page(
            request, context, session, rma_no, typed=typed, error=error, status_code=status_code
        )

    names: list[str] = []
    try:
        given = _given(typed)
        names = context.photos.save_all(files) if files else []
        given = replace(given, photos=tuple(names))
        now = context.clock()
        with context.uow() as uow:
            inspection_service.inspect(
                uow,
                rma_no,
                given,
                session.principal.actor,
                now,
                merchant_scope=session.principal.merchant_scope,
            )
            uow.commit(now)
    except (NotFound, Forbidden):
        context.photos.discard(names)
        raise
    except ConcurrentUpdate:
        context.photos.discard(names)
        return again(_CONFLICT, 409)
    except DomainError as refused:
        context.photos.discard(names)
        return again(refused.message, status_for(refused))
    return RedirectResponse(f"{_base(rma_no)}/inspect?done=1", status_code=303)


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
        rma = get_return(uow, rma_no, merchant_scope=session.principal.merchant_scope)
        lines = warehouse_service.lines_to_dispose(uow, rma)
        inspection = uow.warehouse.inspection(rma.rma_no)
        uow.session.expunge_all()
    values = {
        "rma": rma,
        "lines": lines,
        "inspection": inspection,
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


def _act(
    request: Request, context: AppContext, session: StaffSession, rma_no: str, step: Any
) -> Response:
    now = context.clock()
    try:
        with context.uow() as uow:
            step(uow, now)
            uow.commit(now)
    except (NotFound, Forbidden):
        raise
    except ConcurrentUpdate:
        return _dispose_page(request, context, session, rma_no, error=_CONFLICT, status_code=409)
    except DomainError as refused:
        return _dispose_page(
            request,
            context,
            session,
            rma_no,
            error=refused.message,
            status_code=status_for(refused),
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

    def step(uow: Any, now: Any) -> None:
        warehouse_service.dispose(
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

    return _act(request, context, session, rma_no, step)


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

    def step(uow: Any, now: Any) -> None:
        warehouse_service.put_away(
            uow,
            rma_no,
            params.line_no(line_no, "line_no"),
            bin,
            principal.actor,
            now,
            merchant_scope=principal.merchant_scope,
        )

    return _act(request, context, session, rma_no, step)


@router.get("/staff/warehouse/bins/{bin_code}/label.pdf")
def bin_label(
    bin_code: str, session: Disposer, sku: str = "", grade: str = "", rma_no: str = ""
) -> Response:
    """The printable 100 × 50 mm bin label."""
    code = check_bin(bin_code)
    pdf = render_bin_label(BinLabel(code, sku=sku[:64], grade=grade[:2], rma_no=rma_no[:32]))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="bin-{code}.pdf"'},
    )


# --- inventory, RTV, figures ----------------------------------------------------------------


@router.get("/staff/warehouse/inventory")
def inventory(
    request: Request,
    context: Context,
    session: StockViewer,
    merchant_id: str = "",
    sku: str = "",
    location: str = "",
    grade: str = "",
) -> Response:
    """Stock per SKU, location and grade, and the newest movements, with filters."""
    where = StockFilter(
        merchant_id.strip() or None,
        sku.strip() or None,
        location.strip().upper() or None,
        grade.strip().upper() or None,
    )
    with context.uow() as uow:
        stock = uow.warehouse.stock(where)
        movements = uow.warehouse.ledger(where, 100)
        uow.session.expunge_all()
    values = {
        "stock": stock,
        "movements": movements,
        "filters": {"merchant_id": merchant_id, "sku": sku, "location": location, "grade": grade},
        "grades": list(Grade),
    }
    return render_staff(request, session, "staff/inventory.html", values, section="inventory")


def _rtv_page(
    request: Request,
    context: AppContext,
    session: StaffSession,
    *,
    batch_id: RowId | None = None,
    error: Text | None = None,
    status_code: int = 200,
) -> Response:
    with context.uow() as uow:
        batches = uow.warehouse.batches()
        counts = uow.warehouse.rtv_counts([b.id for b in batches])
        chosen = uow.warehouse.batch(batch_id) if batch_id is not None else None
        if batch_id is not None and chosen is None:
            raise warehouse_service.batch_not_found(batch_id)
        items = uow.warehouse.rtv_items(chosen.id) if chosen is not None else []
        uow.session.expunge_all()
    values = {
        "batches": batches,
        "counts": counts,
        "chosen": chosen,
        "items": items,
        "error": error,
    }
    return render_staff(
        request, session, "staff/rtv.html", values, section="rtv", status_code=status_code
    )


@router.get("/staff/warehouse/rtv")
def rtv(request: Request, context: Context, session: StockViewer) -> Response:
    return _rtv_page(request, context, session)


@router.get("/staff/warehouse/rtv/{batch_id}")
def rtv_manifest(
    request: Request, batch_id: RowId, context: Context, session: StockViewer
) -> Response:
    """The batch's manifest: print it and put it in the box."""
    return _rtv_page(request, context, session, batch_id=batch_id)


@router.post("/staff/warehouse/rtv/{batch_id}/ship")
def rtv_ship(
    request: Request,
    batch_id: RowId,
    context: Context,
    session: Disposer,
    csrf_token: FormText = "",
    carrier: FormText = "",
    waybill_no: FormText = "",
) -> Response:
    check_csrf(session, csrf_token)
    now = context.clock()
    try:
        with context.uow() as uow:
            warehouse_service.ship_batch(
                uow,
                batch_id,
                session.principal.actor,
                now,
                carrier=carrier[:32],
                waybill_no=waybill_no[:64],
            )
            uow.commit(now)
    except NotFound:
        raise
    except DomainError as refused:
        return _rtv_page(
            request,
            context,
            session,
            batch_id=batch_id,
            error=refused.message,
            status_code=status_for(refused),
        )
    return RedirectResponse(f"/staff/warehouse/rtv/{batch_id}", status_code=303)


@router.get("/staff/warehouse/figures")
def figures_page(
    request: Request, context: Context, session: Reporter, start: str = "", end: str = ""
) -> Response:
    """Dock-to-stock and inspections per hour per person, by local day."""
    today = context.clock().astimezone(ZONE).date()
    first, last = params.day_range(
        params.optional_day(start, "start"), params.optional_day(end, "end"), today, 7
    )
    with context.uow() as uow:
        found = figures(uow, first, last)
    return render_staff(
        request, session, "staff/figures.html", {"figures": found}, section="figures"
    )
