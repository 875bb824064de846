"""The dashboards' charts as plotly figures and table cells (issue 14, R9.3).

A chart (services/dashboard_model.py) becomes a plotly figure: plain dicts turned into
JSON here, on the server, and drawn in the browser by plotly.js served from the
installed package (`/static/vendor/plotly.min.js`) through our own static/dashboards.js.
A point that has requests behind it carries its drill-down link in `customdata`; a click
follows it. The same chart's rows are the table under it, formatted by `cell`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from returnflow.domain.money import Money
from returnflow.domain.text import Text
from returnflow.services.dashboard_model import ALL, Chart, Column, Row
from returnflow.web.templating import money

DRILL = "/staff/analytics/requests"
PALETTE = ("#c2410c", "#2563eb", "#15803d", "#7c3aed", "#0891b2", "#b45309", "#db2777", "#4b5563")
MAX_LINES = 6  # categories drawn (the table lists every one)
VISIBLE_LINES = 3  # of which shown at first; the others appear on a legend click
Figure = dict[str, Any]


def drill_url(row: Row) -> str | None:
    return None if row.drill is None else f"{DRILL}?{urlencode(row.drill)}"


def cell(value: object, kind: str, language: str) -> str:
    """A table cell as people read it: percentages, hours, the one money format, names."""
    if value is None:
        return "—"
    if isinstance(value, Text):
        return value.in_language(language)
    if kind in ("ratio",) and isinstance(value, int | float):
        return f"{100 * value:.1f}%"
    if kind == "percent" and isinstance(value, int | float):
        return f"{value:.1f}%"
    if kind == "fen" and isinstance(value, int | float):
        return money(Money(int(value)), language)
    if kind in ("hours", "score") and isinstance(value, int | float):
        return f"{value:.1f}"
    if kind == "count" and isinstance(value, int):
        return f"{value:,}"
    if kind == "day":
        return str(value).replace("/", " – ")
    return str(value)


def _x(row: Row) -> str:
    return str(row.cells["day"]).split("/")[0]


def _label(value: object, language: str) -> str:
    return value.in_language(language) if isinstance(value, Text) else str(value)


def _layout(language: str, **extra: Any) -> Figure:
    layout: Figure = {
        "height": 320,
        "margin": {"l": 56, "r": 56, "t": 36, "b": 40},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"family": "system-ui, -apple-system, 'PingFang SC', sans-serif", "size": 12},
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "hoverlabel": {"namelength": -1},
    }
    layout.update(extra)
    return layout


def _time_axis(chart: Chart) -> Figure:
    return {"type": "date", "tickformat": "%m-%d", "gridcolor": "#eef0f3"}


def _yaxis(title: str, **extra: Any) -> Figure:
    return {"title": {"text": title}, "gridcolor": "#eef0f3", "zeroline": False, **extra}


def _column(chart: Chart, key: str) -> Column:
    return next(c for c in chart.columns if c.key == key)


def _title(chart: Chart, key: str, language: str) -> str:
    return _column(chart, key).title.in_language(language)


def _rate_line(rows: list[Row], index: int, language: str, visible: bool) -> Figure:
    key = rows[0].key
    rates = [r.cells["return_rate"] for r in rows]
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "name": _label(rows[0].cells["category"], language),
        "x": [_x(r) for r in rows],
        "y": [None if not isinstance(v, int | float) else round(100 * v, 2) for v in rates],
        "customdata": [drill_url(r) for r in rows],
        "line": {
            "color": "#1f2430" if key == ALL else PALETTE[index % len(PALETTE)],
            "width": 3 if key == ALL else 1.5,
        },
        "visible": True if visible else "legendonly",
        "hovertemplate": "%{y:.1f}%<extra>%{fullData.name}</extra>",
    }


def return_rate(chart: Chart, language: str) -> Figure:
    """A line per category (the biggest few shown, the rest a legend click away), all
    categories in bold, and the units returned as pale bars behind: a surge shows twice."""
    delivered: dict[str, int] = {}
    for row in chart.rows:
        units = row.cells["units_delivered"]
        if row.key != ALL and isinstance(units, int):
            delivered[row.key] = delivered.get(row.key, 0) + units
    shown = [ALL, *sorted(delivered, key=lambda k: -delivered[k])[:MAX_LINES]]
    every = [r for r in chart.rows if r.key == ALL]
    data: list[Figure] = [
        {
            "type": "bar",
            "name": _title(chart, "units_returned", language),
            "x": [_x(r) for r in every],
            "y": [r.cells["units_returned"] for r in every],
            "customdata": [drill_url(r) for r in every],
            "yaxis": "y2",
            "marker": {"color": "#e5e7eb"},
            "hovertemplate": "%{y}<extra>%{fullData.name}</extra>",
        }
    ]
    for index, key in enumerate(shown):
        rows = [r for r in chart.rows if r.key == key]
        if rows:
            data.append(_rate_line(rows, index, language, index <= VISIBLE_LINES))
    returned = [r.cells["units_returned"] for r in every]
    layout = _layout(
        language,
        xaxis=_time_axis(chart),
        yaxis=_yaxis(_title(chart, "return_rate", language) + " (%)", rangemode="tozero"),
        yaxis2=_counts_axis(returned),
        hovermode="closest",
    )
    layout["yaxis"].update(overlaying="y2", tickmode="auto")  # the lines above the bars
    layout["yaxis2"].update(side="right", title={"text": _title(chart, "units_returned", language)})
    layout["yaxis2"].pop("overlaying")
    return {"data": data, "layout": layout}


def reasons(chart: Chart, language: str) -> Figure:
    labels = [_label(r.cells["reason"], language) for r in chart.rows]
    cumulative = [r.cells["cumulative"] for r in chart.rows]
    data = [
        {
            "type": "bar",
            "name": _title(chart, "units_returned", language),
            "x": labels,
            "y": [r.cells["units_returned"] for r in chart.rows],
            "customdata": [drill_url(r) for r in chart.rows],
            "marker": {"color": PALETTE[0]},
        },
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": _title(chart, "cumulative", language),
            "x": labels,
            "y": [None if v is None else round(100 * float(v), 1) for v in cumulative],  # type: ignore[arg-type]
            "yaxis": "y2",
            "customdata": [drill_url(r) for r in chart.rows],
            "line": {"color": "#1f2430"},
            "hovertemplate": "%{y:.1f}%",
        },
    ]
    layout = _layout(
        language,
        yaxis=_yaxis(_title(chart, "units_returned", language), rangemode="tozero"),
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "range": [0, 105],
            "tickvals": [0, 25, 50, 75, 100],
            "ticktext": ["0%", "25%", "50%", "75%", "100%"],
            "showgrid": False,
        },
        xaxis={"automargin": True},
    )
    return {"data": data, "layout": layout}


def _bars(chart: Chart, language: str, label: str, keys: tuple[str, ...]) -> Figure:
    x = [_label(r.cells[label], language) for r in chart.rows]
    data = [
        {
            "type": "bar",
            "name": _title(chart, key, language),
            "x": x,
            "y": [r.cells[key] for r in chart.rows],
            "marker": {"color": PALETTE[i]},
        }
        for i, key in enumerate(keys)
    ]
    title = _title(chart, keys[0], language) if len(keys) == 1 else ""
    xaxis = {"automargin": True, "tickangle": -25}
    return {
        "data": data,
        "layout": _layout(language, barmode="group", yaxis=_yaxis(title), xaxis=xaxis),
    }


def stage_times(chart: Chart, language: str) -> Figure:
    figure = _bars(chart, language, "stage", ("median_hours", "p90_hours"))
    figure["layout"]["yaxis"]["title"]["text"] = "h" if language == "en" else "小时"
    return figure


def refund_cycle(chart: Chart, language: str) -> Figure:
    return _bars(chart, language, "bin", ("refunds",))


def _line(chart: Chart, key: str, language: str, color: str, **extra: Any) -> Figure:
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "name": _title(chart, key, language),
        "x": [_x(r) for r in chart.rows],
        "y": [r.cells[key] for r in chart.rows],
        "line": {"color": color},
        "connectgaps": False,
        **extra,
    }


def _counts_axis(values: list[Any]) -> Figure:
    """A right-hand axis of whole counts: ticks at whole steps, never 0.2 of a refund."""
    top = max([1, *(v for v in values if isinstance(v, int))])
    step = max(1, math.ceil(top / 4))
    return {
        "overlaying": "y",
        "side": "right",
        "range": [0, step * 4.2],
        "dtick": step,
        "showgrid": False,
    }


SLA_LINES = (
    "compliance",
    "review_compliance",
    "inspection_compliance",
    "first_response_compliance",
)


def sla(chart: Chart, language: str) -> Figure:
    """One line per service level, in percent: refunds, reviews, inspections, complaints."""
    data = []
    for key, color in zip(SLA_LINES, (PALETTE[2], PALETTE[1], PALETTE[3], PALETTE[0]), strict=True):
        line = _line(chart, key, language, color)
        line["y"] = [None if v is None else round(100 * float(v), 1) for v in line["y"]]
        data.append(line)
    layout = _layout(
        language,
        xaxis=_time_axis(chart),
        yaxis=_yaxis("", range=[0, 105], ticksuffix="%"),
    )
    return {"data": data, "layout": layout}


def satisfaction(chart: Chart, language: str) -> Figure:
    data = [_line(chart, "csat", language, PALETTE[1]), _line(chart, "nps", language, PALETTE[0])]
    layout = _layout(language, xaxis=_time_axis(chart), yaxis=_yaxis("", range=[-100, 100]))
    return {"data": data, "layout": layout}


def cost(chart: Chart, language: str) -> Figure:
    per_return = _line(chart, "cost_per_return", language, PALETTE[0])
    per_return["y"] = [None if v is None else round(float(v) / 100, 2) for v in per_return["y"]]
    value = {
        "type": "bar",
        "name": _title(chart, "recovery_value", language),
        "x": [_x(r) for r in chart.rows],
        "y": [round(int(r.cells["recovery_value"] or 0) / 100, 2) for r in chart.rows],  # type: ignore[arg-type]
        "yaxis": "y2",
        "marker": {"color": "#bbf7d0"},
    }
    yuan = "CN¥" if language == "en" else "¥"  # the symbol money_text uses per language
    layout = _layout(
        language,
        xaxis=_time_axis(chart),
        yaxis=_yaxis(
            _title(chart, "cost_per_return", language), tickprefix=yuan, rangemode="tozero"
        ),
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "tickprefix": yuan,
            "tickformat": ",.0f",
            "rangemode": "tozero",
            "showgrid": False,
        },
    )
    return {"data": [value, per_return], "layout": layout}


FIGURES: dict[str, Callable[[Chart, str], Figure]] = {
    "return_rate": return_rate,
    "reasons": reasons,
    "stage_times": stage_times,
    "sla": sla,
    "refund_cycle": refund_cycle,
    "satisfaction": satisfaction,
    "cost": cost,
}


def figure_json(chart: Chart, language: str) -> str:
    """The chart's plotly figure as JSON (the page puts it in a data attribute)."""
    return json.dumps(FIGURES[chart.name](chart, language), ensure_ascii=False)
