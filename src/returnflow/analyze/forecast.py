"""The 14-day forecast of incoming returns: Holt-Winters with a weekly season.

statsmodels' ETS model (additive error, damped additive trend, additive 7-day season)
fitted to the daily count of requests filed; its analytic prediction interval (95 % by
default). With less than four weeks of history a seasonal naive forecast stands in:
each weekday's mean, and the spread of the days around it for the interval.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MIN_DAYS = 28  # four weekly seasons before Holt-Winters is fitted
SEASON = 7


@dataclass(frozen=True)
class DayForecast:
    expected: float
    low: float
    high: float


def forecast(history: Sequence[float], days: int = 14, level: float = 0.95) -> list[DayForecast]:
    """The next `days` days after `history` (one count per day, oldest first)."""
    series = np.asarray(history, dtype=float)
    if series.size < MIN_DAYS or float(series.std()) == 0.0:
        return _seasonal_naive(series, days, level)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas 3 deprecations inside statsmodels 0.14
        import pandas as pd  # type: ignore[import-untyped]  # statsmodels' own dependency
        from statsmodels.tsa.exponential_smoothing.ets import (  # type: ignore[import-untyped]
            ETSModel,
        )

    model = ETSModel(
        pd.Series(series),
        error="add",
        trend="add",
        damped_trend=True,
        seasonal="add",
        seasonal_periods=7,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = model.fit(disp=False, maxiter=500)
        frame = fitted.get_prediction(start=series.size, end=series.size + days - 1).summary_frame(
            alpha=1 - level
        )
    return [
        DayForecast(max(0.0, float(m)), max(0.0, float(lo)), max(0.0, float(hi)))
        for m, lo, hi in zip(frame["mean"], frame["pi_lower"], frame["pi_upper"], strict=True)
    ]


def _seasonal_naive(series: np.ndarray, days: int, level: float) -> list[DayForecast]:
    if series.size == 0:
        return [DayForecast(0.0, 0.0, 0.0) for _ in range(days)]
    z = 1.96 if level >= 0.95 else 1.645
    out = []
    for step in range(days):
        same = series[(series.size + step) % SEASON :: SEASON] if series.size >= SEASON else series
        mean = float(same.mean())
        spread = float(series.std()) * z
        out.append(DayForecast(mean, max(0.0, mean - spread), mean + spread))
    return out
