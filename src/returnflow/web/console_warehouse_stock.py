"""Warehouse pages for the goods in store (R5.4): the inventory with its ledger,
return-to-vendor batches and their manifests, the warehouse figures and printable bin
labels. Included by `console_warehouse.py`.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.access import Permission
from returnflow.domain.inspection import Grade
from returnflow.domain.rtv import RtvBatch
from returnflow.domain.text import Text
from returnflow.entrypoints import params
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import FormText, RowId
from returnflow.entrypoints.steps import Refused, attempt
from returnflow.services import warehouse as warehouse_service
from returnflow.services import warehouse_queries as queries
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.services.warehouse_figures import figures_around
from returnflow.services.warehouse_labels import bin_label as bin_label_file
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.paging import page_number, page_of
from returnflow.web.roles import Disposer, Reporter, StockViewer
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)
P = Permission


@router.get("/staff/warehouse/bins/{bin_code}/label.pdf")
def bin_label(
    bin_code: str, session: Disposer, sku: str = "", grade: str = "", rma_no: str = ""
) -> Response:
    """The printable 100 × 50 mm bin label."""
    label = bin_label_file(bin_code, sku=sku, grade=grade, rma_no=rma_no)
    return Response(
        label.pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{label.filename}"'},
    )


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
    where = queries.stock_filter(merchant_id, sku, location, grade)
    with context.uow() as uow:
        found = queries.inventory(uow, where, 100)
    filters = {"merchant_id": merchant_id, "sku": sku, "location": location, "grade": grade}
    asked = page_number(request.query_params.get("page", ""))
    stock, control = page_of("/staff/warehouse/inventory", found.stock, asked, filters)
    values = {
        "stock": stock,
        "pager": control,  # issue 16: 50 stock lines a page, the filters kept
        "movements": found.movements,
        "filters": filters,
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
        found = queries.rtv_page(uow, batch_id)
    values = {"batches": found.batches, "chosen": found.chosen, "error": error}
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

    def step(uow: UnitOfWork, now: datetime) -> RtvBatch:
        return warehouse_service.ship_batch(
            uow,
            batch_id,
            session.principal.actor,
            now,
            carrier=carrier[:32],
            waybill_no=waybill_no[:64],
        )

    shipped = attempt(context, step)
    if isinstance(shipped, Refused):
        return _rtv_page(
            request,
            context,
            session,
            batch_id=batch_id,
            error=shipped.message,
            status_code=shipped.status,
        )
    return RedirectResponse(f"/staff/warehouse/rtv/{batch_id}", status_code=303)


@router.get("/staff/warehouse/figures")
def figures_page(
    request: Request, context: Context, session: Reporter, start: str = "", end: str = ""
) -> Response:
    """Dock-to-stock and inspections per hour per person, by local day."""
    first = params.optional_day(start, "start")
    last = params.optional_day(end, "end")
    with context.uow() as uow:
        found = figures_around(uow, first, last, context.clock())
    return render_staff(
        request, session, "staff/figures.html", {"figures": found}, section="figures"
    )
