"""Customer notice channels, the delivery log and the in-app inbox ⇄ rows (issue 13)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from returnflow.domain.notices import InboxMessage, InboxPage, NoticeOutcome, parse_channels
from returnflow.domain.text import Text
from returnflow.storage.schema import CustomerRow, ReturnRow
from returnflow.storage.schema.notices import (
    InboxMessageRow,
    NoticeChannelRow,
    NoticeDeliveryRow,
    NoticeReminderRow,
)


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where a customer can be reached, and the channels they chose (None: no choice)."""

    phone: str
    email: str
    chosen: tuple[str, ...] | None


class NoticeStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def recipient(self, customer_id: str) -> Recipient:
        """The customer's phone, email and chosen channels in one statement (issue 11:
        it was two reads for each of the four notices a paid refund leaves)."""
        if not customer_id:
            return Recipient("", "", None)
        mine = CustomerRow.id == customer_id
        phone, email, channels = self.session.execute(
            select(
                select(CustomerRow.phone).where(mine).scalar_subquery(),
                select(CustomerRow.email).where(mine).scalar_subquery(),
                select(NoticeChannelRow.channels)
                .where(NoticeChannelRow.customer_id == customer_id)
                .scalar_subquery(),
            )
        ).one()
        return Recipient(
            phone or "", email or "", None if channels is None else parse_channels(channels)
        )

    def choose(self, customer_id: str, channels: tuple[str, ...], now: datetime) -> None:
        row = self.session.get(NoticeChannelRow, customer_id)
        if row is None:
            row = NoticeChannelRow(customer_id=customer_id, channels="", updated_at=now)
            self.session.add(row)
        row.channels, row.updated_at = ",".join(channels), now

    def sent(self, key: str, channel: str) -> bool:
        found = self.session.scalar(
            select(NoticeDeliveryRow.status).where(
                NoticeDeliveryRow.notice_key == key, NoticeDeliveryRow.channel == channel
            )
        )
        return found == "sent"

    def record(self, outcome: NoticeOutcome, now: datetime) -> None:
        """One attempt on one channel: the row counts attempts and keeps the last error."""
        row = self.session.scalar(
            select(NoticeDeliveryRow).where(
                NoticeDeliveryRow.notice_key == outcome.key,
                NoticeDeliveryRow.channel == outcome.channel,
            )
        )
        if row is None:
            row = NoticeDeliveryRow(
                notice_key=outcome.key,
                channel=outcome.channel,
                topic=outcome.topic,
                customer_id=outcome.customer_id,
                attempts=0,
                provider_id="",
            )
            self.session.add(row)
        row.attempts += 1
        row.status = "failed" if outcome.error else "sent"
        row.last_error, row.updated_at = outcome.error, now
        if outcome.error is None:
            row.sent_at, row.provider_id = now, outcome.provider_id[:64]

    def deliveries(self, key: str) -> dict[str, tuple[str, int]]:
        """channel -> (status, attempts) for one notice (the delivery log)."""
        rows = self.session.scalars(
            select(NoticeDeliveryRow).where(NoticeDeliveryRow.notice_key == key)
        )
        return {row.channel: (row.status, row.attempts) for row in rows}

    def keep(
        self,
        key: str,
        customer_id: str,
        topic: str,
        rma_no: str,
        words: tuple[Text, Text],
        now: datetime,
    ) -> None:
        """The notice into the customer's inbox, once per notice."""
        if self.session.scalar(select(InboxMessageRow.id).where(InboxMessageRow.notice_key == key)):
            return
        subject, body = words
        self.session.add(
            InboxMessageRow(
                notice_key=key,
                customer_id=customer_id,
                topic=topic,
                rma_no=rma_no[:40],
                subject_zh=subject.zh[:300],
                subject_en=subject.en[:300],
                body_zh=body.zh,
                body_en=body.en,
                created_at=now,
                read_at=None,
            )
        )

    def inbox(self, customer_id: str, page: int, page_size: int) -> InboxPage:
        """Newest first."""
        mine = InboxMessageRow.customer_id == customer_id
        total = self.session.scalar(select(func.count()).where(mine)) or 0
        unread = (
            self.session.scalar(select(func.count()).where(mine, InboxMessageRow.read_at.is_(None)))
            or 0
        )
        rows = self.session.scalars(
            select(InboxMessageRow)
            .where(mine)
            .order_by(InboxMessageRow.created_at.desc(), InboxMessageRow.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
        found = tuple(_message(row) for row in rows)
        return InboxPage(found, total, unread, page, page_size)

    # --- reminders before a customer's deadline (migration 0025) ----------------------

    def reminder_candidates(
        self, kind: str, status: str, now: datetime, until: datetime, limit: int = 500
    ) -> list[str]:
        """Requests in `status` whose `kind` deadline (ship_by | confirm_by) falls after `now`
        and by `until`, not reminded of that very deadline yet; soonest first."""
        deadline = ReturnRow.ship_by if kind == "ship_by" else ReturnRow.confirm_by
        reminded = (
            select(NoticeReminderRow.id)
            .where(
                NoticeReminderRow.rma_no == ReturnRow.rma_no,
                NoticeReminderRow.kind == kind,
                NoticeReminderRow.deadline == deadline,
            )
            .exists()
        )
        query = (
            select(ReturnRow.rma_no)
            .where(ReturnRow.status == status, deadline > now, deadline <= until)
            .where(~reminded)
            .order_by(deadline)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def claim_reminder(self, rma_no: str, kind: str, deadline: datetime, now: datetime) -> bool:
        """Mark the reminder sent (False: it already was); a racing sweep loses on commit."""
        found = self.session.scalar(
            select(NoticeReminderRow.id).where(
                NoticeReminderRow.rma_no == rma_no,
                NoticeReminderRow.kind == kind,
                NoticeReminderRow.deadline == deadline,
            )
        )
        if found is not None:
            return False
        self.session.add(
            NoticeReminderRow(rma_no=rma_no, kind=kind, deadline=deadline, sent_at=now)
        )
        return True

    def mark_read(self, customer_id: str, now: datetime) -> None:
        self.session.execute(
            update(InboxMessageRow)
            .where(InboxMessageRow.customer_id == customer_id, InboxMessageRow.read_at.is_(None))
            .values(read_at=now)
        )


def _message(row: InboxMessageRow) -> InboxMessage:
    return InboxMessage(
        row.id,
        row.topic,
        row.rma_no,
        Text(row.subject_zh, row.subject_en),
        Text(row.body_zh, row.body_en),
        row.created_at,
        row.read_at,
    )
