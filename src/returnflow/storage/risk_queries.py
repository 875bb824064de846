"""The statements risk at intake runs at every filing (issue 15, R10.3), built once.

Built at import with bound parameters, so a filing only binds values: building a
SELECT of a dozen sub-selects costs more in Python than running it. `HISTORY` is one
round trip for every count the signals read (the customer's requests in 7/30/90/180
days by the `returns (customer_id, created_at)` index, no-reason and refund-only ones,
orders, findings on the customer's receipts and inspections, open recoveries, the watch
list, the latest verdict, and today's platform baseline); `PAIRS` is one round of the
linked-accounts walk over `customer_identifiers` (hash or customer, both indexed).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, func, or_, select
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from returnflow.domain.kinds import Reason, RequestType
from returnflow.domain.receiving import MismatchKind
from returnflow.domain.recoveries import OPEN
from returnflow.storage.schema import (
    InspectionRow,
    OrderRow,
    ReceiptMismatchRow,
    ReceiptRow,
    RefundRecoveryRow,
    ReturnLineRow,
    ReturnRow,
)
from returnflow.storage.schema.risk import (
    CustomerIdentifierRow,
    RiskBaselineRow,
    RiskFeedbackRow,
    WatchListRow,
)

LINK_CAP = 200  # rows a round of the linked-accounts walk reads at most
REFUND_TYPES = (RequestType.REFUND.value, RequestType.REFUND_ONLY.value)

_CUSTOMER: BindParameter[str] = bindparam("customer_id")
_NOW: BindParameter[datetime] = bindparam("now")


def _within(since: str, *more: ColumnElement[bool]) -> Any:
    window = and_(ReturnRow.created_at >= bindparam(since), *more)
    return func.coalesce(func.sum(case((window, 1), else_=0)), 0)


def _count(*where: ColumnElement[bool], of: Any = None) -> Any:
    return select(func.count(of) if of is not None else func.count()).where(*where)


def watch_select() -> Any:
    return (
        select(WatchListRow.reason)
        .where(
            WatchListRow.customer_id == _CUSTOMER,
            WatchListRow.removed_at.is_(None),
            or_(WatchListRow.expires_at.is_(None), WatchListRow.expires_at > _NOW),
        )
        .order_by(WatchListRow.added_at.desc(), WatchListRow.id.desc())
        .limit(1)
    )


def _mismatches(kind: MismatchKind) -> Any:
    return (
        _count(ReturnRow.customer_id == _CUSTOMER, ReceiptMismatchRow.kind == kind.value)
        .select_from(ReceiptMismatchRow)
        .join(ReceiptRow, ReceiptRow.id == ReceiptMismatchRow.receipt_id)
        .join(ReturnRow, ReturnRow.rma_no == ReceiptRow.rma_no)
        .scalar_subquery()
    )


def _history() -> Any:
    no_reason = (
        _count(
            ReturnRow.customer_id == _CUSTOMER,
            ReturnRow.created_at >= bindparam("t30"),
            ReturnLineRow.reason_code == Reason.NO_REASON.value,
            of=func.distinct(ReturnRow.id),
        )
        .select_from(ReturnRow)
        .join(ReturnLineRow, ReturnLineRow.return_id == ReturnRow.id)
        .scalar_subquery()
    )
    orders = _count(
        OrderRow.customer_id == _CUSTOMER, OrderRow.placed_at >= bindparam("t90")
    ).scalar_subquery()
    swaps = (
        _count(ReturnRow.customer_id == _CUSTOMER, InspectionRow.serial_matches.is_(False))
        .select_from(InspectionRow)
        .join(ReturnRow, ReturnRow.rma_no == InspectionRow.rma_no)
        .scalar_subquery()
    )
    recoveries = _count(
        RefundRecoveryRow.customer_id == _CUSTOMER, RefundRecoveryRow.status == OPEN
    ).scalar_subquery()
    verdict = (
        select(RiskFeedbackRow.verdict)
        .where(RiskFeedbackRow.customer_id == _CUSTOMER, RiskFeedbackRow.at >= bindparam("cleared"))
        .order_by(RiskFeedbackRow.at.desc(), RiskFeedbackRow.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    today = RiskBaselineRow.day == bindparam("today")
    return select(
        _within("t7"),
        _within("t30"),
        _within("t90"),
        _within("t180"),
        _within("t90", ReturnRow.request_type == RequestType.REFUND_ONLY.value),
        _within("t90", ReturnRow.request_type.in_(REFUND_TYPES)),
        no_reason,
        orders,
        _mismatches(MismatchKind.EMPTY_BOX),
        _mismatches(MismatchKind.WRONG_ITEM),
        swaps,
        recoveries,
        watch_select().scalar_subquery(),
        verdict,
        select(RiskBaselineRow.refunds).where(today).scalar_subquery(),
        select(RiskBaselineRow.orders).where(today).scalar_subquery(),
    ).where(ReturnRow.customer_id == _CUSTOMER, ReturnRow.created_at >= bindparam("t180"))


HISTORY = _history()

PAIRS = (
    select(
        CustomerIdentifierRow.customer_id,
        CustomerIdentifierRow.kind,
        CustomerIdentifierRow.value_hash,
    )
    .where(
        or_(
            CustomerIdentifierRow.customer_id.in_(bindparam("customers", expanding=True)),
            CustomerIdentifierRow.value_hash.in_(bindparam("hashes", expanding=True)),
        )
    )
    .limit(LINK_CAP)
)
