"""A request's history in words (R3.3, R12.3): who took each step and what its note means.

The history stores what the code knows: actors as `role:username`, `customer:<id>` or
`system`; the automated review's note as its rule codes (`evidence_missing,
refund_only_review`); a refund's note as `107.00 CNY; requested by mediator:wu.lei`.
People read labels. `history_lines` turns each step into a `HistoryLine`: the actor as
a role label and name ("平台调解员 wu.lei", "顾客"), the rule codes as the rules' own
words (the automated review run again on the request as filed, so the texts are the
ones the customer was given), and a refund's amount and the people who asked for and
approved it as data the page renders with its money filter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from returnflow.domain.access import Role
from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.money import Money
from returnflow.domain.orders import Order
from returnflow.domain.policy import PolicyVersion
from returnflow.domain.refunds import OrderHistory
from returnflow.domain.returns import ReturnRequest, StatusChange
from returnflow.domain.review import assess
from returnflow.domain.text import DomainError, Text

_ROLES = {role.value: role for role in Role}
_SYSTEM = Text("系统自动", "Automatic")
_CUSTOMER = Text("顾客", "Customer")
_AUTOMATED = Text("自动审核", "Automated review")
# a refund's audit note (domain/refund.py `Refund.audit_note`, or the bare amount)
_REFUND_NOTE = re.compile(
    r"^(?P<amount>-?\d+(?:\.\d{1,2})?) (?P<currency>[A-Z]{3})"
    r"(?:; requested by (?P<requested>\S+))?(?:; approved by (?P<approved>\S+))?$"
)
_CODED_NOTES = {Action.AUTO_REJECT, Action.REFER}
# the notes the code itself writes, in English (domain/returns.py, jobs/sweeps.py, services/)
_FIXED_NOTES = {
    "ship_by passed": Text(
        "未在寄回期限内寄出，申请自动关闭", "Not shipped back in time: closed automatically"
    ),
    "completed by the worker": Text(
        "送达后由系统自动完成", "Completed automatically once delivered"
    ),
    # issue 13's timers (services/timers.py)
    "not reviewed in time: approved automatically": Text(
        "商家未在审核期限内处理，系统自动通过", "Not reviewed in time: approved automatically"
    ),
    "not inspected in time": Text(
        "仓库未在期限内验收，系统自动验收通过并退款", "Not inspected in time: passed automatically"
    ),
    "fast exchange: replacement already sent": Text(
        "极速换货：换新商品已先行发出", "Fast exchange: the replacement was sent first"
    ),
}
_AFTER_DELIVERY = Text("系统自动完成", "Completed automatically")


def actor_label(actor: str, names: Mapping[str, str] | None = None) -> Text:
    """`mediator:wu.lei` as "平台调解员 wu.lei"; a customer as "顾客"; the worker as "系统自动".

    `names`: display names by username, e.g. a merchant account named by its merchant id.
    """
    if actor in ("system", ""):
        return _SYSTEM
    if actor == "auto":
        return _AUTOMATED
    role, _, name = actor.partition(":")
    if role == "customer":
        return _CUSTOMER
    if role == "carrier":  # a carrier's scan: the offline simulated carrier by its name
        shown = "演示快递" if name == "simulated" else name
        return Text(f"承运商 {shown}", f"Carrier {'demo' if name == 'simulated' else name}")
    found = _ROLES.get(role)
    if found is None or not name:
        return Text(actor, actor)
    shown = (names or {}).get(name, name)
    return Text(f"{found.label.zh} {shown}", f"{found.label.en} {shown}")


@dataclass(frozen=True)
class HistoryLine:
    """One step as a page shows it; `amount` (with who asked and approved) on money steps."""

    at: datetime
    who: Text
    action: Action
    from_status: Status | None
    to_status: Status
    note: Text | None
    amount: Money | None = None
    requested_by: Text | None = None
    approved_by: Text | None = None


def rule_words(request: ReturnRequest, order: Order, policy: PolicyVersion) -> dict[str, Text]:
    """code → the rule's own words, as the automated review said them when it was filed.

    The review is run again on the request's lines at its filing moment (rules are pure);
    the request's own decision reasons come last so a person's words win for their code.
    """
    words: dict[str, Text] = {}
    try:
        again = assess(
            order=order,
            request_type=request.request_type,
            claims=[line.claim for line in request.lines],
            history=OrderHistory(),
            has_photos=bool(request.photos),
            now=request.created_at,
            policy=policy,
        )
    except DomainError:  # an order changed since: no words from a second look
        again = None
    if again is not None:
        for verdict in again.lines:
            words.update((r.code, r.message) for r in verdict.results)
        words.update((r.code, r.message) for r in again.reasons)
    if request.decision is not None and request.decision.decided_by == "auto":
        words.update((r.code, r.message) for r in request.decision.reasons)
    return words


def _coded(note: str, words: Mapping[str, Text]) -> Text | None:
    codes = [code.strip() for code in note.split(",") if code.strip()]
    if not codes:
        return None
    said = [
        words.get(code, Text(f"自动审核规则（{code}）", f"Automated rule ({code})"))
        for code in codes
    ]
    return Text("；".join(t.zh for t in said), "; ".join(t.en for t in said))


def _amount(amount: str, currency: str) -> Money | None:
    try:
        cents = Decimal(amount) * 100
    except InvalidOperation:
        return None
    return Money(int(cents), currency) if cents == cents.to_integral_value() else None


def _money_note(
    note: str, names: Mapping[str, str] | None = None
) -> tuple[Money, Text | None, Text | None] | None:
    """A refund's amount, who asked for it and who approved it; None if not such a note."""
    found = _REFUND_NOTE.match(note)
    amount = _amount(found["amount"], found["currency"]) if found else None
    if found is None or amount is None:
        return None
    requested, approved = found["requested"], found["approved"]
    return (
        amount,
        actor_label(requested, names) if requested else None,
        actor_label(approved, names) if approved else None,
    )


