"""What each number of the operation means (issue 14, R9.1, R9.4): one definition, used everywhere.

Every KPI is a ratio, a sum or a percentile of additive inputs (counts, sums of fen,
histograms of durations), so the daily rollups can hold its inputs and any period is
their sum. Each definition names its inputs, which the API shows beside the value.

- return rate = units in return requests not rejected or cancelled ÷ units delivered, for
  orders delivered in the period (a return counts against its order's delivery day);
- stage times (filed → decided → shipped → received → inspected → refunded → completed),
  complaint first response and resolution, refund cycle (filed → refund paid): median
  and 90th percentile, nearest rank over duration histograms whose buckets are 1 minute
  under an hour, 15 minutes under a day and 1 hour beyond (exact to the bucket);
- CSAT = answers whose four scores average 4 or more ÷ answers, in percent;
  NPS = promoters (9–10) − detractors (0–6), in percent of answers (seed 001 §7.1.3);
- complaint rate = complaints filed ÷ orders delivered in the period;
- reverse-logistics cost per return = label + pickup + insurance costs ÷ returns shipped;
- recovery value = what the goods restocked, refurbished or sold at a discount are worth;
- refund deadline compliance = refunds paid by their deadline ÷ refunds paid with one.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from returnflow.domain.text import Text

MINUTE, QUARTER, HOUR, DAY = 60, 900, 3600, 86400
PROMOTER_MIN = 9  # NPS 9–10
DETRACTOR_MAX = 6  # NPS 0–6
SATISFIED_TOTAL = 16  # four scores of 1–5 summing to 16 or more: an average of 4 or more
RECOVERING = ("restock", "refurbish", "sell_discounted")  # dispositions that recover value
NOT_COUNTED = ("rejected", "cancelled")  # request statuses a return rate leaves out

# the stages of a request, in order; each duration runs from one to the next
STAGES = ("filed", "decided", "shipped", "received", "inspected", "refunded", "completed")
STAGE_PAIRS = tuple(itertools.pairwise(STAGES))
STAGE_METRICS = tuple(f"stage_{a}_{b}" for a, b in STAGE_PAIRS)
DURATION_METRICS = (
    *STAGE_METRICS,
    "complaint_first_response",
    "complaint_resolution",
    "refund_cycle",
)


def bucket(seconds: int) -> int:
    """The histogram bucket (its lower bound, seconds) a duration falls in."""
    seconds = max(0, seconds)
    if seconds < HOUR:
        return seconds - seconds % MINUTE
    if seconds < DAY:
        return seconds - seconds % QUARTER
    return seconds - seconds % HOUR


def percentile(histogram: Mapping[int, int], q: float) -> int | None:
    """Nearest-rank percentile (0 < q ≤ 1) of a {bucket: count} histogram; None when empty."""
    total = sum(histogram.values())
    if total <= 0:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for lower in sorted(histogram):
        seen += histogram[lower]
        if seen >= rank:
            return lower
    return max(histogram)


def rate(numerator: int | float, denominator: int | float) -> float | None:
    """A share rounded to 4 places; None when there is nothing to divide by."""
    return round(numerator / denominator, 4) if denominator else None


def per(total: int, count: int) -> float | None:
    """An average (e.g. fen per return), rounded to whole units; None without a count."""
    return float(round(total / count)) if count else None


def nps(promoters: int, detractors: int, answers: int) -> float | None:
    return round(100 * (promoters - detractors) / answers, 1) if answers else None


def satisfied(scores: Iterable[int]) -> bool:
    return sum(scores) >= SATISFIED_TOTAL


@dataclass(frozen=True, slots=True)
class Definition:
    name: str
    unit: str  # ratio, percent, seconds, fen
    words: Text
    inputs: tuple[str, ...]


STAGE_WORDS = {
    "filed": ("提交", "filed"),
    "decided": ("审核", "decided"),
    "shipped": ("寄出", "shipped"),
    "received": ("签收入库", "received"),
    "inspected": ("质检", "inspected"),
    "refunded": ("退款", "refunded"),
    "completed": ("完成", "completed"),
}


def _stage(a: str, b: str) -> Definition:
    (za, ea), (zb, eb) = STAGE_WORDS[a], STAGE_WORDS[b]
    return Definition(
        f"stage_{a}_{b}",
        "seconds",
        Text(f"阶段用时:{za}→{zb}(中位数)", f"Time from {ea} to {eb} (median)"),
        ("count", "p50_seconds", "p90_seconds", "mean_seconds"),
    )


_DURATION_INPUTS = ("count", "p50_seconds", "p90_seconds", "mean_seconds")
DEFINITIONS: dict[str, Definition] = {
    d.name: d
    for d in (
        Definition(
            "return_rate",
            "ratio",
            Text(
                "退货率 = 未被拒绝或取消的退货件数 ÷ 期间内签收订单的件数",
                "Return rate = units in requests not rejected or cancelled ÷ units delivered",
            ),
            ("units_returned", "units_delivered", "orders"),
        ),
        *(_stage(a, b) for a, b in STAGE_PAIRS),
        Definition(
            "complaint_first_response",
            "seconds",
            Text("投诉首次响应时长(中位数)", "Complaint first-response time (median)"),
            _DURATION_INPUTS,
        ),
        Definition(
            "complaint_resolution",
            "seconds",
            Text("投诉解决时长(中位数)", "Complaint resolution time (median)"),
            _DURATION_INPUTS,
        ),
        Definition(
            "refund_cycle",
            "seconds",
            Text("退款周期:申请到退款到账(中位数)", "Refund cycle: filed to refund paid (median)"),
            _DURATION_INPUTS,
        ),
        Definition(
            "csat",
            "percent",
            Text("满意度 = 四项平均 ≥ 4 的答卷 ÷ 答卷", "CSAT = answers averaging 4+ ÷ answers"),
            ("satisfied", "answers"),
        ),
        Definition(
            "nps",
            "percent",
            Text(
                "净推荐值 = 推荐者 − 贬损者(占答卷%)", "NPS = promoters − detractors (% of answers)"
            ),
            ("promoters", "detractors", "answers"),
        ),
        Definition(
            "complaint_rate",
            "ratio",
            Text("投诉率 = 投诉数 ÷ 订单数", "Complaint rate = complaints ÷ orders delivered"),
            ("complaints", "orders"),
        ),
        Definition(
            "logistics_cost_per_return",
            "fen",
            Text(
                "单件逆向物流成本 = 面单+上门取件+保价费用 ÷ 发运的退货",
                "Reverse-logistics cost per return = label + pickup + insurance ÷ returns shipped",
            ),
            ("cost", "returns_shipped"),
        ),
        Definition(
            "recovery_value",
            "fen",
            Text(
                "回收价值 = 重新上架、翻新或折价出售商品的价值",
                "Recovery value = worth of goods restocked, refurbished or sold at a discount",
            ),
            ("value", "units"),
        ),
        Definition(
            "refund_deadline_compliance",
            "ratio",
            Text(
                "退款时效达标率 = 按期到账的退款 ÷ 有时限的已到账退款",
                "Refund deadline compliance = refunds paid by their deadline ÷ refunds paid",
            ),
            ("on_time", "with_deadline", "paid", "paid_amount"),
        ),
    )
}
