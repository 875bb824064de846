"""The eligibility view (R2.1): what a customer may still ask for each line of an order.

Every kind of claim shown for a line is judged by the same rules a filed request meets
(`rules.judge_line`), assuming sealed goods and photos, so the view never promises
what filing would then refuse.
"""

from __future__ import annotations

from datetime import datetime

from returnflow.domain.kinds import Reason, RequestType
from returnflow.domain.orders import Order, OrderLine
from returnflow.domain.policy import PolicyVersion
from returnflow.domain.rules import judge_line
from returnflow.domain.verdicts import LineClaim, LineEligibility, LineOption

# The (type, reason) pairs the eligibility view shows for a line: one per kind of claim.
ELIGIBILITY_OPTIONS: tuple[tuple[RequestType, Reason], ...] = (
    (RequestType.REFUND, Reason.NO_REASON),
    (RequestType.EXCHANGE, Reason.NO_REASON),
    (RequestType.REFUND, Reason.QUALITY),
    (RequestType.EXCHANGE, Reason.QUALITY),
    (RequestType.REPAIR, Reason.QUALITY),
    (RequestType.REISSUE, Reason.MISSING_PARTS),
    (RequestType.REFUND_ONLY, Reason.QUALITY),  # delivered, not worth sending back
    (RequestType.REFUND_ONLY, Reason.NOT_DELIVERED),  # not delivered yet
)


def line_eligibility(
    *, order: Order, line: OrderLine, already_requested: int, now: datetime, policy: PolicyVersion
) -> LineEligibility:
    """What the customer may ask for this line now, assuming sealed goods and photos."""
    requestable = max(line.quantity - already_requested, 0)
    options = []
    for request_type, reason in ELIGIBILITY_OPTIONS:
        delivered = order.is_delivered(now)
        if (
            request_type is RequestType.REFUND_ONLY
            and (reason is Reason.NOT_DELIVERED) == delivered
        ):
            continue
        verdict = judge_line(
            order=order,
            line=line,
            request_type=request_type,
            claim=LineClaim(line.line_no, max(requestable, 1), reason),
            already_requested=already_requested,
            has_photos=True,
            now=now,
            policy=policy,
        )
        options.append(LineOption(request_type, reason, verdict))
    return LineEligibility(line.line_no, requestable, tuple(options))
