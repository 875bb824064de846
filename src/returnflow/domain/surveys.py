"""The satisfaction survey after a request is completed (R7.2, seed 001 §7.1.3).

Four dimensions scored 1–5 — speed (how fast we answered), attitude (how the people
treated the customer), effectiveness (whether the problem was solved) and process
(how easy the steps were) — plus the net-promoter question, 0–10, and a comment.
One answer per request, only once the request is completed or confirmed. The answer
names the merchant and the agent (the last person who handled the request) so the
reports can group by them without reading the history again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from returnflow.domain.text import DomainError, Text

DIMENSIONS = ("speed", "attitude", "effectiveness", "process")
DIMENSION_NAMES = {
    "speed": Text("响应速度", "Speed"),
    "attitude": Text("服务态度", "Attitude"),
    "effectiveness": Text("解决效果", "Effectiveness"),
    "process": Text("办理流程", "Process"),
}
MAX_COMMENT = 1000
# actors that are not a person handling the request (customer, worker, machines)
_NOT_AGENTS = frozenset({"customer", "system", "auto", "integration", "warehouse", ""})


@dataclass(frozen=True, slots=True)
class Scores:
    speed: int
    attitude: int
    effectiveness: int
    process: int
    nps: int  # 0–10: how likely the customer recommends us

    def check(self) -> None:
        for name in DIMENSIONS:
            if not 1 <= getattr(self, name) <= 5:
                label = DIMENSION_NAMES[name]
                raise DomainError(
                    "score_out_of_range",
                    Text(f"“{label.zh}”须为 1 到 5 分", f"“{label.en}” is scored 1 to 5"),
                    field=name,
                )
        if not 0 <= self.nps <= 10:
            raise DomainError(
                "nps_out_of_range",
                Text("推荐意愿须为 0 到 10 分", "The recommendation score is 0 to 10"),
                field="nps",
            )


@dataclass(frozen=True, slots=True)
class Survey:
    rma_no: str
    merchant_id: str
    customer_id: str
    agent: str  # "role:username" of the last person who handled it; "" when none did
    scores: Scores
    comment: str
    answered_by: str
    answered_at: datetime


def agent_of(actors: Sequence[str]) -> str:
    """The last actor in a request's history who is a person handling it (not a customer)."""
    for actor in reversed(actors):
        if actor.partition(":")[0] not in _NOT_AGENTS and ":" in actor:
            return actor
    return ""


def answer(
    *,
    rma_no: str,
    merchant_id: str,
    customer_id: str,
    finished: bool,
    already: Survey | None,
    history_actors: Sequence[str],
    scores: Scores,
    comment: str,
    actor: str,
    now: datetime,
) -> Survey:
    """The one answer to a completed request's survey; refused before completion or twice."""
    if not finished:
        raise DomainError(
            "survey_not_open",
            Text("处理完成后才能参与满意度调查", "The survey opens once the request is completed"),
        )
    if already is not None:
        raise DomainError(
            "already_answered",
            Text("您已提交过满意度调查", "You have already answered the survey"),
        )
    scores.check()
    if len(comment) > MAX_COMMENT:
        raise DomainError(
            "comment_too_long",
            Text("评价最多 {n} 个字", "The comment can be at most {n} characters").format(
                n=MAX_COMMENT
            ),
            field="comment",
        )
    return Survey(
        rma_no=rma_no,
        merchant_id=merchant_id,
        customer_id=customer_id,
        agent=agent_of(history_actors),
        scores=scores,
        comment=comment.strip(),
        answered_by=actor,
        answered_at=now,
    )
