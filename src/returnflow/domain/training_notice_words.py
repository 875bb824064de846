"""What a person hears about their training (issue 17): lessons to re-read, assessments due.

Personal notifications (one account each, `Audience.user`), made by the training
services rather than from an event's data alone, because the audience is every holder
of a certificate. Each occasion is named once, so retries and the worker's daily pass
never notify the same person twice for the same version or due date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from returnflow.domain.staff_notices import Audience, Draft, Kind
from returnflow.domain.text import Text
from returnflow.domain.training_schedule import AssessmentKind
from returnflow.domain.training_words import LESSONS

PAGE = "/staff/training"
LESSON_TITLES: dict[str, Text] = {f"{skill}:{kind}": title for skill, title, _, kind in LESSONS}


def lessons_to_reread(user_id: int, version: int, lessons: Sequence[str]) -> Draft:
    """Policy version `version` changed what these lessons teach: read them again."""
    titles = [LESSON_TITLES.get(key, Text(key, key)) for key in lessons]
    return Draft(
        Kind.TRAINING,
        Audience.user(user_id),
        f"training_stale:v{version}",
        Text(
            "第 {version} 版政策已发布：请重新学习 {n} 节课",
            "Policy version {version} is out: re-read {n} lesson(s)",
        ).format(version=str(version), n=str(len(titles))),
        Text(
            "新政策改变了这些课程所讲的规则：{zh}。请在“培训”页打开课程并确认已重新学习。",
            "The new policy changed what these lessons teach: {en}. Open them on the Training "
            "page and confirm you have re-read them.",
        ).format(zh="、".join(t.zh for t in titles), en="; ".join(t.en for t in titles)),
        link=PAGE,
    )


def assessment_reminder(user_id: int, kind: AssessmentKind, due: date, overdue: bool) -> Draft:
    """An assessment due within the week, or overdue: once per person, kind and due date."""
    state = "overdue" if overdue else "due"
    label = kind.label
    subject = (
        Text("{zh}已逾期（应于 {on} 完成）", "{en} is overdue (due on {on})")
        if overdue
        else Text("{zh}将于 {on} 到期", "{en} is due on {on}")
    )
    return Draft(
        Kind.TRAINING,
        Audience.user(user_id),
        f"assessment_{state}:{kind.value}:{due.isoformat()}",
        subject.format(zh=label.zh, en=label.en, on=due.isoformat()),
        Text(
            "请在“培训”页查看定期考核安排。", "See your periodic assessments on the Training page."
        ),
        link=PAGE,
    )
