"""The return request (RMA): the aggregate every after-sales step acts on.

All changes go through its methods, which consult the transition table, stamp a
`StatusChange` (who, when, from, to, why) on the history, and record a domain event.
The history is append-only: it is the customer's timeline (R7.3) and the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from returnflow.domain.events import DomainEvent
from returnflow.domain.kinds import Channel, Outcome, Reason, RequestType, ShippingPayer
from returnflow.domain.lifecycle import Action, Status, transition_for
from returnflow.domain.money import Money
from returnflow.domain.notices import refund_arrival
from returnflow.domain.policy import PolicyVersion
from returnflow.domain.refunds import RefundEstimate
from returnflow.domain.review import Assessment
from returnflow.domain.text import DomainError, Text
from returnflow.domain.verdicts import LineClaim, RuleResult, Verdict


@dataclass(frozen=True, slots=True)
class ReturnLine:
    line_no: int
    quantity: int
    reason: Reason
    reason_text: str = ""
    opened: bool = False

    @property
    def claim(self) -> LineClaim:
        return LineClaim(self.line_no, self.quantity, self.reason, self.opened)


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    reasons: tuple[RuleResult, ...]
    policy_version: int
    decided_by: str  # "auto" or the person who decided
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class StatusChange:
    at: datetime
    actor: str
    action: Action
    from_status: Status | None
    to_status: Status
    note: str = ""


@dataclass(frozen=True, slots=True)
class Shipment:
    carrier: str
    tracking_no: str
    shipped_at: datetime


@dataclass(frozen=True, slots=True)
class Inspection:
    passed: bool
    notes: str
    inspected_at: datetime
    inspected_by: str


@dataclass(frozen=True, slots=True)
class RefundRecord:
    amount: Money
    method: str
    reference: str  # the original payment's transaction, the refund goes back to it
    paid_at: datetime


@dataclass(frozen=True, slots=True)
class Rating:
    score: int  # 1–5
    comment: str
    rated_at: datetime


@dataclass
class ReturnRequest:
    rma_no: str
    order_no: str
    merchant_id: str
    customer_id: str
    request_type: RequestType
    channel: Channel
    lines: tuple[ReturnLine, ...]
    created_at: datetime
    estimate: RefundEstimate
    shipping_payer: ShippingPayer
    status: Status = Status.REQUESTED
    decision: Decision | None = None
    contact: dict[str, str] = field(default_factory=dict)
    photos: tuple[str, ...] = ()
    review_due_at: datetime | None = None
    ship_by: datetime | None = None
    confirm_by: datetime | None = None
    shipment: Shipment | None = None
    inspection: Inspection | None = None
    refund: RefundRecord | None = None
    rating: Rating | None = None
    history: list[StatusChange] = field(default_factory=list)
    version: int = 0
    # events raised since loading, for the unit of work to put in the outbox
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @classmethod
    def open(
        cls,
        *,
        rma_no: str,
        order_no: str,
        merchant_id: str,
        customer_id: str,
        request_type: RequestType,
        channel: Channel,
        lines: tuple[ReturnLine, ...],
        assessment: Assessment,
        policy: PolicyVersion,
        now: datetime,
        actor: str,
        contact: dict[str, str] | None = None,
        photos: tuple[str, ...] = (),
    ) -> ReturnRequest:
        """File a request and apply the automated review's outcome at once (R1.3, R3.1)."""
        request = cls(
            rma_no=rma_no,
            order_no=order_no,
            merchant_id=merchant_id,
            customer_id=customer_id,
            request_type=request_type,
            channel=channel,
            lines=lines,
            created_at=now,
            estimate=assessment.estimate,
            shipping_payer=assessment.shipping_payer,
            contact=dict(contact or {}),
            photos=photos,
        )
        request.history.append(StatusChange(now, actor, Action.SUBMIT, None, Status.REQUESTED))
        request.decision = Decision(
            assessment.outcome, assessment.reasons, assessment.policy_version, "auto", now
        )
        if assessment.outcome is Outcome.APPROVED:
            request._move(Action.AUTO_APPROVE, "system", now)
            request._start_shipping_clock(now, policy)
        elif assessment.outcome is Outcome.REJECTED:
            request._move(Action.AUTO_REJECT, "system", now, _codes(assessment.reasons))
        else:
            request._move(Action.REFER, "system", now, _codes(assessment.reasons))
            request.review_due_at = now + timedelta(hours=policy.review_hours)
        # one event for the filing and its first decision: the confirmation notice (R1.3)
        request.events.clear()
        request._record(
            "return.created",
            now,
            from_status=None,  # a new request: its status is the first decision's
            action=request.history[-1].action.value,
            outcome=assessment.outcome.value,
            ship_by=request.ship_by.isoformat() if request.ship_by else None,  # notices
            reasons=[
                {"code": r.code, "zh": r.message.zh, "en": r.message.en} for r in assessment.reasons
            ],
        )
        return request

    # --- review -----------------------------------------------------------------

    def approve(self, actor: str, now: datetime, policy: PolicyVersion, note: str = "") -> None:
        self._move(Action.APPROVE, actor, now, note)
        assert self.decision is not None
        self.decision = Decision(
            Outcome.APPROVED,
            (
                RuleResult(
                    "approved_by_staff",
                    Verdict.PASS,
                    Text("客服审核通过", "Approved by customer service"),
                ),
            ),
            self.decision.policy_version,
            actor,
            now,
        )
        self._start_shipping_clock(now, policy)

    def reject(
        self, actor: str, now: datetime, reason: str, code: str = "rejected_by_staff"
    ) -> None:
        """R3.3: a person's rejection always carries the reason the customer will read."""
        if not reason.strip():
            raise DomainError(
                "reason_required",
                Text("拒绝时必须说明原因", "A rejection must give the reason"),
                field="reason",
            )
        self._move(Action.REJECT, actor, now, reason)
        assert self.decision is not None
        self.decision = Decision(
            Outcome.REJECTED,
            (RuleResult(code, Verdict.FAIL, Text(reason, reason)),),
            self.decision.policy_version,
            actor,
            now,
        )

    # --- goods on their way back and at the warehouse ------------------------------

    def ship(
        self, actor: str, now: datetime, carrier: str, tracking_no: str, note: str = ""
    ) -> None:
        if not carrier.strip() or not tracking_no.strip():
            raise DomainError(
                "tracking_required",
                Text("请填写快递公司和运单号", "Give the carrier and the tracking number"),
                field="tracking_no" if carrier.strip() else "carrier",
            )
        self._move(Action.SHIP, actor, now, note or f"{carrier} {tracking_no}")
        self.shipment = Shipment(carrier.strip(), tracking_no.strip(), now)

    def receive(self, actor: str, now: datetime, note: str = "") -> None:
        self._move(Action.RECEIVE, actor, now, note)

    def inspect(self, actor: str, now: datetime, passed: bool, notes: str = "") -> None:
        if not passed and not notes.strip():
            raise DomainError(
                "reason_required",
                Text("验收不通过时必须说明原因", "A failed inspection must give the reason"),
                field="notes",
            )
        self._move(Action.INSPECT_PASS if passed else Action.INSPECT_FAIL, actor, now, notes)
        self.inspection = Inspection(passed, notes, now, actor)

    # --- resolution --------------------------------------------------------------

    def pay_refund(
        self,
        actor: str,
        now: datetime,
        method: str,
        reference: str,
        *,
        amount: Money | None = None,
        note: str = "",
        notify: bool = True,
        settles: bool = False,
    ) -> RefundRecord:
        """The money is paid: `amount` is the estimate less deductions (default: the estimate).

        `notify` False when the customer was already told (an instant refund paid earlier).
        `settles`: a ruling's or a lost parcel's money, paid without the goods (issue 12).
        """
        paid = self.estimate.total if amount is None else amount
        action = Action.SETTLE if settles else Action.REFUND
        self._move(action, actor, now, note or str(paid))
        self.refund = RefundRecord(paid, method, reference, now)
        self.events[-1].data.update(
            amount=paid.cents, currency=paid.currency, method=method, silent=not notify
        )
        self.events[-1].data["arrives_by"] = refund_arrival(method, now).isoformat()
        return self.refund

    def resolve(self, action: Action, actor: str, now: datetime, note: str = "") -> None:
        """Exchange shipped, repair done or parts reissued."""
        if action not in (Action.EXCHANGE, Action.REPAIR, Action.REISSUE):
            raise ValueError(action)
        self._move(action, actor, now, note)

    def complete(self, actor: str, now: datetime, policy: PolicyVersion, note: str = "") -> None:
        self._move(Action.COMPLETE, actor, now, note)
        self.confirm_by = now + timedelta(days=policy.confirm_within_days)
        self.events[-1].data.update(
            confirm_by=self.confirm_by.isoformat(), timezone=policy.timezone
        )

    def confirm(self, actor: str, now: datetime, note: str = "") -> None:
        self._move(Action.CONFIRM, actor, now, note)

    def rate(self, now: datetime, score: int, comment: str = "") -> None:
        """R7.2: one satisfaction rating, once the request is completed."""
        if self.status not in (Status.COMPLETED, Status.CONFIRMED):
            raise DomainError(
                "rating_not_open",
                Text(
                    "处理完成后才能评价", "You can rate the service once the request is completed"
                ),
            )
        if self.rating is not None:
            raise DomainError(
                "already_rated", Text("您已评价过", "You have already rated this request")
            )
        if not 1 <= score <= 5:
            raise DomainError(
                "score_out_of_range",
                Text("评分须为 1 到 5 分", "The score is 1 to 5"),
                field="score",
            )
        self.rating = Rating(score, comment.strip()[:1000], now)
        self._record("return.rated", now, score=score)

    def cancel(self, actor: str, now: datetime, note: str = "") -> None:
        self._move(Action.CANCEL, actor, now, note)

    # --- appeals and overturns (R3.2, domain/appeals.py) ---------------------------

    def appeal(
        self, actor: str, now: datetime, statement: str, review_due: datetime | None = None
    ) -> None:
        """A rejection goes back to a person; a failed inspection stays, its appeal noted."""
        if self.status is Status.INSPECTION_FAILED:
            self._record("return.appealed", now, action=Action.APPEAL.value, note=statement)
            return
        self._move(Action.APPEAL, actor, now, statement[:500])
        self.review_due_at = review_due

    def overturn(self, actor: str, now: datetime, reason: str, policy: PolicyVersion) -> None:
        """Staff overturn a rejection (approved, with its ship-by) or a failed inspection."""
        if not reason.strip():
            raise DomainError(
                "reason_required",
                Text("推翻原决定时必须说明原因", "Overturning a decision must give the reason"),
                field="reason",
            )
        self._move(Action.OVERTURN, actor, now, reason)
        if self.status is Status.APPROVED and self.decision is not None:
            passed = RuleResult("overturned", Verdict.PASS, Text(reason, reason))
            self.decision = Decision(
                Outcome.APPROVED, (passed,), self.decision.policy_version, actor, now
            )
            self._start_shipping_clock(now, policy)

    # --- the clock's own moves ---------------------------------------------------

    def auto_close_if_unshipped(self, now: datetime) -> bool:
        """R1.5: an approved request not shipped in time closes itself, with notice."""
        if self.status is Status.APPROVED and self.ship_by is not None and now >= self.ship_by:
            self._move(Action.AUTO_CLOSE, "system", now, "ship_by passed")
            return True
        return False

    def auto_confirm_if_due(self, now: datetime) -> bool:
        """R7.1: the result confirms itself when the customer lets the window pass."""
        if (
            self.status is Status.COMPLETED
            and self.confirm_by is not None
            and now >= self.confirm_by
        ):
            self._move(Action.AUTO_CONFIRM, "system", now)
            return True
        return False

    # --- internals ---------------------------------------------------------------

    def _start_shipping_clock(self, now: datetime, policy: PolicyVersion) -> None:
        if self.request_type.ships_back:
            self.ship_by = now + timedelta(days=policy.ship_within_days)
            self.events[-1].data["ship_by"] = self.ship_by.isoformat()  # its notice says so

    def _move(self, action: Action, actor: str, now: datetime, note: str = "", **data: Any) -> None:
        transition = transition_for(action, self.status, self.request_type)
        change = StatusChange(now, actor, action, self.status, transition.target, note)
        self.history.append(change)
        self.status = transition.target
        self._record(
            f"return.{transition.target.value}",
            now,
            action=action.value,
            from_status=change.from_status.value if change.from_status else None,
            note=note,
            **data,
        )

    def _record(self, name: str, now: datetime, **data: Any) -> None:
        payload = {
            "rma_no": self.rma_no,
            "order_no": self.order_no,
            "customer_id": self.customer_id,
            "merchant_id": self.merchant_id,
            "email": self.contact.get("email", ""),
            "request_type": self.request_type.value,
            "status": self.status.value,
            **data,
        }
        self.events.append(DomainEvent(name, now, payload))


def _codes(results: tuple[RuleResult, ...]) -> str:
    return ", ".join(r.code for r in results)
