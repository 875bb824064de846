"""What a filing reads once its order is locked, in one round trip (issue 11).

Why: after the order's row lock a filing asked three questions, each a round trip:
what the order's earlier live requests hold (storage/returns.py `history_for_order`),
the customer's risk history with the linked-accounts walk's first round
(storage/risk.py `read`), and the next RMA number (storage/counters.py, a SEQUENCE).
All three read committed data (or none), and the number must be known before the
batch at commit (it enters the request's history hash chain), so on PostgreSQL they
are asked together: ONE statement of one row, `nextval` and two JSON aggregates, so the
number is drawn once however many rows the others have. It runs after the lock, so it
sees every filing on the order committed before (a statement's snapshot is taken when
it starts; READ COMMITTED).

SQLite (no SEQUENCE: its counter is an UPDATE) and a filing with more identifiers than
the risk read has slots keep the three statements: `read` answers None and the caller
asks each store as before. Built once at import, only values are bound (see
storage/risk_queries.py on generic plans); the statuses and constants are written in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, bindparam, func, literal_column, select
from sqlalchemy.orm import Session

from returnflow.domain.kinds import Reason, RequestType
from returnflow.domain.linked_accounts import Identifier
from returnflow.domain.money import Money
from returnflow.domain.refunds import HeldLine, OrderHistory, order_history
from returnflow.domain.risk import CLEARED_DAYS, History
from returnflow.storage.counters import sequence_of
from returnflow.storage.returns import held_on_order
from returnflow.storage.risk_queries import FILING, HASH_SLOTS
from returnflow.storage.schema import ReturnLineRow, ReturnRow

Pair = tuple[str, Identifier]


@dataclass(frozen=True, slots=True)
class FilingFacts:
    """What a filing reads after the lock: the order's held lines, the customer's risk
    history and the walk's first round (storage/risk.py `read`), the RMA number."""

    held: OrderHistory
    history: History
    first_round: set[Pair]
    number: int


@dataclass(frozen=True, slots=True)
class FilingRows:
    """The three answers as stored: the order's held lines, the risk read's rows (as
    storage/risk.py `read` gets them from `FILING`), and the drawn number."""

    held: OrderHistory
    risk_rows: list[tuple[Any, ...]]
    number: int


def read(
    session: Session,
    order_no: str,
    risk_values: dict[str, Any],
    sequence: str,
) -> FilingRows | None:
    """The order's held lines, the risk read's rows and `sequence`'s next number in one
    statement; None where that is not how this database answers (SQLite)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    values = {**risk_values, "order_no": order_no, "seq": sequence_of(sequence)}
    number, held, risk = session.connection().execute(_FACTS, values).one()
    return FilingRows(_held_history(held or []), [tuple(row) for row in risk], int(number))


def risk_values(
    customer_id: str, identifiers: set[Identifier], now: datetime
) -> dict[str, Any] | None:
    """`FILING`'s values: the history's, and the identifiers' hashes in fixed slots
    (unused ones ""); None when there are more hashes than slots (not today:
    services/risk.identifiers_of gives five at most)."""
    hashes = sorted({i.value_hash for i in identifiers})
    if len(hashes) > HASH_SLOTS:
        return None
    slots = {f"h{n}": hashes[n] if n < len(hashes) else "" for n in range(HASH_SLOTS)}
    return {**history_values(customer_id, now), **slots}


def history_values(customer_id: str, now: datetime) -> dict[str, Any]:
    """The risk history's values: the customer, now, today and the windows' starts."""
    return {
        "customer_id": customer_id,
        "now": now,
        "today": now.date(),
        "cleared": now - timedelta(days=CLEARED_DAYS),
        **{f"t{days}": now - timedelta(days=days) for days in (7, 30, 90, 180)},
    }


def _held_history(rows: list[list[Any]]) -> OrderHistory:
    """As storage/returns.py `history_for_order` reads its rows (the estimate's
    shipping fee is read in SQL: the rest of the estimate is not needed)."""
    currency = rows[0][-1] if rows else "CNY"
    held = (
        HeldLine(
            request_type=RequestType(rtype),
            reason=Reason(reason),
            line_no=int(line_no),
            quantity=int(quantity),
            refund_amount=Money(int(amount), cur),
            claims_shipping=(shipping or 0) > 0,
        )
        for rtype, shipping, line_no, quantity, amount, reason, cur in rows
    )
    return order_history(held, currency)


def _facts() -> Any:
    """SELECT nextval(:seq), [held lines as JSON], [risk rows as JSON]: one row."""
    held = held_on_order(
        select(
            func.json_agg(
                func.json_build_array(
                    ReturnRow.request_type,
                    ReturnRow.estimate.op("->")(literal_column("'shipping_fee'")),
                    ReturnLineRow.line_no,
                    ReturnLineRow.quantity,
                    ReturnLineRow.refund_amount,
                    ReturnLineRow.reason_code,
                    ReturnRow.currency,
                )
            )
        )
    ).scalar_subquery()
    risk = FILING.subquery("filing")  # one row at least: its history is an aggregate
    risk_rows = (
        select(func.json_agg(func.json_build_array(*risk.c))).select_from(risk).scalar_subquery()
    )
    return select(
        func.nextval(bindparam("seq")),  # no FROM: one row, one number
        func.coalesce(held, literal_column("'[]'::json"), type_=JSON),
        func.coalesce(risk_rows, literal_column("'[]'::json"), type_=JSON),
    )


_FACTS = _facts()
