"""Merchants' applications ⇄ rows (issue 15): `uow.onboarding`.

`add` stores a new application (its reference is `MA` and its id), `get`/`by_token` load
one (with a row lock when a decision follows, so two clicks on "approve" queue up and
the second finds it approved), `flush_changes` writes back what was loaded: the row
(its `version` column refuses a lost race), the new steps and documents appended after
the stored ones (history is never updated). Lists are one page at a time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from returnflow.domain.events import DomainEvent
from returnflow.domain.onboarding import (
    DETAIL_FIELDS,
    Application,
    Details,
    Document,
    Status,
    Step,
    Summary,
    SummaryPage,
)
from returnflow.domain.onboarding_words import AGREEMENTS
from returnflow.storage.schema import MerchantRow
from returnflow.storage.schema.onboarding import (
    MerchantAgreementVersionRow,
    MerchantApplicationDocumentRow,
    MerchantApplicationRow,
    MerchantApplicationStepRow,
)

_DETAILS = (*DETAIL_FIELDS, "language")


class OnboardingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._seen: dict[int, tuple[Application, MerchantApplicationRow, int, set[str]]] = {}

    def add(self, application: Application, token_hash: str, now: datetime) -> Application:
        self._agreement(application.agreement_version, now)
        details = application.details
        row = MerchantApplicationRow(
            reference=f"tmp-{token_hash[:16]}",
            status=application.status.value,
            categories=list(details.categories),
            agreement_version=application.agreement_version,
            agreement_digest=application.agreement_digest,
            checks=dict(application.checks),
            question=application.question,
            token_hash=token_hash,
            submitted_at=application.submitted_at,
            decided_at=None,
            **{name: getattr(details, name) for name in _DETAILS},
        )
        self.session.add(row)
        self.session.flush()
        row.reference = f"MA{row.id:06d}"
        application.id, application.reference = row.id, row.reference
        self._seen[row.id] = (application, row, 0, set())
        return application

    def _agreement(self, version: str, now: datetime) -> None:
        if self.session.get(MerchantAgreementVersionRow, version) is not None:
            return
        agreement = AGREEMENTS[version]
        self.session.add(
            MerchantAgreementVersionRow(
                version=version,
                digest=agreement.digest,
                title_zh=agreement.title.zh,
                title_en=agreement.title.en,
                body_zh=agreement.body.zh,
                body_en=agreement.body.en,
                first_accepted_at=now,
            )
        )
        self.session.flush()

    def get(self, application_id: int, *, lock: bool = False) -> Application | None:
        if application_id in self._seen:
            return self._seen[application_id][0]
        query = select(MerchantApplicationRow).where(MerchantApplicationRow.id == application_id)
        row = self.session.scalar(query.with_for_update() if lock else query)
        return None if row is None else self._load(row)

    def by_token(self, token_hash: str, *, lock: bool = False) -> Application | None:
        query = select(MerchantApplicationRow).where(
            MerchantApplicationRow.token_hash == token_hash
        )
        row = self.session.scalar(query.with_for_update() if lock else query)
        if row is None:
            return None
        if row.id in self._seen:
            return self._seen[row.id][0]
        return self._load(row)

    def _load(self, row: MerchantApplicationRow) -> Application:
        steps = self.session.scalars(
            select(MerchantApplicationStepRow)
            .where(MerchantApplicationStepRow.application_id == row.id)
            .order_by(MerchantApplicationStepRow.position)
        ).all()
        documents = self.session.scalars(
            select(MerchantApplicationDocumentRow)
            .where(MerchantApplicationDocumentRow.application_id == row.id)
            .order_by(MerchantApplicationDocumentRow.id)
        ).all()
        values = {name: getattr(row, name) for name in _DETAILS}
        application = Application(
            details=Details(categories=tuple(row.categories), **values),
            status=Status(row.status),
            agreement_version=row.agreement_version,
            agreement_digest=row.agreement_digest,
            submitted_at=row.submitted_at,
            id=row.id,
            reference=row.reference,
            checks={str(k): bool(v) for k, v in row.checks.items()},
            documents=[_document(d) for d in documents],
            steps=[Step(s.at, s.actor, s.action, Status(s.status), s.note) for s in steps],
            question=row.question,
            merchant_id=row.merchant_id,
            decided_at=row.decided_at,
        )
        names = {d.stored_name for d in documents}
        self._seen[row.id] = (application, row, len(steps), names)
        return application

    def flush_changes(self) -> list[DomainEvent]:
        events: list[DomainEvent] = []
        for key, (application, row, stored_steps, names) in list(self._seen.items()):
            if row.status != application.status.value:
                row.status = application.status.value
            if row.checks != application.checks:
                row.checks = dict(application.checks)
            row.question = application.question
            row.merchant_id, row.decided_at = application.merchant_id, application.decided_at
            for position, step in enumerate(application.steps[stored_steps:], stored_steps):
                self.session.add(_step_row(row.id, position, step))
            for document in application.documents:
                if document.stored_name not in names:
                    self.session.add(_document_row(row.id, document))
                    names.add(document.stored_name)
            self._seen[key] = (application, row, len(application.steps), names)
            for event in application.events:
                event.data.update(application_id=row.id, reference=row.reference)
            events.extend(application.events)
            application.events.clear()
        self.session.flush()
        return events

    def page(self, status: Status | None, page: int, page_size: int) -> SummaryPage:
        where = [] if status is None else [MerchantApplicationRow.status == status.value]
        total = self.session.scalar(
            select(func.count()).select_from(MerchantApplicationRow).where(*where)
        )
        counts = (
            select(func.count())
            .where(MerchantApplicationDocumentRow.application_id == MerchantApplicationRow.id)
            .correlate(MerchantApplicationRow)
            .scalar_subquery()
        )
        rows = self.session.execute(
            select(MerchantApplicationRow, counts)
            .where(*where)
            .order_by(MerchantApplicationRow.submitted_at.desc(), MerchantApplicationRow.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        ).all()
        items = tuple(
            Summary(
                id=row.id,
                reference=row.reference,
                status=Status(row.status),
                company_name=row.company_name,
                shop_name=row.shop_name,
                categories=tuple(row.categories),
                documents=int(count or 0),
                submitted_at=row.submitted_at,
                decided_at=row.decided_at,
            )
            for row, count in rows
        )
        return SummaryPage(items, int(total or 0), page, page_size)

    def merchant_exists(self, merchant_id: str) -> bool:
        return self.session.get(MerchantRow, merchant_id) is not None

    def add_merchant(self, merchant_id: str, name: str, now: datetime) -> None:
        self.session.add(MerchantRow(id=merchant_id, name=name[:200], created_at=now))
        self.session.flush()


def _document(row: MerchantApplicationDocumentRow) -> Document:
    return Document(
        kind=row.kind,
        stored_name=row.stored_name,
        original_name=row.original_name,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        uploaded_at=row.uploaded_at,
    )


def _document_row(application_id: int, document: Document) -> MerchantApplicationDocumentRow:
    return MerchantApplicationDocumentRow(
        application_id=application_id,
        kind=document.kind,
        stored_name=document.stored_name,
        original_name=document.original_name[:200],
        content_type=document.content_type,
        size=document.size,
        sha256=document.sha256,
        uploaded_at=document.uploaded_at,
    )


def _step_row(application_id: int, position: int, step: Step) -> MerchantApplicationStepRow:
    return MerchantApplicationStepRow(
        application_id=application_id,
        position=position,
        at=step.at,
        actor=step.actor,
        action=step.action,
        status=step.status.value,
        note=step.note,
    )
