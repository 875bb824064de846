"""Staff and risk (issue 15, R10.3): a verdict on a request's score, and the watch list.

A verdict ("fraud" or "safe") is kept with who, when, the score and level at the time
(`risk_feedback`), so thresholds can be tuned against what staff found. "Safe" lifts
the request's holds (instant refund, fast exchange, keep-item, the held refund), ends
the watch-list entries the score itself added, and gives the customer's next scores a
`cleared` signal (negative points) for `CLEARED_DAYS`. "Fraud" puts the customer on
the watch list for `FRAUD_WATCH_DAYS` unless already there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from returnflow.domain.paging import page_count
from returnflow.domain.risk import RiskAction
from returnflow.domain.text import DomainError, Text
from returnflow.services.errors import NotFound
from returnflow.services.returns import get_return
from returnflow.services.risk import AUTO_WATCHER, RiskView, view_of
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.risk import StoredFeedback as StoredFeedback
from returnflow.storage.risk import WatchEntry as WatchEntry

VERDICTS = ("fraud", "safe")
FRAUD_WATCH_DAYS = 180
MAX_NOTE = 1000
MAX_WATCH_DAYS = 366
LIFTED_WHEN_SAFE = (
    RiskAction.HOLD_REFUND,
    RiskAction.NO_INSTANT_REFUND,
    RiskAction.NO_FAST_EXCHANGE,
    RiskAction.NO_KEEP_ITEM,
)


def risk_not_found(rma_no: str) -> NotFound:
    return NotFound(
        "risk_not_found",
        Text("申请 {no} 没有风险评分", "Request {no} has no risk score").format(no=rma_no),
    )


def verdict_label(verdict: str) -> Text:
    return Text("欺诈", "fraud") if verdict == "fraud" else Text("安全", "safe")


def judge(
    uow: UnitOfWork,
    rma_no: str,
    verdict: str,
    note: str,
    actor: str,
    now: datetime,
    *,
    merchant_scope: str | None = None,
) -> RiskView:
    """Keep staff's verdict on a request's score; "safe" lifts its holds."""
    if verdict not in VERDICTS:
        raise DomainError(
            "invalid_verdict",
            Text("判定只能是欺诈或安全", "The verdict is fraud or safe"),
            field="verdict",
        )
    if len(note) > MAX_NOTE:
        raise DomainError(
            "note_too_long",
            Text("备注最多 1000 字", "The note is at most 1000 characters"),
            field="note",
        )
    request = get_return(uow, rma_no, merchant_scope=merchant_scope)
    store = uow.risk
    stored = store.get(request.rma_no)
    if stored is None:
        raise risk_not_found(rma_no)
    store.add_feedback(stored, verdict, note.strip(), actor, now)
    if verdict == "safe":
        for action in LIFTED_WHEN_SAFE:
            store.lift(rma_no, action.value)
        store.unwatch_added_by(stored.customer_id, AUTO_WATCHER, actor, now)
    elif not store.watching(stored.customer_id, now):
        store.watch(
            stored.customer_id,
            f"fraud at {rma_no}: {note.strip()}"[:500],
            now + timedelta(days=FRAUD_WATCH_DAYS),
            actor,
            now,
        )
    lifted = store.get(rma_no)
    assert lifted is not None
    return view_of(lifted)


def feedback(uow: UnitOfWork, rma_no: str) -> list[StoredFeedback]:
    return uow.risk.feedback(rma_no)


# --- the watch list ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WatchPage:
    items: list[WatchEntry]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.page_size)


def watch_list(uow: UnitOfWork, now: datetime, page: int, page_size: int) -> WatchPage:
    items, total = uow.risk.watch_page(now, (page - 1) * page_size, page_size)
    return WatchPage(items, total, page, page_size)


def add_to_watch_list(
    uow: UnitOfWork,
    customer_id: str,
    reason: str,
    expires_at: datetime | None,
    actor: str,
    now: datetime,
) -> int:
    customer_id, reason = customer_id.strip(), reason.strip()
    if not customer_id or len(customer_id) > 64:
        raise DomainError(
            "customer_required",
            Text("请填写客户编号（最多 64 字符）", "Give the customer id (at most 64 characters)"),
            field="customer_id",
        )
    if not reason or len(reason) > 500:
        raise DomainError(
            "reason_required",
            Text("请填写原因（最多 500 字）", "Give a reason (at most 500 characters)"),
            field="reason",
        )
    if expires_at is not None and not now < expires_at <= now + timedelta(days=MAX_WATCH_DAYS):
        raise DomainError(
            "expiry_invalid",
            Text("到期时间须在未来一年之内", "The expiry must be in the future, within a year"),
            field="expires_at",
        )
    return uow.risk.watch(customer_id, reason, expires_at, actor, now)


def remove_from_watch_list(uow: UnitOfWork, entry_id: int, actor: str, now: datetime) -> None:
    if not uow.risk.unwatch(entry_id, actor, now):
        raise NotFound(
            "watch_entry_not_found",
            Text("观察名单中没有这一条", "No such watch-list entry"),
        )
