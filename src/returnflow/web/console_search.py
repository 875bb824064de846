"""Finding requests in the console: every staff role, merchant-scoped, 50 a page.

Filters: number, order, status, type, merchant, filing dates (local days, inclusive, in
the platform's zone); sorted newest first unless asked otherwise (issue 16). A
hand-edited link with a bad date, status, type or page number is said on the page
(422), not silently ignored. The pager is the console's one (`web/paging.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from returnflow.app_context import AppContext
from returnflow.domain.kinds import RequestType
from returnflow.domain.lifecycle import Status
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints import params
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.steps import perform
from returnflow.services import review as review_service
from returnflow.services.merchants import merchant_names
from returnflow.services.queries import ReturnFilter, ReturnPage
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web import paging
from returnflow.web.paging import pager
from returnflow.web.roles import Viewer
from returnflow.web.staff_page import render_staff
from returnflow.web.templating import DISPLAY_ZONE

router = APIRouter(include_in_schema=False)

PAGE_SIZE = paging.PAGE_SIZE
SORTS = ("newest", "oldest", "amount_high", "amount_low", "updated")


@dataclass
class _Asked:
    """The search as typed, what it means, and what was wrong with it."""

    values: dict[str, str]
    where: ReturnFilter = field(default_factory=ReturnFilter)
    page: int = 1
    errors: list[Text] = field(default_factory=list)


def _local_day_start(value: str, field_name: str) -> datetime:
    day = params.day(value, field_name)
    return datetime.combine(day, time.min, tzinfo=DISPLAY_ZONE)


def _status(asked: _Asked) -> Status | None:
    if not asked.values["status"]:
        return None
    try:
        return Status(asked.values["status"])
    except ValueError:
        asked.errors.append(Text("未知的状态", "Unknown status"))
        return None


def _type(asked: _Asked) -> RequestType | None:
    if not asked.values["type"]:
        return None
    try:
        return RequestType(asked.values["type"])
    except ValueError:
        asked.errors.append(Text("未知的申请类型", "Unknown request type"))
        return None


def _days(asked: _Asked) -> tuple[datetime | None, datetime | None]:
    created_from = created_to = None
    try:
        if asked.values["date_from"]:
            created_from = _local_day_start(asked.values["date_from"], "date_from")
        if asked.values["date_to"]:
            created_to = _local_day_start(asked.values["date_to"], "date_to") + timedelta(days=1)
    except DomainError as refused:
        asked.errors.append(refused.message)
    return created_from, created_to


def _page(asked: _Asked, page: str) -> int:
    page_no = params.digits(page.strip() or "1", 1, params.MAX_PAGE)
    if page_no is None:  # a hand-edited link: said, like a bad date, not silently page 1
        asked.errors.append(
            Text(
                "页码应为 1 到 {high} 之间的整数", "The page is a whole number from 1 to {high}"
            ).format(high=params.MAX_PAGE)
        )
        return 1
    return page_no


def _parse(values: dict[str, str], page: str) -> _Asked:
    asked = _Asked(values)
    wanted_status = _status(asked)
    created_from, created_to = _days(asked)
    asked.page = _page(asked, page)
    asked.where = ReturnFilter(
        status=wanted_status,
        order_no=values["order_no"] or None,
        rma_no=values["rma_no"] or None,
        merchant_id=values["merchant_id"] or None,
        created_from=created_from,
        created_to=created_to,
        request_type=_type(asked),
        sort=values["sort"] if values["sort"] in SORTS else "newest",
    )
    return asked


def _found(
    context: AppContext, asked: _Asked, scope: str | None
) -> tuple[ReturnPage, dict[str, str]]:
    """The page of requests asked for and its merchants' names (one query for the page)."""
    if asked.errors:
        return ReturnPage((), 0), {}

    def read(uow: UnitOfWork, _: datetime) -> tuple[ReturnPage, dict[str, str]]:
        page = review_service.search(uow, asked.where, asked.page, PAGE_SIZE, merchant_scope=scope)
        return page, merchant_names(uow, (item.merchant_id for item in page.items))

    return perform(context, read)


@router.get("/staff/returns")
def search_page(
    request: Request,
    context: Context,
    session: Viewer,
    status: str = "",
    order_no: str = "",
    rma_no: str = "",
    merchant_id: str = "",
    date_from: str = "",
    date_to: str = "",
    page: str = "1",
    kind: Annotated[str, Query(alias="type", max_length=20)] = "",
    sort: str = "",
) -> Response:
    """Every staff role: newest first, merchant-scoped, dates in local days (inclusive)."""
    scope = session.principal.merchant_scope
    asked = _parse(
        {
            "status": status,
            "order_no": order_no.strip(),
            "rma_no": rma_no.strip(),
            "merchant_id": merchant_id.strip(),
            "date_from": date_from.strip(),
            "date_to": date_to.strip(),
            "type": kind.strip(),
            "sort": sort.strip() if sort.strip() in SORTS[1:] else "",
        },
        page,
    )
    found, names = _found(context, asked, scope)
    kept = {key: value for key, value in asked.values.items() if value}
    control = pager("/staff/returns", found.total, asked.page, kept, PAGE_SIZE)
    values = {
        "values": asked.values,
        "statuses": list(Status),
        "types": list(RequestType),
        "sorts": SORTS,
        "errors": asked.errors,
        "results": found.items,
        "merchant_names": names,  # id → display name, one query for the page
        "total": found.total,
        "pager": control,
        "now": context.clock(),
    }
    return render_staff(
        request,
        session,
        "staff/search.html",
        values,
        section="returns",
        status_code=422 if asked.errors else 200,
    )
