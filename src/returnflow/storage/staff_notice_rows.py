"""A notification's row and the statements that make it once (storage/staff_notices.py).

`ADD` / `ADD_TELLING` make one now (INSERT … ON CONFLICT (dedupe_key) DO NOTHING
RETURNING: the twin that came second gets no id; a merchant's also answers whether any
of its accounts gets mail). `queue_notice` is the same made with the change that raised
it (issue 11, PostgreSQL): queued in storage/batch.py, so it goes in the transaction's
one statement at commit, with the mail's outbox row in the same statement. That row is
INSERT … SELECT from the notification's data-modifying CTE: none when the dedupe key was
taken (the CTE returns no row) or the merchant has no address, so whether to mail is
decided once, by the insert that made the notification, as `add` + `mail_to` decide it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, insert, literal_column, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from returnflow.domain.access import Role
from returnflow.domain.staff_notices import Draft
from returnflow.storage import batch
from returnflow.storage.schema import OutboxRow, UserRow
from returnflow.storage.schema.staff_notices import StaffNoticeRow

_NOTICES: Table = StaffNoticeRow.__table__  # type: ignore[assignment]
_OUTBOX: Table = OutboxRow.__table__  # type: ignore[assignment]


def notice_values(draft: Draft, now: datetime) -> dict[str, Any]:
    """The row's values, cut to the columns' lengths."""
    return {
        "dedupe_key": draft.dedupe_key,
        "kind": draft.kind.value,
        "audience_kind": draft.audience.kind.value,
        "audience": draft.audience.value[:64],
        "rma_no": draft.rma_no[:40],
        "complaint_no": draft.complaint_no[:40],
        "dispute_no": draft.dispute_no[:40],
        "link": draft.path[:200],
        "subject_zh": draft.subject.zh[:300],
        "subject_en": draft.subject.en[:300],
        "body_zh": draft.body.zh,
        "body_en": draft.body.en,
        "created_at": now,
    }


def queue_notice(
    session: Session, draft: Draft, now: datetime, mail: tuple[str, dict[str, Any]] | None
) -> None:
    """Queue the notification (and, with `mail`, its mail's outbox row) with the
    transaction's other writes (PostgreSQL only: a data-modifying CTE)."""
    values = notice_values(draft, now)
    if mail is None:
        batch.queue(session, _NOTICES, [values], conflict_keys=("dedupe_key",))
        return
    topic, payload = mail
    bound = {f"sn_{name}": value for name, value in values.items()}
    bound.update(sn_merchant=draft.audience.value, sn_topic=topic, sn_payload=payload)
    batch.queue_statement(session, _QUEUED, bound)


# a notification, once per dedupe key, per dialect: the twin that came second gets no id
ADD = {
    name: make(StaffNoticeRow)
    .on_conflict_do_nothing(index_elements=["dedupe_key"])
    .returning(StaffNoticeRow.id)
    for name, make in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))
}
_NOTICE_COLUMNS = (
    "dedupe_key",
    "kind",
    "audience_kind",
    "audience",
    "rma_no",
    "complaint_no",
    "dispute_no",
    "link",
    "subject_zh",
    "subject_en",
    "body_zh",
    "body_en",
    "created_at",
)


# the same, for a merchant's notification: also whether any of its accounts is mailed
# (merchant_recipients' condition, as an EXISTS in RETURNING: no second statement)
def _mailed(merchant: Any) -> Any:
    return (
        select(UserRow.id)
        .where(
            UserRow.merchant_id == merchant,
            UserRow.role == Role.MERCHANT.value,
            UserRow.active,
            UserRow.email.is_not(None),
            UserRow.email != "",
        )
        .exists()
    )


_MAILED = _mailed(bindparam("merchant"))
ADD_TELLING = {
    name: make(StaffNoticeRow)
    .values({column: bindparam(column) for column in _NOTICE_COLUMNS})
    .on_conflict_do_nothing(index_elements=["dedupe_key"])
    .returning(StaffNoticeRow.id, _MAILED)
    for name, make in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))
}


def _queued() -> Any:
    """WITH made AS (INSERT INTO staff_notices … ON CONFLICT DO NOTHING RETURNING id)
    INSERT INTO outbox … SELECT … FROM made WHERE <the merchant has mail>: its names
    (`sn_*`) are its own among the batch's (storage/batch.py `queue_statement`)."""
    made = (
        postgresql_insert(StaffNoticeRow)
        .values({c: bindparam(f"sn_{c}", type_=_NOTICES.c[c].type) for c in _NOTICE_COLUMNS})
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(StaffNoticeRow.id)
        .cte("staff_notice_made")
    )
    mailed = _mailed(bindparam("sn_merchant", type_=UserRow.merchant_id.type))
    row = select(
        bindparam("sn_topic", type_=_OUTBOX.c.topic.type),
        bindparam("sn_payload", type_=_OUTBOX.c.payload.type),
        bindparam("sn_created_at", type_=_OUTBOX.c.created_at.type),
        bindparam("sn_created_at", type_=_OUTBOX.c.available_at.type),
        literal_column("0"),
    ).select_from(made)
    columns = ["topic", "payload", "created_at", "available_at", "attempts"]
    return insert(OutboxRow).from_select(columns, row.where(mailed))


_QUEUED = _queued()
