"""The review queue (R3.4, issue 16, seed 000 §7.2.3): paged, filtered, sorted, with holders.

Two views: "All" (the team's queue, with who holds each request and each person's
workload) and "Mine" (what I hold). Filters: merchant, type, age (filed more than a day,
three days, a week ago; or past the review deadline), holder; sorts: oldest, newest,
deadline, amount. Every link keeps the filters. The actions (take, assign, bulk decide)
are in `console_review_actions`; a refused one shows this page again with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from returnflow.app_context import AppContext
from returnflow.domain.access import Permission, Principal
from returnflow.domain.kinds import RequestType
from returnflow.domain.text import Text
from returnflow.entrypoints import params
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.steps import perform
from returnflow.services import assignment
from returnflow.services.assignment import QueueFilter
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.console_request import REJECT_TEMPLATES
from returnflow.web.guards import StaffSession
from returnflow.web.paging import PAGE_SIZE, page_number, pager
from returnflow.web.roles import Reviewer
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)

SORTS = ("oldest", "newest", "due", "amount_high", "amount_low")
AGES: dict[str, timedelta | None] = {
    "1d": timedelta(days=1),
    "3d": timedelta(days=3),
    "7d": timedelta(days=7),
    "overdue": None,
}
FILTER_KEYS = ("view", "merchant", "type", "age", "holder", "sort")
_RMA = re.compile(r"[A-Za-z0-9-]{1,32}")
_DONE = {
    "taken": Text("申请 {rma} 已分派给您", "Request {rma} is now yours"),
    "assigned": Text("申请 {rma} 已改派", "Request {rma} was assigned"),
}


@dataclass(frozen=True, slots=True)
class QueueAsk:
    """The queue's filters as asked, each already checked (anything unknown is dropped)."""

    view: str = "all"  # "all" | "mine"
    merchant: str = ""
    type: str = ""
    age: str = ""
    holder: str = ""  # "" | "none" | a user id
    sort: str = "oldest"
    page: int = 1

    def kept(self) -> dict[str, str]:
        """The filters as query values, without their defaults."""
        values = {key: str(getattr(self, key)) for key in FILTER_KEYS}
        values["view"] = "" if self.view == "all" else self.view
        values["sort"] = "" if self.sort == "oldest" else self.sort
        return {key: value for key, value in values.items() if value}


def ask(values: dict[str, str]) -> QueueAsk:
    """Filters from a query or a form's hidden fields; a hand-edited value is ignored."""
    holder = values.get("holder", "").strip()
    if holder != "none" and params.digits(holder, 1, params.MAX_ROW_ID) is None:
        holder = ""
    merchant = values.get("merchant", "").strip()[:64]
    kinds = {kind.value for kind in RequestType}
    return QueueAsk(
        view="mine" if values.get("view") == "mine" else "all",
        merchant=merchant,
        type=values.get("type", "") if values.get("type", "") in kinds else "",
        age=values.get("age", "") if values.get("age", "") in AGES else "",
        holder=holder,
        sort=values.get("sort", "") if values.get("sort", "") in SORTS else "oldest",
        page=page_number(values.get("page", "")),
    )


def _filter(asked: QueueAsk, principal: Principal, now: datetime) -> QueueFilter:
    age = AGES.get(asked.age)
    holder_id = params.digits(asked.holder, 1, params.MAX_ROW_ID) if asked.holder else None
    return QueueFilter(
        merchant_id=asked.merchant or None,
        request_type=RequestType(asked.type) if asked.type else None,
        assignee_id=principal.user_id if asked.view == "mine" else holder_id,
        unassigned=asked.view == "all" and asked.holder == "none",
        filed_before=now - age if age is not None else None,
        overdue_at=now if asked.age == "overdue" else None,
        sort=asked.sort,
    )


def queue_response(
    request: Request,
    context: AppContext,
    session: StaffSession,
    asked: QueueAsk,
    *,
    error: Text | None = None,
    notice: Text | None = None,
    status_code: int = 200,
) -> Response:
    """The queue page for `asked`, with a refusal or a notice when an action sent one."""
    principal = session.principal
    scope = principal.merchant_scope
    now = context.clock()
    where = _filter(asked, principal, now)

    def read(uow: UnitOfWork, _: datetime) -> dict[str, Any]:
        found = assignment.queue(uow, where, now, asked.page, PAGE_SIZE, merchant_scope=scope)
        team = asked.view == "all" and scope is None  # merchants see no staff workload
        assigns = principal.can(Permission.RETURNS_ASSIGN)
        return {
            "read": found,
            "workload": assignment.workload(uow, now, merchant_scope=scope) if team else (),
            "reviewers": assignment.reviewers(uow) if assigns else (),
        }

    values = perform(context, read)
    found = values["read"]
    values |= {
        "queue": found.found,
        "pager": pager("/staff/review", found.found.total, found.page, asked.kept(), PAGE_SIZE),
        "asked": asked,
        "kept": asked.kept(),
        "now": now,
        "types": list(RequestType),
        "sorts": SORTS,
        "ages": tuple(AGES),
        "templates": REJECT_TEMPLATES,
        "error": error,
    }
    language = preferred_language(request)
    return render_staff(
        request,
        session,
        "staff/queue.html",
        values,
        section="review",
        status_code=status_code,
        notice=notice.in_language(language) if notice else None,
    )


@router.get("/staff/review")
def review_queue(request: Request, context: Context, session: Reviewer) -> Response:
    """R3.4: requests waiting for a person, with the time left to their review deadline."""
    query = dict(request.query_params)
    done = _DONE.get(query.get("done", ""))
    rma_no = query.get("rma", "")
    notice = done.format(rma=rma_no) if done and _RMA.fullmatch(rma_no) else None
    return queue_response(request, context, session, ask(query), notice=notice)
