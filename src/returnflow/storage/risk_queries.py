"""The statements risk at intake runs at every filing (issue 15, R10.3), built once.

Built at import with bound parameters, so a filing only binds values: building a
SELECT of a dozen sub-selects costs more in Python than running it. `HISTORY` is one
round trip for every count the signals read; `PAIRS` is one round of the
linked-accounts walk over `customer_identifiers` (hash or customer, both indexed);
`FILING` is both at once, the one read a filing makes before its walk goes on (a round
trip through SQLAlchemy costs ~0.1–0.2 ms, more than either statement on the server).

All are shaped for PostgreSQL's *generic* plan. psycopg prepares a statement on its
sixth run on a connection, and after five custom plans PostgreSQL may keep one generic
plan that sees neither the bound values nor statistics a young database has not
gathered yet. So nothing here leaves the planner a choice it could get badly wrong:

- `HISTORY` reads the customer's own requests once, by the `returns (customer_id,
  created_at)` index, and asks per request, through unique keys, whether it had a
  no-reason line, an empty box, a wrong item or a swapped serial (correlated EXISTS:
  an index probe each, never a join the planner could turn into a scan of
  `return_lines` or `receipts`). The counts equal the earlier joins' because a request
  has at most one receipt, one mismatch of a kind and one inspection (unique keys).
  Constants (1, 0, the two refund types) are not expanding parameters: an expanding
  IN makes SQLAlchemy render the statement's text again at every execution.
- `PAIRS` is a UNION ALL of the two indexed lookups, with its row cap written into the
  text: with `customer IN … OR hash IN …` and a bound LIMIT the generic plan chose a
  sequential scan (it assumes a bound LIMIT stops early).

Measured at the demo's volume (benchmarks/bench_risk.py: no statistics; server time
per execution): the history read 0.65 → 0.08 ms, a round of the walk 0.69 → 0.03 ms.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
    true,
    union_all,
)
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
HASH_SLOTS = 5  # a filing's identifiers at most: 3 phones, an address, a device
REFUND_TYPES = (RequestType.REFUND.value, RequestType.REFUND_ONLY.value)

_CUSTOMER: BindParameter[str] = bindparam("customer_id")
_NOW: BindParameter[datetime] = bindparam("now")
_ONE: Any = literal_column("1")  # constants in the text, not bound values
_ZERO: Any = literal_column("0")


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


def _has(*where: ColumnElement[bool]) -> Any:
    """Whether the request of the outer row has such a record: an EXISTS that the
    outer `returns` row correlates, probed through a unique key per request."""
    return select(_ONE).where(*where).exists()


def _each(*when: ColumnElement[bool]) -> Any:
    """How many of the customer's requests meet `when` (0 for a customer without any)."""
    return func.coalesce(func.sum(case((and_(*when), _ONE), else_=_ZERO)), _ZERO)


def _since(days: int) -> ColumnElement[bool]:
    return ReturnRow.created_at >= bindparam(f"t{days}")


def _mismatch(kind: MismatchKind) -> Any:
    return _has(
        ReceiptRow.rma_no == ReturnRow.rma_no,  # receipts (rma_no) is unique
        ReceiptMismatchRow.receipt_id == ReceiptRow.id,  # unique (receipt_id, kind)
        ReceiptMismatchRow.kind == kind.value,
    )


def _history() -> Any:
    no_reason = _has(
        ReturnLineRow.return_id == ReturnRow.id,  # unique (return_id, line_no)
        ReturnLineRow.reason_code == Reason.NO_REASON.value,
    )
    swapped = _has(
        InspectionRow.rma_no == ReturnRow.rma_no,  # inspections (rma_no) is unique
        InspectionRow.serial_matches.is_(False),
    )
    orders = _count(
        OrderRow.customer_id == _CUSTOMER, OrderRow.placed_at >= bindparam("t90")
    ).scalar_subquery()
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
        _each(_since(7)),
        _each(_since(30)),
        _each(_since(90)),
        _each(_since(180)),
        _each(_since(90), ReturnRow.request_type == RequestType.REFUND_ONLY.value),
        _each(_since(90), or_(*(ReturnRow.request_type == kind for kind in REFUND_TYPES))),
        _each(_since(30), no_reason),
        orders,
        _each(_mismatch(MismatchKind.EMPTY_BOX)),
        _each(_mismatch(MismatchKind.WRONG_ITEM)),
        _each(swapped),
        recoveries,
        watch_select().scalar_subquery(),
        verdict,
        select(RiskBaselineRow.refunds).where(today).scalar_subquery(),
        select(RiskBaselineRow.orders).where(today).scalar_subquery(),
    ).where(ReturnRow.customer_id == _CUSTOMER)  # all of them: findings have no window


HISTORY = _history()

_HELD = select(
    CustomerIdentifierRow.customer_id,
    CustomerIdentifierRow.kind,
    CustomerIdentifierRow.value_hash,
)
# one branch per index, not `customer IN … OR hash IN …`: a generic plan made while the
# table was small keeps a sequential scan for the OR, never for either branch alone
PAIRS = union_all(
    _HELD.where(CustomerIdentifierRow.customer_id.in_(bindparam("customers", expanding=True))),
    _HELD.where(CustomerIdentifierRow.value_hash.in_(bindparam("hashes", expanding=True))),
).limit(literal_column(str(LINK_CAP)))  # written in, not bound: see the module docstring


def _with_first_round() -> Any:
    """`HISTORY` and the walk's first round (`PAIRS` for the customer and the filing's
    hashes) in one round trip: every row repeats the history and carries one
    (customer, kind, hash) pair; a customer whose identifiers nobody holds yet gets one
    row with the pair empty (LEFT JOIN). The hashes fill `HASH_SLOTS` fixed parameters
    (unused ones ""), not an expanding IN: that would make SQLAlchemy render the whole
    statement's text again at every filing (~0.06 ms)."""
    slots: list[BindParameter[str]] = [bindparam(f"h{n}") for n in range(HASH_SLOTS)]
    first = (
        union_all(
            _HELD.where(CustomerIdentifierRow.customer_id == _CUSTOMER),
            _HELD.where(CustomerIdentifierRow.value_hash.in_(slots)),
        )
        .limit(literal_column(str(LINK_CAP)))
        .subquery("first_round")
    )
    history = HISTORY.subquery("history")
    return select(history, first).select_from(history.outerjoin(first, true()))


HISTORY_COLUMNS = len(HISTORY.selected_columns)
FILING = _with_first_round()
