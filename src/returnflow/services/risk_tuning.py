"""Tuning the risk thresholds against staff's verdicts (issue 15, R10.3).

Staff mark a scored request fraud or safe (`risk_staff.judge`), keeping the score at the
time. This read model takes the latest verdict of each request judged in the last
`WINDOW_DAYS` days and shows, for the configured thresholds and for both moved by
`-SHIFT` and `+SHIFT` points:
- how many fraud and safe verdicts fall in each score band (low below `medium`,
  medium from `medium` to `high - 1`, high from `high` to 100);
- for fraud, the precision and recall of "high" (score ≥ high) and of "review" (score
  at or above the level the `review` action applies from: medium by default).
Precision = fraud ÷ all verdicts at or above the cut; recall = fraud at or above the cut
÷ all fraud. Either is None when its denominator is 0 (nothing to divide).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from returnflow.domain.risk import Level, RiskAction, Thresholds
from returnflow.domain.text import Text
from returnflow.services.liability_exports import safe
from returnflow.services.reconciliation import Export
from returnflow.services.risk import configured
from returnflow.services.unit_of_work import UnitOfWork

WINDOW_DAYS = 180
SHIFT = 10
MAX_SCORE = 100


@dataclass(frozen=True, slots=True)
class Ratio:
    """`hits` of `of`; `value` None when `of` is 0."""

    hits: int
    of: int

    @property
    def value(self) -> float | None:
        return self.hits / self.of if self.of else None


@dataclass(frozen=True, slots=True)
class Band:
    level: Level
    lowest: int  # scores lowest..highest, both included
    highest: int
    fraud: int
    safe: int


@dataclass(frozen=True, slots=True)
class Scenario:
    shift: int  # points added to both thresholds (0: as configured)
    medium: int
    high: int
    review_from: int  # the lowest score the review action applies to
    bands: tuple[Band, Band, Band]
    high_precision: Ratio
    high_recall: Ratio
    review_precision: Ratio
    review_recall: Ratio


@dataclass(frozen=True, slots=True)
class TuningReport:
    since: datetime
    until: datetime
    fraud: int
    safe: int
    review_level: Level
    scenarios: tuple[Scenario, ...]  # -SHIFT, as configured, +SHIFT

    @property
    def configured(self) -> Scenario:
        return next(s for s in self.scenarios if s.shift == 0)

    @property
    def total(self) -> int:
        return self.fraud + self.safe


Histogram = dict[str, list[int]]  # verdict → count per score 0..100


def _at_or_above(counts: list[int], cut: int) -> int:
    return sum(counts[max(cut, 0) :])


def _between(counts: list[int], lowest: int, highest: int) -> int:
    return sum(counts[lowest : highest + 1]) if lowest <= highest else 0


def shifted(thresholds: Thresholds, shift: int) -> tuple[int, int]:
    """Both thresholds moved by `shift`, kept inside 0 < medium < high <= 100."""
    high = min(max(thresholds.high + shift, 2), MAX_SCORE)
    medium = min(max(thresholds.medium + shift, 1), high - 1)
    return medium, high


def review_level(thresholds: Thresholds) -> Level:
    return dict(thresholds.actions).get(RiskAction.REVIEW, Level.MEDIUM)


def scenario(histogram: Histogram, thresholds: Thresholds, shift: int) -> Scenario:
    """The bands and the two cuts' precision and recall at thresholds moved by `shift`."""
    medium, high = shifted(thresholds, shift)
    cuts = {Level.LOW: 0, Level.MEDIUM: medium, Level.HIGH: high}
    review_from = cuts[review_level(thresholds)]
    fraud, safe_ = histogram["fraud"], histogram["safe"]
    ranges = ((Level.LOW, 0, medium - 1), (Level.MEDIUM, medium, high - 1))
    low_band, medium_band = (
        Band(level, lo, hi, _between(fraud, lo, hi), _between(safe_, lo, hi))
        for level, lo, hi in ranges
    )
    high_band = Band(
        Level.HIGH, high, MAX_SCORE, _at_or_above(fraud, high), _at_or_above(safe_, high)
    )

    def cut(at: int) -> tuple[Ratio, Ratio]:
        caught = _at_or_above(fraud, at)
        flagged = caught + _at_or_above(safe_, at)
        return Ratio(caught, flagged), Ratio(caught, sum(fraud))

    high_precision, high_recall = cut(high)
    review_precision, review_recall = cut(review_from)
    return Scenario(
        shift,
        medium,
        high,
        review_from,
        (low_band, medium_band, high_band),
        high_precision,
        high_recall,
        review_precision,
        review_recall,
    )


def tuning(uow: UnitOfWork, now: datetime, thresholds: Thresholds | None = None) -> TuningReport:
    """The kept verdicts of the last WINDOW_DAYS days against the thresholds (±SHIFT)."""
    at = thresholds or configured()
    since = now - timedelta(days=WINDOW_DAYS)
    histogram: Histogram = {"fraud": [0] * (MAX_SCORE + 1), "safe": [0] * (MAX_SCORE + 1)}
    for found in uow.risk_tuning.verdict_scores(since, now):
        if found.verdict in histogram:
            histogram[found.verdict][min(max(found.score, 0), MAX_SCORE)] += found.count
    return TuningReport(
        since,
        now,
        sum(histogram["fraud"]),
        sum(histogram["safe"]),
        review_level(at),
        tuple(scenario(histogram, at, shift) for shift in (-SHIFT, 0, SHIFT)),
    )


# --- the report as a CSV file ------------------------------------------------------------

COLUMNS = (
    Text("阈值调整", "Shift"),
    Text("中风险阈值", "Medium from"),
    Text("高风险阈值", "High from"),
    Text("低风险·欺诈", "Low: fraud"),
    Text("低风险·安全", "Low: safe"),
    Text("中风险·欺诈", "Medium: fraud"),
    Text("中风险·安全", "Medium: safe"),
    Text("高风险·欺诈", "High: fraud"),
    Text("高风险·安全", "High: safe"),
    Text("高风险精确率 %", "High precision %"),
    Text("高风险召回率 %", "High recall %"),
    Text("人工复核起点", "Review from"),
    Text("复核精确率 %", "Review precision %"),
    Text("复核召回率 %", "Review recall %"),
)


def _pct(ratio: Ratio) -> str:
    value = ratio.value
    return "" if value is None else f"{value * 100:.1f}"


def tuning_csv(report: TuningReport, language: str) -> Export:
    """One row per scenario; UTF-8 with a BOM so spreadsheet apps read Chinese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe(c.in_language(language)) for c in COLUMNS])
    for s in report.scenarios:
        counts = [n for band in s.bands for n in (band.fraud, band.safe)]
        writer.writerow(
            [
                s.shift,
                s.medium,
                s.high,
                *counts,
                _pct(s.high_precision),
                _pct(s.high_recall),
                s.review_from,
                _pct(s.review_precision),
                _pct(s.review_recall),
            ]
        )
    content = ("\ufeff" + buffer.getvalue()).encode("utf-8")
    name = f"risk-tuning-{report.until.date().isoformat()}.csv"
    return Export(content, "text/csv; charset=utf-8", name)
