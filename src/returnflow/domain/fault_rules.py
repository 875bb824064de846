"""Claims of a fault (quality, damage, wrong or missing item): the periods that bound them.

Each request type has its own period (R2.2): a refund the quality-refund days, an
exchange or missing parts the quality-exchange days, a repair the warranty. A fault is
never refused for the no-reason exclusions; a late claim goes to a person instead of
being refused, and so does a claim without photos of the goods.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from returnflow.domain.kinds import Reason, RequestType
from returnflow.domain.orders import Order
from returnflow.domain.policy import PolicyVersion, Terms
from returnflow.domain.text import Text
from returnflow.domain.verdicts import LineClaim, RuleResult, failed, passed, to_review

# Which term bounds a fault claim of each type (quality-fault terms, R2.2).
_FAULT_WINDOWS = {
    RequestType.REFUND: "quality_refund_days",
    RequestType.REFUND_ONLY: "quality_refund_days",
    RequestType.EXCHANGE: "quality_exchange_days",
    RequestType.REISSUE: "quality_exchange_days",
    RequestType.REPAIR: "warranty_days",
}

_EVIDENCE_MISSING = to_review(
    "evidence_missing",
    Text(
        "未上传商品照片，将由客服人工审核",
        "No photos of the goods: a person will review the claim",
    ),
)


def fault_rules(
    order: Order,
    request_type: RequestType,
    claim: LineClaim,
    terms: Terms,
    has_photos: bool,
    now: datetime,
    policy: PolicyVersion,
) -> tuple[list[RuleResult], date]:
    """The fault period for this type, then whether the claim carries its evidence."""
    assert order.delivered_at is not None
    days: int = getattr(terms, _FAULT_WINDOWS[request_type])
    last_day = policy.last_day(order.delivered_at, days)
    late = policy.local_date(now) > last_day
    results = [_period_rule(request_type, claim.reason, days, last_day, late)]
    if claim.reason.needs_photos and not has_photos:
        results.append(_EVIDENCE_MISSING)
    return results, last_day


_REPAIR_NOT_OFFERED = failed(
    "repair_not_offered",
    Text("该品类不提供维修服务", "This category has no repair service"),
)


# many claims share a type, a reason and a last day: their results are built once, up to a bound
@lru_cache(maxsize=1024, typed=True)
def _period_rule(
    request_type: RequestType, reason: Reason, days: int, last_day: date, late: bool
) -> RuleResult:
    if request_type is RequestType.REPAIR and days == 0:
        return _REPAIR_NOT_OFFERED
    if late:
        return to_review(
            "fault_window_passed",
            Text(
                "已超过{type_zh}期限（{last_day}），将由客服人工判断",
                "Past the {type_en} period ({last_day}): a person will decide",
            ).format(
                type_zh=request_type.label.zh,
                type_en=request_type.label.en,
                last_day=last_day.isoformat(),
            ),
        )
    return passed(
        "fault_window_open",
        Text(
            "{reason_zh}：{last_day} 前可申请{type_zh}",
            "{reason_en}: {type_en} possible until {last_day}",
        ).format(
            reason_zh=reason.label.zh,
            reason_en=reason.label.en.capitalize(),
            type_zh=request_type.label.zh,
            type_en=request_type.label.en,
            last_day=last_day.isoformat(),
        ),
    )
