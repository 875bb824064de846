"""Segments of returning customers: k-means on frequency, value, reasons and timing.

Each customer is four numbers: requests in the period, average value of a returned line
(fen), the share of no-reason lines, and the median days from delivery to filing. They
are standardised (log for the first two: a few big spenders should not make a cluster of
their own), k from 2 to 4 is chosen by the silhouette, and each segment is reported by
its members' plain means so that it can be put in words.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans  # type: ignore[import-untyped]
from sklearn.metrics import silhouette_score  # type: ignore[import-untyped]
from sklearn.preprocessing import StandardScaler  # type: ignore[import-untyped]
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from returnflow.analyze import SEED

MIN_CUSTOMERS = 8


@dataclass(frozen=True)
class Segment:
    members: tuple[int, ...]  # indices into the rows given
    means: tuple[float, float, float, float]  # returns, value, no-reason share, days


def segment(rows: Sequence[tuple[float, float, float, float]], max_k: int = 4) -> list[Segment]:
    """Segments of the customers `rows` describe, largest first."""
    if not rows:
        return []
    data = np.asarray(rows, dtype=float)
    if len(rows) < MIN_CUSTOMERS:
        return [_segment(data, np.arange(len(rows)))]
    features = data.copy()
    features[:, 0:2] = np.log1p(np.maximum(features[:, 0:2], 0))
    scaled = StandardScaler().fit_transform(features)
    best: tuple[float, np.ndarray] | None = None
    with threadpool_limits(limits=1):
        for k in range(2, min(max_k, len(rows) - 1) + 1):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # fewer distinct customers than k
                labels = KMeans(n_clusters=k, n_init=10, random_state=SEED).fit_predict(scaled)
            if len(set(labels)) < 2:
                continue
            sample = min(2000, len(rows))
            score = float(silhouette_score(scaled, labels, sample_size=sample, random_state=SEED))
            if best is None or score > best[0] + 1e-9:
                best = (score, labels)
    if best is None:
        return [_segment(data, np.arange(len(rows)))]
    labels = best[1]
    found = [_segment(data, np.flatnonzero(labels == k)) for k in sorted(set(labels.tolist()))]
    found.sort(key=lambda s: (-len(s.members), s.means))
    return found


def _segment(data: np.ndarray, rows: np.ndarray) -> Segment:
    means = data[rows].mean(axis=0)
    return Segment(
        tuple(int(i) for i in rows),
        (float(means[0]), float(means[1]), float(means[2]), float(means[3])),
    )
