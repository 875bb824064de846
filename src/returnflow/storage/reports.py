"""Stored periodic reports and their subscriptions (issue 14, R9.3): `uow.reports`.

`add` writes a report; a second one of the same kind and first day fails on the unique
key at flush, which the unit of work turns into `ConcurrentUpdate` (the race's loser
knows the report exists). Listings never read the files; `file` reads one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from returnflow.storage.schema import UserRow
from returnflow.storage.schema.reports import PeriodicReportRow, ReportSubscriptionRow

FILES = ("pdf_zh", "pdf_en", "xlsx")


@dataclass(frozen=True, slots=True)
class ReportFiles:
    pdf_zh: bytes
    pdf_en: bytes
    xlsx: bytes


@dataclass(frozen=True, slots=True)
class StoredReport:
    """A report as listed: no file bodies."""

    id: int
    kind: str
    start: date
    end: date
    created_at: datetime
    created_by: str
    pdf_zh_size: int
    pdf_en_size: int
    xlsx_size: int
    headline_zh: str
    headline_en: str
    summary_zh: str
    summary_en: str


@dataclass(frozen=True, slots=True)
class Subscription:
    kinds: tuple[str, ...]
    language: str
    address: str | None


@dataclass(frozen=True, slots=True)
class Recipient:
    address: str
    language: str


_LISTED = (
    PeriodicReportRow.id,
    PeriodicReportRow.kind,
    PeriodicReportRow.start_day,
    PeriodicReportRow.end_day,
    PeriodicReportRow.created_at,
    PeriodicReportRow.created_by,
    PeriodicReportRow.pdf_zh_size,
    PeriodicReportRow.pdf_en_size,
    PeriodicReportRow.xlsx_size,
    PeriodicReportRow.headline_zh,
    PeriodicReportRow.headline_en,
    PeriodicReportRow.summary_zh,
    PeriodicReportRow.summary_en,
)


def _stored(values: Any) -> StoredReport:
    return StoredReport(*values)


def _digest(files: ReportFiles) -> str:
    return ";".join(
        f"{name}:{hashlib.sha256(getattr(files, name)).hexdigest()[:56]}" for name in FILES
    )


class ReportStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, kind: str, start: date) -> int | None:
        """The id of the report of this kind and first day, if it was produced."""
        query = select(PeriodicReportRow.id).where(
            PeriodicReportRow.kind == kind, PeriodicReportRow.start_day == start
        )
        return self.session.scalar(query)

    def add(
        self,
        kind: str,
        period: tuple[date, date],
        files: ReportFiles,
        headline: tuple[str, str],
        summary: tuple[str, str],
        by: str,
        now: datetime,
    ) -> int:
        row = PeriodicReportRow(
            kind=kind, start_day=period[0], end_day=period[1], created_at=now,
            created_by=by[:100], pdf_zh=files.pdf_zh, pdf_en=files.pdf_en, xlsx=files.xlsx,
            pdf_zh_size=len(files.pdf_zh), pdf_en_size=len(files.pdf_en),
            xlsx_size=len(files.xlsx), sha256=_digest(files),
            headline_zh=headline[0][:300], headline_en=headline[1][:300],
            summary_zh=summary[0], summary_en=summary[1],
        )  # fmt: skip
        self.session.add(row)
        self.session.flush()  # the unique key speaks now, inside the caller's block
        return row.id

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(PeriodicReportRow)) or 0

    def address_of(self, user_id: int) -> str | None:
        """A staff account's notification address, if it is active and has one."""
        query = select(UserRow.email).where(UserRow.id == user_id, UserRow.active.is_(True))
        return self.session.scalar(query)

    def listing(self, offset: int, limit: int) -> list[StoredReport]:
        query = (
            select(*_LISTED)
            .order_by(PeriodicReportRow.start_day.desc(), PeriodicReportRow.kind)
            .offset(offset)
            .limit(limit)
        )
        return [_stored(values) for values in self.session.execute(query)]

    def get(self, report_id: int) -> StoredReport | None:
        found = self.session.execute(select(*_LISTED).where(PeriodicReportRow.id == report_id))
        values = found.first()
        return None if values is None else _stored(values)

    def file(self, report_id: int, name: str) -> bytes | None:
        if name not in FILES:
            raise ValueError(name)
        column = getattr(PeriodicReportRow, name)
        return self.session.scalar(select(column).where(PeriodicReportRow.id == report_id))

    def subscription(self, user_id: int) -> Subscription | None:
        row = self.session.scalar(
            select(ReportSubscriptionRow).where(ReportSubscriptionRow.user_id == user_id)
        )
        if row is None:
            return None
        address = self.session.scalar(select(UserRow.email).where(UserRow.id == user_id))
        return Subscription(tuple(row.kinds.split(",")), row.language, address)

    def subscribe(
        self,
        who: int | str,
        kinds: tuple[str, ...],
        language: str,
        now: datetime,
    ) -> None:
        """A staff account (its id) or an address; a second call changes the first."""
        column = (
            ReportSubscriptionRow.user_id if isinstance(who, int) else ReportSubscriptionRow.email
        )
        row = self.session.scalar(select(ReportSubscriptionRow).where(column == who))
        if row is None:
            row = ReportSubscriptionRow(
                user_id=who if isinstance(who, int) else None,
                email=who if isinstance(who, str) else None,
                created_at=now,
            )
            self.session.add(row)
        row.kinds, row.language = ",".join(kinds), language
        self.session.flush()

    def unsubscribe(self, who: int | str) -> bool:
        column = (
            ReportSubscriptionRow.user_id if isinstance(who, int) else ReportSubscriptionRow.email
        )
        row = self.session.scalar(select(ReportSubscriptionRow).where(column == who))
        if row is None:
            return False
        self.session.delete(row)
        self.session.flush()
        return True

    def recipients(self, kind: str) -> list[Recipient]:
        """Where a report of `kind` goes: active accounts' mail, or the address itself."""
        query = (
            select(ReportSubscriptionRow, UserRow.email, UserRow.active)
            .outerjoin(UserRow, UserRow.id == ReportSubscriptionRow.user_id)
            .order_by(ReportSubscriptionRow.id)
        )
        found = []
        for row, user_email, active in self.session.execute(query):
            if kind not in row.kinds.split(","):
                continue
            address = row.email if row.user_id is None else (user_email if active else None)
            if address:
                found.append(Recipient(address, row.language))
        return found
