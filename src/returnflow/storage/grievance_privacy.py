"""Anonymising a customer's complaints, appeals, disputes and conversations (R14.1),
for `anonymise.py`.

What a customer wrote to us when they complained, appealed or disputed is their
personal data too: the words, addresses and photos are cleared, the numbers,
categories, statuses, scores and dates stay, so complaint and dispute figures stay.
In the conversations on their requests (issue 13), what the customer wrote is replaced
by `CLEARED_MESSAGE` and their name dropped; every photo of those threads is deleted and
forgotten, as the request's and the warehouse's photos are (staff often re-attach the
customer's own). Messages by staff and the merchant keep their words, and every message
keeps its author kind and time, so the thread still reads as it happened.
(The data export holds every column: `customer_export.py`.)
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnflow.domain.conversations import AuthorKind
from returnflow.storage.schema.appeals import AppealRow
from returnflow.storage.schema.complaints import ComplaintRow
from returnflow.storage.schema.conversations import (
    ConversationAttachmentRow,
    ConversationMessageRow,
)
from returnflow.storage.schema.disputes import DisputeEvidenceRow, DisputeRow

CLEARED_TEXT = ""
# shown in the thread in place of what the customer wrote (stored text has no language)
CLEARED_MESSAGE = "（内容已按隐私规定清除）(removed for privacy)"


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


def clear_conversations(session: Session, customer_id: str) -> list[str]:
    """Clear the customer's words and every photo in their requests' conversations;
    returns the photo names to delete."""
    on_theirs = ConversationMessageRow.customer_id == customer_id
    for message in session.scalars(select(ConversationMessageRow).where(on_theirs)):
        if message.author_kind == AuthorKind.CUSTOMER.value:
            message.body, message.author_name = CLEARED_MESSAGE, CLEARED_TEXT
    carried = select(ConversationAttachmentRow).where(
        ConversationAttachmentRow.message_id.in_(select(ConversationMessageRow.id).where(on_theirs))
    )
    photos: list[str] = []
    for attachment in session.scalars(carried):
        photos.append(attachment.name)
        session.delete(attachment)  # forgotten: the file goes after the commit
    return photos
