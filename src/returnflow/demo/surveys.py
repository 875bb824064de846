"""The demo's satisfaction survey answers (R7.2, issue 13), after the stories.

About two in five customers of a completed request answer the survey, a few hours to a
few days after completion (never after `now`), through `answer_survey` like the portal.
Scores lean positive, as real returns surveys do, with a merchant's own tendency and
a drop when the request took long, so /staff/reports/satisfaction shows differences per
merchant and per agent. Deterministic for a seed.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from returnflow.app_context import AppContext
from returnflow.domain.lifecycle import Status
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.surveys import Scores
from returnflow.services import surveys

ANSWER_SHARE = 0.4
SLOW_DAYS = 10  # a request that took longer than this is rated lower
COMMENTS = (
    "",
    "",
    "退款很快，客服态度好。",
    "流程清楚，下次还会在这里买。",
    "等待验收的时间有点长。",
    "Quick refund, thank you.",
    "The pickup came on time.",
)


def answer(
    context: AppContext, now: datetime, rng: random.Random, share: float = ANSWER_SHARE
) -> int:
    """Answer the surveys of a `share` of the completed requests; how many were answered."""
    finished = [Status.COMPLETED, Status.CONFIRMED]
    with context.uow() as uow:
        done = uow.journeys.resting_since(finished, now, limit=100_000)
    answered = 0
    for rma_no in sorted(done):
        if rng.random() >= share:
            continue
        with context.uow(publish=False) as uow:
            request = uow.returns.get(rma_no)
            at = _answered_at(request, now, rng) if request is not None else None
            if request is None or at is None or uow.surveys.get(rma_no) is not None:
                continue
            scores = _scores(request, rng)
            comment = rng.choice(COMMENTS)
            actor = f"customer:{request.customer_id}"
            surveys.answer_survey(uow, rma_no, scores, comment, actor, at)
            uow.commit(at)
            answered += 1
    return answered


def _answered_at(request: ReturnRequest, now: datetime, rng: random.Random) -> datetime | None:
    completed = [step.at for step in request.history if step.to_status is Status.COMPLETED]
    if not completed:
        return None
    at = completed[0] + timedelta(hours=rng.uniform(2, 96))
    return at if at <= now else None


def _scores(request: ReturnRequest, rng: random.Random) -> Scores:
    lean = (sum(map(ord, request.merchant_id)) % 5 - 2) * 0.25  # the merchant's tendency
    took = (request.history[-1].at - request.created_at).days if request.history else 0
    slow = 1.0 if took > SLOW_DAYS else 0.0

    def score() -> int:
        return max(1, min(5, round(rng.gauss(4.3 + lean - slow, 0.8))))

    speed, attitude, effectiveness, process = score(), score(), score(), score()
    mean = (speed + attitude + effectiveness + process) / 4
    nps = max(0, min(10, round(rng.gauss(mean * 2 + 0.5, 1.5))))
    return Scores(speed, attitude, effectiveness, process, nps)
