"""Complaints in the console (R8.1, R8.2, R8.5): the queue by time left, one complaint, intake.

The queue puts breached complaints first, then the soonest due, each row with its
countdown ("45 min left", "overdue by 2 h"); it filters by status, category, breach,
team and risk flag and pages. A complaint's page shows its words, where it came from,
the classifier's suggestion with its confidence, both deadlines with their state, the
history and the customer's satisfaction, and offers the handling forms its status
allows (`console_complaint_forms` posts them). The hotline form (`/staff/complaints/new`)
files for a caller. Every page reads through `services/complaint_queries.py`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from returnflow.app_context import AppContext
from returnflow.domain.access import Permission
from returnflow.domain.complaint_kinds import (
    CATEGORY_LABELS,
    CHANNEL_LABELS,
    FLAG_LABELS,
    STATUS_LABELS,
    URGENCY_LABELS,
    Category,
    ComplaintStatus,
    Flag,
    Urgency,
)
from returnflow.domain.text import Text
from returnflow.entrypoints import params
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.steps import perform
from returnflow.services import complaint_queries
from returnflow.services.complaint_queries import ComplaintDetail, ComplaintPage
from returnflow.services.merchants import merchant_names
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.complaints_common import (
    category_check,
    deadlines,
    duration,
    staff_history,
    time_left,
)
from returnflow.web.guards import StaffSession
from returnflow.web.paging import pager
from returnflow.web.roles import ComplaintFiler, ComplaintViewer
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)

PER_PAGE = 20
LABELS = {
    "category": CATEGORY_LABELS,
    "urgency": URGENCY_LABELS,
    "channel": CHANNEL_LABELS,
    "status": STATUS_LABELS,
    "flag": FLAG_LABELS,
}
_NOTICES = {
    "responded": Text("已回复顾客", "Your reply was sent to the customer"),
    "escalated": Text("投诉已升级", "The complaint was escalated"),
    "resolved": Text("投诉已解决，已邀请顾客评价", "Resolved; the customer is asked to rate it"),
    "reopened": Text("投诉已重新打开", "The complaint was reopened"),
    "classified": Text("分类已保存", "The category was saved"),
    "flagged": Text("已标记并转交风控", "Marked and routed to risk"),
}


def complaint_url(complaint_no: str, **query: str) -> str:
    url = f"/staff/complaints/{quote(complaint_no, safe='')}"
    return f"{url}?{urlencode(query)}" if query else url


# --- the queue ----------------------------------------------------------------------


@dataclass
class QueueAsk:
    """The queue's filters as asked, checked: unknown values are said, not guessed."""

    values: dict[str, str]
    page: int = 1
    errors: list[Text] = field(default_factory=list)

    def chosen(self, name: str) -> str | None:
        return self.values.get(name) or None

    @property
    def breached(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.values.get("breached", ""))


def _one_of(ask: QueueAsk, name: str, allowed: set[str], what: Text) -> None:
    value = ask.values.get(name, "")
    if value and value not in allowed:
        ask.errors.append(Text(f"无法识别的{what.zh}，已忽略", f"Unknown {what.en}: ignored"))
        ask.values[name] = ""


def parse_queue(values: dict[str, str], page: str) -> QueueAsk:
    ask = QueueAsk({key: value.strip()[:64] for key, value in values.items()})
    _one_of(ask, "status", {s.value for s in ComplaintStatus}, Text("状态", "status"))
    _one_of(ask, "category", {c.value for c in Category}, Text("分类", "category"))
    _one_of(ask, "breached", {"yes", "no"}, Text("超时筛选", "breach filter"))
    _one_of(ask, "flag", {f.value for f in Flag}, Text("风控标记", "risk flag"))
    number = params.digits(page.strip() or "1", 1, params.MAX_PAGE)
    if number is None:
        ask.errors.append(
            Text(
                "页码应为 1 到 {high} 之间的整数", "The page is a whole number from 1 to {high}"
            ).format(high=params.MAX_PAGE)
        )
    ask.page = number or 1
    return ask


def _read_queue(context: AppContext, session: StaffSession, ask: QueueAsk) -> ComplaintPage:
    scope = session.principal.merchant_scope

    def read(uow: UnitOfWork, now: datetime) -> ComplaintPage:
        return complaint_queries.queue(
            uow,
            now,
            status=ask.chosen("status"),
            category=ask.chosen("category"),
            breached=ask.breached,
            team=ask.chosen("team"),
            flag=ask.chosen("flag"),
            page=ask.page,
            per_page=PER_PAGE,
            merchant_scope=scope,
        )

    return perform(context, read)


