"""Rejected applications' documents past their retention (issue 15): `uow.onboarding_retention`.

`due` finds rejected applications decided before a moment that still hold documents
(`ix_merchant_applications_status` narrows to the rejected ones), oldest decision first,
at most `limit`. `delete` locks the application's row, deletes its document rows and
appends one step to its append-only timeline, in the caller's transaction; the files
are removed by the caller once that transaction is committed. The application row, its
checklist and every earlier step stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session

from returnflow.storage.schema.onboarding import (
    MerchantApplicationDocumentRow,
    MerchantApplicationRow,
    MerchantApplicationStepRow,
)


@dataclass(frozen=True, slots=True)
class HeldDocument:
    kind: str
    stored_name: str
    original_name: str


@dataclass(frozen=True, slots=True)
class DueApplication:
    id: int
    reference: str
    decided_at: datetime


class OnboardingRetention:
    def __init__(self, session: Session) -> None:
        self.session = session

    def due(self, status: str, decided_before: datetime, limit: int) -> list[DueApplication]:
        has_documents = exists().where(
            MerchantApplicationDocumentRow.application_id == MerchantApplicationRow.id
        )
        rows = self.session.execute(
            select(
                MerchantApplicationRow.id,
                MerchantApplicationRow.reference,
                MerchantApplicationRow.decided_at,
            )
            .where(
                MerchantApplicationRow.status == status,
                MerchantApplicationRow.decided_at < decided_before,
                has_documents,
            )
            .order_by(MerchantApplicationRow.decided_at, MerchantApplicationRow.id)
            .limit(limit)
        )
        return [DueApplication(int(i), str(r), at) for i, r, at in rows if at is not None]

    def delete(
        self, application_id: int, status: str, actor: str, action: str, now: datetime
    ) -> list[HeldDocument]:
        """Delete the application's document rows and record it as a step (the note
        names each document); what was deleted ([] if another worker was first)."""
        row = self.session.get(MerchantApplicationRow, application_id, with_for_update=True)
        if row is None or row.status != status:
            return []
        held = [
            HeldDocument(d.kind, d.stored_name, d.original_name)
            for d in self.session.scalars(
                select(MerchantApplicationDocumentRow)
                .where(MerchantApplicationDocumentRow.application_id == application_id)
                .order_by(MerchantApplicationDocumentRow.id)
            )
        ]
        if not held:
            return []
        self.session.execute(
            delete(MerchantApplicationDocumentRow).where(
                MerchantApplicationDocumentRow.application_id == application_id
            )
        )
        steps = self.session.scalar(
            select(func.count())
            .select_from(MerchantApplicationStepRow)
            .where(MerchantApplicationStepRow.application_id == application_id)
        )
        note = "; ".join(f"{d.kind}: {d.original_name}" for d in held)
        self.session.add(
            MerchantApplicationStepRow(
                application_id=application_id,
                position=int(steps or 0),
                at=now,
                actor=actor[:100],
                action=action,
                status=status,
                note=f"{len(held)} · {note}"[:2000],
            )
        )
        self.session.flush()
        return held
