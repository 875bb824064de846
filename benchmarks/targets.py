"""Issue 11's targets beside the figures: each throughput as a share of pgbench, met or not.

A benchmark collects `Figure`s (a value, its unit, whether it is a throughput, and the
target it answers to) and prints them with `print_targets` as one markdown table:
figure | value | pgbench tps | ratio | target | met. A throughput's ratio is the
figure over the mean pgbench TPC-B tps measured by the same script in the same run
(`pgbench.Yardstick`); a target written as a share of pgbench is judged on that ratio.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Kind = Literal["share", "min", "max", "below"]


@dataclass(frozen=True)
class Target:
    kind: Kind  # share: value >= bound x pgbench tps; min: >=; max: <=; below: <
    bound: float
    unit: str = ""

    def text(self) -> str:
        if self.kind == "share":
            return f">= {100 * self.bound:.0f} % of pgbench"
        sign = {"min": ">=", "max": "<=", "below": "<"}[self.kind]
        return f"{sign} {self.bound:g}{' ' + self.unit if self.unit else ''}"

    def met(self, value: float, tps: float | None) -> bool | None:
        """None when it cannot be judged (a share of pgbench without a pgbench run)."""
        if value != value:  # NaN: nothing was measured
            return None
        if self.kind == "share":
            return None if not tps else value >= self.bound * tps
        if self.kind == "min":
            return value >= self.bound
        if self.kind == "max":
            return value <= self.bound
        return value < self.bound


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    throughput: bool = False  # printed beside pgbench tps with the ratio
    target: Target | None = None


def share_of_pgbench(share: float) -> Target:
    return Target("share", share)


def at_least(bound: float, unit: str = "") -> Target:
    return Target("min", bound, unit)


def at_most(bound: float, unit: str = "") -> Target:
    return Target("max", bound, unit)


def below(bound: float, unit: str = "") -> Target:
    return Target("below", bound, unit)


def _value(figure: Figure) -> str:
    if figure.value != figure.value:
        return "-"
    digits = 2 if abs(figure.value) < 10 else 1
    return f"{figure.value:,.{digits}f} {figure.unit}".strip()


def rows(figures: Sequence[Figure], tps: float | None) -> list[list[str]]:
    """The table's cells: figure, value, pgbench tps, ratio, target, met."""
    table = []
    for figure in figures:
        ratio = "-"
        bench = "-"
        if figure.throughput and tps:
            bench = f"{tps:,.1f}"
            ratio = f"{100 * figure.value / tps:.1f} %"
        target = figure.target.text() if figure.target else "-"
        verdict = figure.target.met(figure.value, tps) if figure.target else None
        met = "-" if verdict is None else ("met" if verdict else "NOT MET")
        table.append([figure.name, _value(figure), bench, ratio, target, met])
    return table


HEADER = ["figure", "value", "pgbench tps", "ratio", "target", "met"]


def print_targets(title: str, figures: Sequence[Figure], tps: float | None) -> None:
    """A markdown table (ready to paste), then how many targets were met."""
    cells = rows(figures, tps)
    widths = [max(len(row[i]) for row in [HEADER, *cells]) for i in range(len(HEADER))]

    def line(row: Sequence[str]) -> str:
        padded = [
            cell.ljust(width) if i in (0, 4, 5) else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    print(f"\n{title}")
    print(line(HEADER))
    print(
        "|"
        + "|".join(
            "-" * (w + 1) + (":" if i not in (0, 4, 5) else "-") for i, w in enumerate(widths)
        )
        + "|"
    )
    for row in cells:
        print(line(row))
    judged = [row[5] for row in cells if row[5] != "-"]
    met = sum(1 for verdict in judged if verdict == "met")
    print(f"targets met: {met} of {len(judged)}")
