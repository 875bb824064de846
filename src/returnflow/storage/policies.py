"""Published policy versions: the `PolicyBook` every eligibility check and review reads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from returnflow.domain.events import DomainEvent
from returnflow.domain.policy import PolicyBook, PolicyVersion
from returnflow.storage import codecs
from returnflow.storage.schema import PolicyVersionRow


class PolicyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        # read once per unit of work: every eligibility check, review and refund asks for
        # it, and only `add` (through this repository) changes it
        self._book: PolicyBook | None = None
        self._events: list[DomainEvent] = []  # "policy.published" (issue 17: stale lessons)

    def book(self) -> PolicyBook:
        if self._book is None:
            rows = self.session.scalars(select(PolicyVersionRow)).all()
            self._book = PolicyBook([codecs.policy_from_json(row.document) for row in rows])
        return self._book

    def has_any(self) -> bool:
        """False while only the built-in version 1 exists (nothing has been published)."""
        return self.session.scalar(select(PolicyVersionRow.version).limit(1)) is not None

    def add(self, policy: PolicyVersion, now: datetime, by: str) -> None:
        self._book = None
        self.session.add(
            PolicyVersionRow(
                version=policy.version,
                effective_from=policy.effective_from,
                document=codecs.policy_to_json(policy),
                published_at=now,
                published_by=by,
            )
        )
        self._events.append(
            DomainEvent("policy.published", now, {"version": policy.version, "published_by": by})
        )

    def flush_changes(self) -> list[DomainEvent]:
        """The versions published in this unit of work, as events (handed over at commit)."""
        events, self._events = self._events, []
        return events
