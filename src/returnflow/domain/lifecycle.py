"""The return lifecycle as an explicit transition table (R7.3).

Every status change goes through `transition_for`: a move the table does not list
is refused with `transition_not_allowed`, so no code path can skip a step.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from returnflow.domain.kinds import RequestType
from returnflow.domain.text import DomainError, Text


class Status(StrEnum):
    REQUESTED = "requested"
    PENDING_REVIEW = "pending_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    INSPECTED = "inspected"
    INSPECTION_FAILED = "inspection_failed"
    REFUNDED = "refunded"
    EXCHANGED = "exchanged"
    REPAIRED = "repaired"
    REISSUED = "reissued"
    COMPLETED = "completed"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    CLOSED = "closed"  # approved but never shipped (R1.5)

    @property
    def holds_goods(self) -> bool:
        """Whether a request in this status still counts against the line's quantity."""
        return self not in ENDED_WITHOUT_RESULT

    @property
    def label(self) -> Text:
        return _STATUS_LABELS[self]


ENDED_WITHOUT_RESULT = frozenset({Status.REJECTED, Status.CANCELLED, Status.CLOSED})
FINAL = frozenset({Status.CONFIRMED, *ENDED_WITHOUT_RESULT})


class Action(StrEnum):
    SUBMIT = "submit"  # the request is filed; it has no source status
    AUTO_APPROVE = "auto_approve"
    REFER = "refer"  # automated review hands the request to a person
    AUTO_REJECT = "auto_reject"
    APPROVE = "approve"
    REJECT = "reject"
    SHIP = "ship"
    RECEIVE = "receive"
    INSPECT_PASS = "inspect_pass"
    INSPECT_FAIL = "inspect_fail"
    REFUND = "refund"
    EXCHANGE = "exchange"
    REPAIR = "repair"
    REISSUE = "reissue"
    COMPLETE = "complete"
    CONFIRM = "confirm"
    AUTO_CONFIRM = "auto_confirm"
    CANCEL = "cancel"
    AUTO_CLOSE = "auto_close"
    # issue 12: a customer's appeal sends a rejection back to a person (R3.2); staff
    # overturn an automated decision with a reason; a ruling or a lost parcel settles
    # the request with money and without the goods (R8.4, R4.4)
    APPEAL = "appeal"
    OVERTURN = "overturn"
    SETTLE = "settle"


@dataclass(frozen=True, slots=True)
class Transition:
    action: Action
    sources: frozenset[Status]
    target: Status
    types: frozenset[RequestType] | None = None  # None: every request type


S = Status
T = RequestType
_SHIPPED_BACK = frozenset({T.REFUND, T.EXCHANGE, T.REPAIR})
# where a ruling or a lost parcel may settle a request with money, without its goods
_SETTLED_FROM = frozenset(
    {S.REJECTED, S.PENDING_REVIEW, S.APPROVED, S.IN_TRANSIT, S.RECEIVED, S.INSPECTION_FAILED}
)
_SETTLED_TYPES = frozenset({T.REFUND, T.REFUND_ONLY, T.EXCHANGE, T.REPAIR})

