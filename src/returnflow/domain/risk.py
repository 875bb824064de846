"""Risk at intake (R10.3): an explainable score 0–100 for every new request.

The score is the sum of signals, each with its points and a plain zh/en message, held
between 0 and 100. Thresholds turn it into a level (low / medium / high) and the level
into actions: a person reviews it, no instant refund, no fast exchange, no keep-item
refund, the refund held, the customer put on the watch list. A customer staff marked
safe carries a `cleared` signal with negative points for `CLEARED_DAYS`.

Signals and points (seeds 000 ch.6, 002 §三–四):
- returns in 7 / 30 / 90 / 180 days (this one not counted), no-reason returns in 30 days,
  refund-only requests in 90 days, the high refunder (90-day refund rate above three
  times the platform's, with at least `HIGH_REFUNDER_MIN` refunds);
- the request: its value, days since delivery, reason × category patterns;
- the past: empty boxes, wrong items, swapped serial numbers, open recoveries;
- linked accounts, a contact that differs from the order's, the watch list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from returnflow.domain.kinds import Reason
from returnflow.domain.linked_accounts import NO_LINKS, Links
from returnflow.domain.text import Text
from returnflow.domain.verdicts import RuleResult, Verdict

CLEARED_DAYS = 90  # a "safe" verdict lowers the customer's next scores this long
CLEARED_POINTS = -40
HIGH_REFUNDER_FACTOR = 3.0
HIGH_REFUNDER_MIN = 2
WATCH_DAYS = 30  # how long the "watch" action keeps a customer on the list


class Level(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return {Level.LOW: 0, Level.MEDIUM: 1, Level.HIGH: 2}[self]

    @property
    def label(self) -> Text:
        return {
            Level.LOW: Text("低", "low"),
            Level.MEDIUM: Text("中", "medium"),
            Level.HIGH: Text("高", "high"),
        }[self]


class RiskAction(StrEnum):
    REVIEW = "review"  # no automatic approval
    NO_INSTANT_REFUND = "no_instant_refund"
    NO_FAST_EXCHANGE = "no_fast_exchange"
    NO_KEEP_ITEM = "no_keep_item"
    HOLD_REFUND = "hold_refund"  # the refund waits for inspection (or a person)
    WATCH = "watch"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Scores at or above `medium` / `high` reach that level; each action names its level."""

    medium: int = 40
    high: int = 70
    actions: tuple[tuple[RiskAction, Level], ...] = (
        (RiskAction.REVIEW, Level.MEDIUM),
        (RiskAction.NO_INSTANT_REFUND, Level.HIGH),
        (RiskAction.NO_FAST_EXCHANGE, Level.HIGH),
        (RiskAction.NO_KEEP_ITEM, Level.HIGH),
        (RiskAction.HOLD_REFUND, Level.HIGH),
        (RiskAction.WATCH, Level.HIGH),
    )

    def __post_init__(self) -> None:
        if not 0 < self.medium < self.high <= 100:
            raise ValueError("risk thresholds need 0 < medium < high <= 100")

    @property
    def version(self) -> str:
        """What decided a stored assessment, e.g. "m40-h70-review:medium-…"."""
        acts = "-".join(f"{a.value}:{lvl.value}" for a, lvl in self.actions)
        return f"m{self.medium}-h{self.high}-{acts}"[:200]

    def level(self, score: int) -> Level:
        if score >= self.high:
            return Level.HIGH
        if score >= self.medium:
            return Level.MEDIUM
        return Level.LOW

    def actions_at(self, level: Level) -> frozenset[RiskAction]:
        return frozenset(a for a, at in self.actions if level.rank >= at.rank)


@dataclass(frozen=True, slots=True)
class History:
    """The customer's past as the signals read it (bounded, indexed counts)."""

    returns_7: int = 0
    returns_30: int = 0
    returns_90: int = 0
    returns_180: int = 0
    no_reason_30: int = 0
    refund_only_90: int = 0
    refunds_90: int = 0  # refund and refund-only requests
    orders_90: int = 0
    platform_refund_rate: float = 0.0  # refund requests per order, 90 days, everyone
    empty_boxes: int = 0
    wrong_items: int = 0
    serial_swaps: int = 0
    open_recoveries: int = 0
    watch_reason: str | None = None  # on the watch list now
    cleared: bool = False  # marked safe within CLEARED_DAYS


