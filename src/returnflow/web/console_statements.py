"""What each party owes for the returns it bears (R8.4): statement and claims pages.

Finance and managers (the reports permission) pick a merchant and a period on
/staff/finance/merchant-statements and see every carrier's claims on
/staff/finance/carrier-claims; a merchant account reads its own statement on
/staff/merchant/statement (the merchant is the account's, never a parameter). Each
page downloads the same lines as CSV or XLSX (`format=csv|xlsx`). Periods are local
days (China Standard Time), both ends inclusive; neither given: this month so far.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.domain.access import Permission
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.files import attachment
from returnflow.entrypoints.language import preferred_language
from returnflow.services import liability_exports
from returnflow.services import liability_queries as queries
from returnflow.services.liability_queries import Statement
from returnflow.services.merchants import merchant_names
from returnflow.web.guards import StaffSession
from returnflow.web.paging import page_number, page_of
from returnflow.web.roles import Reporter, Viewer
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)

FORMATS = ("csv", "xlsx")
DateFrom = Annotated[str, Query(alias="from", max_length=10)]
DateTo = Annotated[str, Query(alias="to", max_length=10)]
PartyText = Annotated[str, Query(max_length=200)]
FormatText = Annotated[str, Query(max_length=10)]


def _page(
    request: Request, session: StaffSession, template: str, values: dict[str, Any], section: str
) -> Response:
    return render_staff(request, session, template, values, section=section)


def _paged(request: Request, statement: Statement | None, kept: dict[str, str]) -> dict[str, Any]:
    """The statement's lines a page at a time (the running balance stays each line's own)."""
    if statement is None:
        return {"lines": (), "pager": None}
    asked = page_number(request.query_params.get("page", ""))
    kept = {**kept, "from": statement.period.start.isoformat()}
    kept["to"] = statement.period.end.isoformat()
    lines, control = page_of(request.url.path, statement.lines, asked, kept)
    return {"lines": lines, "pager": control}


def _download_statement(request: Request, statement: Statement, fmt: str) -> Response:
    file = liability_exports.statement_file(statement, fmt, preferred_language(request))
    return attachment(file.content, file.media_type, file.filename)


def _choices(ids: list[str], names: dict[str, str]) -> list[dict[str, str]]:
    """The picker's merchants by name (the id where a name is shared or missing)."""
    choices = [{"id": i, "name": names.get(i, i)} for i in ids]
    return sorted(choices, key=lambda choice: (choice["name"], choice["id"]))


@router.get("/staff/finance/merchant-statements")
def merchant_statements(
    request: Request,
    context: Context,
    session: Reporter,
    merchant_id: PartyText = "",
    date_from: DateFrom = "",
    date_to: DateTo = "",
    format: FormatText = "html",
) -> Response:
    """Pick a merchant and a period; the statement with its running balance."""
    when = queries.period(date_from, date_to, context.clock())
    merchant = queries.party_id(merchant_id, "merchant_id") if merchant_id.strip() else ""
    with context.uow() as uow:
        charged = queries.merchants_charged(uow)
        if merchant and merchant not in charged:
            charged.append(merchant)  # asked for by id: shown chosen, even with no charges
        merchants = _choices(charged, merchant_names(uow, charged))
        statement = queries.merchant_statement(uow, merchant, when) if merchant else None
    if statement is not None and format in FORMATS:
        return _download_statement(request, statement, format)
    values = {"merchants": merchants, "statement": statement, "period": when, "own": False}
    values |= _paged(request, statement, {"merchant_id": merchant})
    return _page(request, session, "staff/statements.html", values, "finance")


@router.get("/staff/merchant/statement")
def own_statement(
    request: Request,
    context: Context,
    session: Viewer,
    date_from: DateFrom = "",
    date_to: DateTo = "",
    format: FormatText = "html",
) -> Response:
    """A merchant account's own statement; staff who read every merchant's go there."""
    principal = session.principal
    if principal.merchant_scope is None and principal.can(Permission.REPORTS_VIEW):
        return RedirectResponse("/staff/finance/merchant-statements", status_code=303)
    merchant = queries.own_merchant(principal.merchant_scope)
    when = queries.period(date_from, date_to, context.clock())
    with context.uow() as uow:
        statement = queries.merchant_statement(uow, merchant, when)
    if format in FORMATS:
        return _download_statement(request, statement, format)
    values = {"merchants": [], "statement": statement, "period": when, "own": True}
    values |= _paged(request, statement, {})
    return _page(request, session, "staff/statements.html", values, "statement")


@router.get("/staff/finance/carrier-claims")
def carrier_claims(
    request: Request,
    context: Context,
    session: Reporter,
    date_from: DateFrom = "",
    date_to: DateTo = "",
    format: FormatText = "html",
) -> Response:
    """Claims against carriers for lost or damaged parcels, per carrier with totals."""
    when = queries.period(date_from, date_to, context.clock())
    registry = context.carrier_registry()
    with context.uow() as uow:
        report = queries.carrier_claims(uow, when, carriers=registry)
    if format in FORMATS:
        file = liability_exports.claims_file(report, format, preferred_language(request))
        return attachment(file.content, file.media_type, file.filename)
    return _page(request, session, "staff/statements_claims.html", {"report": report}, "finance")