TRANSITIONS: tuple[Transition, ...] = (
    Transition(Action.AUTO_APPROVE, frozenset({S.REQUESTED}), S.APPROVED),
    Transition(Action.REFER, frozenset({S.REQUESTED}), S.PENDING_REVIEW),
    Transition(Action.AUTO_REJECT, frozenset({S.REQUESTED}), S.REJECTED),
    Transition(Action.APPROVE, frozenset({S.PENDING_REVIEW}), S.APPROVED),
    Transition(Action.REJECT, frozenset({S.PENDING_REVIEW}), S.REJECTED),
    Transition(Action.SHIP, frozenset({S.APPROVED}), S.IN_TRANSIT, _SHIPPED_BACK),
    Transition(Action.RECEIVE, frozenset({S.IN_TRANSIT}), S.RECEIVED),
    Transition(Action.INSPECT_PASS, frozenset({S.RECEIVED}), S.INSPECTED),
    Transition(Action.INSPECT_FAIL, frozenset({S.RECEIVED}), S.INSPECTION_FAILED),
    Transition(Action.REFUND, frozenset({S.INSPECTED}), S.REFUNDED, frozenset({T.REFUND})),
    Transition(Action.REFUND, frozenset({S.APPROVED}), S.REFUNDED, frozenset({T.REFUND_ONLY})),
    # R5.3: a failed inspection whose partial refund the customer accepted
    Transition(Action.REFUND, frozenset({S.INSPECTION_FAILED}), S.REFUNDED, frozenset({T.REFUND})),
    Transition(Action.EXCHANGE, frozenset({S.INSPECTED}), S.EXCHANGED, frozenset({T.EXCHANGE})),
    Transition(Action.REPAIR, frozenset({S.INSPECTED}), S.REPAIRED, frozenset({T.REPAIR})),
    Transition(Action.REISSUE, frozenset({S.APPROVED}), S.REISSUED, frozenset({T.REISSUE})),
    Transition(
        Action.COMPLETE,
        frozenset({S.REFUNDED, S.EXCHANGED, S.REPAIRED, S.REISSUED, S.INSPECTION_FAILED}),
        S.COMPLETED,
    ),
    Transition(Action.CONFIRM, frozenset({S.COMPLETED}), S.CONFIRMED),
    Transition(Action.AUTO_CONFIRM, frozenset({S.COMPLETED}), S.CONFIRMED),
    Transition(Action.CANCEL, frozenset({S.REQUESTED, S.PENDING_REVIEW, S.APPROVED}), S.CANCELLED),
    Transition(Action.AUTO_CLOSE, frozenset({S.APPROVED}), S.CLOSED, _SHIPPED_BACK),
    Transition(Action.APPEAL, frozenset({S.REJECTED}), S.PENDING_REVIEW),
    Transition(Action.OVERTURN, frozenset({S.REJECTED}), S.APPROVED),
    Transition(Action.OVERTURN, frozenset({S.INSPECTION_FAILED}), S.INSPECTED),
    Transition(Action.SETTLE, _SETTLED_FROM, S.REFUNDED, _SETTLED_TYPES),
)


def transition_for(action: Action, status: Status, request_type: RequestType) -> Transition:
    for transition in TRANSITIONS:
        if (
            transition.action is action
            and status in transition.sources
            and (transition.types is None or request_type in transition.types)
        ):
            return transition
    raise DomainError(
        "transition_not_allowed",
        Text(
            "当前状态“{status_zh}”下不能执行“{action}”",
            "“{action}” is not possible while the request is {status_en}",
        ).format(action=action.value, status_zh=status.label.zh, status_en=status.label.en),
    )


def allowed_actions(status: Status, request_type: RequestType) -> list[Action]:
    return [
        t.action
        for t in TRANSITIONS
        if status in t.sources and (t.types is None or request_type in t.types)
    ]


_STATUS_LABELS = {
    S.REQUESTED: Text("已提交", "requested"),
    S.PENDING_REVIEW: Text("待审核", "awaiting review"),
    S.APPROVED: Text("审核通过，待寄回", "approved, awaiting shipment"),
    S.REJECTED: Text("已拒绝", "rejected"),
    S.IN_TRANSIT: Text("寄回途中", "in transit"),
    S.RECEIVED: Text("仓库已收货，验收中", "received, inspecting"),
    S.INSPECTED: Text("验收通过", "inspection passed"),
    S.INSPECTION_FAILED: Text("验收未通过", "inspection failed"),
    S.REFUNDED: Text("已退款", "refunded"),
    S.EXCHANGED: Text("换货已发出", "replacement shipped"),
    S.REPAIRED: Text("已维修", "repaired"),
    S.REISSUED: Text("配件已补发", "missing parts sent"),
    S.COMPLETED: Text("已完成", "completed"),
    S.CONFIRMED: Text("已确认", "confirmed"),
    S.CANCELLED: Text("已取消", "cancelled"),
    S.CLOSED: Text("已关闭（未按时寄回）", "closed (not shipped in time)"),
}
