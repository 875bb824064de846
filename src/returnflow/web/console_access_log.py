"""The access-log viewer for admins (R14.1), and the customer data export form.

Same filters and permission as `GET /api/v1/access-log` (ACCESS_LOG_VIEW, admins only);
the export posts to `/staff/customers/export` under CUSTOMERS_EXPORT, like
`GET /api/v1/customers/{id}/export`, and is logged as an access in its own right.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import Response

from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.files import attachment
from returnflow.entrypoints.problems import status_for
from returnflow.entrypoints.steps import perform
from returnflow.services import privacy as service
from returnflow.web.guards import check_csrf
from returnflow.web.paging import pager
from returnflow.web.roles import Auditor, Exporter
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)

Field = Annotated[str, Form(max_length=200)]
LOG = "/staff/access-log"

KIND_LABELS = {
    "contact": Text("联系方式", "Contact details"),
    "photo": Text("照片", "Photos"),
    "address": Text("地址", "Address"),
    "export": Text("数据导出", "Data export"),
}


@router.get(LOG)
def access_log_page(
    request: Request,
    context: Context,
    session: Auditor,
    actor: str = "",
    customer_id: str = "",
    kind: str = "",
    date_from: str = "",
    date_to: str = "",
    page: str = "1",
) -> Response:
    """Who looked at which customer's contact data, photos or address, when and where."""
    form = {
        "actor": actor[:100],
        "customer_id": customer_id[:64],
        "kind": kind[:20],
        "date_from": date_from[:10],
        "date_to": date_to[:10],
    }
    error: Text | None = None
    found: service.AccessLogPage | None = None
    status = 200
    try:
        wanted = service.access_filter(
            actor=actor, customer_id=customer_id, what=kind, date_from=date_from, date_to=date_to
        )
        number = service.parse_page(page)
        with context.uow() as uow:
            found = service.read_access_log(uow, wanted, number)
            if found.page > found.pages:  # past the last page: the last
                found = service.read_access_log(uow, wanted, found.pages)
    except DomainError as refused:
        error, status = refused.message, status_for(refused)
    values = {
        "form": form,
        "found": found,
        "error": error,
        "kinds": KIND_LABELS,
        "pager": pager(LOG, found.total, found.page, form, found.page_size) if found else None,
    }
    return render_staff(
        request, session, "staff/access_log.html", values, section="access-log", status_code=status
    )


@router.post("/staff/customers/export")
def export_customer(
    context: Context,
    session: Exporter,
    csrf_token: Field = "",
    customer_id: Field = "",
    format: Field = "json",
) -> Response:
    """A customer's data export, downloaded from the console (a 404 page if unknown)."""
    check_csrf(session, csrf_token)
    wanted = customer_id.strip()[:64]
    if not wanted:
        raise DomainError(
            "customer_id_missing",
            Text("请填写客户编号", "Enter the customer ID"),
            field="customer_id",
        )
    form: Literal["json", "zip"] = "zip" if format == "zip" else "json"
    principal = session.principal
    found = perform(
        context,
        lambda uow, now: service.export_file(uow, wanted, principal, now, form, context.photos),
    )
    return attachment(found.content, found.media_type, found.filename)
