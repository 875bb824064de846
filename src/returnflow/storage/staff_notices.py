"""Staff and merchant notifications ⇄ rows (issue 13): made once, read per account, mailed once.

`uow.staff_notices`. Who sees a notification is a question of audiences (one account,
its role, its merchant: domain/staff_notices.audiences_of); each branch of the query
uses the (audience_kind, audience, created_at) index, and the unread count is one
query joined to the account's reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.orm import Session

from returnflow.domain.access import Role
from returnflow.domain.staff_notices import (
    Audience,
    AudienceKind,
    Draft,
    Kind,
    NoticePage,
    StaffNotice,
)
from returnflow.domain.text import Text
from returnflow.storage.schema import OutboxRow, UserRow
from returnflow.storage.schema.disputes import DisputeRow
from returnflow.storage.schema.staff_notices import (
    StaffNoticeMailRow,
    StaffNoticeReadRow,
    StaffNoticeRow,
)
from returnflow.storage.staff_notice_rows import ADD, ADD_TELLING, notice_values, queue_notice


@dataclass(frozen=True, slots=True)
class MailRecipient:
    user_id: int
    address: str


class StaffNoticeStore:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._mailed: dict[str, bool] = {}  # `add` found whether the merchant has mail

    # --- making ------------------------------------------------------------------------

    def add(self, draft: Draft, now: datetime) -> int | None:
        """Store a notification once; its id, or None when its dedupe key was taken.

        One statement: INSERT … ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, so a
        twin made meanwhile (or earlier) loses quietly without a savepoint or a look first.
        """
        values = notice_values(draft, now)
        dialect = self.session.get_bind().dialect.name
        key = dialect if dialect in ADD else "sqlite"
        if draft.audience.kind is not AudienceKind.MERCHANT:
            found = self.session.execute(ADD[key].values(**values)).scalar()
            return None if found is None else int(found)
        # a merchant's: the same statement answers `mail_to` (issue 11: one round trip),
        # prebuilt and run on the connection: only values are bound at each filing
        merchant = draft.audience.value
        made = self.session.connection().execute(ADD_TELLING[key], {**values, "merchant": merchant})
        row = made.first()
        if row is None:
            return None
        self._mailed[merchant] = bool(row[1])
        return int(row[0])

    def queue(self, draft: Draft, now: datetime, mail: tuple[str, dict[str, Any]] | None) -> bool:
        """PostgreSQL: `add` and its mail (`mail`: topic and payload, for a merchant's)
        queued with the transaction's other writes (storage/batch.py), one statement at
        commit; False elsewhere: nothing queued, the caller makes it now."""
        if self.session.get_bind().dialect.name != "postgresql":
            return False
        queue_notice(self.session, draft, now, mail)
        return True

    # --- reading -----------------------------------------------------------------------

    def page(
        self,
        audiences: Sequence[Audience],
        user_id: int,
        page: int,
        page_size: int,
        *,
        unread_only: bool = False,
    ) -> NoticePage:
        """Newest first, with the account's read state."""
        query = self._visible(audiences, user_id)
        shown = query.where(StaffNoticeReadRow.notice_id.is_(None)) if unread_only else query
        total = self.session.scalar(select(func.count()).select_from(shown.subquery())) or 0
        rows = self.session.execute(
            shown.order_by(StaffNoticeRow.created_at.desc(), StaffNoticeRow.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        ).all()
        found = tuple(_notice(row, read_at) for row, read_at in rows)
        return NoticePage(found, total, self.unread(audiences, user_id), page, page_size)

    def unread(self, audiences: Sequence[Audience], user_id: int) -> int:
        """The bell's figure: one count over the audience index."""
        query = (
            select(func.count(StaffNoticeRow.id))
            .outerjoin(StaffNoticeReadRow, _read_by(user_id))
            .where(_for(audiences), StaffNoticeReadRow.notice_id.is_(None))
        )
        return int(self.session.scalar(query) or 0)

    def get(
        self, notice_id: int, audiences: Sequence[Audience], user_id: int
    ) -> StaffNotice | None:
        """One notification, if the account may see it."""
        query = self._visible(audiences, user_id).where(StaffNoticeRow.id == notice_id)
        found = self.session.execute(query).first()
        return None if found is None else _notice(found[0], found[1])

    def by_key(self, dedupe_key: str) -> tuple[int, StaffNotice, Audience] | None:
        row = self.session.scalar(
            select(StaffNoticeRow).where(StaffNoticeRow.dedupe_key == dedupe_key)
        )
        if row is None:
            return None
        audience = Audience(AudienceKind(row.audience_kind), row.audience)
        return row.id, _notice(row, None), audience

    def _visible(
        self, audiences: Sequence[Audience], user_id: int
    ) -> Select[StaffNoticeRow, datetime]:
        return (
            select(StaffNoticeRow, StaffNoticeReadRow.read_at)
            .outerjoin(StaffNoticeReadRow, _read_by(user_id))
            .where(_for(audiences))
        )

    # --- read state --------------------------------------------------------------------

    def mark_read(self, notice_id: int, user_id: int, now: datetime) -> None:
        if self.session.get(StaffNoticeReadRow, (notice_id, user_id)) is None:
            self.session.add(StaffNoticeReadRow(notice_id=notice_id, user_id=user_id, read_at=now))

    def mark_all_read(self, audiences: Sequence[Audience], user_id: int, now: datetime) -> int:
        ids = self.session.scalars(
            select(StaffNoticeRow.id)
            .outerjoin(StaffNoticeReadRow, _read_by(user_id))
            .where(_for(audiences), StaffNoticeReadRow.notice_id.is_(None))
        ).all()
        self.session.add_all(
            StaffNoticeReadRow(notice_id=notice_id, user_id=user_id, read_at=now)
            for notice_id in ids
        )
        return len(ids)

    # --- mail --------------------------------------------------------------------------

    def merchant_recipients(self, merchant_id: str) -> list[MailRecipient]:
        """The merchant's active accounts that gave an address."""
        rows = self.session.execute(
            select(UserRow.id, UserRow.email)
            .where(
                UserRow.merchant_id == merchant_id,
                UserRow.role == Role.MERCHANT.value,
                UserRow.active,
                UserRow.email.is_not(None),
                UserRow.email != "",
            )
            .order_by(UserRow.id)
        ).all()
        return [MailRecipient(user_id, str(email)) for user_id, email in rows]

    def mail_to(self, merchant_id: str) -> bool:
        """Whether any account of the merchant gets notifications by mail (answered by
        `add` for the notification just made to the merchant, else asked now)."""
        known = self._mailed.pop(merchant_id, None)
        return known if known is not None else bool(self.merchant_recipients(merchant_id))

    def mailed(self, notice_id: int, user_id: int) -> bool:
        found = self.session.scalar(
            select(StaffNoticeMailRow.status).where(
                StaffNoticeMailRow.notice_id == notice_id, StaffNoticeMailRow.user_id == user_id
            )
        )
        return found == "sent"

    def record_mail(
        self, notice_id: int, recipient: MailRecipient, error: str | None, now: datetime
    ) -> None:
        """One attempt: the row counts attempts and keeps the last error."""
        row = self.session.scalar(
            select(StaffNoticeMailRow).where(
                StaffNoticeMailRow.notice_id == notice_id,
                StaffNoticeMailRow.user_id == recipient.user_id,
            )
        )
        if row is None:
            row = StaffNoticeMailRow(
                notice_id=notice_id, user_id=recipient.user_id, address=recipient.address
            )
            row.attempts = 0
            self.session.add(row)
        row.attempts += 1
        row.status = "failed" if error else "sent"
        row.last_error, row.updated_at = error, now
        row.sent_at = None if error else now

    def mail_log(self, notice_id: int) -> dict[int, tuple[str, int]]:
        """user id -> (status, attempts) for one notification."""
        rows = self.session.scalars(
            select(StaffNoticeMailRow).where(StaffNoticeMailRow.notice_id == notice_id)
        )
        return {row.user_id: (row.status, row.attempts) for row in rows}

    # --- accounts' addresses -----------------------------------------------------------

    def set_email(self, user_id: int, email: str | None) -> None:
        row = self.session.get(UserRow, user_id)
        if row is not None:
            row.email = email or None

    def emails(self, user_ids: Sequence[int]) -> dict[int, str]:
        if not user_ids:
            return {}
        rows = self.session.execute(
            select(UserRow.id, UserRow.email).where(UserRow.id.in_(list(user_ids)))
        ).all()
        return {user_id: email for user_id, email in rows if email}

    # --- what the sweep looks for ------------------------------------------------------

    def disputes_under_review(self, limit: int = 200) -> list[tuple[str, str]]:
        """(dispute no, rma no) of disputes waiting for a mediator with no notice yet."""
        made = select(StaffNoticeRow.id).where(
            StaffNoticeRow.kind == Kind.DISPUTE_WAITING.value,
            StaffNoticeRow.dispute_no == DisputeRow.dispute_no,
        )
        rows = self.session.execute(
            select(DisputeRow.dispute_no, DisputeRow.rma_no)
            .where(DisputeRow.status == "under_review", ~made.exists())
            .order_by(DisputeRow.dispute_no)
            .limit(limit)
        ).all()
        return [(str(no), str(rma)) for no, rma in rows]

    def recent_events(
        self, topics: Sequence[str], since: datetime, until: datetime, scan: int
    ) -> list[tuple[str, dict[str, Any]]]:
        """(topic, payload) of the events committed between two instants, oldest first.

        Bounded and indexed: the newest outbox row (one primary-key lookup) says whether
        anything is that recent at all; only then are at most the last `scan` ids read.
        """
        newest = self.session.execute(
            select(OutboxRow.id, OutboxRow.created_at).order_by(OutboxRow.id.desc()).limit(1)
        ).first()
        if newest is None or newest.created_at < since:
            return []  # idle: nothing was committed since
        rows = self.session.execute(
            select(OutboxRow.topic, OutboxRow.payload)
            .where(
                OutboxRow.id > newest.id - scan,
                OutboxRow.created_at >= since,
                OutboxRow.created_at <= until,
                OutboxRow.topic.in_(list(topics)),
            )
            .order_by(OutboxRow.id)
        ).all()
        return [(str(topic), dict(payload)) for topic, payload in rows]

    def events(self, topics: Sequence[str]) -> list[tuple[str, dict[str, Any]]]:
        """Every stored event of these topics, oldest first (the demo's past)."""
        rows = self.session.execute(
            select(OutboxRow.topic, OutboxRow.payload)
            .where(OutboxRow.topic.in_(list(topics)))
            .order_by(OutboxRow.id)
        ).all()
        return [(str(topic), dict(payload)) for topic, payload in rows]

    def missing(self, drafts: Sequence[Draft]) -> list[Draft]:
        """The drafts no stored notification has the dedupe key of."""
        keys = list(dict.fromkeys(draft.dedupe_key for draft in drafts))
        stored: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            stored.update(
                self.session.scalars(
                    select(StaffNoticeRow.dedupe_key).where(StaffNoticeRow.dedupe_key.in_(chunk))
                )
            )
        return [draft for draft in drafts if draft.dedupe_key not in stored]

    def unread_list(
        self, audiences: Sequence[Audience], user_id: int
    ) -> list[tuple[int, datetime, Kind, str]]:
        """(id, made at, kind, rma no) of what the account has not read yet, oldest first."""
        rows = self.session.execute(
            select(
                StaffNoticeRow.id,
                StaffNoticeRow.created_at,
                StaffNoticeRow.kind,
                StaffNoticeRow.rma_no,
            )
            .outerjoin(StaffNoticeReadRow, _read_by(user_id))
            .where(_for(audiences), StaffNoticeReadRow.notice_id.is_(None))
            .order_by(StaffNoticeRow.id)
        ).all()
        return [(int(notice_id), at, Kind(kind), str(rma)) for notice_id, at, kind, rma in rows]


def _for(audiences: Sequence[Audience]) -> ColumnElement[bool]:
    return or_(
        false(),  # no audience: nothing
        *(
            and_(
                StaffNoticeRow.audience_kind == audience.kind.value,
                StaffNoticeRow.audience == audience.value,
            )
            for audience in audiences
        ),
    )


def _read_by(user_id: int) -> ColumnElement[bool]:
    return and_(
        StaffNoticeReadRow.notice_id == StaffNoticeRow.id, StaffNoticeReadRow.user_id == user_id
    )


def _notice(row: StaffNoticeRow, read_at: datetime | None) -> StaffNotice:
    return StaffNotice(
        row.id,
        Kind(row.kind),
        row.rma_no,
        row.complaint_no,
        row.dispute_no,
        row.link,
        Text(row.subject_zh, row.subject_en),
        Text(row.body_zh, row.body_en),
        row.created_at,
        read_at,
    )
