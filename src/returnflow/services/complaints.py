"""Complaints (R8.1, R8.2, R8.5): filing from every channel, handling, breaches, satisfaction.

The rules are `Complaint`'s (domain/complaints.py); here they meet the rest: the
classifier's suggestion (services/classifying.py; a person's choice wins, the
suggestion is kept), the order or RMA the complaint is about (it must exist and be the
customer's), key-account customers' named team, the agents' corrections kept as
training data, and the satisfaction invitation on the outbox once resolved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from returnflow.config import Settings
from returnflow.domain.complaints import (
    Category,
    Channel,
    Complaint,
    ComplaintLabel,
    DeadlineRules,
    Flag,
    Intake,
    Suggested,
    Urgency,
    parse,
)
from returnflow.domain.text import DomainError, Text
from returnflow.services.classifying import ComplaintClassifier, LabelledText
from returnflow.services.errors import Conflict, NotFound, order_not_found, return_not_found
from returnflow.services.unit_of_work import UnitOfWork

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")  # complaint numbers carry the platform's local day
MAX_TEXT = 10_000  # characters of a complaint's words
MAX_NOTE = 4_000  # a response, a reason, a resolution, a rating's comment
SATISFACTION_INVITE = "complaint.satisfaction_invite"


@dataclass(frozen=True)
class ComplaintFiling:
    """What a caller, a customer or a mail gives when a complaint is filed."""

    channel: str
    text: str
    order_no: str | None = None
    rma_no: str | None = None
    customer_id: str | None = None
    category: str | None = None
    urgency: str | None = None
    contact_email: str = ""
    subject: str = ""


@dataclass(frozen=True)
class ComplaintRules:
    """The deadlines and the key-account team, from config.py's complaint_* settings."""

    deadlines: DeadlineRules = field(default_factory=DeadlineRules)
    key_account_team: str = "key_accounts"

    @classmethod
    def from_settings(cls, settings: Settings) -> ComplaintRules:
        hours = settings.complaint_resolve_hours
        return cls(
            DeadlineRules(
                first_response_urgent=timedelta(
                    hours=settings.complaint_first_response_urgent_hours
                ),
                first_response_ordinary=timedelta(
                    hours=settings.complaint_first_response_ordinary_hours
                ),
                resolve_default=timedelta(hours=settings.complaint_resolve_default_hours),
                resolve_by_category={name: timedelta(hours=h) for name, h in hours.items()},
            ),
            settings.complaint_account_team,
        )


def file_complaint(
    uow: UnitOfWork,
    filing: ComplaintFiling,
    actor: str,
    now: datetime,
    classifier: ComplaintClassifier,
    rules: ComplaintRules,
) -> Complaint:
    """A complaint filed, classified, numbered and its clocks started."""
    channel = parse(Channel, filing.channel, "channel")
    category = parse(Category, filing.category, "category") if filing.category else None
    urgency = parse(Urgency, filing.urgency, "urgency") if filing.urgency else None
    text = _bounded(filing.text, MAX_TEXT, "text")
    # asked first, before this transaction touches the database: a classifier that
    # trains on its first use reads the stored corrections in a transaction of its own
    suggested = _suggest(classifier, text)
    intake = _intake(uow, filing, channel, text)
    if intake.customer_id and uow.complaints.is_key_account(intake.customer_id):
        intake = replace(intake, team=rules.key_account_team)
    complaint = Complaint.file(
        _next_no(uow, now),
        intake,
        category=category,
        urgency=urgency,
        suggested=suggested,
        rules=rules.deadlines,
        actor=actor,
        now=now,
    )
    uow.complaints.add(complaint)
    return complaint


