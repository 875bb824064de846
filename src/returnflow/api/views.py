"""Domain objects rendered as API bodies, messages in the reader's language."""

from __future__ import annotations

from returnflow.api import schemas
from returnflow.domain.access import masked_contact
from returnflow.domain.lifecycle import allowed_actions
from returnflow.domain.money import Money
from returnflow.domain.orders import Order
from returnflow.domain.refunds import RefundEstimate
from returnflow.domain.returns import (
    Decision,
    Inspection,
    RefundRecord,
    ReturnRequest,
    Shipment,
    StatusChange,
)
from returnflow.domain.verdicts import LineEligibility, RuleResult
from returnflow.services.queries import ReturnSummary

# Actions the API exposes by name; the internal ones (auto_*, refer) are the clock's.
_MANUAL_ACTION_NAMES = {
    "approve": "approve",
    "reject": "reject",
    "ship": "ship",
    "receive": "receive",
    "inspect_pass": "inspect",
    "inspect_fail": "inspect",
    "refund": "refund",
    "exchange": "exchange",
    "repair": "repair",
    "reissue": "reissue",
    "complete": "complete",
    "confirm": "confirm",
    "cancel": "cancel",
}


def money(amount: Money) -> schemas.Money:
    return schemas.Money(amount=amount.cents, currency=amount.currency)


def reasons(results: tuple[RuleResult, ...], language: str) -> list[schemas.ReasonOut]:
    return [
        schemas.ReasonOut(code=r.code, message=r.message.in_language(language)) for r in results
    ]


def eligibility(
    order: Order, policy_version: int, lines: list[LineEligibility], delivered: bool, language: str
) -> schemas.EligibilityOut:
    out = []
    for item in lines:
        line = order.line(item.line_no)
        assert line is not None
        out.append(
            schemas.LineEligibilityOut(
                line_no=line.line_no,
                sku=line.sku,
                title=line.title,
                category=line.category,
                quantity=line.quantity,
                requestable_quantity=item.requestable_quantity,
                allowed_types=item.allowed_types,
                options=[
                    schemas.OptionOut(
                        type=option.request_type,
                        reason_code=option.reason,
                        outcome=option.verdict.outcome,
                        until=option.verdict.last_day,
                        shipping_payer=option.verdict.shipping_payer,
                        reasons=reasons(option.verdict.results, language),
                    )
                    for option in item.options
                ],
            )
        )
    return schemas.EligibilityOut(
        order_no=order.order_no, policy_version=policy_version, delivered=delivered, lines=out
    )


def return_out(request: ReturnRequest, language: str, *, show_contact: bool) -> schemas.ReturnOut:
    """The request as the API shows it; the contact masked unless `show_contact` (R14.1)."""
    return schemas.ReturnOut(
        rma_no=request.rma_no,
        order_no=request.order_no,
        merchant_id=request.merchant_id,
        customer_id=request.customer_id,
        type=request.request_type,
        channel=request.channel,
        status=request.status,
        status_label=request.status.label.in_language(language),
        decision=_decision_out(request.decision, language),
        shipping_payer=request.shipping_payer,
        refund_estimate=_estimate_out(request.estimate),
        lines=[
            schemas.ReturnLineOut(
                line_no=line.line_no,
                quantity=line.quantity,
                reason_code=line.reason,
                reason_text=line.reason_text,
                opened=line.opened,
            )
            for line in request.lines
        ],
        contact=request.contact if show_contact else masked_contact(request.contact),
        photos=list(request.photos),
        created_at=request.created_at,
        review_due_at=request.review_due_at,
        ship_by=request.ship_by,
        confirm_by=request.confirm_by,
        shipment=_shipment_out(request.shipment),
        inspection=_inspection_out(request.inspection),
        refund=_refund_out(request.refund),
        allowed_actions=_manual_actions(request),
        timeline=[_timeline_entry(change, language) for change in request.history],
    )


def _manual_actions(request: ReturnRequest) -> list[str]:
    """The steps a person may take next, by the names of their API routes."""
    actions: list[str] = []
    for action in allowed_actions(request.status, request.request_type):
        name = _MANUAL_ACTION_NAMES.get(action.value)
        if name and name not in actions:
            actions.append(name)
    return actions


def _decision_out(decision: Decision | None, language: str) -> schemas.DecisionOut | None:
    if decision is None:
        return None
    return schemas.DecisionOut(
        outcome=decision.outcome,
        reasons=reasons(decision.reasons, language),
        policy_version=decision.policy_version,
        decided_by=decision.decided_by,
        decided_at=decision.decided_at,
    )


def _estimate_out(estimate: RefundEstimate) -> schemas.RefundEstimateOut:
    return schemas.RefundEstimateOut(
        lines=[
            schemas.RefundLineOut(
                line_no=line.line_no,
                quantity=line.quantity,
                unit_price=money(line.unit_price),
                gross=money(line.gross),
                discount_share=money(line.discount_share),
                amount=money(line.amount),
            )
            for line in estimate.lines
        ],
        shipping_fee=money(estimate.shipping_fee),
        deductions=money(estimate.deductions),
        total=money(estimate.total),
    )


def _shipment_out(shipment: Shipment | None) -> schemas.ShipmentOut | None:
    if shipment is None:
        return None
    return schemas.ShipmentOut(
        carrier=shipment.carrier, tracking_no=shipment.tracking_no, shipped_at=shipment.shipped_at
    )


def _inspection_out(inspection: Inspection | None) -> schemas.InspectionOut | None:
    if inspection is None:
        return None
    return schemas.InspectionOut(
        passed=inspection.passed,
        notes=inspection.notes,
        inspected_at=inspection.inspected_at,
        inspected_by=inspection.inspected_by,
    )


def _refund_out(refund: RefundRecord | None) -> schemas.RefundOut | None:
    if refund is None:
        return None
    return schemas.RefundOut(
        amount=money(refund.amount),
        method=refund.method,
        reference=refund.reference,
        paid_at=refund.paid_at,
    )


def _timeline_entry(change: StatusChange, language: str) -> schemas.TimelineEntry:
    return schemas.TimelineEntry(
        at=change.at,
        actor=change.actor,
        action=change.action,
        from_status=change.from_status,
        status=change.to_status,
        label=change.to_status.label.in_language(language),
        note=change.note,
    )


def summary_out(summary: ReturnSummary) -> schemas.ReturnSummary:
    """One line of a list of requests."""
    return schemas.ReturnSummary(
        rma_no=summary.rma_no,
        order_no=summary.order_no,
        merchant_id=summary.merchant_id,
        customer_id=summary.customer_id,
        type=summary.request_type,
        channel=summary.channel,
        status=summary.status,
        refund_total=money(summary.refund_total),
        created_at=summary.created_at,
        review_due_at=summary.review_due_at,
    )
