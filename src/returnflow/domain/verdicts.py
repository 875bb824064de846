"""What the policy rules answer: a result per rule, a verdict per line, options per line.

Every rule that runs leaves a `RuleResult` with a stable code and a plain message in
both languages, so a decision can always be explained to the customer (R3.3) and to
the agent who reviews it (R3.1). The rules themselves are in `rules.py` (one line of a
request), `no_reason.py` and `fault_rules.py` (the periods), `eligibility.py` (the view).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from returnflow.domain.frozen import quick_init
from returnflow.domain.kinds import Outcome, Reason, RequestType, ShippingPayer
from returnflow.domain.text import Text


class Verdict(StrEnum):
    PASS = "pass"
    REVIEW = "review"  # needs a person's judgement
    FAIL = "fail"


@quick_init
@dataclass(frozen=True, slots=True)
class RuleResult:
    code: str
    verdict: Verdict
    message: Text


def passed(code: str, message: Text) -> RuleResult:
    return RuleResult(code, Verdict.PASS, message)


def to_review(code: str, message: Text) -> RuleResult:
    return RuleResult(code, Verdict.REVIEW, message)


def failed(code: str, message: Text) -> RuleResult:
    return RuleResult(code, Verdict.FAIL, message)


def outcome_of(results: Iterable[RuleResult]) -> Outcome:
    """Any failure refuses; else any review leaves it to a person; else it is approved."""
    outcome = _APPROVED
    for result in results:
        if result.verdict == _FAIL:
            return _REJECTED
        if result.verdict == _REVIEW:
            outcome = _PENDING_REVIEW
    return outcome


# plain names for the members the loop above compares (a class attribute costs more)
_FAIL, _REVIEW = Verdict.FAIL, Verdict.REVIEW
_APPROVED, _PENDING_REVIEW, _REJECTED = Outcome.APPROVED, Outcome.PENDING_REVIEW, Outcome.REJECTED


@dataclass(frozen=True, slots=True)
class LineClaim:
    """What the customer asks for one order line."""

    line_no: int
    quantity: int
    reason: Reason
    opened: bool = False


@quick_init
@dataclass(frozen=True, slots=True)
class LineVerdict:
    line_no: int
    outcome: Outcome
    results: tuple[RuleResult, ...]
    shipping_payer: ShippingPayer
    last_day: date | None  # last day to apply for this type and reason, if bounded

    def deciding_results(self) -> tuple[RuleResult, ...]:
        """The results that made the outcome: failures, else reviews, else passes."""
        wanted = DECIDING_VERDICT[self.outcome]
        return tuple([r for r in self.results if r.verdict is wanted])


# which results made each outcome: failures, else reviews, else passes
DECIDING_VERDICT = {
    Outcome.REJECTED: Verdict.FAIL,
    Outcome.PENDING_REVIEW: Verdict.REVIEW,
    Outcome.APPROVED: Verdict.PASS,
}


@dataclass(frozen=True, slots=True)
class LineOption:
    """One kind of claim (type and reason) the eligibility view judged for a line."""

    request_type: RequestType
    reason: Reason
    verdict: LineVerdict


@dataclass(frozen=True, slots=True)
class LineEligibility:
    line_no: int
    requestable_quantity: int
    options: tuple[LineOption, ...]

    @property
    def allowed_types(self) -> list[RequestType]:
        seen: list[RequestType] = []
        for option in self.options:
            if option.verdict.outcome is not Outcome.REJECTED and option.request_type not in seen:
                seen.append(option.request_type)
        return seen
