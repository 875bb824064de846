"""JSON shapes of domain values kept in document columns (decisions, estimates, policies)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from returnflow.domain.kinds import Outcome
from returnflow.domain.money import Money
from returnflow.domain.policy import MerchantTerms, PolicyVersion, Terms
from returnflow.domain.refunds import LineRefund, RefundEstimate
from returnflow.domain.returns import Decision
from returnflow.domain.text import Text
from returnflow.domain.verdicts import RuleResult, Verdict


def result_to_json(result: RuleResult) -> dict[str, Any]:
    return {
        "code": result.code,
        "verdict": result.verdict.value,
        "zh": result.message.zh,
        "en": result.message.en,
    }


def result_from_json(data: dict[str, Any]) -> RuleResult:
    return RuleResult(data["code"], Verdict(data["verdict"]), Text(data["zh"], data["en"]))


def decision_to_json(decision: Decision) -> dict[str, Any]:
    return {
        "outcome": decision.outcome.value,
        "reasons": [result_to_json(r) for r in decision.reasons],
        "policy_version": decision.policy_version,
        "decided_by": decision.decided_by,
        "decided_at": decision.decided_at.isoformat(),
    }


def decision_from_json(data: dict[str, Any]) -> Decision:
    return Decision(
        Outcome(data["outcome"]),
        tuple(result_from_json(r) for r in data["reasons"]),
        data["policy_version"],
        data["decided_by"],
        datetime.fromisoformat(data["decided_at"]),
    )


def estimate_to_json(estimate: RefundEstimate) -> dict[str, Any]:
    return {
        "currency": estimate.total.currency,
        "lines": [
            {
                "line_no": line.line_no,
                "quantity": line.quantity,
                "unit_price": line.unit_price.cents,
                "gross": line.gross.cents,
                "discount_share": line.discount_share.cents,
                "amount": line.amount.cents,
            }
            for line in estimate.lines
        ],
        "shipping_fee": estimate.shipping_fee.cents,
        "deductions": estimate.deductions.cents,
        "total": estimate.total.cents,
        "goods_value": estimate.goods_value.cents,
    }


def estimate_from_json(data: dict[str, Any]) -> RefundEstimate:
    currency = data["currency"]

    def money(cents: int) -> Money:
        return Money(cents, currency)

    return RefundEstimate(
        lines=tuple(
            LineRefund(
                line_no=line["line_no"],
                quantity=line["quantity"],
                unit_price=money(line["unit_price"]),
                gross=money(line["gross"]),
                discount_share=money(line["discount_share"]),
                amount=money(line["amount"]),
            )
            for line in data["lines"]
        ),
        shipping_fee=money(data["shipping_fee"]),
        deductions=money(data["deductions"]),
        total=money(data["total"]),
        goods_value=money(data["goods_value"]),
    )


def _terms_to_json(terms: Terms) -> dict[str, Any]:
    return {
        "no_reason_days": terms.no_reason_days,
        "quality_refund_days": terms.quality_refund_days,
        "quality_exchange_days": terms.quality_exchange_days,
        "warranty_days": terms.warranty_days,
        "merchant_pays_no_reason_shipping": terms.merchant_pays_no_reason_shipping,
    }


def policy_to_json(policy: PolicyVersion) -> dict[str, Any]:
    return {
        "version": policy.version,
        "effective_from": policy.effective_from.isoformat(),
        "timezone": policy.timezone,
        "baseline": _terms_to_json(policy.baseline),
        "categories": {name: _terms_to_json(t) for name, t in policy.categories.items()},
        "merchants": [
            {"merchant_id": m.merchant_id, "category": m.category, "overrides": dict(m.overrides)}
            for m in policy.merchants
        ],
        "auto_approve_limit": policy.auto_approve_limit,
        "review_hours": policy.review_hours,
        "ship_within_days": policy.ship_within_days,
        "confirm_within_days": policy.confirm_within_days,
    }


def policy_from_json(data: dict[str, Any]) -> PolicyVersion:
    return PolicyVersion(
        version=data["version"],
        effective_from=datetime.fromisoformat(data["effective_from"]),
        timezone=data["timezone"],
        baseline=Terms(**data["baseline"]),
        categories={name: Terms(**t) for name, t in data["categories"].items()},
        merchants=tuple(
            MerchantTerms(m["merchant_id"], m["category"], m["overrides"])
            for m in data["merchants"]
        ),
        auto_approve_limit=data["auto_approve_limit"],
        review_hours=data["review_hours"],
        ship_within_days=data["ship_within_days"],
        confirm_within_days=data["confirm_within_days"],
    )
