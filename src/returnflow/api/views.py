"""Domain objects rendered as API bodies, messages in the reader's language."""

from __future__ import annotations

from returnflow.api import schemas
from returnflow.domain.access import mask_email, mask_phone
from returnflow.domain.lifecycle import allowed_actions
from returnflow.domain.money import Money
from returnflow.domain.orders import Order
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.rules import LineEligibility, RuleResult

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


def masked_contact(contact: dict[str, str]) -> dict[str, str]:
    """R14.1: phone and email shown only to those who need them."""
    shown = dict(contact)
    if "phone" in shown:
        shown["phone"] = mask_phone(shown["phone"])
    if "email" in shown:
        shown["email"] = mask_email(shown["email"])
    return shown


def return_out(request: ReturnRequest, language: str, *, show_contact: bool) -> schemas.ReturnOut:
    decision = request.decision
    estimate = request.estimate
    actions: list[str] = []
    for action in allowed_actions(request.status, request.request_type):
        name = _MANUAL_ACTION_NAMES.get(action.value)
        if name and name not in actions:
            actions.append(name)
    return schemas.ReturnOut(
        rma_no=request.rma_no,
        order_no=request.order_no,
        merchant_id=request.merchant_id,
        customer_id=request.customer_id,
        type=request.request_type,
        channel=request.channel,
        status=request.status,
        status_label=request.status.label.in_language(language),
        decision=None
        if decision is None
        else schemas.DecisionOut(
            outcome=decision.outcome,
            reasons=reasons(decision.reasons, language),
            policy_version=decision.policy_version,
            decided_by=decision.decided_by,
            decided_at=decision.decided_at,
        ),
        shipping_payer=request.shipping_payer,
        refund_estimate=schemas.RefundEstimateOut(
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
        ),
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
        shipment=None
        if request.shipment is None
        else schemas.ShipmentOut(
            carrier=request.shipment.carrier,
            tracking_no=request.shipment.tracking_no,
            shipped_at=request.shipment.shipped_at,
        ),
        inspection=None
        if request.inspection is None
        else schemas.InspectionOut(
            passed=request.inspection.passed,
            notes=request.inspection.notes,
            inspected_at=request.inspection.inspected_at,
            inspected_by=request.inspection.inspected_by,
        ),
        refund=None
        if request.refund is None
        else schemas.RefundOut(
            amount=money(request.refund.amount),
            method=request.refund.method,
            reference=request.refund.reference,
            paid_at=request.refund.paid_at,
        ),
        allowed_actions=actions,
        timeline=[
            schemas.TimelineEntry(
                at=change.at,
                actor=change.actor,
                action=change.action,
                from_status=change.from_status,
                status=change.to_status,
                label=change.to_status.label.in_language(language),
                note=change.note,
            )
            for change in request.history
        ],
    )
