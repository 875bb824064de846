"""Finance pages: refunds by deadline, escalations, recoveries, the ledger, approvals
over an agent's authority (R12.3), and the reconciliation report (CSV and XLSX).

Also the refund panel on the request pages (staff and portal): its amount with the
workings (price, discount share, shipping, deductions) and where the money stands.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.api import schemas
from returnflow.api.finance import answer, gateway_records, list_refunds, refund_line, run_report
from returnflow.api.refunds import RefundOut, refund_out
from returnflow.app_context import AppContext
from returnflow.domain.access import Permission
from returnflow.domain.ledger import Account
from returnflow.domain.lifecycle import allowed_actions
from returnflow.domain.money import Money
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.text import DomainError
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.params import FormText, RowId
from returnflow.services import approvals as approval_service
from returnflow.services import refunds as refund_service
from returnflow.storage.refunds import Approvals, Recoveries, RefundStore
from returnflow.storage.uow import ConcurrentUpdate
from returnflow.web import templating
from returnflow.web.guards import StaffPage, StaffSession, check_csrf
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)

P = Permission
Finance = Annotated[StaffSession, Depends(StaffPage(P.FINANCE_RECONCILE))]
Approver = Annotated[StaffSession, Depends(StaffPage(P.AMOUNTS_APPROVE))]
Payer = Annotated[StaffSession, Depends(StaffPage(P.REFUNDS_PAY))]


_READERS: dict[str, sessionmaker[Session]] = {}


def _reader(context: AppContext) -> sessionmaker[Session]:
    """Sessions that only read, and on SQLite take no write lock.

    A page may render while its own handler still holds SQLite's write lock (the portal
    does); the panel's read must not queue behind it. SQLite in WAL mode lets a plain
    reader in; PostgreSQL readers never wait anyway.
    """
    url = context.engine.url
    if url.get_backend_name() != "sqlite":
        return context.session_factory
    key = url.render_as_string(hide_password=False)
    if key not in _READERS:
        engine = create_engine(key, connect_args={"check_same_thread": False}, poolclass=NullPool)
        _READERS[key] = sessionmaker(engine, expire_on_commit=False)
    return _READERS[key]


def refund_panel(request: Request, rma: ReturnRequest) -> RefundOut | None:
    """The request's refund for the pages, or None before one is owed."""
    context: AppContext = request.app.state.context
    now = context.clock()
    with _reader(context)() as session:
        row = RefundStore(session).for_rma(rma.rma_no)
        if row is None:
            return None
        pending = Approvals(session).pending_for("refund", rma.rma_no)
        return refund_out(
            row, rma.rma_no, preferred_language(request), now, pending.id if pending else None
        )


def as_refund_money(value: schemas.Money) -> Money:
    return Money(value.amount, value.currency)


def allowed_action_values(rma: ReturnRequest) -> list[str]:
    return [a.value for a in allowed_actions(rma.status, rma.request_type)]


for _environment in templating._ENVIRONMENTS.values():
    _environment.globals["refund_panel"] = refund_panel
    _environment.globals["as_refund_money"] = as_refund_money
    _environment.globals["allowed_action_values"] = allowed_action_values


def _page(
    request: Request, session: StaffSession, template: str, values: dict[str, Any]
) -> Response:
    return render_staff(request, session, template, values, section="finance")


@router.get("/staff/finance")
def finance_home(request: Request, context: Context, session: Finance) -> Response:
    now = context.clock()
    lists = {
        view: [refund_line(item, now) for item in list_refunds(context, view)]
        for view in ("breached", "at_risk", "escalated")
    }
    with context.uow() as uow:  # rows are read while their session is open
        recoveries = Recoveries(uow.session).listing("open")
        books = uow.ledger.balances()
        balances = [(a.value, books.of(a)) for a in Account if not books.of(a).is_zero]
        return _page(
            request,
            session,
            "staff/finance.html",
            {"lists": lists, "recoveries": recoveries, "balances": balances},
        )


@router.get("/staff/finance/approvals")
def approvals_page(request: Request, context: Context, session: Approver) -> Response:
    with context.uow() as uow:  # rows are read while their session is open
        pending = Approvals(uow.session).listing("pending")
        return _page(request, session, "staff/finance_approvals.html", {"pending": pending})


@router.post("/staff/finance/approvals/{approval_id}/{decision}")
def decide(
    request: Request,
    approval_id: RowId,
    decision: str,
    context: Context,
    session: Approver,
    csrf_token: FormText = "",
    note: FormText = "",
) -> Response:
    check_csrf(session, csrf_token)
    now = context.clock()
    with context.uow() as uow:
        approval_service.decide(
            uow, approval_id, decision == "approve", session.principal.actor, now, note
        )
        uow.commit(now)
    return RedirectResponse("/staff/finance/approvals", status_code=303)


@router.get("/staff/finance/reconciliation")
def reconciliation_page(
    request: Request, context: Context, session: Finance, format: str = "html"
) -> Response:
    report, settled = run_report(context, gateway_records(context), settle=False)
    if format in ("csv", "xlsx"):
        result = answer(report, settled, format)
        assert isinstance(result, Response)
        return result
    return _page(request, session, "staff/finance_reconciliation.html", {"report": report})


@router.post("/staff/returns/{rma_no}/refund")
def request_refund(
    request: Request, rma_no: str, context: Context, session: Payer, csrf_token: FormText = ""
) -> Response:
    """Finance owes the refund from the request page; the worker pays it."""
    check_csrf(session, csrf_token)
    now = context.clock()
    rules = refund_service.RefundRules.from_settings(context.settings)
    principal = session.principal
    try:
        with context.uow() as uow:
            refund_service.request_refund(
                uow, rma_no, principal.actor, now, rules, merchant_scope=principal.merchant_scope
            )
            uow.commit(now)
    except (DomainError, ConcurrentUpdate):
        pass  # the panel shows where the refund stands either way
    return RedirectResponse(f"/staff/returns/{rma_no}#refund", status_code=303)
