"""Finance pages: refunds by deadline, escalations, recoveries, the ledger, approvals
over an agent's authority (R12.3), and the reconciliation report (CSV and XLSX).

Each page reads its read models from `services/finance_queries.py` in one unit of work
and renders them after it is closed. The refund panel on the request pages (staff and
portal) is read the same way, by the request pages themselves, and handed to
`staff/_refund.html` and `portal/_refund.html` as `refund_view`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.domain.access import Permission
from returnflow.domain.lifecycle import allowed_actions
from returnflow.domain.refund_life import RefundState
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.text import DomainError
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.files import attachment
from returnflow.entrypoints.params import FormText, RowId
from returnflow.entrypoints.steps import perform
from returnflow.services import approvals as approval_service
from returnflow.services import finance_queries, reconciliation
from returnflow.services import refunds as refund_service
from returnflow.services.history_words import actor_label
from returnflow.services.journal import ACCOUNT_LABELS
from returnflow.services.unit_of_work import ConcurrentUpdate, UnitOfWork
from returnflow.web import console_journal, templating
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.paging import page_number, page_of
from returnflow.web.roles import Approver, Payer, Reconciler
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)

P = Permission


def allowed_action_values(rma: ReturnRequest) -> list[str]:
    """The steps the request's state allows (`staff/_refund.html`); it reads nothing."""
    return [a.value for a in allowed_actions(rma.status, rma.request_type)]


for _environment in templating._ENVIRONMENTS.values():
    _environment.globals["allowed_action_values"] = allowed_action_values


def _page(
    request: Request, session: StaffSession, template: str, values: dict[str, Any]
) -> Response:
    return render_staff(request, session, template, values, section="finance")


def _panels(request: Request, lists: Mapping[str, Sequence[Any]]) -> dict[str, Any]:
    """Each list of the finance home a page at a time (issue 16): `?view=escalated&page=2`
    turns the escalated list's page; the others show their first."""
    view = request.query_params.get("view", "")
    asked = page_number(request.query_params.get("page", ""))
    panels: dict[str, Any] = {}
    for name, rows in lists.items():
        shown, control = page_of(
            "/staff/finance", rows, asked if name == view else 1, {"view": name}
        )
        panels[name] = {"rows": shown, "pager": control}
    return panels


@router.get("/staff/finance")
def finance_home(request: Request, context: Context, session: Reconciler) -> Response:
    now = context.clock()
    at_risk = refund_service.RefundRules.from_settings(context.settings).at_risk
    with context.uow() as uow:
        home = finance_queries.finance_home(uow, now, at_risk)
        # issue 16: a refund over its requester's authority waits for a manager; say so
        held = {a.subject: a for a in finance_queries.approvals(uow) if a.kind == "refund"}
    journal_days = console_journal.default_days(now)  # the download block's period
    values = {
        "home": home,
        "panels": _panels(request, {**home.lists, "recoveries": home.recoveries}),
        "journal_days": journal_days,
        "account_labels": ACCOUNT_LABELS,
        "held": held,
        "held_by": {rma: actor_label(a.requested_by) for rma, a in held.items()},
        "refund_states": {state.value: state.label for state in RefundState},
    }
    return _page(request, session, "staff/finance.html", values)


@router.get("/staff/finance/approvals")
def approvals_page(request: Request, context: Context, session: Approver) -> Response:
    with context.uow() as uow:
        pending = finance_queries.approvals(uow, "pending")
    asked = page_number(request.query_params.get("page", ""))
    shown, control = page_of("/staff/finance/approvals", pending, asked, {})
    values = {"pending": shown, "pager": control}
    return _page(request, session, "staff/finance_approvals.html", values)


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
    """The decision is committed; the bus then releases (or declines) what it held."""
    check_csrf(session, csrf_token)
    actor = session.principal.actor
    perform(
        context,
        lambda uow, now: approval_service.decide(
            uow, approval_id, decision == "approve", actor, now, note
        ),
    )
    return RedirectResponse("/staff/finance/approvals", status_code=303)


@router.get("/staff/finance/reconciliation")
def reconciliation_page(
    request: Request, context: Context, session: Reconciler, format: str = "html"
) -> Response:
    records = reconciliation.gateway_records(context.payment_gateway())
    gateway = context.settings.payment_gateway
    done = perform(
        context, lambda uow, now: reconciliation.run(uow, records, gateway, now, settle=False)
    )
    if format in ("csv", "xlsx"):
        file = reconciliation.export(done.report, format)
        return attachment(file.content, file.media_type, file.filename)
    return _page(request, session, "staff/finance_reconciliation.html", {"report": done.report})


@router.post("/staff/returns/{rma_no}/refund")
def request_refund(
    request: Request, rma_no: str, context: Context, session: Payer, csrf_token: FormText = ""
) -> Response:
    """Finance owes the refund from the request page; the worker pays it."""
    check_csrf(session, csrf_token)
    rules = refund_service.RefundRules.from_settings(context.settings)
    principal = session.principal

    def step(uow: UnitOfWork, now: datetime) -> None:
        refund_service.request_refund(
            uow, rma_no, principal.actor, now, rules, merchant_scope=principal.merchant_scope
        )

    with suppress(DomainError, ConcurrentUpdate):  # the panel shows where it stands either way
        perform(context, step)
    return RedirectResponse(f"/staff/returns/{rma_no}#refund", status_code=303)
