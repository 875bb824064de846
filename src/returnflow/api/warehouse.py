"""Warehouse API (R5.2–R5.4): inspect with a checklist, answer partial-refund offers,
dispose and put away; the stock, ledger, return-to-vendor batches and bin labels are
in `warehouse_stock.py`, the rules and figures in `warehouse_rules.py`, all under
this router's prefix. Bodies are in `warehouse_models.py`.

The old `POST /api/v1/returns/{rma_no}/inspect` (passed + notes) keeps working; this
checklist inspection is the one that records grade, responsibility and the ledger.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter

from returnflow.api import warehouse_rules, warehouse_stock
from returnflow.api.roles import Confirmer, Disposer, Inspector, Viewer
from returnflow.api.warehouse_models import (
    ChecklistItemOut,
    ChecklistOut,
    DisposeIn,
    DispositionOut,
    InspectedOut,
    InspectionIn,
    OfferAnswerIn,
    PutAwayIn,
    WarehouseStateOut,
)
from returnflow.api.warehouse_views import disposition_out, state_out
from returnflow.app_context import AppContext
from returnflow.domain.access import Permission
from returnflow.domain.inspection import CheckResult
from returnflow.entrypoints.deps import Context, Language
from returnflow.entrypoints.steps import perform
from returnflow.services import inspection as inspection_service
from returnflow.services import warehouse as warehouse_service
from returnflow.services import warehouse_queries as queries
from returnflow.services.returns import get_return
from returnflow.services.unit_of_work import UnitOfWork

router = APIRouter(prefix="/api/v1/warehouse", tags=["warehouse"])
P = Permission


def _state(context: AppContext, rma_no: str, language: str) -> WarehouseStateOut:
    with context.uow() as uow:
        return state_out(queries.request_state(uow, rma_no), language)


@router.get("/returns/{rma_no}/checklist")
def checklist(
    rma_no: str,
    context: Context,
    language: Language,
    principal: Inspector,
) -> ChecklistOut:
    """The checks this request's items need, by category (R5.2)."""
    with context.uow() as uow:
        request = get_return(uow, rma_no, merchant_scope=principal.merchant_scope)
        checks = inspection_service.checklist(uow, request)
    items = [ChecklistItemOut(check=c, label=c.label.in_language(language)) for c in checks]
    return ChecklistOut(rma_no=rma_no, checks=items)


@router.get("/returns/{rma_no}")
def warehouse_state(
    rma_no: str,
    context: Context,
    language: Language,
    principal: Viewer,
) -> WarehouseStateOut:
    """The inspection, any offer or send-back, and the dispositions of one request."""
    with context.uow() as uow:
        found = queries.request_state(uow, rma_no, merchant_scope=principal.merchant_scope)
        return state_out(found, language)


@router.post("/returns/{rma_no}/inspection", status_code=201)
def inspect(
    rma_no: str,
    body: InspectionIn,
    context: Context,
    language: Language,
    principal: Inspector,
) -> InspectedOut:
    """Inspect with the checklist; pass or fail follows from the findings (see reasons)."""
    given = inspection_service.InspectionInput(
        checks=tuple(CheckResult(c.check, c.mark, c.note) for c in body.checks),
        grade=body.grade,
        responsibility=body.responsibility,
        serial_no=body.serial_no,
        expected_serial=body.expected_serial,
        photos=tuple(body.photos),
        notes=body.notes,
        deduction=inspection_service.Proposal(body.deduction.amount, body.deduction.reason)
        if body.deduction
        else None,
    )

    def step(uow: UnitOfWork, now: datetime) -> inspection_service.Outcome:
        return inspection_service.inspect(
            uow, rma_no, given, principal.actor, now, merchant_scope=principal.merchant_scope
        )

    outcome = perform(context, step)
    state = _state(context, rma_no, language)
    return InspectedOut(**state.model_dump(), route=outcome.route)


@router.post("/returns/{rma_no}/offer")
def answer_offer(
    rma_no: str,
    body: OfferAnswerIn,
    context: Context,
    language: Language,
    principal: Confirmer,
) -> WarehouseStateOut:
    """Accept or decline the partial refund on the customer's behalf (R5.3)."""

    def step(uow: UnitOfWork, now: datetime) -> None:
        get_return(uow, rma_no, merchant_scope=principal.merchant_scope)
        inspection_service.answer_offer(uow, rma_no, body.accept, principal.actor, now)

    perform(context, step)
    return _state(context, rma_no, language)


@router.post("/returns/{rma_no}/dispositions", status_code=201)
def dispose(
    rma_no: str,
    body: DisposeIn,
    context: Context,
    principal: Disposer,
) -> DispositionOut:
    """Dispose one line: the rules' suggestion unless `disposition` says otherwise."""

    def step(uow: UnitOfWork, now: datetime) -> DispositionOut:
        decided = warehouse_service.dispose(
            uow,
            rma_no,
            body.line_no,
            principal.actor,
            now,
            chosen=body.disposition,
            bin_code=body.bin,
            may_approve=principal.can(P.AMOUNTS_APPROVE),
            merchant_scope=principal.merchant_scope,
        )
        return disposition_out(decided)

    return perform(context, step)


@router.post("/returns/{rma_no}/put-away")
def put_away(
    rma_no: str,
    body: PutAwayIn,
    context: Context,
    principal: Disposer,
) -> DispositionOut:
    """Kept goods into a bin of their disposition's zone."""

    def step(uow: UnitOfWork, now: datetime) -> DispositionOut:
        decided = warehouse_service.put_away(
            uow,
            rma_no,
            body.line_no,
            body.bin,
            principal.actor,
            now,
            merchant_scope=principal.merchant_scope,
        )
        return disposition_out(decided)

    return perform(context, step)


router.include_router(warehouse_stock.router)
router.include_router(warehouse_rules.router)
