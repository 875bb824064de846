"""The figures the help centre's FAQ and the staff manual quote (issue 16): never typed in.

`customer_facts` reads what a customer is promised today: the policy in force (days,
who pays shipping), the platform's return methods (fees, pickup hours, the warehouse)
and the refund settings (how soon, instant refunds, store credit). `staff_deadlines`
reads the clocks staff work against and where each is set: the policy version's own
(review, ship-by, confirm-by) and the configuration's (refund, inspection, complaints,
appeals, disputes). Both are plain frozen values, so the pages only say them in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from returnflow.config import Settings
from returnflow.domain.money import Money
from returnflow.domain.policy import PolicyVersion, Terms
from returnflow.domain.shipping import ANY, MethodTerms, PickupHours, Warehouse
from returnflow.domain.text import Text
from returnflow.services import policies
from returnflow.services.policy_words import Line, scope_label, term_lines
from returnflow.services.shipping_settings import method_book
from returnflow.services.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Method:
    """One way to send goods back, as a customer reads it."""

    terms: MethodTerms
    fee: Money


@dataclass(frozen=True, slots=True)
class CustomerFacts:
    policy: PolicyVersion
    terms: Terms  # the platform's promise for all goods
    lines: tuple[Line, ...]
    short_quality: tuple[tuple[Text, int], ...]  # categories with a shorter fault window
    methods: tuple[Method, ...]
    pickup: PickupHours
    warehouse: Warehouse
    refund_hours: int  # after the return is accepted
    instant_limit: Money | None  # refunds up to this may go at the first carrier scan
    credit_bonus_percent: float
    credit_months: int
    appeal_days: int

    @property
    def credit_bonus_text(self) -> str:
        """5.0 → "5", 2.5 → "2.5"."""
        return f"{self.credit_bonus_percent:g}"

    @property
    def payer(self) -> str:
        return "merchant" if self.terms.merchant_pays_no_reason_shipping else "customer"


@dataclass(frozen=True, slots=True)
class Deadline:
    """A clock staff work against: its length, its unit and where it is set."""

    code: str
    amount: float
    unit: str  # "hours" or "days"
    source: str  # "policy" (the version in force) or a setting's name


def _hours(value: float) -> int:
    return max(1, round(value))


def customer_facts(uow: UnitOfWork, settings: Settings, now: datetime) -> CustomerFacts:
    policy = policies.policy_book(uow).in_force_at(now)
    book = method_book(uow, ANY, ANY).book
    methods = tuple(Method(t, Money(t.fee)) for t in book.methods if t.enabled)
    short = tuple(
        (scope_label(code), terms.quality_refund_days)
        for code, terms in sorted(policy.categories.items())
        if terms.quality_refund_days < policy.baseline.quality_refund_days
    )
    instant = settings.instant_refund_enabled and settings.instant_refund_max_amount > 0
    return CustomerFacts(
        policy=policy,
        terms=policy.baseline,
        lines=term_lines(policy.baseline, policy.baseline),
        short_quality=short,
        methods=methods,
        pickup=book.pickup_hours,
        warehouse=book.warehouse,
        refund_hours=_hours(settings.refund_deadline_hours),
        instant_limit=Money(settings.instant_refund_max_amount) if instant else None,
        credit_bonus_percent=settings.store_credit_bonus_percent,
        credit_months=settings.store_credit_expiry_months,
        appeal_days=settings.appeal_window_days,
    )


def staff_deadlines(uow: UnitOfWork, settings: Settings, now: datetime) -> tuple[Deadline, ...]:
    policy = policies.policy_book(uow).in_force_at(now)
    urgent = settings.complaint_first_response_urgent_hours
    return (
        Deadline("review", policy.review_hours, "hours", "policy"),
        Deadline(
            "review_auto", settings.review_auto_approve_days, "days", "review_auto_approve_days"
        ),
        Deadline("ship", policy.ship_within_days, "days", "policy"),
        Deadline("inspect", settings.inspection_due_days, "days", "inspection_due_days"),
        Deadline(
            "inspect_timeout", settings.inspection_timeout_days, "days", "inspection_timeout_days"
        ),
        Deadline("refund", settings.refund_deadline_hours, "hours", "refund_deadline_hours"),
        Deadline("confirm", policy.confirm_within_days, "days", "policy"),
        Deadline("complaint_urgent", urgent, "hours", "complaint_first_response_urgent_hours"),
        Deadline(
            "complaint",
            settings.complaint_first_response_ordinary_hours,
            "hours",
            "complaint_first_response_ordinary_hours",
        ),
        Deadline("appeal", settings.appeal_window_days, "days", "appeal_window_days"),
        Deadline("dispute", settings.dispute_evidence_days, "days", "dispute_evidence_days"),
    )
