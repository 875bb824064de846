"""Skill records' reads and writes (issue 17): `uow.training.records`.

`practice` counts a person's inspections and review decisions in [since, until) on the
indexed time columns (`inspections.inspected_at`, `return_events.at`), and how many of
them an appeal overturned: four COUNT queries, no rows read. `training_recognitions` is
append-only (a trigger on PostgreSQL, migration 0041).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from returnflow.domain.access import Role
from returnflow.domain.training_records import Recognition, RecognitionKind
from returnflow.storage.schema.appeals import AppealRow
from returnflow.storage.schema.returns import ReturnEventRow, ReturnRow
from returnflow.storage.schema.training import TrainingRecognitionRow
from returnflow.storage.schema.warehouse import InspectionRow

DECISIONS = ("approve", "reject")
REJECTIONS = ("reject",)
LIMIT = 500  # recognitions read for one page


def actors(username: str) -> list[str]:
    """Every way this person appears as an actor (`role:username`), whatever their role was."""
    return [f"{role.value}:{username}" for role in Role]


class TrainingRecords:
    def __init__(self, session: Session) -> None:
        self.session = session

    def inspections(self, username: str, since: datetime, until: datetime) -> tuple[int, int]:
        """(inspections made, of which overturned on appeal) in the period."""
        mine = (
            InspectionRow.inspected_by.in_(actors(username)),
            InspectionRow.inspected_at >= since,
            InspectionRow.inspected_at < until,
        )
        made = self.session.scalar(select(func.count()).select_from(InspectionRow).where(*mine))
        overturned = self.session.scalar(
            select(func.count())
            .select_from(InspectionRow)
            .join(AppealRow, AppealRow.rma_no == InspectionRow.rma_no)
            .where(*mine, AppealRow.subject == "inspection", AppealRow.status == "overturned")
        )
        return int(made or 0), int(overturned or 0)

    def decisions(self, username: str, since: datetime, until: datetime) -> tuple[int, int]:
        """(approvals and rejections made as a reviewer, of which overturned) in the period."""
        mine = (
            ReturnEventRow.actor.in_(actors(username)),
            ReturnEventRow.at >= since,
            ReturnEventRow.at < until,
        )
        made = self.session.scalar(
            select(func.count())
            .select_from(ReturnEventRow)
            .where(*mine, ReturnEventRow.action.in_(DECISIONS))
        )
        overturned = self.session.scalar(
            select(func.count())
            .select_from(ReturnEventRow)
            .join(ReturnRow, ReturnRow.id == ReturnEventRow.return_id)
            .join(
                AppealRow,
                and_(
                    AppealRow.rma_no == ReturnRow.rma_no,
                    AppealRow.appealed_decision_at == ReturnEventRow.at,
                ),
            )
            .where(
                *mine,
                ReturnEventRow.action.in_(REJECTIONS),
                AppealRow.subject == "rejection",
                AppealRow.status == "overturned",
            )
        )
        return int(made or 0), int(overturned or 0)

    def add_recognition(self, recognition: Recognition) -> None:
        self.session.add(
            TrainingRecognitionRow(
                username=recognition.username,
                kind=recognition.kind.value,
                reason=recognition.reason,
                on_day=recognition.on,
                recorded_by=recognition.recorded_by,
                recorded_at=recognition.recorded_at,
            )
        )
        self.session.flush()

    def recognitions(self, usernames: list[str]) -> list[Recognition]:
        """These people's rewards and corrective actions, newest first (up to `LIMIT`)."""
        if not usernames:
            return []
        query = (
            select(TrainingRecognitionRow)
            .where(TrainingRecognitionRow.username.in_(usernames))
            .order_by(TrainingRecognitionRow.on_day.desc(), TrainingRecognitionRow.id.desc())
            .limit(LIMIT)
        )
        return [_recognition(row) for row in self.session.scalars(query)]


def _recognition(row: TrainingRecognitionRow) -> Recognition:
    return Recognition(
        row.username,
        RecognitionKind(row.kind),
        row.reason,
        row.on_day,
        row.recorded_by,
        row.recorded_at,
    )
