"""The policy rules applied to one order line of a request (R2).

`judge_line` answers, for one line of a request, whether policy approves it, refuses
it or leaves it to a person, and why: every rule that ran leaves a `RuleResult` (see
`verdicts.py`). The rules of the periods are in `no_reason.py` (a change of mind) and
`fault_rules.py` (a fault); who pays return shipping (R2.4) is decided here.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache, lru_cache

from returnflow.domain.fault_rules import fault_rules
from returnflow.domain.frozen import maker
from returnflow.domain.kinds import FAULT_REASONS, Reason, RequestType, ShippingPayer
from returnflow.domain.no_reason import no_reason_rules
from returnflow.domain.orders import Order, OrderLine
from returnflow.domain.policy import PolicyVersion, Terms
from returnflow.domain.text import Text
from returnflow.domain.verdicts import (
    LineClaim,
    LineEligibility,
    LineOption,
    LineVerdict,
    RuleResult,
    Verdict,
    failed,
    outcome_of,
    passed,
    to_review,
)

# the vocabulary is imported from here by much of the code: `verdicts.py` is its home
__all__ = [
    "ALLOWED_REASONS",
    "LineClaim",
    "LineEligibility",
    "LineOption",
    "LineVerdict",
    "RuleResult",
    "Verdict",
    "judge_line",
    "shipping_payer",
]

# Which reasons each request type accepts.
ALLOWED_REASONS: dict[RequestType, frozenset[Reason]] = {
    RequestType.REFUND: frozenset(Reason) - {Reason.NOT_DELIVERED},
    RequestType.EXCHANGE: frozenset(Reason) - {Reason.NOT_DELIVERED},
    RequestType.REPAIR: frozenset({Reason.QUALITY}),
    RequestType.REISSUE: frozenset({Reason.MISSING_PARTS}),
    RequestType.REFUND_ONLY: frozenset(Reason) - {Reason.NO_REASON},
}


def judge_line(
    *,
    order: Order,
    line: OrderLine,
    request_type: RequestType,
    claim: LineClaim,
    already_requested: int,
    has_photos: bool,
    now: datetime,
    policy: PolicyVersion,
) -> LineVerdict:
    """Apply every rule to one line; `already_requested` counts units in other live requests.

    Its cost depends on neither the line's quantity nor the number of merchant terms in
    the policy (`PolicyVersion.terms_for` is a look-up); results whose words repeat are
    built once and shared (they are immutable values).
    """
    terms = policy.terms_for(order.merchant_id, line.category)
    reason = claim.reason
    results = [_quantity_rule(line.quantity - already_requested, claim.quantity)]
    if reason not in ALLOWED_REASONS[request_type]:
        results.append(_type_not_allowed(request_type, reason))
    last_day: date | None = None
    # the rules of the period the claim falls under, and its last day if it has one
    delivered_at = order.delivered_at  # `Order.is_delivered`, without the call
    if delivered_at is None or delivered_at > now:
        refund_only = request_type is RequestType.REFUND_ONLY
        results.append(_UNDELIVERED_REFUND_ONLY if refund_only else _NOT_DELIVERED)
    else:
        if reason is Reason.NOT_DELIVERED:
            results.append(_DELIVERY_DISPUTED)
        elif reason is Reason.NO_REASON:
            period, last_day = no_reason_rules(order, line, claim, terms, now, policy)
            results.extend(period)
        else:
            period, last_day = fault_rules(
                order, request_type, claim, terms, has_photos, now, policy
            )
            results.extend(period)
        if request_type is RequestType.REFUND_ONLY:
            results.append(_REFUND_ONLY_REVIEW)
    payer = shipping_payer(order, request_type, reason, terms)
    results.append(_PAYER_RESULT[payer])
    return _line_verdict(claim.line_no, outcome_of(results), tuple(results), payer, last_day)


_line_verdict = maker(LineVerdict)  # `LineVerdict(...)`, faster (frozen.py, issue 11)


# the quantities people ask for are few and small: their results are shared, up to a bound
@lru_cache(maxsize=4096)
def _quantity_rule(available: int, asked: int) -> RuleResult:
    if asked > available:
        return failed(
            "quantity_exceeded",
            Text(
                "申请数量 {asked} 超过可申请数量 {available}",
                "Asked for {asked}, but only {available} can still be requested",
            ).format(asked=asked, available=max(available, 0)),
        )
    return passed(
        "quantity_ok",
        Text("可申请数量 {available}", "{available} can be requested").format(available=available),
    )


@cache  # one per pair of the two enumerations
def _type_not_allowed(request_type: RequestType, reason: Reason) -> RuleResult:
    return failed(
        "type_not_allowed",
        Text(
            "“{type_zh}”不适用于原因“{reason_zh}”",
            "{type_en} is not available for “{reason_en}”",
        ).format(
            type_zh=request_type.label.zh,
            type_en=request_type.label.en.capitalize(),
            reason_zh=reason.label.zh,
            reason_en=reason.label.en,
        ),
    )


_DELIVERY_DISPUTED = to_review(
    "delivery_disputed",
    Text(
        "物流记录显示已签收，未收到货的申请需人工核实",
        "The carrier reports the order delivered: a person will check",
    ),
)

_REFUND_ONLY_REVIEW = to_review(
    "refund_only_review",
    Text(
        "已签收商品申请仅退款（不退货）需人工审核",
        "A refund without return of delivered goods is decided by a person",
    ),
)


_UNDELIVERED_REFUND_ONLY = passed(
    "undelivered_refund_only",
    Text("订单未签收，可申请仅退款", "Not delivered yet: a refund without return is possible"),
)

_NOT_DELIVERED = failed(
    "not_delivered",
    Text(
        "订单尚未签收，只能申请仅退款",
        "The order has not been delivered: only a refund without return is possible",
    ),
)


def shipping_payer(
    order: Order, request_type: RequestType, reason: Reason, terms: Terms
) -> ShippingPayer:
    """R2.4: the merchant pays for faults; the customer for a change of mind."""
    if request_type not in _SHIPS_BACK:
        return ShippingPayer.NONE
    if reason in FAULT_REASONS:
        return ShippingPayer.MERCHANT
    if terms.merchant_pays_no_reason_shipping:
        return ShippingPayer.MERCHANT
    if order.return_shipping_insurance:
        return ShippingPayer.INSURANCE
    return ShippingPayer.CUSTOMER


# `RequestType.ships_back` as a set: the property is a call per line (issue 11)
_SHIPS_BACK = frozenset(kind for kind in RequestType if kind.ships_back)

_PAYER_TEXT = {
    ShippingPayer.MERCHANT: Text("退货运费由商家承担", "The merchant pays return shipping"),
    ShippingPayer.CUSTOMER: Text(
        "无理由退货的退货运费由您承担", "You pay return shipping for a no-reason return"
    ),
    ShippingPayer.INSURANCE: Text(
        "退货运费由您购买的运费险承担", "Your return-shipping insurance pays return shipping"
    ),
    ShippingPayer.NONE: Text("无需寄回商品", "Nothing needs to be sent back"),
}

_PAYER_RESULT = {
    payer: passed(f"shipping_paid_by_{payer.value}", text) for payer, text in _PAYER_TEXT.items()
}