@router.get("/staff/complaints")
def queue_page(
    request: Request,
    context: Context,
    session: ComplaintViewer,
    status: str = "",
    category: str = "",
    breached: str = "",
    team: str = "",
    flag: str = "",
    page: str = "1",
) -> Response:
    """Breached first, then the soonest due; resolved ones last."""
    filters = {"status": status, "category": category, "breached": breached}
    ask = parse_queue({**filters, "team": team, "flag": flag}, page)
    found = _read_queue(context, session, ask)
    kept = {key: value for key, value in ask.values.items() if value}

    def page_url(number: int) -> str:
        return "/staff/complaints?" + urlencode({**kept, "page": str(number)})

    values = {
        "found": found,
        "values": ask.values,
        "errors": ask.errors,
        "page": ask.page,
        "pages": max(1, found.pages),
        "page_url": page_url,
        "pager": pager("/staff/complaints", found.total, ask.page, kept, PER_PAGE),  # issue 16
        "time_left": time_left,
        "labels": LABELS,
        "categories": list(Category),
        "statuses": list(ComplaintStatus),
        "flags": list(Flag),
        "teams": sorted({context.settings.complaint_account_team}),
    }
    return render_staff(
        request,
        session,
        "staff/complaints.html",
        values,
        section="complaints",
        status_code=422 if ask.errors else 200,
    )


# --- one complaint ------------------------------------------------------------------


def _filed_notice(view: ComplaintDetail, now: datetime) -> Text:
    """What the agent reads after filing: the category (suggested or chosen) and the clock."""
    summary = view.summary
    label = CATEGORY_LABELS[summary.category]
    left = duration(int((summary.first_response_due_at - now).total_seconds()))
    if view.category_confirmed_by:
        kind = Text(f"分类“{label.zh}”", f"category {label.en}")
    else:
        percent = round(view.suggestion_confidence * 100)
        kind = Text(
            f"建议分类“{label.zh}”（置信度 {percent}%）",
            f"suggested category {label.en} ({percent}% confident)",
        )
    return Text(
        f"投诉 {summary.complaint_no} 已登记：{kind.zh}，首次响应须在 {left.zh}内完成",
        f"Complaint {summary.complaint_no} filed: {kind.en}; first response due in {left.en}",
    )


def _notice(view: ComplaintDetail, done: str, now: datetime) -> Text | None:
    if done == "filed":
        return _filed_notice(view, now)
    return _NOTICES.get(done)


def _forms(view: ComplaintDetail, session: StaffSession, form: dict[str, str]) -> dict[str, bool]:
    """Which handling forms this reader gets: the status allows it and they may handle."""
    may = session.principal.can(Permission.COMPLAINTS_HANDLE)
    submitted = form.get("action", "")

    def offered(step: str) -> bool:
        # a refused form stays on the page with what was typed, even if the state moved on
        return may and (step in view.actions_open or submitted == step)

    steps = ("respond", "escalate", "resolve", "reopen", "classify", "flag")
    return {f"can_{step}": offered(step) for step in steps}


def complaint_page_response(
    request: Request,
    context: AppContext,
    session: StaffSession,
    complaint_no: str,
    *,
    status_code: int = 200,
    error: Text | None = None,
    form: dict[str, str] | None = None,
    done: str = "",
) -> Response:
    """The complaint as this reader may see it (merchants: their own), with a refusal."""
    scope = session.principal.merchant_scope

    def read(uow: UnitOfWork, now: datetime) -> tuple[ComplaintDetail, dict[str, str], datetime]:
        found = complaint_queries.detail(uow, complaint_no, now, merchant_scope=scope)
        return found, merchant_names(uow, [found.summary.merchant_id or ""]), now

    view, names, now = perform(context, read)
    notice = _notice(view, done, now) if error is None else None
    values: dict[str, Any] = {
        "view": view,
        "c": view.summary,
        "now": now,
        "deadlines": deadlines(view.summary, now),
        "history": staff_history(view.history),
        "suggested_percent": round(view.suggestion_confidence * 100),
        "check": category_check(view),
        "merchant_name": names.get(view.summary.merchant_id or "", view.summary.merchant_id),
        "labels": LABELS,
        "categories": list(Category),
        "urgencies": list(Urgency),
        "flags": list(Flag),
        "time_left": time_left,
        "error": error,
        "form": form or {},
        **_forms(view, session, form or {}),
    }
    language = preferred_language(request)
    return render_staff(
        request,
        session,
        "staff/complaints_detail.html",
        values,
        section="complaints",
        status_code=status_code,
        notice=notice.in_language(language) if notice else None,
    )


# --- the hotline form ---------------------------------------------------------------


def new_page_response(
    request: Request,
    session: StaffSession,
    *,
    form: dict[str, str] | None = None,
    error: Text | None = None,
    status_code: int = 200,
) -> Response:
    values = {
        "form": form or {},
        "error": error,
        "categories": list(Category),
        "urgencies": list(Urgency),
        # one-time: a double click files once; a refused form keeps its name
        "submission": (form or {}).get("submission") or secrets.token_urlsafe(16),
    }
    return render_staff(
        request,
        session,
        "staff/complaints_new.html",
        values,
        section="complaints",
        status_code=status_code,
    )


@router.get("/staff/complaints/new")
def new_page(
    request: Request, session: ComplaintFiler, order_no: str = "", rma_no: str = ""
) -> Response:
    """The hotline form; `order_no`/`rma_no` come prefilled from a request page's link."""
    form = {"order_no": order_no.strip()[:64], "rma_no": rma_no.strip()[:64]}
    return new_page_response(request, session, form=form)


@router.get("/staff/complaints/{complaint_no}")
def complaint_page(
    request: Request, complaint_no: str, context: Context, session: ComplaintViewer, done: str = ""
) -> Response:
    return complaint_page_response(request, context, session, complaint_no[:64], done=done[:16])
