"""The dashboards' seven charts (issue 14, R9.3), each from the daily rollups only.

(a) return rate over time by category, (b) reasons (Pareto), (c) time per stage,
(d) refund deadline compliance, (e) refund cycle, (f) CSAT and NPS, (g) reverse-logistics
cost and recovery value. Each reads `uow.analytics_series` (a SUM per day and key) and
uses domain/metrics.py's definitions; see services/dashboards.py for the filters.
"""

from __future__ import annotations

from datetime import date

from returnflow.domain import metrics
from returnflow.domain.analyses import category_label
from returnflow.domain.kinds import Reason
from returnflow.domain.text import Text
from returnflow.services.dashboard_model import (
    ALL,
    DAY,
    Cell,
    Chart,
    Column,
    Filters,
    Row,
    bucket_of,
    buckets,
    day_text,
)
from returnflow.services.unit_of_work import UnitOfWork


def return_rate_chart(uow: UnitOfWork, f: Filters) -> Chart:
    """(a) Units returned ÷ units delivered per delivery day (week) and category, and all."""
    points = buckets(f.period)
    of = bucket_of(points)
    sums: dict[tuple[date, str], list[int]] = {}
    for day, category, delivered, returned in uow.analytics_series.return_days(f.scope()):
        for key in (category, ALL):
            entry = sums.setdefault((of(day)[0], key), [0, 0])
            entry[0] += delivered
            entry[1] += returned
    rows = []
    categories = sorted({key for _, key in sums if key != ALL})
    for start, end in points:
        for key in (ALL, *categories):
            delivered, returned = sums.get((start, key), [0, 0])
            if key != ALL and not delivered and not returned:
                continue
            label = Text("全部品类", "All categories") if key == ALL else category_label(key)
            cells: dict[str, Cell] = {
                "day": day_text(start, end),
                "category": label,
                "units_delivered": delivered,
                "units_returned": returned,
                "return_rate": metrics.rate(returned, delivered),
            }
            extra = {"from": start.isoformat(), "to": end.isoformat()}
            if key != ALL:
                extra["category"] = key
            rows.append(Row(key, cells, f.query(**extra)))
    columns = (
        DAY,
        Column("category", Text("品类", "Category"), "label"),
        Column("units_delivered", Text("签收件数", "Units delivered"), "count"),
        Column("units_returned", Text("退货件数", "Units returned"), "count"),
        Column("return_rate", Text("退货率", "Return rate"), "ratio"),
    )
    title = Text("退货率趋势（按品类）", "Return rate over time, by category")
    return Chart("return_rate", title, "ratio", columns, tuple(rows), weekly=len(points) < _days(f))


def _days(f: Filters) -> int:
    return (f.period.end - f.period.start).days + 1


def reasons_chart(uow: UnitOfWork, f: Filters) -> Chart:
    """(b) Units returned by reason, most first, with the cumulative share (a Pareto)."""
    found = uow.analytics_series.reasons(f.scope())
    total = sum(n for _, n in found)
    rows, seen = [], 0
    for code, units in found:
        seen += units
        try:
            label = Reason(code).label
        except ValueError:
            label = Text(code, code)
        cells: dict[str, Cell] = {
            "reason": label,
            "units_returned": units,
            "share": metrics.rate(units, total),
            "cumulative": metrics.rate(seen, total),
        }
        rows.append(Row(code, cells, f.query(reason=code)))
    columns = (
        Column("reason", Text("退货原因", "Reason"), "label"),
        Column("units_returned", Text("退货件数", "Units returned"), "count"),
        Column("share", Text("占比", "Share"), "ratio"),
        Column("cumulative", Text("累计占比", "Cumulative share"), "ratio"),
    )
    title = Text("退货原因帕累托图", "Reasons for returns (Pareto)")
    return Chart("reasons", title, "count", columns, tuple(rows))


