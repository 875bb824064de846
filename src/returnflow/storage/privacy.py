"""The access log's rows and queries, and who is due for anonymisation (R14.1).

Anonymising itself is in `storage/anonymise.py`; the export's gathering in
`storage/customer_export.py`; `PrivacyRecords` (`uow.privacy`) is what the privacy
service sees of all three. History, audit and ledger rows are never read for
rewriting here: they are chained by hash and append-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from returnflow.domain.complaint_kinds import ComplaintStatus
from returnflow.domain.disputes import DisputeStatus
from returnflow.domain.lifecycle import FINAL
from returnflow.log_privacy import current_route
from returnflow.storage import anonymise, customer_export
from returnflow.storage.anonymise import Cleared
from returnflow.storage.photo_records import where_recorded
from returnflow.storage.schema import (
    AccessLogRow,
    CustomerRow,
    OrderRow,
    ReturnEventRow,
    ReturnRow,
    UnidentifiedParcelRow,
)
from returnflow.storage.schema.complaints import ComplaintRow
from returnflow.storage.schema.disputes import DisputeRow

_FINAL = sorted(status.value for status in FINAL)
_DECIDED = sorted(status.value for status in DisputeStatus if status.is_closed)


def customer_of(session: Session, subject: str) -> str | None:
    """The customer behind an RMA or order number, if there is one."""
    found = session.scalar(select(ReturnRow.customer_id).where(ReturnRow.rma_no == subject))
    if found is None:
        found = session.scalar(select(OrderRow.customer_id).where(OrderRow.order_no == subject))
    return found


def access_row(
    session: Session,
    actor: str,
    subject: str,
    what: str,
    now: datetime,
    customer_id: str | None,
    route: str | None,
) -> AccessLogRow:
    """One look at a customer's data; the customer and the current route when not given."""
    if customer_id is None:
        customer_id = customer_of(session, subject)
    return AccessLogRow(
        at=now,
        actor=actor[:100],
        subject=subject[:64],
        what=what[:40],
        customer_id=customer_id,
        route=(current_route.get() if route is None else route)[:200],
    )


@dataclass(frozen=True, slots=True)
class AccessFilter:
    """Which rows the viewer asks for; empty fields do not filter."""

    actor: str = ""
    customer_id: str = ""
    what: str = ""
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive


@dataclass(frozen=True, slots=True)
class AccessEntry:
    id: int
    at: datetime
    actor: str
    customer_id: str | None
    subject: str
    what: str
    route: str


def access_page(
    session: Session, wanted: AccessFilter, *, offset: int, limit: int
) -> tuple[list[AccessEntry], int]:
    """Newest first, one page, and how many rows match in all."""
    conditions = []
    if wanted.actor:
        conditions.append(AccessLogRow.actor == wanted.actor)
    if wanted.customer_id:
        conditions.append(AccessLogRow.customer_id == wanted.customer_id)
    if wanted.what:
        conditions.append(AccessLogRow.what == wanted.what)
    if wanted.start is not None:
        conditions.append(AccessLogRow.at >= wanted.start)
    if wanted.end is not None:
        conditions.append(AccessLogRow.at < wanted.end)
    total = session.scalar(select(func.count()).select_from(AccessLogRow).where(*conditions))
    rows = session.scalars(
        select(AccessLogRow)
        .where(*conditions)
        .order_by(AccessLogRow.at.desc(), AccessLogRow.id.desc())
        .offset(offset)
        .limit(limit)
    )
    entries = [
        AccessEntry(row.id, row.at, row.actor, row.customer_id, row.subject, row.what, row.route)
        for row in rows
    ]
    return entries, int(total or 0)


def due_for_anonymising(session: Session, cutoff: datetime, limit: int) -> list[str]:
    """Customers whose requests are all closed, the last one at or before `cutoff`.

    A customer whose fields were refilled by a later order import is due again; one with
    an open request never is, however old the others, nor one with a complaint not yet
    resolved or a dispute not yet ruled or agreed.
    """
    closed = (
        select(
            ReturnRow.customer_id.label("customer_id"),
            func.max(ReturnEventRow.at).label("closed_at"),
        )
        .join(ReturnEventRow, ReturnEventRow.return_id == ReturnRow.id)
        .where(ReturnEventRow.to_status.in_(_FINAL))
        .group_by(ReturnRow.customer_id)
        .subquery()
    )
    still_open = (
        select(ReturnRow.id)
        .where(ReturnRow.customer_id == CustomerRow.id, ReturnRow.status.not_in(_FINAL))
        .exists()
    )
    # a complaint not yet resolved, or a dispute not yet ruled or agreed, is still being
    # handled: its customer's data stays too (R14.1)
    complaint_open = (
        select(ComplaintRow.id)
        .where(
            ComplaintRow.customer_id == CustomerRow.id,
            ComplaintRow.status != ComplaintStatus.RESOLVED.value,
        )
        .exists()
    )
    dispute_open = (
        select(DisputeRow.id)
        .where(DisputeRow.customer_id == CustomerRow.id, DisputeRow.status.not_in(_DECIDED))
        .exists()
    )
    query = (
        select(CustomerRow.id)
        .join(closed, closed.c.customer_id == CustomerRow.id)
        .where(
            closed.c.closed_at <= cutoff,
            ~still_open,
            ~complaint_open,
            ~dispute_open,
            or_(
                CustomerRow.anonymised_at.is_(None),
                CustomerRow.name != "",
                CustomerRow.phone != "",
                CustomerRow.email != "",
            ),
        )
        .order_by(CustomerRow.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def photo_subject(session: Session, name: str) -> str | None:
    """The RMA (or unidentified parcel) a stored photo belongs to, for the access log."""
    recorded = where_recorded(session, name)
    for kind in ("request", "inspection", "receipt", "conversation"):
        if recorded.get(kind):
            return recorded[kind][0]
    if not recorded.get("parcel"):
        return None
    parcel = recorded["parcel"][0]
    matched = session.scalar(
        select(UnidentifiedParcelRow.matched_rma).where(UnidentifiedParcelRow.id == int(parcel))
    )
    return matched or f"parcel:{parcel}"


class PrivacyRecords:
    """The privacy service's view of storage: the access log, exports, anonymising."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def access_page(
        self, wanted: AccessFilter, *, offset: int, limit: int
    ) -> tuple[list[AccessEntry], int]:
        """Newest first, one page, and how many rows match in all."""
        return access_page(self.session, wanted, offset=offset, limit=limit)

    def export(self, customer_id: str) -> dict[str, Any] | None:
        """Everything held on the customer as JSON-ready values; None for no such customer."""
        return customer_export.gather(self.session, customer_id)

    def due_for_anonymising(self, cutoff: datetime, limit: int) -> list[str]:
        """Customers whose requests are all closed, the last one at or before `cutoff`."""
        return due_for_anonymising(self.session, cutoff, limit)

    def anonymise_customer(self, customer_id: str, now: datetime) -> Cleared:
        """Clear one customer's personal data; photo files are the caller's to delete."""
        return anonymise.anonymise_customer(self.session, customer_id, now)

    def photo_subject(self, name: str) -> str | None:
        """The RMA (or unidentified parcel) a stored photo belongs to, for the access log."""
        return photo_subject(self.session, name)
