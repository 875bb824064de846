"""Warehouse API, the rules and the figures (R5.3, R5.4): the disposition rule book as a
versioned document, and dock-to-stock and inspections per hour. Included by
`api/warehouse.py` under its prefix.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter

from returnflow.api.roles import PolicyViewer, Publisher, Reporter
from returnflow.api.warehouse_models import FiguresOut, RulesOut
from returnflow.api.warehouse_views import figures_out, rules_out
from returnflow.domain.access import Permission
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.params import DayQuery
from returnflow.entrypoints.steps import perform
from returnflow.services import warehouse as warehouse_service
from returnflow.services import warehouse_queries as queries
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.services.warehouse_figures import figures_around

router = APIRouter()
P = Permission


@router.get("/rules")
def rules(context: Context, principal: PolicyViewer) -> RulesOut:
    """The disposition rules in force (version 0 is the built-in default)."""
    with context.uow() as uow:
        return rules_out(queries.rules(uow))


@router.post("/rules", status_code=201)
def publish_rules(
    body: dict[str, Any],
    context: Context,
    principal: Publisher,
) -> RulesOut:
    """Publish a new version: the same shape `GET /rules` returns (its version is ignored)."""
    book = warehouse_service.rules_from_document(body)

    def step(uow: UnitOfWork, now: datetime) -> RulesOut:
        return rules_out(warehouse_service.publish_rules(uow, book, now, principal.actor))

    return perform(context, step)


@router.get("/figures")
def warehouse_figures(
    context: Context,
    principal: Reporter,
    start: DayQuery = None,
    end: DayQuery = None,
) -> FiguresOut:
    """Dock-to-stock minutes (median, p90) per local day; inspections per hour per person.

    Days outside 2000-01-01..2100-12-31 are a 422 (`api/params.py`), so the window's
    arithmetic cannot overflow.
    """
    with context.uow() as uow:
        return figures_out(figures_around(uow, start, end, context.clock()))