def _hours(seconds: int | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def stage_times_chart(uow: UnitOfWork, f: Filters) -> Chart:
    """(c) Median and p90 of each stage of a request, from the duration histograms."""
    found = uow.analytics_series.histograms(f.scope(), metrics.STAGE_METRICS)
    rows = []
    for (a, b), metric in zip(metrics.STAGE_PAIRS, metrics.STAGE_METRICS, strict=True):
        histogram = found.get(metric, {})
        (za, ea), (zb, eb) = metrics.STAGE_WORDS[a], metrics.STAGE_WORDS[b]
        cells: dict[str, Cell] = {
            "stage": Text(f"{za} → {zb}", f"{ea} → {eb}"),
            "count": sum(histogram.values()),
            "median_hours": _hours(metrics.percentile(histogram, 0.5)),
            "p90_hours": _hours(metrics.percentile(histogram, 0.9)),
        }
        rows.append(Row(metric, cells))
    columns = (
        Column("stage", Text("阶段", "Stage"), "label"),
        Column("count", Text("请求数", "Requests"), "count"),
        Column("median_hours", Text("中位数（小时）", "Median (hours)"), "hours"),
        Column("p90_hours", Text("P90（小时）", "90th percentile (hours)"), "hours"),
    )
    title = Text("各阶段用时", "Time per stage")
    return Chart("stage_times", title, "hours", columns, tuple(rows), ("category", "carrier"))


def _measures_by_bucket(
    uow: UnitOfWork, f: Filters, measures: tuple[str, ...]
) -> tuple[list[tuple[date, date]], dict[tuple[date, str], tuple[int, int]]]:
    points = buckets(f.period)
    of = bucket_of(points)
    sums: dict[tuple[date, str], tuple[int, int]] = {}
    for day, measure, count, amount in uow.analytics_series.measure_days(f.scope(), measures):
        key = (of(day)[0], measure)
        n, a = sums.get(key, (0, 0))
        sums[key] = (n + count, a + amount)
    return points, sums


SLA_CLOCKS = (  # row cell prefix, duration metric, target attribute of SlaTargets
    ("review", "stage_filed_decided", "review_hours"),
    ("inspection", "stage_received_inspected", "inspection_hours"),
    ("first_response", "complaint_first_response", "first_response_hours"),
)


def sla_chart(uow: UnitOfWork, f: Filters) -> Chart:
    """(d) SLA compliance per day (week): refunds paid by their deadline, reviews and
    inspections within their time, complaints answered within the ordinary first-response
    time; each a share of what ended that day."""
    wanted = ("refunds_paid", "refunds_with_deadline", "refunds_on_time")
    points, sums = _measures_by_bucket(uow, f, wanted)
    of = bucket_of(points)
    clocks: dict[tuple[date, str], tuple[int, int]] = {}
    for name, metric, target in SLA_CLOCKS:
        limit = round(3600 * getattr(f.targets, target))
        for day, within, total in uow.analytics_series.within_days(f.scope(), metric, limit):
            key = (of(day)[0], name)
            n, t = clocks.get(key, (0, 0))
            clocks[key] = (n + within, t + total)
    rows = []
    for start, end in points:
        paid, with_deadline, on_time = (sums.get((start, m), (0, 0))[0] for m in wanted)
        cells: dict[str, Cell] = {
            "day": day_text(start, end),
            "refunds_paid": paid,
            "with_deadline": with_deadline,
            "on_time": on_time,
            "late": with_deadline - on_time,
            "compliance": metrics.rate(on_time, with_deadline),
        }
        for name, _, _ in SLA_CLOCKS:
            within, total = clocks.get((start, name), (0, 0))
            cells[f"{name}_total"] = total
            cells[f"{name}_compliance"] = metrics.rate(within, total)
        rows.append(Row("sla", cells))
    return Chart(
        "sla",
        SLA_TITLE,
        "ratio",
        _sla_columns(),
        tuple(rows),
        ("category", "carrier"),
        _sla_note(f),
    )


SLA_TITLE = Text("时效达标率", "SLA compliance")


def _sla_columns() -> tuple[Column, ...]:
    return (
        DAY,
        Column("refunds_paid", Text("已到账退款", "Refunds paid"), "count"),
        Column("with_deadline", Text("有时限", "With a deadline"), "count"),
        Column("on_time", Text("按期", "On time"), "count"),
        Column("late", Text("超时", "Late"), "count"),
        Column("compliance", Text("退款按期率", "Refunds on time"), "ratio"),
        Column("review_total", Text("审核数", "Reviews"), "count"),
        Column("review_compliance", Text("审核按时率", "Reviewed in time"), "ratio"),
        Column("inspection_total", Text("质检数", "Inspections"), "count"),
        Column("inspection_compliance", Text("质检按时率", "Inspected in time"), "ratio"),
        Column("first_response_total", Text("投诉首次响应数", "First responses"), "count"),
        Column("first_response_compliance", Text("首次响应按时率", "Answered in time"), "ratio"),
    )


def _sla_note(f: Filters) -> Text:
    t = f.targets
    return Text(
        f"退款：在到账期限前到账；审核：提交后 {t.review_hours:g} 小时内；质检：签收后"
        f" {t.inspection_hours:g} 小时内；投诉：{t.first_response_hours:g} 小时内首次响应"
        "（普通投诉的时限，紧急投诉的 1 小时时限由投诉超时监控）。按结束当天计。",
        f"Refunds: paid by their deadline; reviews: decided within {t.review_hours:g} h of"
        f" filing; inspections: within {t.inspection_hours:g} h of receipt; first answers to"
        f" complaints: within {t.first_response_hours:g} h (the ordinary target; urgent ones' 1 h"
        " is watched by the complaint breach monitor). Counted on the day each ended.",
    )


CYCLE_BINS = (  # hours: lower bound, label
    (0, Text("1 小时内", "under 1 h")),
    (1, Text("1–4 小时", "1–4 h")),
    (4, Text("4–12 小时", "4–12 h")),
    (12, Text("12–24 小时", "12–24 h")),
    (24, Text("1–2 天", "1–2 days")),
    (48, Text("2–3 天", "2–3 days")),
    (72, Text("3–5 天", "3–5 days")),
    (120, Text("5–7 天", "5–7 days")),
    (168, Text("7 天以上", "over 7 days")),
)


def refund_cycle_chart(uow: UnitOfWork, f: Filters) -> Chart:
    """(e) How long refunds took, filing to paid: the histogram in readable bins."""
    histogram = uow.analytics_series.histograms(f.scope(), ("refund_cycle",)).get(
        "refund_cycle", {}
    )
    counts = [0] * len(CYCLE_BINS)
    for lower, n in histogram.items():
        index = max(i for i, (hours, _) in enumerate(CYCLE_BINS) if lower >= hours * 3600)
        counts[index] += n
    total = sum(counts)
    rows = tuple(
        Row(str(hours), {"bin": label, "refunds": n, "share": metrics.rate(n, total)})
        for (hours, label), n in zip(CYCLE_BINS, counts, strict=True)
    )
    p50 = _hours(metrics.percentile(histogram, 0.5))
    p90 = _hours(metrics.percentile(histogram, 0.9))
    note = None
    if p50 is not None:
        note = Text("中位数 {p50} 小时，P90 {p90} 小时", "Median {p50} h, 90th percentile {p90} h")
        note = note.format(p50=p50, p90=p90)
    columns = (
        Column("bin", Text("用时", "Time taken"), "label"),
        Column("refunds", Text("退款笔数", "Refunds"), "count"),
        Column("share", Text("占比", "Share"), "ratio"),
    )
    title = Text("退款周期：申请到到账", "Refund cycle: filed to paid")
    return Chart("refund_cycle", title, "count", columns, rows, ("category", "carrier"), note)


def satisfaction_chart(uow: UnitOfWork, f: Filters) -> Chart:
    """(f) CSAT (%) and NPS per day (week) of the survey answers."""
    wanted = ("survey_answers", "csat_satisfied", "nps_promoters", "nps_detractors")
    points, sums = _measures_by_bucket(uow, f, wanted)
    rows = []
    for start, end in points:
        answers, satisfied, promoters, detractors = (
            sums.get((start, m), (0, 0))[0] for m in wanted
        )
        share = metrics.rate(satisfied, answers)
        cells: dict[str, Cell] = {
            "day": day_text(start, end),
            "answers": answers,
            "csat": None if share is None else round(100 * share, 2),
            "nps": metrics.nps(promoters, detractors, answers),
        }
        rows.append(Row("survey", cells))
    columns = (
        DAY,
        Column("answers", Text("答卷数", "Answers"), "count"),
        Column("csat", Text("满意度 CSAT(%)", "CSAT (%)"), "percent"),
        Column("nps", Text("净推荐值 NPS", "NPS"), "score"),
    )
    title = Text("满意度与净推荐值", "CSAT and NPS over time")
    return Chart("satisfaction", title, "percent", columns, tuple(rows), ("category", "carrier"))


def cost_chart(uow: UnitOfWork, f: Filters) -> Chart:
    """(g) Reverse-logistics cost per return and the recovery value per day (week)."""
    points, sums = _measures_by_bucket(uow, f, ("logistics_cost", "recovery"))
    rows = []
    for start, end in points:
        shipped, cost = sums.get((start, "logistics_cost"), (0, 0))
        units, value = sums.get((start, "recovery"), (0, 0))
        cells: dict[str, Cell] = {
            "day": day_text(start, end),
            "returns_shipped": shipped,
            "cost": cost,
            "cost_per_return": metrics.per(cost, shipped),
            "recovered_units": units,
            "recovery_value": value,
        }
        rows.append(Row("cost", cells))
    columns = (
        DAY,
        Column("returns_shipped", Text("发运的退货", "Returns shipped"), "count"),
        Column("cost", Text("逆向物流成本", "Reverse-logistics cost"), "fen"),
        Column("cost_per_return", Text("单件成本", "Cost per return"), "fen"),
        Column("recovered_units", Text("回收件数", "Units recovered"), "count"),
        Column("recovery_value", Text("回收价值", "Recovery value"), "fen"),
    )
    note = Text(
        "品类筛选只作用于回收价值。", "The category filter applies to the recovery value only."
    )
    title = Text("逆向物流成本与回收价值", "Reverse-logistics cost and recovery value")
    return Chart("cost", title, "fen", columns, tuple(rows), ("carrier",), note)