@dataclass(frozen=True, slots=True)
class LineFact:
    reason: Reason
    category: str
    opened: bool


@dataclass(frozen=True, slots=True)
class Filing:
    """The request being filed."""

    value_cents: int
    days_since_delivery: int | None
    lines: tuple[LineFact, ...] = ()
    contact_mismatch: bool = False
    links: Links = NO_LINKS


@dataclass(frozen=True, slots=True)
class Signal:
    code: str
    points: int
    message: Text


@dataclass(frozen=True, slots=True)
class Score:
    score: int
    level: Level
    signals: tuple[Signal, ...]
    actions: frozenset[RiskAction] = field(default_factory=frozenset)
    thresholds_version: str = ""

    def requires(self, action: RiskAction) -> bool:
        return action in self.actions

    @property
    def review_reason(self) -> RuleResult | None:
        """Why a person must look (R3.1), when the level asks for review."""
        if RiskAction.REVIEW not in self.actions:
            return None
        return RuleResult(
            "risk_review",
            Verdict.REVIEW,
            Text(
                "风险评分 {score}（{zh}）：将由客服审核",
                "Risk score {score} ({en}): a person will review it",
            ).format(score=self.score, zh=self.level.label.zh, en=self.level.label.en),
        )


# reason × category patterns: (reason, category, opened) → points, message
PATTERNS: dict[tuple[Reason, str, bool], tuple[int, Text]] = {
    (Reason.NO_REASON, "apparel", True): (
        15,
        Text("已穿着的服装以无理由退货", "Worn apparel returned with no reason"),
    ),
    (Reason.NO_REASON, "cosmetics", True): (
        10,
        Text("已拆封的化妆品以无理由退货", "Opened cosmetics returned with no reason"),
    ),
    (Reason.NO_REASON, "electronics", True): (
        10,
        Text("已拆封的电子产品以无理由退货", "Opened electronics returned with no reason"),
    ),
}


def score(history: History, filing: Filing, thresholds: Thresholds) -> Score:
    """The score, its level and actions, every signal with its points and message."""
    signals = [
        *_frequency(history),
        *_money(history, filing),
        *_patterns(filing.lines),
        *_past_findings(history),
        *_identity(history, filing),
    ]
    total = max(0, min(100, sum(s.points for s in signals)))
    level = thresholds.level(total)
    return Score(total, level, tuple(signals), thresholds.actions_at(level), thresholds.version)


def _frequency(h: History) -> Iterable[Signal]:
    windows = ((7, h.returns_7, 3, 15), (30, h.returns_30, 5, 20), (90, h.returns_90, 8, 10))
    for days, count, at_least, points in (*windows, (180, h.returns_180, 12, 5)):
        if count >= at_least:
            yield Signal(
                f"returns_{days}d",
                points,
                Text("近 {d} 天已申请售后 {n} 次", "{n} returns in the last {d} days").format(
                    d=days, n=count
                ),
            )
    if 3 <= h.returns_30 < 5:
        yield Signal(
            "returns_30d",
            10,
            Text("近 30 天已申请售后 {n} 次", "{n} returns in the last 30 days").format(
                n=h.returns_30
            ),
        )
    if h.no_reason_30 >= 3:
        yield Signal(
            "no_reason_repeat",
            25 if h.no_reason_30 >= 5 else 10,
            Text("近 30 天无理由退货 {n} 次", "{n} no-reason returns in the last 30 days").format(
                n=h.no_reason_30
            ),
        )
    if h.refund_only_90 >= 3:
        yield Signal(
            "refund_only_repeat",
            15,
            Text("近 90 天仅退款 {n} 次", "{n} refund-only requests in the last 90 days").format(
                n=h.refund_only_90
            ),
        )


