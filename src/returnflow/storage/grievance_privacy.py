"""A customer's complaints, appeals and disputes in the data export and in anonymisation.

Kept beside `customer_export.py` and `anonymise.py` (R14.1): what a customer wrote to us
when they complained, appealed or disputed is their personal data too. The export holds
every column; anonymisation clears the words, addresses and photos and keeps the
numbers, categories, statuses, scores and dates, so complaint and dispute figures stay.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnflow.storage.schema.appeals import AppealRow
from returnflow.storage.schema.complaints import ComplaintEntryRow, ComplaintRow
from returnflow.storage.schema.disputes import DisputeEvidenceRow, DisputeRow

CLEARED_TEXT = ""


def _row(row: Any) -> dict[str, Any]:
    # imported here: customer_export imports this module for its section
    from returnflow.storage.customer_export import row_dict

    return row_dict(row)


def exported(session: Session, customer_id: str) -> dict[str, list[dict[str, Any]]]:
    """The customer's complaints (with their history), appeals and disputes (with evidence)."""
    complaints = []
    query = select(ComplaintRow).where(ComplaintRow.customer_id == customer_id)
    for complaint in session.scalars(query.order_by(ComplaintRow.id)):
        item = _row(complaint)
        entries = select(ComplaintEntryRow).where(ComplaintEntryRow.complaint_id == complaint.id)
        item["history"] = [_row(e) for e in session.scalars(entries.order_by(ComplaintEntryRow.id))]
        complaints.append(item)
    appeals = select(AppealRow).where(AppealRow.customer_id == customer_id)
    disputes = []
    for dispute in session.scalars(select(DisputeRow).where(DisputeRow.customer_id == customer_id)):
        item = _row(dispute)
        evidence = select(DisputeEvidenceRow).where(DisputeEvidenceRow.dispute_id == dispute.id)
        item["evidence"] = [
            _row(e) for e in session.scalars(evidence.order_by(DisputeEvidenceRow.id))
        ]
        disputes.append(item)
    return {
        "complaints": complaints,
        "appeals": [_row(a) for a in session.scalars(appeals.order_by(AppealRow.id))],
        "disputes": disputes,
    }


def clear(session: Session, customer_id: str) -> list[str]:
    """Clear what the customer wrote and sent; returns the photo names to delete."""
    photos: list[str] = []
    for complaint in session.scalars(
        select(ComplaintRow).where(ComplaintRow.customer_id == customer_id)
    ):
        complaint.text, complaint.subject = CLEARED_TEXT, CLEARED_TEXT
        complaint.contact_email, complaint.satisfaction_comment = CLEARED_TEXT, CLEARED_TEXT
    for appeal in session.scalars(select(AppealRow).where(AppealRow.customer_id == customer_id)):
        photos.extend(str(name) for name in appeal.photos or [])
        appeal.statement, appeal.photos = CLEARED_TEXT, []
    for dispute in session.scalars(select(DisputeRow).where(DisputeRow.customer_id == customer_id)):
        if dispute.opener == "customer":
            dispute.statement = CLEARED_TEXT
        evidence = select(DisputeEvidenceRow).where(
            DisputeEvidenceRow.dispute_id == dispute.id, DisputeEvidenceRow.side == "customer"
        )
        for item in session.scalars(evidence):
            photos.extend(str(name) for name in item.photos or [])
            item.text, item.photos = CLEARED_TEXT, []
    return photos
