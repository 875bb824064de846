"""A tiny run of benchmarks/bench_analytics.py (issue 14, R9.4): 3,000 generated return lines
on a scratch PostgreSQL database; every rollup answer equals the plain GROUP BY's."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def test_the_rollups_agree_with_a_plain_group_by(capsys: pytest.CaptureFixture[str]) -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        bench_analytics = importlib.import_module("bench_analytics")
    finally:
        sys.path.remove(str(BENCHMARKS))
    assert bench_analytics.main(["--lines", "3000"]) == 0
    printed = capsys.readouterr().out
    assert "all answers agree" in printed and " NO" not in printed
