"""The warehouse's own work (issue 16): the "awaiting inspection" queue, paged and oldest
first, and the home page's tile (parcels expected today, waiting for inspection,
waiting for disposition, open return-to-vendor batches).

Both read `services/warehouse_work.py` in one unit of work; a merchant at its own
warehouse sees its own requests only, and a merchant without one is told so.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from returnflow.app_context import AppContext
from returnflow.domain.access import Permission, Principal, Role
from returnflow.entrypoints import params
from returnflow.entrypoints.deps import Context
from returnflow.services import warehouse_work
from returnflow.services.errors import Conflict
from returnflow.services.timers import TimerRules
from returnflow.web.paging import Pager, pager
from returnflow.web.roles import Disposer, Inspector
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)
P = Permission
QUEUE_URL = "/staff/warehouse/awaiting-inspection"
DISPOSITION_URL = "/staff/warehouse/awaiting-disposition"


def age(span: timedelta, language: str) -> str:
    """How long something has waited, the two largest units: "2 天 3 小时", "2 d 3 h"."""
    minutes = max(int(span.total_seconds()) // 60, 0)
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    units = (("天", "d"), ("小时", "h"), ("分钟", "min"))
    parts = [(n, unit) for n, unit in zip((days, hours, minutes), units, strict=True) if n]
    shown = parts[:2] or [(0, units[2])]
    index = 0 if language == "zh" else 1
    return " ".join(f"{n} {unit[index]}" for n, unit in shown)


def _pager(path: str, total: int, page: int) -> Pager:
    """The console's one paging control (web/paging.py) over a queue of 25 a page."""
    return pager(path, total, page, {}, size=warehouse_work.PAGE_SIZE)


@router.get(QUEUE_URL)
def awaiting_inspection(
    request: Request, context: Context, session: Inspector, page: str = "1"
) -> Response:
    """Received, not inspected: oldest first, with how long each waited and its due time."""
    scope = session.principal.merchant_scope
    number = params.digits(page, 1, warehouse_work.MAX_PAGE) or 1
    rules = TimerRules.from_settings(context.settings)
    now = context.clock()
    values: dict[str, object] = {"queue": None, "no_warehouse": None, "age": age}
    try:
        with context.uow() as uow:
            queue = warehouse_work.inspection_queue(uow, rules, now, scope, number)
        values |= {"queue": queue, "pager": _pager(QUEUE_URL, queue.total, queue.page)}
    except Conflict as closed:
        values["no_warehouse"] = closed.message
    return render_staff(
        request, session, "staff/warehouse_queue.html", values, section="warehouse-queue"
    )


@router.get(DISPOSITION_URL)
def awaiting_disposition(
    request: Request, context: Context, session: Disposer, page: str = "1"
) -> Response:
    """Inspected and kept, no line disposed yet: oldest first, each a link to disposition."""
    number = params.digits(page, 1, warehouse_work.MAX_PAGE) or 1
    now = context.clock()
    with context.uow() as uow:
        queue = warehouse_work.disposition_queue(uow, now, number)
    values = {"queue": queue, "age": age, "pager": _pager(DISPOSITION_URL, queue.total, queue.page)}
    return render_staff(
        request, session, "staff/warehouse_dispositions.html", values, section="warehouse-dispose"
    )


def home_counts(context: AppContext, principal: Principal) -> warehouse_work.WarehouseCounts | None:
    """The warehouse tile on the console home (None: not this reader's work, or a
    merchant whose returns go to the platform's warehouse)."""
    if principal.role not in (Role.WAREHOUSE, Role.MERCHANT):
        return None  # managers' and admins' homes are the whole operation's
    if not principal.can(P.WAREHOUSE_INSPECT):
        return None
    disposes = principal.can(P.WAREHOUSE_DISPOSE)
    try:
        with context.uow() as uow:
            return warehouse_work.counts(
                uow, context.clock(), principal.merchant_scope, disposes=disposes
            )
    except Conflict:
        return None
