"""Scorecards in the console (R11.2, R12.2): merchants ranked, people and teams.

Pages: /staff/scorecards/merchants and /staff/scorecards/staff.

The merchants' page (`Analyst`) ranks every merchant for a period (local days, both
inclusive; none: the last 30) by the composite, with each figure and the trend against
the period before; a merchant account sees its own card and its rank among n, no other
merchant's name. The staff page (`StaffScorer`, managers) lists each person and each
team. Both lists page (`page=`, 25 lines a page). Definitions: services/scorecards.py.
Each board downloads whole as CSV or XLSX (`/staff/scorecards/merchants.csv|xlsx`,
`/staff/scorecards/staff.csv|xlsx`, same period, team and scope; services/analysis_exports.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from starlette.requests import Request
from starlette.responses import Response

from returnflow.domain.access import Role
from returnflow.domain.money import Money
from returnflow.domain.text import Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.files import attachment
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.steps import perform_read
from returnflow.services import analysis_exports, scorecards
from returnflow.services.liability_queries import Period
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.paging import PageAsked, page_number, page_of
from returnflow.web.roles import Analyst, StaffScorer
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
DateFrom = Annotated[str, Query(alias="from", max_length=10)]
DateTo = Annotated[str, Query(alias="to", max_length=10)]
Team = Annotated[str, Query(max_length=64, pattern=r"^[a-z_]*$")]
MERCHANTS, STAFF = "/staff/scorecards/merchants", "/staff/scorecards/staff"
Fmt = Annotated[Literal["csv", "xlsx"], Path()]


def _paged(items: tuple[Any, ...], page: int, path: str, kept: dict[str, str]) -> dict[str, Any]:
    """One page of the board's lines and the console's pager over them (keeps the period)."""
    rows, control = page_of(path, items, page, kept, PAGE_SIZE)
    return {"items": rows, "pager": control}


def _period(when: Period) -> dict[str, str]:
    return {"from": when.start.isoformat(), "to": when.end.isoformat()}


def team_label(team: str) -> Text:
    """A role's or a complaint team's name in both languages."""
    if team == "key_accounts":
        return Text("大客户组", "Key accounts")
    try:
        return Role(team).label
    except ValueError:
        return Text(team, team)


@router.get(MERCHANTS)
def merchant_scorecards(
    request: Request,
    context: Context,
    session: Analyst,
    date_from: DateFrom = "",
    date_to: DateTo = "",
    page: PageAsked = "1",
) -> Response:
    """Merchants ranked by the composite; a merchant account: its own card."""
    when = scorecards.period(date_from, date_to, context.clock())
    scope = session.principal.merchant_scope

    def read(uow: UnitOfWork, now: datetime) -> scorecards.MerchantBoard:
        return scorecards.merchant_board(uow, when, scope)

    board = perform_read(context, read)
    values = {
        "board": board,
        "period": when,
        "before": scorecards.previous(when),
        "own": scope is not None,
        "listing": _paged(board.cards, page_number(page), MERCHANTS, _period(when)),
        "fen": lambda cents: Money(int(cents)),
    }
    return render_staff(
        request, session, "staff/scorecards_merchants.html", values, section="scorecards"
    )


@router.get(STAFF)
def staff_scorecards(
    request: Request,
    context: Context,
    session: StaffScorer,
    date_from: DateFrom = "",
    date_to: DateTo = "",
    team: Team = "",
    page: PageAsked = "1",
) -> Response:
    """Per person and per team, for managers."""
    when = scorecards.period(date_from, date_to, context.clock())

    def read(uow: UnitOfWork, now: datetime) -> scorecards.StaffBoard:
        return scorecards.staff_board(uow, when, team)

    board = perform_read(context, read)
    values = {
        "board": board,
        "period": when,
        "team": team,
        "teams": [*scorecards.STAFF_ROLES, "key_accounts"],
        "team_label": team_label,
        "listing": _paged(board.people, page_number(page), STAFF, {**_period(when), "team": team}),
    }
    return render_staff(
        request, session, "staff/scorecards_staff.html", values, section="scorecards"
    )


def _download(request: Request, table: analysis_exports.Table, fmt: str) -> Response:
    kind: analysis_exports.Format = "xlsx" if fmt == "xlsx" else "csv"
    out = analysis_exports.file(table, kind, preferred_language(request))
    return attachment(out.content, out.media_type, out.filename)


@router.get("/staff/scorecards/merchants.{fmt}")
def merchant_scorecards_file(
    request: Request,
    context: Context,
    session: Analyst,
    fmt: Fmt,
    date_from: DateFrom = "",
    date_to: DateTo = "",
) -> Response:
    """The whole board (a merchant account: its own card) as CSV or XLSX."""
    when = scorecards.period(date_from, date_to, context.clock())
    scope = session.principal.merchant_scope
    board = perform_read(context, lambda uow, now: scorecards.merchant_board(uow, when, scope))
    return _download(request, analysis_exports.merchant_scorecards(board), fmt)


@router.get("/staff/scorecards/staff.{fmt}")
def staff_scorecards_file(
    request: Request,
    context: Context,
    session: StaffScorer,
    fmt: Fmt,
    date_from: DateFrom = "",
    date_to: DateTo = "",
    team: Team = "",
) -> Response:
    """Every team and person of the board as CSV or XLSX."""
    when = scorecards.period(date_from, date_to, context.clock())
    board = perform_read(context, lambda uow, now: scorecards.staff_board(uow, when, team))
    table = analysis_exports.staff_scorecards(board, team_label, preferred_language(request))
    return _download(request, table, fmt)
