"""The quarterly process review (issue 17, R16.11): `/staff/reviews/quarterly?quarter=2026-Q4`.

Managers see the quarter's review timeliness, logistics efficiency and satisfaction
beside the quarter before (from the analytics rollups, `services/process_review.py`),
and the improvement proposals closed in the quarter with their outcomes; the same as a
CSV download (`/staff/reviews/quarterly.csv`). Quarters are China-time quarters.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from returnflow.app_context import AppContext
from returnflow.domain.quarters import Quarter
from returnflow.domain.text import Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.files import attachment
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.steps import perform
from returnflow.services import process_review as service
from returnflow.services.dashboard_model import SlaTargets
from returnflow.web.improvement_words import word
from returnflow.web.roles import ImprovementManager
from returnflow.web.staff_page import render_staff
from returnflow.web.templating import yuan

router = APIRouter(include_in_schema=False)
PAGE = "/staff/reviews/quarterly"
QuarterName = Annotated[str, Query(max_length=10)]


@dataclass(frozen=True)
class Line:
    """One figure of the review: its words, this quarter's and the last one's."""

    key: str
    label: Text
    now: str
    before: str
    change: str  # "+3.5", "-1", "" when either side is missing


def _quarter(name: str, context: AppContext) -> Quarter:
    return Quarter.parse(name) if name else Quarter.of(context.clock())


def _review(context: AppContext, name: str) -> service.QuarterReview:
    quarter = _quarter(name, context)
    targets = SlaTargets.from_settings(context.settings)
    return perform(context, lambda uow, now: service.review(uow, quarter, targets))


_LABELS = {
    "reviews": Text("审核数", "Reviews decided"),
    "in_time_share": Text("按时审核占比(%)", "Reviewed within the target (%)"),
    "review_median_hours": Text("审核用时中位数(小时)", "Median review time (hours)"),
    "approval_to_shipped_days": Text(
        "审核通过到寄出中位数(天)", "Approval to shipped, median (days)"
    ),
    "shipped_to_received_days": Text("寄出到签收中位数(天)", "Shipped to received, median (days)"),
    "returns_shipped": Text("发运的退货", "Returns shipped"),
    "cost_per_return": Text("单件逆向物流成本", "Reverse-logistics cost per return"),
    "survey_answers": Text("满意度答卷", "Survey answers"),
    "csat": Text("满意度 CSAT(%)", "CSAT (%)"),
    "nps": Text("净推荐值 NPS", "NPS"),
}


def _shown(key: str, value: float | int | None, language: str) -> str:
    if value is None:
        return ""
    if key == "cost_per_return":
        return yuan(int(value), language)
    if key == "in_time_share":
        return f"{100 * value:.1f}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _change(key: str, now: float | int | None, before: float | int | None, language: str) -> str:
    if now is None or before is None:
        return ""
    if key == "cost_per_return":
        return ("+" if now > before else "") + yuan(int(now - before), language)
    scale = 100 if key == "in_time_share" else 1
    return f"{round(scale * (now - before), 1):+g}"


def lines(found: service.QuarterReview, language: str) -> list[Line]:
    return [
        Line(
            key,
            label,
            _shown(key, getattr(found.now, key), language),
            _shown(key, getattr(found.before, key), language),
            _change(key, getattr(found.now, key), getattr(found.before, key), language),
        )
        for key, label in _LABELS.items()
    ]


@router.get(PAGE)
def review_page(
    request: Request, context: Context, session: ImprovementManager, quarter: QuarterName = ""
) -> Response:
    """The quarter asked for (`2026-Q4`); none: the current quarter, so far."""
    found = _review(context, quarter)
    language = preferred_language(request)
    values = {
        "found": found,
        "lines": lines(found, language),
        "outcomes": found.outcomes(),
        "word": lambda code: word(code, language),
    }
    return render_staff(
        request, session, "staff/process_review.html", values, section="improvements"
    )


@router.get(PAGE + ".csv")
def review_csv(
    request: Request, context: Context, session: ImprovementManager, quarter: QuarterName = ""
) -> Response:
    """The figures, then the proposals closed in the quarter, as one CSV."""
    found = _review(context, quarter)
    language = preferred_language(request)
    t = Text
    out = io.StringIO()
    writer = csv.writer(out)
    header = (t("指标", "Figure"), t("本季度", "This quarter"), t("上季度", "Previous quarter"))
    writer.writerow([h.in_language(language) for h in (*header, t("变化", "Change"))])
    writer.writerow(["quarter", found.quarter.name, found.previous.name, ""])
    for line in lines(found, language):
        writer.writerow([line.label.in_language(language), line.now, line.before, line.change])
    writer.writerow([])
    columns = (t("编号", "No."), t("领域", "Area"), t("结论", "Outcome"), t("说明", "Note"))
    writer.writerow([c.in_language(language) for c in columns])
    for p in found.closed:
        writer.writerow([p.id, word(p.area, language), word(p.outcome, language), p.outcome_note])
    name = f"process-review-{found.quarter.name}.csv"
    return attachment(out.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8", name)
