"""The definitions behind the KPIs (issue 14, R9.1): buckets, percentiles, shares."""

from __future__ import annotations

import math
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from returnflow.domain import metrics


def test_buckets_are_a_minute_a_quarter_hour_and_an_hour_wide() -> None:
    assert metrics.bucket(59) == 0
    assert metrics.bucket(61) == 60
    assert metrics.bucket(3599) == 3540
    assert metrics.bucket(3600 + 899) == 3600
    assert metrics.bucket(3600 + 900) == 4500
    assert metrics.bucket(86400 + 3599) == 86400
    assert metrics.bucket(-5) == 0  # a clock that ran backwards is no negative duration


@given(st.lists(st.integers(min_value=0, max_value=40 * 86400), min_size=1, max_size=60))
def test_a_histogram_percentile_is_the_nearest_rank_of_the_bucketed_values(
    seconds: list[int],
) -> None:
    histogram = Counter(metrics.bucket(s) for s in seconds)
    ordered = sorted(metrics.bucket(s) for s in seconds)
    for q in (0.5, 0.9):
        rank = max(1, math.ceil(q * len(ordered)))
        assert metrics.percentile(histogram, q) == ordered[rank - 1]


def test_shares_and_scores() -> None:
    assert metrics.percentile({}, 0.5) is None
    assert metrics.rate(4, 11) == 0.3636
    assert metrics.rate(1, 0) is None
    assert metrics.nps(promoters=3, detractors=1, answers=8) == 25.0
    assert metrics.satisfied((4, 4, 4, 4)) and not metrics.satisfied((4, 4, 4, 3))
    assert metrics.per(3100, 2) == 1550


def test_every_kpi_names_its_inputs_in_both_languages() -> None:
    assert set(metrics.DURATION_METRICS) <= set(metrics.DEFINITIONS)
    for definition in metrics.DEFINITIONS.values():
        assert definition.inputs and definition.words.zh and definition.words.en
        assert definition.words.zh != definition.words.en
