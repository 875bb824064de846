"""Monitors judge a day against its own baseline (issue 14, R13.1): pure arithmetic."""

from __future__ import annotations

import math

import pytest

from returnflow.domain import monitors
from returnflow.domain.monitors import Indicator, Monitor, Scope, Severity, Thresholds
from returnflow.domain.text import DomainError

RATE = Monitor(1, Indicator.RETURN_RATE, Scope.CATEGORY, Thresholds(1.5, 3.0, 30, Severity.HIGH))


def test_the_baseline_is_the_mean_and_population_spread() -> None:
    base = monitors.baseline_of([0.1, 0.2, 0.3, 0.2])
    assert base.mean == pytest.approx(0.2)
    assert base.sd == pytest.approx(math.sqrt(0.005))
    assert base.days == 4
    assert monitors.baseline_of([]) == monitors.Baseline(0.0, 0.0, 0)


def test_the_threshold_is_the_higher_of_factor_and_spread() -> None:
    flat = monitors.baseline_of([0.1] * 28)  # no spread: the factor decides
    assert flat.threshold(RATE.thresholds) == pytest.approx(0.15)
    noisy = monitors.baseline_of([0.0, 0.2] * 14)  # mean 0.1, sd 0.1: the spread decides
    assert noisy.threshold(RATE.thresholds) == pytest.approx(0.4)


def test_a_spike_with_volume_breaches() -> None:
    reading = monitors.read(RATE, "baby", 0.3, 120, [0.1] * 28)
    assert reading.breached and reading.threshold == pytest.approx(0.15)


def test_one_of_two_is_not_a_spike() -> None:
    assert not monitors.read(RATE, "baby", 0.5, 2, [0.1] * 28).breached  # volume 2 < 30


def test_no_breach_under_the_threshold_or_without_history() -> None:
    assert not monitors.read(RATE, "baby", 0.14, 500, [0.1] * 28).breached
    assert not monitors.read(RATE, "baby", 0.9, 500, [0.1] * 3).breached  # 3 days: no baseline


def test_a_disabled_monitor_never_breaches() -> None:
    off = RATE.retuned(Thresholds(1.5, 3.0, 30, Severity.HIGH, enabled=False))
    assert not monitors.read(off, "baby", 0.9, 500, [0.1] * 28).breached


@pytest.mark.parametrize(
    ("thresholds", "code"),
    [
        (Thresholds(0.5, 3.0, 30, Severity.HIGH), "invalid_factor"),
        (Thresholds(1.5, -1.0, 30, Severity.HIGH), "invalid_k_sd"),
        (Thresholds(1.5, 3.0, 0, Severity.HIGH), "invalid_min_volume"),
    ],
)
def test_thresholds_are_bounded(thresholds: Thresholds, code: str) -> None:
    with pytest.raises(DomainError) as refused:
        RATE.retuned(thresholds)
    assert refused.value.code == code


def test_every_indicator_has_a_default_monitor_and_words_in_both_languages() -> None:
    defaults = monitors.default_monitors()
    assert {m.indicator for m in defaults} == set(Indicator)
    assert all(m.scope in m.indicator.scopes for m in defaults)
    for indicator in Indicator:
        assert indicator.label.zh and indicator.label.en
