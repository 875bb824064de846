"""The periodic report's calendar and its advice (issue 14, R9.3): plain arithmetic and words.

- **Periods** are local days in China Standard Time. A week runs Monday to Sunday, a
  month is a calendar month; the report covers the last *complete* one, and compares it
  with the one before, of the same kind (a month with the previous calendar month).
- **Due**: the week's report once it is Monday 06:00 CST, the month's once it is the 1st
  06:00 CST (the night's rollups and late scans are in by then).
- **Suggestions** are sentences written from the numbers, in both languages: a figure
  that moved beyond a threshold, with what to do about it. Each rule needs enough
  volume (`MIN_UNITS` delivered) so a handful of orders does not raise an alarm.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from returnflow.domain.amount_words import MoneyWords, worded
from returnflow.domain.money import Money
from returnflow.domain.text import DomainError, Text

Kind = Literal["week", "month"]
KINDS: tuple[Kind, ...] = ("week", "month")
ZONE = ZoneInfo("Asia/Shanghai")
DUE_HOUR = 6  # local hour on Monday / the 1st after which the report is produced
MIN_UNITS = 20  # units delivered before a rate's move is worth a sentence
RATE_MOVE = 0.005  # half a percentage point
RELATIVE_MOVE = 0.15  # and 15 % of the old rate
COMPLIANCE_FLOOR = 0.95  # refunds paid by their deadline
CSAT_DROP = 5.0  # percentage points
COST_RISE = 0.10  # logistics cost per return, relative
MAX_SUGGESTIONS = 8

KIND_LABELS = {"week": Text("周报", "Weekly report"), "month": Text("月报", "Monthly report")}


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    kind: Kind
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> ReportPeriod:
        return covering(self.kind, self.start - timedelta(days=1))

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=ZONE)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=ZONE)

    @property
    def label(self) -> Text:
        a, b = self.start, self.end
        if self.kind == "month":
            return Text(f"{a.year}年{a.month}月", a.strftime("%B %Y"))
        return Text(
            f"{a.year}年{a.month}月{a.day}日—{b.month}月{b.day}日",
            f"{a.strftime('%d %b')} – {b.strftime('%d %b %Y')}",
        )


def kind_of(value: str) -> Kind:
    if value == "week":
        return "week"
    if value == "month":
        return "month"
    raise DomainError(
        "report_kind_unknown", Text("报告周期只能是 week 或 month", "The period is week or month")
    )


def covering(kind: Kind, day: date) -> ReportPeriod:
    """The week (Monday–Sunday) or calendar month that holds `day`."""
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return ReportPeriod(kind, start, start + timedelta(days=6))
    start = day.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return ReportPeriod(kind, start, following - timedelta(days=1))


def last_complete(kind: Kind, today: date) -> ReportPeriod:
    """The last period of `kind` that ended before `today` (a local day)."""
    return covering(kind, today).previous()


def ending_by(kind: Kind, day: date) -> ReportPeriod:
    """The last complete period whose last day is `day` or earlier (`--end`)."""
    return last_complete(kind, day + timedelta(days=1))


def local_day(now: datetime) -> date:
    return now.astimezone(ZONE).date()


def due(kind: Kind, now: datetime) -> ReportPeriod:
    """The period whose report should exist at `now`: before Monday (or the 1st) 06:00 CST
    the one before it is still the newest due."""
    local = now.astimezone(ZONE)
    anchor = local.date() if local.hour >= DUE_HOUR else local.date() - timedelta(days=1)
    return last_complete(kind, anchor)


# ---------------------------------------------------------------- the suggestions


@dataclass(frozen=True, slots=True)
class Rate:
    """A share measured in the period and in the one before it, with its volume."""

    now: float | None
    before: float | None
    units: int  # delivered in the period (the volume behind `now`)


@dataclass(frozen=True, slots=True)
class CategoryFault:
    """Quality and not-as-described returns of a category, with its heaviest merchants."""

    label: Text
    rate: Rate
    merchants: tuple[str, ...]  # names, heaviest first


@dataclass(frozen=True, slots=True)
class ReasonShare:
    label: Text
    share: Rate  # of the units returned


@dataclass(frozen=True, slots=True)
class Problem:
    title: str
    merchant: str
    rate: float
    category_rate: float
    lift: float


@dataclass(frozen=True, slots=True)
class Figures:
    """What the suggestions read; every rate a share 0..1, CSAT in percent."""

    return_rate: Rate
    categories: tuple[CategoryFault, ...] = ()
    reasons: tuple[ReasonShare, ...] = ()
    problems: tuple[Problem, ...] = ()
    compliance: float | None = None  # refund deadline compliance, 0..1
    csat: tuple[float | None, float | None] = (None, None)
    cost_per_return: tuple[float | None, float | None] = (None, None)  # fen


def pct(share: float | None) -> str:
    return "–" if share is None else f"{100 * share:.1f}%"


def moved(rate: Rate) -> int:
    """+1 rose, -1 fell, 0 steady or too few units to say."""
    if rate.now is None or rate.before is None or rate.units < MIN_UNITS:
        return 0
    delta = rate.now - rate.before
    if abs(delta) < RATE_MOVE or abs(delta) < RELATIVE_MOVE * rate.before:
        return 0
    return 1 if delta > 0 else -1


def _overall(rate: Rate) -> list[Text]:
    way = moved(rate)
    now, before = pct(rate.now), pct(rate.before)
    if way > 0:
        return [
            Text(
                f"退货率由 {before} 升至 {now}：请先处理下文上升最快的品类和问题商品。",
                f"The return rate rose to {now} from {before}: start with the categories "
                "and problem products below that rose most.",
            )
        ]
    if way < 0:
        return [
            Text(
                f"退货率由 {before} 降至 {now}：保持当前做法，并把有效措施推广到其他品类。",
                f"The return rate fell to {now} from {before}: keep what worked and "
                "extend it to other categories.",
            )
        ]
    return []


def _names(merchants: tuple[str, ...], language: str) -> str:
    top = merchants[:3]
    return ("、" if language == "zh" else ", ").join(top)


def _categories(categories: tuple[CategoryFault, ...]) -> list[Text]:
    found = []
    risen = [c for c in categories if moved(c.rate) > 0]
    risen.sort(key=lambda c: (c.rate.now or 0) - (c.rate.before or 0), reverse=True)
    for c in risen[:3]:
        now, before = pct(c.rate.now), pct(c.rate.before)
        count = min(3, len(c.merchants))
        names = _names(c.merchants, "zh")
        ask_zh = (
            f"：请{names}等前 {count} 家商家提交质量改进计划" if count else "：请复查该品类的商品页"
        )
        ask_en = (
            f": ask the top {count} merchant{'s' if count > 1 else ''} "
            f"({_names(c.merchants, 'en')}) for a quality plan"
            if count
            else ": review the category's listings"
        )
        found.append(
            Text(
                f"{c.label.zh}的质量与描述不符退货由 {before} 升至 {now}{ask_zh}。",
                f"Quality returns of {c.label.en.lower()} rose to {now} from {before}{ask_en}.",
            )
        )
    return found


def _reasons(reasons: tuple[ReasonShare, ...]) -> list[Text]:
    found = []
    for r in reasons:
        s = r.share
        if moved(s) > 0 and s.now is not None and s.now >= 0.2:
            found.append(
                Text(
                    f"「{r.label.zh}」占退货的 {pct(s.now)}（上期 {pct(s.before)}）："
                    "核对商品页描述与发货前检查。",
                    f"“{r.label.en}” is now {pct(s.now)} of returned units (was "
                    f"{pct(s.before)}): check the listings and the pre-shipment checks.",
                )
            )
    return found[:2]


def _problems(problems: tuple[Problem, ...]) -> list[Text]:
    return [
        Text(
            f"{p.title}（{p.merchant}）质量类退货率 {pct(p.rate)}，为品类 {pct(p.category_rate)} "
            f"的 {p.lift:.1f} 倍：请商家排查批次并更新商品描述。",
            f"{p.title} ({p.merchant}) comes back for quality at {pct(p.rate)}, "
            f"{p.lift:.1f}× its category's {pct(p.category_rate)}: ask the merchant to check "
            "the batch and the listing.",
        )
        for p in problems[:3]
    ]


def _service(f: Figures, money: MoneyWords) -> list[Text]:
    found = []
    if f.compliance is not None and f.compliance < COMPLIANCE_FLOOR:
        found.append(
            Text(
                f"仅 {pct(f.compliance)} 的退款按期到账（目标 {pct(COMPLIANCE_FLOOR)}）："
                "检查退款审批与支付通道的积压。",
                f"Only {pct(f.compliance)} of refunds were paid by their deadline (target "
                f"{pct(COMPLIANCE_FLOOR)}): look at the approval and gateway backlog.",
            )
        )
    now, before = f.csat
    if now is not None and before is not None and before - now >= CSAT_DROP:
        found.append(
            Text(
                f"满意度由 {before:.1f}% 降至 {now:.1f}%：抽查低分问卷的处理过程。",
                f"CSAT fell to {now:.1f}% from {before:.1f}%: review the low-scoring cases.",
            )
        )
    cost, cost_before = f.cost_per_return
    if cost is not None and cost_before and cost > cost_before * (1 + COST_RISE):
        found.append(
            worded(
                Text(
                    "单件逆向物流成本由 {before} 升至 {now}：比较各承运商报价，多用驿站自寄。",
                    "Reverse-logistics cost per return rose to {now} from {before}: compare "
                    "carrier rates and steer to drop-off points.",
                ),
                money,
                {"now": Money(round(cost)), "before": Money(round(cost_before))},
            )
        )
    return found


def suggestions(f: Figures, money: MoneyWords) -> list[Text]:
    """The improvement suggestions, most pressing first; one steady line when none.

    Amounts in them are worded by `money`, the caller's one money format (Babel's)."""
    found = [
        *_overall(f.return_rate),
        *_categories(f.categories),
        *_problems(f.problems),
        *_reasons(f.reasons),
        *_service(f, money),
    ]
    if not found:
        found.append(
            Text(
                "本期各项指标与上期相比无明显变化，暂无需要专项处理的问题。",
                "No figure moved enough against the previous period to call for action.",
            )
        )
    return found[:MAX_SUGGESTIONS]