def get_complaint(
    uow: UnitOfWork,
    complaint_no: str,
    *,
    merchant_scope: str | None = None,
    customer_id: str | None = None,
    for_update: bool = False,
) -> Complaint:
    """A complaint by number; one outside the caller's scope is as unknown as a missing one."""
    complaint = uow.complaints.get(complaint_no, for_update=for_update)
    if (
        complaint is None
        or (merchant_scope is not None and complaint.merchant_id != merchant_scope)
        or (customer_id is not None and complaint.customer_id != customer_id)
    ):
        raise NotFound(
            "complaint_not_found",
            Text("找不到投诉 {no}", "Complaint {no} was not found").format(no=complaint_no[:40]),
        )
    return complaint


def respond(
    uow: UnitOfWork,
    complaint_no: str,
    message: str,
    actor: str,
    now: datetime,
    *,
    merchant_scope: str | None = None,
) -> Complaint:
    complaint = _handled(uow, complaint_no, merchant_scope)
    _step(lambda: complaint.respond(_bounded(message, MAX_NOTE, "message"), actor, now))
    return complaint


def escalate(
    uow: UnitOfWork,
    complaint_no: str,
    reason: str,
    actor: str,
    now: datetime,
    *,
    to: str = "manager",
    merchant_scope: str | None = None,
) -> Complaint:
    complaint = _handled(uow, complaint_no, merchant_scope)
    _step(lambda: complaint.escalate(_bounded(reason, MAX_NOTE, "reason"), actor, now, to[:64]))
    return complaint


def resolve(
    uow: UnitOfWork,
    complaint_no: str,
    resolution: str,
    actor: str,
    now: datetime,
    *,
    merchant_scope: str | None = None,
) -> Complaint:
    """Resolved; the customer is asked how satisfied they are (through the outbox)."""
    complaint = _handled(uow, complaint_no, merchant_scope)
    _step(lambda: complaint.resolve(_bounded(resolution, MAX_NOTE, "resolution"), actor, now))
    if complaint.customer_id or complaint.contact_email:
        invite = {
            "complaint_no": complaint.complaint_no,
            "customer_id": complaint.customer_id,
            "email": complaint.contact_email,
            "resolved_at": now.isoformat(),
        }
        uow.outbox.put(SATISFACTION_INVITE, invite, now)
    return complaint


def reopen(
    uow: UnitOfWork,
    complaint_no: str,
    reason: str,
    actor: str,
    now: datetime,
    *,
    rules: ComplaintRules,
    customer_id: str | None = None,
) -> Complaint:
    """Open again (staff, or the customer on their own complaint): a new resolution clock."""
    complaint = get_complaint(uow, complaint_no, customer_id=customer_id, for_update=True)
    deadlines = rules.deadlines
    _step(lambda: complaint.reopen(_bounded(reason, MAX_NOTE, "reason"), actor, now, deadlines))
    return complaint


def classify(
    uow: UnitOfWork,
    complaint_no: str,
    category: str,
    urgency: str,
    actor: str,
    now: datetime,
    *,
    rules: ComplaintRules,
) -> Complaint:
    """An agent confirms or corrects the category and urgency; the label is kept (R8.1)."""
    chosen, level = parse(Category, category, "category"), parse(Urgency, urgency, "urgency")
    complaint = get_complaint(uow, complaint_no, for_update=True)
    deadlines = rules.deadlines
    labels: list[ComplaintLabel] = []
    _step(lambda: labels.append(complaint.classify(chosen, level, actor, now, deadlines)))
    uow.complaints.add_label(labels[0])
    return complaint


def flag(
    uow: UnitOfWork, complaint_no: str, flag: str, note: str, actor: str, now: datetime
) -> Complaint:
    """Marked as a suspected malicious review or an abnormal order: routed to risk (R8.5)."""
    marked = parse(Flag, flag, "flag")
    complaint = get_complaint(uow, complaint_no, for_update=True)
    _step(lambda: complaint.mark(marked, note[:MAX_NOTE], actor, now))
    return complaint


