"""The satisfaction report in the console (R7.2): /staff/reports/satisfaction.

Those with the reports permission pick a period (local days, both ends inclusive;
none given: the last 90 days) and a grouping (by agent or by merchant) and read each
group's average per dimension and its NPS, with the overall line; merchants are shown
by name. A merchant account with the permission sees its own answers only.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from returnflow.domain.surveys import DIMENSION_NAMES, DIMENSIONS
from returnflow.entrypoints.deps import Context
from returnflow.services import survey_queries
from returnflow.services.merchants import merchant_names
from returnflow.web.roles import Reporter
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)

DateFrom = Annotated[str, Query(alias="from", max_length=10)]
DateTo = Annotated[str, Query(alias="to", max_length=10)]


@router.get("/staff/reports/satisfaction")
def satisfaction_report(
    request: Request,
    context: Context,
    session: Reporter,
    by: Literal["agent", "merchant"] = "agent",
    date_from: DateFrom = "",
    date_to: DateTo = "",
) -> Response:
    """Averages per dimension and NPS per agent or merchant, for a period."""
    when = survey_queries.period(date_from, date_to, context.clock())
    scope = session.principal.merchant_scope
    with context.uow() as uow:
        report = survey_queries.satisfaction(uow, by, when.since, when.until, merchant_scope=scope)
        keys = [line.key for line in report.lines]
        names = merchant_names(uow, keys) if by == "merchant" else {}
    values = {
        "report": report,
        "period": when,
        "names": names,
        "dimensions": [(name, DIMENSION_NAMES[name]) for name in DIMENSIONS],
    }
    return render_staff(request, session, "staff/satisfaction.html", values, section="finance")
