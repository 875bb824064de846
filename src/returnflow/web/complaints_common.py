"""What the console's and the portal's complaint pages share: words for codes and clocks.

A complaint's read model speaks in codes (`product_quality`, `respond`, a history note
like `logistics/urgent → other/ordinary`); people read labels. This module turns the
codes into `Text` in both languages: each deadline with its state (met, breached,
running, overdue) and how long is left, and each history line with what happened.
The customer's history leaves out what only staff should see (risk flags, internal
notes, the classifier's categories, the worker's breaches).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from returnflow.domain.complaint_kinds import (
    CATEGORY_LABELS,
    CHANNEL_LABELS,
    FLAG_LABELS,
    URGENCY_LABELS,
)
from returnflow.domain.complaints import HistoryEntry
from returnflow.domain.text import Text
from returnflow.services.complaint_queries import ComplaintDetail, ComplaintSummary
from returnflow.services.history_words import actor_label

_MINUTE, _HOUR, _DAY = 60, 3600, 86400


def _inside(outer: Text, inner: Text) -> Text:
    """`outer` with `{t}` filled by `inner`, each language with its own words."""
    return Text(outer.zh.format(t=inner.zh), outer.en.format(t=inner.en))


def duration(seconds: int) -> Text:
    """59 min, 3 h 10 min, 2 d 4 h: what a person reads at a glance (rounded down)."""
    seconds = max(seconds, 0)
    if seconds < _HOUR:
        minutes = seconds // _MINUTE if seconds >= _MINUTE or seconds == 0 else 1
        return Text("{m} 分钟", "{m} min").format(m=minutes)
    if seconds < _DAY:
        hours, minutes = seconds // _HOUR, (seconds % _HOUR) // _MINUTE
        if minutes == 0:
            return Text("{h} 小时", "{h} h").format(h=hours)
        return Text("{h} 小时 {m} 分钟", "{h} h {m} min").format(h=hours, m=minutes)
    days, hours = seconds // _DAY, (seconds % _DAY) // _HOUR
    if hours == 0:
        return Text("{d} 天", "{d} d").format(d=days)
    return Text("{d} 天 {h} 小时", "{d} d {h} h").format(d=days, h=hours)


def time_left(left: timedelta | None) -> Text | None:
    """'1 h left' or 'overdue by 5 min'; None when no clock runs (resolved)."""
    if left is None:
        return None
    seconds = int(left.total_seconds())
    if seconds <= 0:
        return _inside(Text("已超时 {t}", "overdue by {t}"), duration(-seconds))
    return _inside(Text("剩余 {t}", "{t} left"), duration(seconds))


@dataclass(frozen=True, slots=True)
class Deadline:
    """One clock of a complaint as a page shows it."""

    name: Text
    due_at: datetime
    state: str  # running | overdue | met | late | breached
    done_at: datetime | None
    left: Text | None  # while it runs (or is overdue but not yet flagged)

    @property
    def label(self) -> Text:
        return _STATES[self.state]


_STATES = {
    "running": Text("进行中", "Running"),
    "overdue": Text("已超时", "Overdue"),
    "met": Text("已按时完成", "Met"),
    "late": Text("逾期完成", "Met late"),
    "breached": Text("已违约", "Breached"),
}


def _deadline(
    name: Text, due: datetime, done: datetime | None, breached: datetime | None, now: datetime
) -> Deadline:
    if breached is not None:
        return Deadline(name, due, "breached", done, None)
    if done is not None:
        return Deadline(name, due, "met" if done < due else "late", done, None)
    state = "overdue" if now >= due else "running"
    return Deadline(name, due, state, None, time_left(due - now))


def deadlines(summary: ComplaintSummary, now: datetime) -> tuple[Deadline, Deadline]:
    """The first-response and the resolution clocks of a complaint."""
    first = _deadline(
        Text("首次响应", "First response"),
        summary.first_response_due_at,
        summary.first_responded_at,
        summary.first_response_breached_at,
        now,
    )
    resolve = _deadline(
        Text("解决", "Resolution"),
        summary.resolve_due_at,
        summary.resolved_at,
        summary.resolve_breached_at,
        now,
    )
    return first, resolve


@dataclass(frozen=True, slots=True)
class HistoryLine:
    """One step of a complaint's history in words: when, who, what, and the note."""

    at: datetime
    who: Text
    what: Text
    note: Text | None
    action: str