def rate(
    uow: UnitOfWork,
    complaint_no: str,
    score: int,
    comment: str,
    customer_id: str | None,
    now: datetime,
) -> Complaint:
    """The customer's satisfaction with a resolved complaint, once (their own only);
    `customer_id` None: recorded for the customer by staff (the app's backend)."""
    complaint = get_complaint(uow, complaint_no, customer_id=customer_id, for_update=True)
    actor = f"customer:{customer_id or complaint.customer_id or ''}"
    _step(lambda: complaint.rate(score, comment.strip()[:MAX_NOTE], actor, now))
    return complaint


def flag_breaches(uow: UnitOfWork, now: datetime) -> int:
    """The worker's tick: every clock run out marked and escalated; how many complaints."""
    breached = 0
    for complaint_no in uow.complaints.breach_candidates(now):
        complaint = uow.complaints.get(complaint_no, for_update=True)
        if complaint is not None and complaint.check_breaches(now):
            breached += 1
    return breached


def training_corrections(uow: UnitOfWork) -> list[LabelledText]:
    """What agents corrected, as the classifier learns it."""
    return [
        LabelledText(label.text, label.category, label.urgency)
        for label in uow.complaints.corrections()
    ]


# --- helpers ----------------------------------------------------------------------------


def _intake(uow: UnitOfWork, filing: ComplaintFiling, channel: Channel, text: str) -> Intake:
    """Who and what: an RMA names its order; both must be the customer's when one is given."""
    order_no, customer_id = filing.order_no or None, filing.customer_id or None
    if filing.rma_no:
        request = uow.returns.get(filing.rma_no)
        if request is None or (customer_id and request.customer_id != customer_id):
            raise return_not_found(filing.rma_no[:40])
        if order_no and order_no != request.order_no:
            raise DomainError(
                "complaint_order_mismatch",
                Text(
                    "退换货单 {rma} 不属于订单 {order}", "{rma} is not a request of order {order}"
                ).format(rma=request.rma_no, order=order_no[:64]),
                field="order_no",
            )
        order_no = request.order_no
    merchant_id, email = None, filing.contact_email.strip()[:254]
    if order_no:
        order = uow.orders.get(order_no)
        if order is None or (customer_id and order.customer.id != customer_id):
            raise order_not_found(order_no[:64])
        customer_id, merchant_id = order.customer.id, order.merchant_id
        email = email or order.customer.email
    return Intake(
        channel=channel,
        text=text,
        order_no=order_no,
        rma_no=filing.rma_no or None,
        customer_id=customer_id,
        merchant_id=merchant_id,
        subject=filing.subject.strip()[:200],
        contact_email=email,
    )


def _suggest(classifier: ComplaintClassifier, text: str) -> Suggested:
    """The classifier's guess; a value it should not give is left out, never trusted."""
    guess = classifier.suggest(text)
    category = guess.category if guess.category in set(Category) else None
    urgency = guess.urgency if guess.urgency in set(Urgency) else None
    confidence = min(max(float(guess.category_confidence), 0.0), 1.0)
    return Suggested(
        Category(category) if category else None,
        confidence if category else 0.0,
        Urgency(urgency) if urgency else None,
    )


def _next_no(uow: UnitOfWork, now: datetime) -> str:
    """CP + the platform's local date + a global serial: CP20261207-000123."""
    day = now.astimezone(LOCAL_ZONE).strftime("%Y%m%d")
    return f"CP{day}-{uow.complaints.next_serial():06d}"


def _handled(uow: UnitOfWork, complaint_no: str, merchant_scope: str | None) -> Complaint:
    return get_complaint(uow, complaint_no, merchant_scope=merchant_scope, for_update=True)


def _bounded(value: str, limit: int, field: str) -> str:
    if len(value) > limit:
        raise DomainError(
            "complaint_text_too_long",
            Text("内容过长（最多 {n} 字）", "Too long (at most {n} characters)").format(n=limit),
            field=field,
        )
    return value


def _step(step: Callable[[], object]) -> None:
    """Run a handling step; a step the status does not allow answers 409."""
    try:
        step()
    except DomainError as error:
        if error.code in {"complaint_step_not_allowed", "complaint_already_rated"}:
            raise Conflict(error.code, error.message, field=error.field) from error
        raise