def history_line(
    change: StatusChange, words: Mapping[str, Text], names: Mapping[str, str] | None = None
) -> HistoryLine:
    """One step in words: the rule codes said, a refund's note as amount and people.

    `names`: display names by user name, so people read as "客服 李娜" (issue 16)."""
    who = actor_label(change.actor, names)
    head = (change.at, who, change.action, change.from_status, change.to_status)
    note = change.note.strip()
    if not note:
        return HistoryLine(*head, None)
    if change.action in _CODED_NOTES:
        return HistoryLine(*head, _coded(note, words))
    money = _money_note(note, names) if change.action in (Action.REFUND, Action.SETTLE) else None
    if money is not None:
        amount, requested, approved = money
        return HistoryLine(*head, None, amount, requested, approved)
    return HistoryLine(*head, _fixed(change.action, note))


def _fixed(action: Action, note: str) -> Text:
    """A note the code wrote in words; a person's note as they wrote it."""
    if note in _FIXED_NOTES:
        return _FIXED_NOTES[note]
    if action is Action.COMPLETE and note.startswith("after ") and "." in note:
        return _AFTER_DELIVERY  # "after refund.paid": the journey's own note
    return Text(note, note)


def history_lines(
    history: Iterable[StatusChange],
    words: Mapping[str, Text],
    names: Mapping[str, str] | None = None,
) -> tuple[HistoryLine, ...]:
    return tuple(history_line(change, words, names) for change in history)


def history_people(history: Iterable[StatusChange]) -> set[str]:
    """The user names of the staff who took a step (and asked for or approved a refund)."""
    found: set[str] = set()
    for change in history:
        found.add(change.actor)
        note = _REFUND_NOTE.match(change.note.strip())
        found.update(note.group(k) for k in ("requested", "approved") if note and note.group(k))
    return {
        a.partition(":")[2]
        for a in found
        if ":" in a and not a.startswith(("customer:", "carrier:"))
    }
