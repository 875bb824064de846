"""Automated review of a whole request (R3.1).

A request that clearly meets policy is approved at once; one whose rules need
judgement, or whose value is above the platform's limit, goes to a person; one that
breaks policy is rejected with every reason (R3.3). A request is judged as a whole:
if one line breaks policy the request is refused and the customer may apply again
for the other lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from returnflow.domain.frozen import maker, quick_init
from returnflow.domain.kinds import Outcome, RequestType, ShippingPayer
from returnflow.domain.orders import Order, OrderLine
from returnflow.domain.policy import PolicyVersion
from returnflow.domain.refunds import OrderHistory, RefundEstimate, estimate_refund
from returnflow.domain.rules import judge_line
from returnflow.domain.text import DomainError, Text
from returnflow.domain.verdicts import (
    DECIDING_VERDICT,
    LineClaim,
    LineVerdict,
    RuleResult,
    Verdict,
)


@quick_init
@dataclass(frozen=True, slots=True)
class Assessment:
    outcome: Outcome
    reasons: tuple[RuleResult, ...]  # the results that made the outcome
    lines: tuple[LineVerdict, ...]
    shipping_payer: ShippingPayer
    estimate: RefundEstimate
    policy_version: int


_assessment = maker(Assessment)  # `Assessment(...)`, faster (frozen.py, issue 11)


def validate_claims(order: Order, claims: Sequence[LineClaim]) -> None:
    """Malformed requests are errors, not policy refusals: nothing is recorded."""
    claimed_lines(order, claims)


def claimed_lines(order: Order, claims: Sequence[LineClaim]) -> list[OrderLine]:
    """The order line of every claim, in the claims' order, once the request is known
    to be well formed (`validate_claims`): each line is looked up once per request."""
    if not claims:
        raise DomainError(
            "no_lines", Text("请至少选择一件商品", "Choose at least one item"), field="lines"
        )
    seen: set[int] = set()
    lines: list[OrderLine] = []
    for index, claim in enumerate(claims):
        line_no = claim.line_no
        line = order.line(line_no)
        if line is None:
            raise DomainError(
                "unknown_line",
                Text("订单 {order} 中没有第 {line} 行", "Order {order} has no line {line}").format(
                    order=order.order_no, line=line_no
                ),
                field=f"lines.{index}.line_no",
            )
        if line_no in seen:
            raise DomainError(
                "duplicate_line",
                Text("第 {line} 行重复出现", "Line {line} appears twice").format(line=line_no),
                field=f"lines.{index}.line_no",
            )
        if claim.quantity < 1:
            raise DomainError(
                "quantity_invalid",
                Text("数量至少为 1", "The quantity must be at least 1"),
                field=f"lines.{index}.quantity",
            )
        seen.add(line_no)
        lines.append(line)
    return lines


def assess(
    *,
    order: Order,
    request_type: RequestType,
    claims: Sequence[LineClaim],
    history: OrderHistory,
    has_photos: bool,
    now: datetime,
    policy: PolicyVersion,
) -> Assessment:
    """Judge every line, estimate the refund, decide; the cost grows with the claimed
    lines only, never with their quantities or the merchant terms in the policy."""
    verdicts = [
        judge_line(
            order=order,
            line=line,
            request_type=request_type,
            claim=claim,
            already_requested=history.line(claim.line_no).held_units,
            has_photos=has_photos,
            now=now,
            policy=policy,
        )
        for claim, line in zip(claims, claimed_lines(order, claims), strict=True)
    ]
    estimate = estimate_refund(order, request_type, claims, history)
    outcome, extra = _outcome(verdicts, estimate, policy)
    payer = verdicts[0].shipping_payer
    for verdict in verdicts[1:]:
        if verdict.shipping_payer.rank > payer.rank:
            payer = verdict.shipping_payer
    reasons = _deciding(verdicts, outcome)
    reasons.extend(extra)
    return _assessment(outcome, tuple(reasons), tuple(verdicts), payer, estimate, policy.version)


def _deciding(verdicts: Sequence[LineVerdict], outcome: Outcome) -> list[RuleResult]:
    """The deciding results (`LineVerdict.deciding_results`) of the lines that made the
    outcome, each equal result once. Equal results have equal codes, so a result is
    compared with the others (a dataclass `==`, slow) only when its code was seen."""
    wanted = DECIDING_VERDICT[outcome]
    reasons: list[RuleResult] = []
    codes: set[str] = set()
    for verdict in verdicts:
        if verdict.outcome is not outcome:
            continue
        for result in verdict.results:
            if result.verdict is wanted:
                if result.code not in codes:
                    codes.add(result.code)
                    reasons.append(result)
                elif result not in reasons:
                    reasons.append(result)
    return reasons


def _outcome(
    verdicts: Sequence[LineVerdict], estimate: RefundEstimate, policy: PolicyVersion
) -> tuple[Outcome, tuple[RuleResult, ...]]:
    """Any refused line refuses; else any line for review, or a value above the limit,
    leaves it to a person; else it is approved."""
    review = False
    for verdict in verdicts:
        if verdict.outcome == Outcome.REJECTED:
            return Outcome.REJECTED, ()
        review = review or verdict.outcome == Outcome.PENDING_REVIEW
    if review:
        return Outcome.PENDING_REVIEW, ()
    if estimate.goods_value.cents > policy.auto_approve_limit:
        return Outcome.PENDING_REVIEW, (_ABOVE_AUTO_LIMIT,)
    return Outcome.APPROVED, ()


_ABOVE_AUTO_LIMIT = RuleResult(
    "value_above_auto_limit",
    Verdict.REVIEW,
    Text(
        "申请金额超过自动审核上限，将由客服审核",
        "The value is above the automatic approval limit: a person will review it",
    ),
)


def with_risk(assessment: Assessment, reason: RuleResult | None) -> Assessment:
    """Risk at intake (issue 15, R10.3): a risky request that policy would approve goes
    to a person instead, with the risk as its visible reason; a refusal stays one."""
    if reason is None or assessment.outcome is Outcome.REJECTED:
        return assessment
    kept = assessment.reasons if assessment.outcome is Outcome.PENDING_REVIEW else ()
    return Assessment(
        Outcome.PENDING_REVIEW,
        (*kept, reason),
        assessment.lines,
        assessment.shipping_payer,
        assessment.estimate,
        assessment.policy_version,
    )
