"""A rejected application's documents are not kept for ever (issue 15, R14.1).

`RETURNFLOW_ONBOARDING_DOC_RETENTION_DAYS` (default 180) after a rejection, the
application's documents (licence, brand authorisation … as uploaded) are deleted: their
rows in this transaction, with one `documents_deleted` step on the application's
timeline naming each document (kind and the applicant's file name) and who deleted them
(`system:retention`); the files once the transaction is committed (jobs/onboarding_retention.py).
The application itself, its checklist and its timeline stay, so the decision can still
be read. Approved applications keep their documents (the merchant's qualification);
withdrawn ones are not touched here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from returnflow.domain.onboarding import Status
from returnflow.services.unit_of_work import UnitOfWork

ACTOR = "system:retention"
ACTION = "documents_deleted"


@dataclass(slots=True)
class DocumentsDeleted:
    references: list[str] = field(default_factory=list)  # the applications, MA000001 …
    files: list[str] = field(default_factory=list)  # stored names, to remove after commit


def delete_expired_documents(
    uow: UnitOfWork, now: datetime, days: int, limit: int
) -> DocumentsDeleted:
    """At most `limit` applications rejected more than `days` ago lose their documents
    (caller commits, then removes `files`)."""
    done = DocumentsDeleted()
    before = now - timedelta(days=days)
    store = uow.onboarding_retention
    for due in store.due(Status.REJECTED.value, before, limit):
        held = store.delete(due.id, Status.REJECTED.value, ACTOR, ACTION, now)
        if held:
            done.references.append(due.reference)
            done.files.extend(d.stored_name for d in held)
    return done
