"""A small planted marketplace whose KPIs are counted by hand (issue 14, R9.1).

Raw rows written straight into the tables (orders, requests, events, refunds, shipments,
dispositions, complaints, surveys), with times chosen at local-day boundaries. The hand
counts the API must answer are written beside the data in tests/api/test_analytics_api.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, Float, Integer, String, Text
from sqlalchemy.orm import Session

from returnflow.app_context import AppContext
from returnflow.storage.schema import (
    CustomerRow,
    MerchantRow,
    OrderLineRow,
    OrderRow,
    OutboxRow,
    RefundRow,
    ReturnRow,
)
from returnflow.storage.schema.base import Base, UtcDateTime
from returnflow.storage.schema.complaints import ComplaintRow
from returnflow.storage.schema.returns import ReturnEventRow, ReturnLineRow
from returnflow.storage.schema.shipping import ShipmentRow
from returnflow.storage.schema.surveys import SurveyRow
from returnflow.storage.schema.warehouse import DispositionRow

T0 = datetime(2026, 10, 1, tzinfo=UTC)
# orders are stamped when imported: after the tests' clock (11-20 02:00 UTC)
IMPORTED = datetime(2026, 11, 20, 3, tzinfo=UTC)


def utc(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


def row(cls: type[Base], **values: Any) -> Any:
    """A row with every required column not given filled with an empty value."""
    for column in cls.__table__.columns:
        if column.key in values or column.nullable or column.primary_key:
            continue
        kind = column.type
        if isinstance(kind, Boolean):
            values[column.key] = False
        elif isinstance(kind, Float):
            values[column.key] = 0.0
        elif isinstance(kind, Integer):
            values[column.key] = 0
        elif isinstance(kind, String | Text):
            values[column.key] = ""
        elif isinstance(kind, UtcDateTime):
            values[column.key] = T0
        else:
            values[column.key] = {}
    return cls(**values)


_RMA = iter(range(1, 1000))


def order(
    s: Session,
    no: str,
    merchant: str,
    delivered: datetime | None,
    lines: list[tuple[str, str, int]],
) -> OrderRow:
    """lines: (sku, category, quantity)."""
    o: OrderRow = row(
        OrderRow,
        order_no=no,
        merchant_id=merchant,
        customer_id="c-1",
        currency="CNY",
        placed_at=T0,
        delivered_at=delivered,
        updated_at=IMPORTED,
        imported_at=T0,
    )
    s.add(o)
    s.flush()
    for n, (sku, category, quantity) in enumerate(lines, start=1):
        s.add(
            row(
                OrderLineRow,
                order_id=o.id,
                line_no=n,
                sku=sku,
                category=category,
                quantity=quantity,
                unit_price=8900,
                flags=[],
            )
        )
    return o


def request(
    s: Session,
    o: OrderRow,
    line_no: int,
    quantity: int,
    reason: str,
    status: str,
    carrier: str | None = None,
    created: datetime = T0,
    line_refund: int = 0,
) -> ReturnRow:
    r: ReturnRow = row(
        ReturnRow,
        rma_no=f"RMA{next(_RMA):04d}",
        order_id=o.id,
        order_no=o.order_no,
        merchant_id=o.merchant_id,
        customer_id="c-1",
        status=status,
        carrier=carrier,
        created_at=created,
        updated_at=created,
        currency="CNY",
        photos=[],
    )
    s.add(r)
    s.flush()
    s.add(
        row(
            ReturnLineRow,
            return_id=r.id,
            line_no=line_no,
            quantity=quantity,
            reason_code=reason,
            refund_amount=line_refund,
        )
    )
    return r


def events(s: Session, r: ReturnRow, steps: list[tuple[str, str, datetime]]) -> None:
    """steps: (action, to_status, at)."""
    for seq, (action, to_status, at) in enumerate(steps, start=1):
        s.add(
            row(ReturnEventRow, return_id=r.id, seq=seq, at=at, action=action, to_status=to_status)
        )


def refund(s: Session, r: ReturnRow, amount: int, paid: datetime, due: datetime | None) -> None:
    s.add(
        row(
            RefundRow,
            return_id=r.id,
            amount=amount,
            currency="CNY",
            paid_at=paid,
            due_by=due,
            status="succeeded",
            workings={},
        )
    )


def plant(context: AppContext) -> dict[str, ReturnRow]:
    """The planted data set of test_analytics_api.py; the requests by name."""
    with context.session_factory() as s, s.begin():
        s.add_all([row(MerchantRow, id=m, name=m, created_at=T0) for m in ("m-a", "m-b")])
        s.add(row(CustomerRow, id="c-1", name="c", phone="1", email="c@example.com"))
        s.flush()
        # local (UTC+8) delivery days: O1 11-03, O2 11-04 (17:00 UTC), O3 11-10, O4 11-01
        # (10-31 16:00 UTC), O5 10-31 (a second before 11-01 local), O6 never delivered
        o1 = order(s, "O1", "m-a", utc(11, 3, 2), [("A1", "baby", 2), ("A2", "toys", 1)])
        o2 = order(s, "O2", "m-a", utc(11, 3, 17), [("A1", "baby", 3)])
        o3 = order(s, "O3", "m-b", utc(11, 10, 2), [("B1", "home", 4)])
        order(s, "O4", "m-a", utc(10, 31, 16), [("A2", "toys", 1)])
        o5 = order(s, "O5", "m-a", utc(10, 31, 15, 59, 59), [("A1", "baby", 5)])
        order(s, "O6", "m-a", None, [("A1", "baby", 1)])
        found = {
            "R1": request(s, o1, 1, 1, "quality", "completed", "sf", utc(11, 4), 8900),
            "R2": request(s, o1, 2, 1, "no_reason", "rejected", None, utc(11, 4)),
            "R3": request(s, o2, 1, 2, "not_as_described", "in_transit", "zto", utc(11, 4, 1)),
            "R4": request(s, o3, 1, 1, "quality", "refunded", "sf", utc(11, 10, 10), 5000),
            "R5": request(s, o5, 1, 2, "quality", "completed", "sf", utc(11, 2)),
            "R6": request(s, o2, 1, 1, "quality", "cancelled", None, utc(11, 4)),
        }
        r1, r3, r4 = found["R1"], found["R3"], found["R4"]
        events(
            s,
            r1,
            [
                ("submit", "pending_review", utc(11, 4)),
                ("approve", "approved", utc(11, 4, 0, 30)),
                ("ship", "in_transit", utc(11, 4, 2)),
                ("receive", "received", utc(11, 5, 2)),
                ("inspect_pass", "inspected", utc(11, 5, 3)),
                ("refund", "refunded", utc(11, 6, 4)),
                ("complete", "completed", utc(11, 6, 5)),
            ],
        )
        events(
            s,
            r3,
            [("submit", "requested", utc(11, 4, 1)), ("approve", "approved", utc(11, 4, 1, 20))],
        )
        events(
            s,
            r4,
            [
                ("submit", "requested", utc(11, 10, 10)),
                ("approve", "approved", utc(11, 10, 10, 10)),
            ],
        )
        refund(s, r1, 8900, utc(11, 6, 4), utc(11, 7))  # on time
        refund(s, r4, 5000, utc(11, 12, 10), utc(11, 11))  # late
        _around(s, found)
    return found


def _around(s: Session, found: dict[str, ReturnRow]) -> None:
    """Shipments, dispositions, complaints and surveys of the planted requests."""
    r1, r3, r4 = found["R1"].rma_no, found["R3"].rma_no, found["R4"].rma_no
    for rma, label, pickup, insurance in ((r1, 1200, 800, 100), (r3, 1000, 0, 0)):
        s.add(
            row(
                ShipmentRow,
                rma_no=rma,
                carrier="sf",
                waybill_no=f"W{rma}",
                label_cost=label,
                pickup_cost=pickup,
                insurance_cost=insurance,
                created_at=utc(11, 4, 2),
                updated_at=utc(11, 4, 2),
            )
        )
    for rma, chosen, value, merchant, category in (
        (r1, "restock", 8900, "m-a", "baby"),
        (r4, "scrap", 5000, "m-b", "home"),
    ):
        s.add(
            row(
                DispositionRow,
                rma_no=rma,
                line_no=1,
                merchant_id=merchant,
                category=category,
                quantity=1,
                value=value,
                chosen=chosen,
                decided_at=utc(11, 5, 3),
            )
        )
    complaints: tuple[tuple[str, str | None, datetime, datetime | None, datetime | None], ...] = (
        ("C1", "m-a", utc(11, 5), utc(11, 5, 0, 45), utc(11, 6)),
        ("C2", "m-b", utc(11, 11), None, None),
        ("C3", None, utc(11, 12), None, None),
    )
    for no, whose, filed, responded, resolved in complaints:
        s.add(
            row(
                ComplaintRow,
                complaint_no=no,
                merchant_id=whose,
                filed_at=filed,
                first_responded_at=responded,
                resolved_at=resolved,
            )
        )
    answers = (
        (r1, "m-a", (5, 5, 4, 4), 10),  # satisfied, promoter
        (r4, "m-b", (3, 3, 4, 4), 5),  # not satisfied, detractor
        ("RMA-X", "m-a", (4, 4, 4, 4), 8),  # satisfied, passive
    )
    for rma, shop, (speed, attitude, effect, process), nps in answers:
        s.add(
            row(
                SurveyRow,
                rma_no=rma,
                merchant_id=shop,
                speed=speed,
                attitude=attitude,
                effectiveness=effect,
                process=process,
                nps=nps,
                answered_at=utc(11, 7),
            )
        )


def outbox(context: AppContext, topic: str, at: datetime, **payload: Any) -> None:
    """An event as the unit of work writes it: its name, its data and when it happened."""
    with context.session_factory() as s, s.begin():
        data = {**payload, "occurred_at": at.isoformat()}
        s.add(row(OutboxRow, topic=topic, payload=data, created_at=at, available_at=at))


def later(at: datetime, **delta: float) -> datetime:
    return at + timedelta(**delta)
