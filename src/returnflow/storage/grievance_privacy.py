"""Anonymising a customer's complaints, appeals and disputes (R14.1), for `anonymise.py`.

What a customer wrote to us when they complained, appealed or disputed is their
personal data too: the words, addresses and photos are cleared, the numbers,
categories, statuses, scores and dates stay, so complaint and dispute figures stay.
(The data export holds every column: `customer_export.py`.)
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnflow.storage.schema.appeals import AppealRow
from returnflow.storage.schema.complaints import ComplaintRow
from returnflow.storage.schema.disputes import DisputeEvidenceRow, DisputeRow

CLEARED_TEXT = ""


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
