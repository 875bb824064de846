"""What a refund pays and how the amount was reached (R6.1): the estimate less deductions.

Every view of the amount (the API, the request pages, the customer's portal) shows the
same workings: price, discount share, shipping and each deduction with the reason the
customer reads. A deduction is a positive amount in the request's currency with a reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from returnflow.domain.money import Money
from returnflow.domain.refunds import Deduction, net_refund
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.text import DomainError, Text
from returnflow.storage import codecs


def refund_amount(request: ReturnRequest, deductions: Sequence[Deduction]) -> Money:
    """The estimate less deductions, never below zero (R6.1)."""
    return net_refund(request.estimate.total, deductions)


def workings(request: ReturnRequest, deductions: Sequence[Deduction]) -> dict[str, Any]:
    """Price, discount share, shipping and deductions: what every view of the amount shows."""
    estimate = request.estimate
    amount = refund_amount(request, deductions)
    return {
        "currency": estimate.total.currency,
        "lines": codecs.estimate_to_json(estimate)["lines"],
        "shipping_fee": estimate.shipping_fee.cents,
        "shipping_payer": request.shipping_payer.value,
        "estimate": estimate.total.cents,
        "deductions": [
            {
                "code": d.code,
                "zh": d.reason.zh,
                "en": d.reason.en,
                "amount": d.amount.cents,
                "line_no": d.line_no,
            }
            for d in deductions
        ],
        "total": amount.cents,
    }


def check_deductions(request: ReturnRequest, deductions: Sequence[Deduction]) -> None:
    """Each deduction positive, in the request's currency, with a reason the customer reads."""
    for deduction in deductions:
        if (
            deduction.amount.cents <= 0
            or deduction.amount.currency != request.estimate.total.currency
        ):
            raise DomainError(
                "deduction_out_of_range",
                Text("扣减金额须为正数", "A deduction must be a positive amount"),
                field="deductions",
            )
        if not deduction.reason.zh.strip() and not deduction.reason.en.strip():
            raise DomainError(
                "reason_required",
                Text("扣减必须说明顾客可见的原因", "A deduction must give the customer the reason"),
                field="deductions",
            )
