"""The rules of the analyses (issue 14, R9.2, R9.5) that need no numpy: plain arithmetic.

- **Correlation**: Pearson's r between a line's feature (price, discount share, delivery
  days; a category as 1/0) and its return rate (units returned ÷ units delivered), each
  line weighted once; `strength` puts it in words (|r| < 0.1 none, < 0.3 weak, < 0.5
  moderate, else strong).
- **Problem products**: a SKU, merchant or listing whose quality and not-as-described
  returns (units) ÷ units delivered is at least `MIN_LIFT` times its category's rate, with
  at least `MIN_UNITS` units delivered and `MIN_RETURNS` such returns; ranked by the
  excess returns over what the category's rate would give (the units a fix would save).
- **Staffing**: inspectors needed for a day's parcels = ceil(parcels ÷ inspections per
  inspector-day); more needed = that minus today's usual roster (the median of the days
  measured).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from returnflow.domain.text import Text

FAULT_REASONS = frozenset({"quality", "not_as_described"})
MIN_UNITS = 20  # units delivered before a product can be called a problem
MIN_RETURNS = 3  # quality / not-as-described units returned, at least
MIN_LIFT = 1.5  # times the category's rate
DEFAULT_INSPECTIONS_PER_DAY = 120  # one inspector, one 8-hour day, when nothing is measured


# the marketplace's product categories in words; another category shows by its own name
PRODUCT_CATEGORIES = {
    "apparel": Text("服装", "Apparel"),
    "electronics": Text("数码电子", "Electronics"),
    "baby": Text("母婴", "Baby"),
    "home": Text("家居", "Home"),
    "cosmetics": Text("美妆", "Cosmetics"),
    "books_media": Text("图书音像", "Books and media"),
    "food": Text("食品", "Food"),
    "fresh_food": Text("生鲜", "Fresh food"),
    "kitchen": Text("厨具", "Kitchen"),
}


def category_label(name: str) -> Text:
    return PRODUCT_CATEGORIES.get(name, Text(name, name.replace("_", " ").capitalize()))


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r, or None when there are fewer than 3 points or a side does not vary."""
    n = len(xs)
    if n < 3 or n != len(ys):
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 0 or syy <= 0:
        return None
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return round(sxy / math.sqrt(sxx * syy), 3)


def strength(r: float | None) -> Text:
    if r is None:
        return Text("数据不足", "not enough data")
    size = abs(r)
    if size < 0.1:
        return Text("无明显关系", "no relation")
    direction = Text("正", "positive") if r > 0 else Text("负", "negative")
    if size < 0.3:
        return Text(f"弱{direction.zh}相关", f"weak {direction.en}")
    if size < 0.5:
        return Text(f"中等{direction.zh}相关", f"moderate {direction.en}")
    return Text(f"强{direction.zh}相关", f"strong {direction.en}")


@dataclass(frozen=True)
class Tally:
    """Units delivered and fault units returned for one product, merchant or listing."""

    key: str
    category: str
    delivered: int
    fault_returns: int

    @property
    def rate(self) -> float:
        return self.fault_returns / self.delivered if self.delivered else 0.0


@dataclass(frozen=True)
class Ranked:
    tally: Tally
    category_rate: float
    lift: float  # the rate ÷ the category's rate
    excess: float  # fault returns beyond the category's rate


def rank_problems(tallies: Sequence[Tally], limit: int = 20) -> list[Ranked]:
    """The problem products among `tallies`, worst first (rates per category of all of them)."""
    delivered: dict[str, int] = {}
    faults: dict[str, int] = {}
    for t in tallies:
        delivered[t.category] = delivered.get(t.category, 0) + t.delivered
        faults[t.category] = faults.get(t.category, 0) + t.fault_returns
    found = []
    for t in tallies:
        if t.delivered < MIN_UNITS or t.fault_returns < MIN_RETURNS:
            continue
        base = faults[t.category] / delivered[t.category] if delivered[t.category] else 0.0
        lift = t.rate / base if base else math.inf
        if lift < MIN_LIFT:
            continue
        found.append(Ranked(t, base, lift, t.fault_returns - base * t.delivered))
    found.sort(key=lambda r: (-r.excess, -r.tally.rate, r.tally.key))
    return found[:limit]


def inspectors_needed(parcels: float, per_day: float) -> int:
    return math.ceil(parcels / per_day) if per_day > 0 and parcels > 0 else 0


def pace(done: Sequence[tuple[str, str]]) -> tuple[float, int]:
    """From (inspector, local day) per inspection: inspections per inspector-day and the
    usual roster (median inspectors at work on a day); the default pace when none."""
    if not done:
        return float(DEFAULT_INSPECTIONS_PER_DAY), 0
    shifts: dict[tuple[str, str], int] = {}
    for key in done:
        shifts[key] = shifts.get(key, 0) + 1
    per_day = len(done) / len(shifts)
    by_day: dict[str, int] = {}
    for _who, day in shifts:
        by_day[day] = by_day.get(day, 0) + 1
    rosters = sorted(by_day.values())
    return round(per_day, 1), rosters[len(rosters) // 2]


@dataclass(frozen=True)
class Profile:
    """A segment's centre, in the units a person reads."""

    returns: float  # requests per customer in the period
    value: float  # average value per returned line, fen
    no_reason_share: float  # 0..1
    days_after_delivery: float


def describe(profile: Profile, overall: Profile) -> Text:
    """A segment in words, against the whole: "frequent low-value no-reason returners, …"."""
    zh, en = [], []
    if profile.returns >= max(2.0, overall.returns * 1.3):
        zh.append("频繁退货")
        en.append("frequent")
    else:
        zh.append("偶尔退货")
        en.append("occasional")
    if profile.value >= overall.value * 1.3:
        zh.append("高货值")
        en.append("high-value")
    elif profile.value <= overall.value * 0.7:
        zh.append("低货值")
        en.append("low-value")
    if profile.no_reason_share >= 0.6:
        zh.append("多为无理由")
        en.append("no-reason")
    elif profile.no_reason_share <= 0.3:
        zh.append("多为质量/描述问题")
        en.append("fault-reason")
    days = max(1, math.ceil(profile.days_after_delivery))
    zh_when = f"，多在签收后 {days} 天内退货"
    en_when = f", mostly within {days} day{'' if days == 1 else 's'} of delivery"
    return Text("、".join(zh) + "的退货客户" + zh_when, " ".join(en) + " returners" + en_when)
