"""The policy rules applied to one order line (R2).

`judge_line` answers, for one line of a request, whether policy approves it, refuses
it or leaves it to a person, and why: every rule that ran leaves a `RuleResult` with
a stable code and a plain message in both languages, so a decision can always be
explained to the customer (R3.3) and to the agent who reviews it (R3.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from returnflow.domain.catalog import ItemFlag
from returnflow.domain.kinds import Outcome, Reason, RequestType, ShippingPayer
from returnflow.domain.orders import Order, OrderLine
from returnflow.domain.policy import PolicyVersion, Terms
from returnflow.domain.text import Text


class Verdict(StrEnum):
    PASS = "pass"
    REVIEW = "review"  # needs a person's judgement
    FAIL = "fail"


@dataclass(frozen=True, slots=True)
class RuleResult:
    code: str
    verdict: Verdict
    message: Text


@dataclass(frozen=True, slots=True)
class LineClaim:
    """What the customer asks for one order line."""

    line_no: int
    quantity: int
    reason: Reason
    opened: bool = False


@dataclass(frozen=True, slots=True)
class LineVerdict:
    line_no: int
    outcome: Outcome
    results: tuple[RuleResult, ...]
    shipping_payer: ShippingPayer
    last_day: date | None  # last day to apply for this type and reason, if bounded

    def deciding_results(self) -> tuple[RuleResult, ...]:
        """The results that made the outcome: failures, else reviews, else passes."""
        wanted = {
            Outcome.REJECTED: Verdict.FAIL,
            Outcome.PENDING_REVIEW: Verdict.REVIEW,
            Outcome.APPROVED: Verdict.PASS,
        }[self.outcome]
        return tuple(r for r in self.results if r.verdict is wanted)


# Which reasons each request type accepts.
ALLOWED_REASONS: dict[RequestType, frozenset[Reason]] = {
    RequestType.REFUND: frozenset(Reason) - {Reason.NOT_DELIVERED},
    RequestType.EXCHANGE: frozenset(Reason) - {Reason.NOT_DELIVERED},
    RequestType.REPAIR: frozenset({Reason.QUALITY}),
    RequestType.REISSUE: frozenset({Reason.MISSING_PARTS}),
    RequestType.REFUND_ONLY: frozenset(Reason) - {Reason.NO_REASON},
}

# R2.2: the legal exclusions from no-reason returns. Each flag either always
# excludes the item, or only once its seal is opened.
_EXCLUSIONS: tuple[tuple[ItemFlag, bool, str, Text], ...] = (
    (
        ItemFlag.CUSTOM_MADE,
        False,
        "excluded_custom_made",
        Text(
            "定制商品不支持七天无理由退货", "Custom-made goods cannot be returned without a reason"
        ),
    ),
    (
        ItemFlag.PERISHABLE,
        False,
        "excluded_perishable",
        Text(
            "鲜活易腐商品不支持七天无理由退货",
            "Fresh and perishable goods cannot be returned without a reason",
        ),
    ),
    (
        ItemFlag.DIGITAL_DOWNLOAD,
        False,
        "excluded_digital",
        Text(
            "在线下载的数字化商品不支持七天无理由退货",
            "Downloaded digital goods cannot be returned without a reason",
        ),
    ),
    (
        ItemFlag.SEALED_MEDIA,
        True,
        "excluded_opened_media",
        Text(
            "已拆封的音像制品、计算机软件不支持七天无理由退货",
            "Audio-visual media and software cannot be returned without a reason once unsealed",
        ),
    ),
    (
        ItemFlag.PERIODICAL,
        False,
        "excluded_periodical",
        Text(
            "报纸、期刊不支持七天无理由退货",
            "Newspapers and periodicals cannot be returned without a reason",
        ),
    ),
    (
        ItemFlag.NON_RETURNABLE_CONFIRMED,
        False,
        "excluded_non_returnable",
        Text(
            "您在购买时已确认该商品不适用七天无理由退货",
            "You confirmed at purchase that this item cannot be returned without a reason",
        ),
    ),
    (
        ItemFlag.HYGIENE_SEALED,
        True,
        "excluded_hygiene_opened",
        Text(
            "贴身卫生用品拆封后不再完好，不支持七天无理由退货",
            "Hygiene goods are no longer intact once unsealed: no return without a reason",
        ),
    ),
)

_SEAL_CONDITION = Text(
    "须保持原包装密封，拆封后不支持七天无理由退货",
    "Only while the original seal is unbroken; once opened it cannot be returned without a reason",
)


def _pass(code: str, message: Text) -> RuleResult:
    return RuleResult(code, Verdict.PASS, message)


def _review(code: str, message: Text) -> RuleResult:
    return RuleResult(code, Verdict.REVIEW, message)


def _fail(code: str, message: Text) -> RuleResult:
    return RuleResult(code, Verdict.FAIL, message)


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
    """Apply every rule to one line; `already_requested` counts units in other live requests."""
    terms = policy.terms_for(order.merchant_id, line.category)
    results: list[RuleResult] = []
    last_day: date | None = None

    available = line.quantity - already_requested
    if claim.quantity > available:
        results.append(
            _fail(
                "quantity_exceeded",
                Text(
                    "申请数量 {asked} 超过可申请数量 {available}",
                    "Asked for {asked}, but only {available} can still be requested",
                ).format(asked=claim.quantity, available=max(available, 0)),
            )
        )
    else:
        results.append(
            _pass(
                "quantity_ok",
                Text("可申请数量 {available}", "{available} can be requested").format(
                    available=available
                ),
            )
        )

    if claim.reason not in ALLOWED_REASONS[request_type]:
        results.append(
            _fail(
                "type_not_allowed",
                Text(
                    "“{type_zh}”不适用于原因“{reason_zh}”",
                    "{type_en} is not available for “{reason_en}”",
                ).format(
                    type_zh=request_type.label.zh,
                    type_en=request_type.label.en.capitalize(),
                    reason_zh=claim.reason.label.zh,
                    reason_en=claim.reason.label.en,
                ),
            )
        )

    if not order.is_delivered(now):
        results.extend(_undelivered_rules(request_type))
    elif claim.reason is Reason.NOT_DELIVERED:
        results.append(
            _review(
                "delivery_disputed",
                Text(
                    "物流记录显示已签收，未收到货的申请需人工核实",
                    "The carrier reports the order delivered: a person will check",
                ),
            )
        )
    elif claim.reason is Reason.NO_REASON:
        no_reason, last_day = _no_reason_rules(order, line, claim, terms, now, policy)
        results.extend(no_reason)
    else:
        fault, last_day = _fault_rules(order, request_type, claim, terms, has_photos, now, policy)
        results.extend(fault)

    if request_type is RequestType.REFUND_ONLY and order.is_delivered(now):
        results.append(
            _review(
                "refund_only_review",
                Text(
                    "已签收商品申请仅退款（不退货）需人工审核",
                    "A refund without return of delivered goods is decided by a person",
                ),
            )
        )

    payer = shipping_payer(order, request_type, claim.reason, terms)
    results.append(_pass(f"shipping_paid_by_{payer.value}", _PAYER_TEXT[payer]))
    return LineVerdict(claim.line_no, _outcome(results), tuple(results), payer, last_day)


def _outcome(results: list[RuleResult]) -> Outcome:
    verdicts = {r.verdict for r in results}
    if Verdict.FAIL in verdicts:
        return Outcome.REJECTED
    if Verdict.REVIEW in verdicts:
        return Outcome.PENDING_REVIEW
    return Outcome.APPROVED


def _undelivered_rules(request_type: RequestType) -> list[RuleResult]:
    if request_type is RequestType.REFUND_ONLY:
        return [
            _pass(
                "undelivered_refund_only",
                Text(
                    "订单未签收，可申请仅退款",
                    "Not delivered yet: a refund without return is possible",
                ),
            )
        ]
    return [
        _fail(
            "not_delivered",
            Text(
                "订单尚未签收，只能申请仅退款",
                "The order has not been delivered: only a refund without return is possible",
            ),
        )
    ]


def _no_reason_rules(
    order: Order,
    line: OrderLine,
    claim: LineClaim,
    terms: Terms,
    now: datetime,
    policy: PolicyVersion,
) -> tuple[list[RuleResult], date]:
    assert order.delivered_at is not None
    results: list[RuleResult] = []
    last_day = policy.last_day(order.delivered_at, terms.no_reason_days)
    if policy.local_date(now) > last_day:
        results.append(
            _fail(
                "window_expired",
                Text(
                    "已超过{days}天无理由退货期限（最后申请日 {last_day}）",
                    "The {days}-day no-reason period ended on {last_day}",
                ).format(days=terms.no_reason_days, last_day=last_day.isoformat()),
            )
        )
    else:
        results.append(
            _pass(
                "window_open",
                Text(
                    "{last_day} 前可申请{days}天无理由退换",
                    "No-reason returns and exchanges until {last_day} ({days} days)",
                ).format(days=terms.no_reason_days, last_day=last_day.isoformat()),
            )
        )
    for flag, only_if_opened, code, message in _EXCLUSIONS:
        if flag not in line.flags:
            continue
        if not only_if_opened or claim.opened:
            results.append(_fail(code, message))
        else:
            results.append(_pass("sealed_only", _SEAL_CONDITION))
    return results, last_day


# Which term bounds a fault claim of each type (quality-fault terms, R2.2).
_FAULT_WINDOWS = {
    RequestType.REFUND: "quality_refund_days",
    RequestType.REFUND_ONLY: "quality_refund_days",
    RequestType.EXCHANGE: "quality_exchange_days",
    RequestType.REISSUE: "quality_exchange_days",
    RequestType.REPAIR: "warranty_days",
}


def _fault_rules(
    order: Order,
    request_type: RequestType,
    claim: LineClaim,
    terms: Terms,
    has_photos: bool,
    now: datetime,
    policy: PolicyVersion,
) -> tuple[list[RuleResult], date]:
    """A fault is never refused for the no-reason exclusions; late claims go to a person."""
    assert order.delivered_at is not None
    results: list[RuleResult] = []
    days: int = getattr(terms, _FAULT_WINDOWS[request_type])
    last_day = policy.last_day(order.delivered_at, days)
    if request_type is RequestType.REPAIR and days == 0:
        results.append(
            _fail(
                "repair_not_offered",
                Text("该品类不提供维修服务", "This category has no repair service"),
            )
        )
    elif policy.local_date(now) > last_day:
        results.append(
            _review(
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
        )
    else:
        results.append(
            _pass(
                "fault_window_open",
                Text(
                    "{reason_zh}：{last_day} 前可申请{type_zh}",
                    "{reason_en}: {type_en} possible until {last_day}",
                ).format(
                    reason_zh=claim.reason.label.zh,
                    reason_en=claim.reason.label.en.capitalize(),
                    type_zh=request_type.label.zh,
                    type_en=request_type.label.en,
                    last_day=last_day.isoformat(),
                ),
            )
        )
    if claim.reason.needs_photos and not has_photos:
        results.append(
            _review(
                "evidence_missing",
                Text(
                    "未上传商品照片，将由客服人工审核",
                    "No photos of the goods: a person will review the claim",
                ),
            )
        )
    return results, last_day


def shipping_payer(
    order: Order, request_type: RequestType, reason: Reason, terms: Terms
) -> ShippingPayer:
    """R2.4: the merchant pays for faults; the customer for a change of mind."""
    if not request_type.ships_back:
        return ShippingPayer.NONE
    if reason.is_fault:
        return ShippingPayer.MERCHANT
    if terms.merchant_pays_no_reason_shipping:
        return ShippingPayer.MERCHANT
    if order.return_shipping_insurance:
        return ShippingPayer.INSURANCE
    return ShippingPayer.CUSTOMER


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


@dataclass(frozen=True, slots=True)
class LineOption:
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
