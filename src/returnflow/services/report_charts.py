"""The periodic report's charts (issue 14, R9.3): matplotlib on the Agg backend, as PNG.

Chinese needs a CJK font or it renders as boxes. Debian's fonts-noto-cjk gives
"Noto Sans CJK SC", which matplotlib's font manager finds among the system fonts; if it
is missing, any other CJK family found is used, and with none at all the charts are
labelled in English (a Chinese report then has English chart labels, never boxes).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib import pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from returnflow.domain.text import Text

PREFERRED = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei")
NOW_COLOUR, BEFORE_COLOUR, LINE_COLOUR = "#2f6fde", "#c5cedb", "#d9480f"
WIDTH_IN, DPI = 6.6, 200


@cache
def cjk_family() -> str | None:
    """The first CJK-capable family installed, or None."""
    names = {f.name for f in font_manager.fontManager.ttflist}
    for name in PREFERRED:
        if name in names:
            return name
    return next((n for n in sorted(names) if "CJK" in n and "Mono" not in n), None)


def chart_language(language: str) -> str:
    """The language the charts can be labelled in (English when no CJK font exists)."""
    return language if language == "en" or cjk_family() else "en"


def _figure(height: float) -> Figure:
    family = cjk_family()
    plt.rcParams["font.family"] = [family, "DejaVu Sans"] if family else ["DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    figure = plt.figure(figsize=(WIDTH_IN, height), dpi=DPI)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def _style(axes: matplotlib.axes.Axes) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(labelsize=8)
    axes.grid(axis="x", color="#e6e9ef", linewidth=0.6)
    axes.set_axisbelow(True)


def rate_by_category(
    labels: Sequence[Text],
    now: Sequence[float | None],
    before: Sequence[float | None],
    language: str,
    legend: tuple[Text, Text],
) -> bytes:
    """Horizontal bars: each category's return rate now, beside the previous period's."""
    say = chart_language(language)
    names = [label.in_language(say) for label in labels][::-1]
    current = [100 * (v or 0) for v in now][::-1]
    previous = [100 * (v or 0) for v in before][::-1]
    figure = _figure(max(1.6, 0.42 * len(names) + 0.7))
    axes = figure.add_subplot()
    rows = range(len(names))
    axes.barh(
        [r - 0.2 for r in rows], current, 0.38, color=NOW_COLOUR, label=legend[0].in_language(say)
    )
    axes.barh([r + 0.2 for r in rows], previous, 0.38, color=BEFORE_COLOUR,
              label=legend[1].in_language(say))  # fmt: skip
    for r, value in zip(rows, current, strict=True):
        axes.text(value, r - 0.2, f" {value:.1f}%", va="center", fontsize=7, color="#1d2633")
    axes.set_yticks(list(rows), names)
    axes.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    axes.set_xlim(0, max([*current, *previous, 1.0]) * 1.18)
    _style(axes)
    axes.legend(fontsize=7, frameon=False, loc="lower right")
    return _png(figure)


def reasons_pareto(
    labels: Sequence[Text], units: Sequence[int], language: str, axis: tuple[Text, Text]
) -> bytes:
    """Bars of returned units per reason, largest first, with the cumulative share."""
    say = chart_language(language)
    names = [label.in_language(say) for label in labels]
    total = sum(units) or 1
    cumulative, running = [], 0
    for n in units:
        running += n
        cumulative.append(100 * running / total)
    figure = _figure(2.6)
    axes = figure.add_subplot()
    axes.bar(names, units, color=NOW_COLOUR, width=0.6)
    for x, n in enumerate(units):
        axes.text(x, n, f"{n:,}", ha="center", va="bottom", fontsize=7)
    axes.set_ylabel(axis[0].in_language(say), fontsize=8)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
    axes.tick_params(axis="x", labelrotation=20 if len(names) > 4 else 0)
    _style(axes)
    axes.grid(False)
    share = axes.twinx()
    share.plot(names, cumulative, color=LINE_COLOUR, marker="o", markersize=3, linewidth=1.2)
    share.set_ylim(0, 105)
    share.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    share.set_ylabel(axis[1].in_language(say), fontsize=8)
    share.tick_params(labelsize=8)
    share.spines["top"].set_visible(False)
    return _png(figure)


def daily_rate(
    days: Sequence[str],
    rates: Sequence[float | None],
    returned: Sequence[int],
    language: str,
    axis: tuple[Text, Text],
) -> bytes:
    """Units returned per delivery day (bars) and the day's return rate (line)."""
    say = chart_language(language)
    figure = _figure(2.3)
    axes = figure.add_subplot()
    axes.bar(days, returned, color=BEFORE_COLOUR, width=0.6)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel(axis[0].in_language(say), fontsize=8)
    axes.tick_params(axis="x", labelrotation=45 if len(days) > 10 else 0)
    step = 1 if len(days) <= 16 else 2
    axes.set_xticks(range(0, len(days), step), [days[i] for i in range(0, len(days), step)])
    _style(axes)
    axes.grid(False)
    line = axes.twinx()
    line.plot(days, [100 * (r or 0) for r in rates], color=NOW_COLOUR, marker="o", markersize=3)
    line.yaxis.set_major_formatter(PercentFormatter(decimals=1))
    line.set_ylim(bottom=0)
    line.set_ylabel(axis[1].in_language(say), fontsize=8)
    line.tick_params(labelsize=8)
    line.spines["top"].set_visible(False)
    return _png(figure)