_ACTIONS = {
    "filed": Text("提交投诉", "Complaint filed"),
    "respond": Text("客服回复", "Reply"),
    "escalate": Text("升级处理", "Escalated"),
    "resolve": Text("已解决", "Resolved"),
    "reopen": Text("重新打开", "Reopened"),
    "classify": Text("核定分类", "Category reviewed"),
    "flag": Text("转风控", "Routed to risk"),
    "rate": Text("满意度评价", "Satisfaction rated"),
    "breach": Text("超过时限", "Deadline breached"),
}
_OTHER_ACTION = Text("处理记录", "Update")
_CLOCKS = {
    "first_response": Text("首次响应超时", "First response deadline passed"),
    "resolve": Text("解决超时", "Resolution deadline passed"),
}
_SYSTEM_ESCALATION = Text("超时未处理，已自动升级给经理", "Deadline breached: passed to a manager")
# what a customer reads of a step (internal steps are left out: see `customer_history`)
_FOR_CUSTOMER = {
    "filed": Text("投诉已受理", "Complaint received"),
    "respond": Text("客服回复了您", "Customer service replied"),
    "escalate": Text("已转交资深专员处理", "Passed to a senior colleague"),
    "resolve": Text("投诉已解决", "Complaint resolved"),
    "reopen": Text("投诉已重新打开", "Complaint reopened"),
    "rate": Text("您评价了本次服务", "You rated our service"),
}
_SHOWN_NOTES = {"respond", "resolve", "reopen"}
_SCORE = Text("{n} 分（满分 5 分）", "{n} of 5")


def _plain(note: str) -> Text | None:
    return Text(note, note) if note else None


def _kinds(pair: str) -> Text:
    """`logistics/urgent` as `物流配送 · 紧急` / `Logistics · Urgent`."""
    category, _, urgency = pair.strip().partition("/")
    first = CATEGORY_LABELS.get(category, Text(category, category))
    second = URGENCY_LABELS.get(urgency)
    if second is None:
        return first
    return Text(f"{first.zh} · {second.zh}", f"{first.en} · {second.en}")


def _staff_note(entry: HistoryEntry) -> Text | None:
    note = entry.note
    if entry.action == "filed":
        return CHANNEL_LABELS.get(note) or _plain(note)
    if entry.action == "classify" and "→" in note:
        before, _, after = note.partition("→")
        old, new = _kinds(before), _kinds(after)
        return Text(f"{old.zh} → {new.zh}", f"{old.en} → {new.en}")
    if entry.action == "flag":
        flag, _, words = note.partition(":")
        label = FLAG_LABELS.get(flag.strip())
        if label is not None:
            rest = words.strip()
            return Text(f"{label.zh}：{rest}", f"{label.en}: {rest}") if rest else label
    if entry.action == "breach":
        return _CLOCKS.get(note) or _plain(note)
    if entry.action == "escalate" and entry.actor == "system":
        return _SYSTEM_ESCALATION
    if entry.action == "rate" and note.isdigit():
        return _SCORE.format(n=note)
    return _plain(note)


def who(actor: str) -> Text:
    """Staff see role and username ("客服 li.na"); the worker and the mailbox in words."""
    if actor == "system":
        return Text("系统", "System")
    if actor == "mail":
        return Text("邮件收件", "Mail intake")
    return actor_label(actor)


def staff_history(entries: Iterable[HistoryEntry]) -> list[HistoryLine]:
    return [
        HistoryLine(
            e.at, who(e.actor), _ACTIONS.get(e.action, _OTHER_ACTION), _staff_note(e), e.action
        )
        for e in entries
    ]


def customer_history(entries: Iterable[HistoryEntry]) -> list[HistoryLine]:
    """What the customer reads: replies and status changes, no internal steps or names."""
    lines = []
    for entry in entries:
        what = _FOR_CUSTOMER.get(entry.action)
        if what is None:
            continue
        note = _plain(entry.note) if entry.action in _SHOWN_NOTES else None
        if entry.action == "rate" and entry.note.isdigit():
            note = _SCORE.format(n=entry.note)
        mine = entry.actor.startswith("customer:")
        by = Text("您", "You") if mine else Text("客服", "Customer service")
        lines.append(HistoryLine(entry.at, by, what, note, entry.action))
    return lines


@dataclass(frozen=True, slots=True)
class CategoryCheck:
    """Whether a person looked at the category: confirmed, corrected, chosen, or not yet."""

    state: str  # confirmed | corrected | chosen | pending
    who: Text | None
    suggested: Text | None  # the classifier's category · urgency, when it suggested one


def category_check(view: ComplaintDetail) -> CategoryCheck:
    """The classifier's suggestion against what an agent settled on (R8.1)."""
    summary = view.summary
    suggested = None
    if view.suggested_category:
        suggested = _kinds(f"{view.suggested_category}/{view.suggested_urgency or ''}")
    if not view.category_confirmed_by:
        return CategoryCheck("pending", None, suggested)
    by = who(view.category_confirmed_by)
    if not view.suggested_category:
        return CategoryCheck("chosen", by, None)
    same = (view.suggested_category, view.suggested_urgency or summary.urgency) == (
        summary.category,
        summary.urgency,
    )
    return CategoryCheck("confirmed" if same else "corrected", by, suggested)
