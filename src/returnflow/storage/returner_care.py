"""Frequent returners and their outreach ⇄ rows (issue 15, R10.4): `uow.returner_care`.

Every read is bounded: the frequent-returner list reads the requests filed in one
90-day window (`ix_returns_created_at`), grouped by customer and theme in the database
and paged; a customer's requests and counts read by `customer_id` (indexed) within a
window; outreach rows by customer (`ix_returner_outreach_customer_at`) or by `once_key`.
A line's theme is "size" when its reason text speaks of size (domain/returner_care.py
SIZE_WORDS, matched with LIKE on the lower-cased text), else its reason code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from returnflow.domain.metrics import NOT_COUNTED
from returnflow.domain.returner_care import (
    MIN_REQUESTS,
    SIZE,
    SIZE_WORDS,
    Action,
    Outcome,
    Outreach,
)
from returnflow.storage.schema import CustomerRow
from returnflow.storage.schema.returns import ReturnLineRow, ReturnRow
from returnflow.storage.schema.risk_register import OutreachRow

CUSTOMER_REQUESTS = 50
OUTREACH_LIMIT = 50


@dataclass(frozen=True, slots=True)
class Returner:
    customer_id: str
    theme: str
    requests: int
    last_at: datetime


@dataclass(frozen=True, slots=True)
class FiledRequest:
    rma_no: str
    created_at: datetime
    status: str
    themes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    phone: str
    email: str


def _theme() -> Any:
    text = func.lower(ReturnLineRow.reason_text)
    return case(
        (or_(*(text.like(f"%{word}%") for word in SIZE_WORDS)), SIZE),
        else_=ReturnLineRow.reason_code,
    )


def _themed(since: datetime, until: datetime) -> Any:
    """(request, customer, theme, filed) once per request and theme, in the window."""
    return (
        select(
            ReturnRow.id.label("rid"),
            ReturnRow.customer_id.label("customer_id"),
            _theme().label("theme"),
            ReturnRow.created_at.label("at"),
        )
        .join(ReturnLineRow, ReturnLineRow.return_id == ReturnRow.id)
        .where(
            ReturnRow.created_at >= since,
            ReturnRow.created_at < until,
            ReturnRow.status.not_in(NOT_COUNTED),
        )
        .distinct()
        .subquery()
    )


class ReturnerCareStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def frequent(
        self, since: datetime, until: datetime, theme: str | None, offset: int, limit: int
    ) -> tuple[list[Returner], int]:
        """Customers with ≥ MIN_REQUESTS requests of one theme in [since, until), a page."""
        themed = _themed(since, until)
        grouped = (
            select(
                themed.c.customer_id,
                themed.c.theme,
                func.count().label("n"),
                func.max(themed.c.at).label("last_at"),
            )
            .group_by(themed.c.customer_id, themed.c.theme)
            .having(func.count() >= MIN_REQUESTS)
        )
        if theme:
            grouped = grouped.where(themed.c.theme == theme)
        found = grouped.subquery()
        total = int(self.session.scalar(select(func.count()).select_from(found)) or 0)
        rows = self.session.execute(
            select(found)
            .order_by(found.c.n.desc(), found.c.last_at.desc(), found.c.customer_id, found.c.theme)
            .offset(offset)
            .limit(limit)
        ).all()
        return [Returner(r.customer_id, r.theme, int(r.n), r.last_at) for r in rows], total

    def themes_of(self, customer_id: str, since: datetime, until: datetime) -> dict[str, int]:
        """One customer's counted requests per theme in [since, until)."""
        themed = _themed(since, until)
        rows = self.session.execute(
            select(themed.c.theme, func.count())
            .where(themed.c.customer_id == customer_id)
            .group_by(themed.c.theme)
        ).all()
        return {str(theme): int(n) for theme, n in rows}

    def requests_of(self, customer_id: str, since: datetime, until: datetime) -> list[FiledRequest]:
        rows = self.session.execute(
            select(ReturnRow.id, ReturnRow.rma_no, ReturnRow.created_at, ReturnRow.status)
            .where(
                ReturnRow.customer_id == customer_id,
                ReturnRow.created_at >= since,
                ReturnRow.created_at < until,
            )
            .order_by(ReturnRow.created_at.desc())
            .limit(CUSTOMER_REQUESTS)
        ).all()
        ids = [r.id for r in rows]
        themes: dict[int, list[str]] = {}
        if ids:
            for rid, theme in self.session.execute(
                select(ReturnLineRow.return_id, _theme()).where(ReturnLineRow.return_id.in_(ids))
            ):
                themes.setdefault(rid, []).append(str(theme))
        return [
            FiledRequest(r.rma_no, r.created_at, r.status, tuple(sorted(set(themes.get(r.id, [])))))
            for r in rows
        ]

    def counted(self, customer_id: str, since: datetime, until: datetime) -> int:
        """The customer's requests filed in [since, until), rejected and cancelled left out."""
        return int(
            self.session.scalar(
                select(func.count(ReturnRow.id)).where(
                    ReturnRow.customer_id == customer_id,
                    ReturnRow.created_at >= since,
                    ReturnRow.created_at < until,
                    ReturnRow.status.not_in(NOT_COUNTED),
                )
            )
            or 0
        )

    def names_of(self, customer_ids: list[str]) -> dict[str, str]:
        """The names of a page's customers (at most a page of them)."""
        if not customer_ids:
            return {}
        rows = self.session.execute(
            select(CustomerRow.id, CustomerRow.name).where(CustomerRow.id.in_(customer_ids))
        )
        return {str(cid): str(name) for cid, name in rows}

    def contact(self, customer_id: str) -> Contact | None:
        row = self.session.get(CustomerRow, customer_id)
        return None if row is None else Contact(row.name, row.phone, row.email)

    # outreach
    def by_key(self, once_key: str) -> tuple[Outreach, str] | None:
        row = self.session.scalar(select(OutreachRow).where(OutreachRow.once_key == once_key))
        return None if row is None else (_outreach(row), row.digest)

    def add(self, outreach: Outreach, once_key: str, digest: str) -> int:
        row = OutreachRow(
            customer_id=outreach.customer_id,
            theme=outreach.theme,
            action=outreach.action.value,
            note=outreach.note,
            link=outreach.link,
            coupon_code=outreach.coupon_code,
            coupon_fen=outreach.coupon_fen,
            once_key=once_key[:300],
            digest=digest,
            created_by=outreach.created_by[:100],
            created_at=outreach.created_at,
            outcome=None,
            outcome_by="",
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def get(self, outreach_id: int) -> Outreach | None:
        row = self.session.get(OutreachRow, outreach_id, with_for_update=True)
        return None if row is None else _outreach(row)

    def record_outcome(self, outreach_id: int, outcome: Outcome, actor: str, now: datetime) -> None:
        row = self.session.get(OutreachRow, outreach_id)
        if row is not None:
            row.outcome, row.outcome_by, row.outcome_at = outcome.value, actor[:100], now
            self.session.flush()

    def outreach_of(self, customer_id: str) -> list[Outreach]:
        rows = self.session.scalars(
            select(OutreachRow)
            .where(OutreachRow.customer_id == customer_id)
            .order_by(OutreachRow.created_at.desc(), OutreachRow.id.desc())
            .limit(OUTREACH_LIMIT)
        )
        return [_outreach(r) for r in rows]

    def latest_for(self, customer_ids: list[str]) -> dict[str, Outreach]:
        """The newest outreach of each customer on a page (at most a page's customers)."""
        if not customer_ids:
            return {}
        rows = self.session.scalars(
            select(OutreachRow)
            .where(OutreachRow.customer_id.in_(customer_ids))
            .order_by(OutreachRow.created_at.desc(), OutreachRow.id.desc())
            .limit(OUTREACH_LIMIT * 4)
        )
        found: dict[str, Outreach] = {}
        for row in rows:
            found.setdefault(row.customer_id, _outreach(row))
        return found


def _outreach(row: OutreachRow) -> Outreach:
    return Outreach(
        id=row.id,
        customer_id=row.customer_id,
        theme=row.theme,
        action=Action(row.action),
        note=row.note,
        link=row.link,
        coupon_code=row.coupon_code,
        coupon_fen=row.coupon_fen,
        created_by=row.created_by,
        created_at=row.created_at,
        outcome=Outcome(row.outcome) if row.outcome else None,
        outcome_by=row.outcome_by,
        outcome_at=row.outcome_at,
    )
