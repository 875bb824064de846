"""Fast exchange (R6.2): when a replacement may ship before the customer's parcel arrives.

The risk rules only: the replacement's value against a ceiling, the customer's record
(completed requests, failed inspections, unsettled recoveries). Every reason that
refuses is named, so the customer and the agent read all of them at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from returnflow.domain.money import Money
from returnflow.domain.text import Text


@dataclass(frozen=True, slots=True)
class FastExchangeLimits:
    max_value: Money
    min_completed: int
    return_days: int


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    """What we know of a customer's past requests, as far as fast exchange cares."""

    completed: int  # requests completed or confirmed
    failed_inspections: int
    open_recoveries: int  # charges for unreturned replacements not yet settled, etc.
    high_risk: bool = False  # the request's risk score refuses fast exchange (R10.3)


def fast_exchange_refusals(
    replacement: Money, record: CustomerRecord, limits: FastExchangeLimits
) -> list[Text]:
    """Every reason fast exchange is not offered; empty when it is (R6.2)."""
    reasons: list[Text] = []
    if replacement > limits.max_value:
        reasons.append(
            Text(
                "换货商品价值超过先换后退的上限",
                "The replacement is worth more than fast exchange allows",
            )
        )
    if record.completed < limits.min_completed:
        reasons.append(
            Text(
                "完成的售后记录不足，暂不能先换后退",
                "Not enough completed requests yet for fast exchange",
            )
        )
    if record.failed_inspections > 0:
        reasons.append(Text("曾有退回商品验收未通过", "An earlier return failed inspection"))
    if record.open_recoveries > 0:
        reasons.append(Text("尚有未结清的追偿", "There is an unsettled recovery"))
    if record.high_risk:
        reasons.append(
            Text(
                "该申请的风险评分不允许先换后退",
                "The request's risk score does not allow fast exchange",
            )
        )
    return reasons