def refund_rate(h: History) -> float:
    return h.refunds_90 / max(h.orders_90, 1)


def is_high_refunder(h: History) -> bool:
    """90-day refund rate above three times the platform's (a common marketplace rule)."""
    if h.refunds_90 < HIGH_REFUNDER_MIN or h.platform_refund_rate <= 0:
        return False
    return refund_rate(h) > HIGH_REFUNDER_FACTOR * h.platform_refund_rate


def _money(h: History, filing: Filing) -> Iterable[Signal]:
    if is_high_refunder(h):
        yield Signal(
            "high_refunder",
            15,
            Text(
                "近 90 天退款率 {mine}%，超过平台平均 {avg}% 的三倍",
                "90-day refund rate {mine}% is above three times the platform's {avg}%",
            ).format(mine=round(refund_rate(h) * 100), avg=round(h.platform_refund_rate * 100, 1)),
        )
    if filing.value_cents >= 100_000:
        yield Signal(
            "high_value",
            15 if filing.value_cents >= 300_000 else 10,
            Text("申请金额 ¥{y}，金额较高", "A high value: CN¥{y}").format(
                y=f"{filing.value_cents / 100:,.2f}"  # as the pages' Babel money shows it
            ),
        )
    days = filing.days_since_delivery
    if days is not None and days >= 6:
        yield Signal(
            "late_in_window",
            5,
            Text("签收 {d} 天后才申请", "Filed {d} days after delivery").format(d=days),
        )


def _patterns(lines: tuple[LineFact, ...]) -> Iterable[Signal]:
    seen: set[tuple[Reason, str, bool]] = set()
    for line in lines:
        key = (line.reason, line.category, line.opened)
        if key in PATTERNS and key not in seen:
            seen.add(key)
            points, message = PATTERNS[key]
            yield Signal(f"pattern_{line.reason.value}_{line.category}", points, message)


def _past_findings(h: History) -> Iterable[Signal]:
    found = (
        ("earlier_empty_box", h.empty_boxes, 30, Text("空包", "an empty box")),
        ("earlier_wrong_item", h.wrong_items, 15, Text("退回错误商品", "a wrong item")),
        ("earlier_serial_swap", h.serial_swaps, 30, Text("序列号不符", "a swapped serial")),
    )
    for code, count, points, what in found:
        if count > 0:
            yield Signal(
                code,
                points,
                Text(
                    f"此前退货验收发现{what.zh}（{count} 次）",
                    f"Earlier returns found {what.en} ({count}×)",
                ),
            )
    if h.open_recoveries > 0:
        yield Signal(
            "open_recovery",
            20,
            Text("尚有 {n} 笔未结清的退款追偿", "{n} refund recoveries still open").format(
                n=h.open_recoveries
            ),
        )


def _identity(h: History, filing: Filing) -> Iterable[Signal]:
    links = filing.links
    if links.count:
        kinds = sorted(links.kinds, key=lambda k: k.value)
        yield Signal(
            "linked_accounts",
            35 if links.count >= 3 else 25,
            Text(
                f"与另外 {links.count} 个账户共用{'、'.join(k.label.zh for k in kinds)}",
                f"Linked to {links.count} other account{'s' if links.count > 1 else ''} "
                f"by a shared {', '.join(k.label.en for k in kinds)}",
            ),
        )
    if filing.contact_mismatch:
        yield Signal(
            "contact_mismatch",
            10,
            Text("申请的联系方式与订单不一致", "The request's contact differs from the order's"),
        )
    if h.watch_reason is not None:
        yield Signal(
            "watch_listed",
            30,
            Text(f"在观察名单上：{h.watch_reason}", f"On the watch list: {h.watch_reason}"),
        )
    if h.cleared:
        yield Signal(
            "cleared",
            CLEARED_POINTS,
            Text(
                f"客服在 {CLEARED_DAYS} 天内判定此客户为安全",
                f"Staff marked this customer safe within {CLEARED_DAYS} days",
            ),
        )
