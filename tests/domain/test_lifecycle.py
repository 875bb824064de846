"""The return lifecycle (R7.3): the transition table and the aggregate that obeys it."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from itertools import pairwise

import pytest

from returnflow.domain.kinds import Outcome, Reason, RequestType
from returnflow.domain.lifecycle import (
    FINAL,
    TRANSITIONS,
    Action,
    Status,
    allowed_actions,
    transition_for,
)
from returnflow.domain.policy import DEFAULT_POLICY, PolicyVersion
from returnflow.domain.returns import ReturnLine, ReturnRequest, StatusChange
from returnflow.domain.text import DomainError
from tests.domain.builders import (
    METHOD_ACTIONS,
    day_after_delivery,
    force_status,
    make_line,
    make_order,
    open_request,
    perform,
    request_of_type,
)

A = Action
S = Status
T = RequestType
ALL_TYPES = frozenset(RequestType)
SHIPPED_BACK = frozenset({T.REFUND, T.EXCHANGE, T.REPAIR})

NOW = day_after_delivery(1)
LATER = NOW + timedelta(hours=5)

# The lifecycle as the product describes it: (action, types, sources, target).
SPEC: tuple[tuple[Action, frozenset[RequestType], frozenset[Status], Status], ...] = (
    (A.AUTO_APPROVE, ALL_TYPES, frozenset({S.REQUESTED}), S.APPROVED),
    (A.REFER, ALL_TYPES, frozenset({S.REQUESTED}), S.PENDING_REVIEW),
    (A.AUTO_REJECT, ALL_TYPES, frozenset({S.REQUESTED}), S.REJECTED),
    (A.APPROVE, ALL_TYPES, frozenset({S.PENDING_REVIEW}), S.APPROVED),
    (A.REJECT, ALL_TYPES, frozenset({S.PENDING_REVIEW}), S.REJECTED),
    (A.SHIP, SHIPPED_BACK, frozenset({S.APPROVED}), S.IN_TRANSIT),
    (A.RECEIVE, ALL_TYPES, frozenset({S.IN_TRANSIT}), S.RECEIVED),
    (A.INSPECT_PASS, ALL_TYPES, frozenset({S.RECEIVED}), S.INSPECTED),
    (A.INSPECT_FAIL, ALL_TYPES, frozenset({S.RECEIVED}), S.INSPECTION_FAILED),
    (A.REFUND, frozenset({T.REFUND}), frozenset({S.INSPECTED}), S.REFUNDED),
    (A.REFUND, frozenset({T.REFUND_ONLY}), frozenset({S.APPROVED}), S.REFUNDED),
    # R5.3: a failed inspection whose partial refund the customer accepted (the refund
    # service refuses it without an accepted offer)
    (A.REFUND, frozenset({T.REFUND}), frozenset({S.INSPECTION_FAILED}), S.REFUNDED),
    (A.EXCHANGE, frozenset({T.EXCHANGE}), frozenset({S.INSPECTED}), S.EXCHANGED),
    (A.REPAIR, frozenset({T.REPAIR}), frozenset({S.INSPECTED}), S.REPAIRED),
    (A.REISSUE, frozenset({T.REISSUE}), frozenset({S.APPROVED}), S.REISSUED),
    (
        A.COMPLETE,
        ALL_TYPES,
        frozenset({S.REFUNDED, S.EXCHANGED, S.REPAIRED, S.REISSUED, S.INSPECTION_FAILED}),
        S.COMPLETED,
    ),
    (A.CONFIRM, ALL_TYPES, frozenset({S.COMPLETED}), S.CONFIRMED),
    (A.AUTO_CONFIRM, ALL_TYPES, frozenset({S.COMPLETED}), S.CONFIRMED),
    (A.CANCEL, ALL_TYPES, frozenset({S.REQUESTED, S.PENDING_REVIEW, S.APPROVED}), S.CANCELLED),
    (A.AUTO_CLOSE, SHIPPED_BACK, frozenset({S.APPROVED}), S.CLOSED),
    # issue 12: an appeal sends a rejection back to a person; staff overturn automated
    # decisions; a ruling or a lost parcel settles with money, without the goods
    (A.APPEAL, ALL_TYPES, frozenset({S.REJECTED}), S.PENDING_REVIEW),
    (A.OVERTURN, ALL_TYPES, frozenset({S.REJECTED}), S.APPROVED),
    (A.OVERTURN, ALL_TYPES, frozenset({S.INSPECTION_FAILED}), S.INSPECTED),
    (
        A.SETTLE,
        frozenset({T.REFUND, T.REFUND_ONLY, T.EXCHANGE, T.REPAIR}),
        frozenset(
            {S.REJECTED, S.PENDING_REVIEW, S.APPROVED, S.IN_TRANSIT, S.RECEIVED}
            | {S.INSPECTION_FAILED}
        ),
        S.REFUNDED,
    ),
)


def expected_target(action: Action, status: Status, request_type: RequestType) -> Status | None:
    for spec_action, types, sources, target in SPEC:
        if spec_action is action and request_type in types and status in sources:
            return target
    return None


def status_of(request: ReturnRequest) -> Status:
    """The current status (a call, so that type checkers do not narrow it between steps)."""
    return request.status


def snapshot(request: ReturnRequest) -> ReturnRequest:
    return copy.deepcopy(request)


# --- the table ---------------------------------------------------------------------


def test_the_table_is_the_specified_lifecycle() -> None:
    table = {
        (t.action, t.types if t.types is not None else ALL_TYPES, t.sources, t.target)
        for t in TRANSITIONS
    }
    assert table == set(SPEC)
    assert len(TRANSITIONS) == len(SPEC)


@pytest.mark.parametrize("request_type", list(RequestType))
@pytest.mark.parametrize("action", [a for a in Action if a is not A.SUBMIT])
def test_transition_for_accepts_exactly_the_table(
    action: Action, request_type: RequestType
) -> None:
    expected: dict[Status, Status | None] = {}
    actual: dict[Status, Status | None] = {}
    for status in Status:
        expected[status] = expected_target(action, status, request_type)
        try:
            actual[status] = transition_for(action, status, request_type).target
        except DomainError as error:
            assert error.code == "transition_not_allowed"
            assert action.value in error.message.en
            actual[status] = None
    assert actual == expected


def test_submit_has_no_source_status() -> None:
    for status in Status:
        with pytest.raises(DomainError):
            transition_for(A.SUBMIT, status, T.REFUND)


@pytest.mark.parametrize(
    ("status", "request_type", "actions"),
    [
        (S.REQUESTED, T.REFUND, [A.AUTO_APPROVE, A.REFER, A.AUTO_REJECT, A.CANCEL]),
        (S.PENDING_REVIEW, T.EXCHANGE, [A.APPROVE, A.REJECT, A.CANCEL, A.SETTLE]),
        (S.APPROVED, T.REFUND, [A.SHIP, A.CANCEL, A.AUTO_CLOSE, A.SETTLE]),
        (S.APPROVED, T.REFUND_ONLY, [A.REFUND, A.CANCEL, A.SETTLE]),
        (S.APPROVED, T.REISSUE, [A.REISSUE, A.CANCEL]),
        (S.IN_TRANSIT, T.REPAIR, [A.RECEIVE, A.SETTLE]),
        (S.RECEIVED, T.REFUND, [A.INSPECT_PASS, A.INSPECT_FAIL, A.SETTLE]),
        (S.INSPECTED, T.REFUND, [A.REFUND]),
        (S.INSPECTED, T.EXCHANGE, [A.EXCHANGE]),
        (S.INSPECTED, T.REPAIR, [A.REPAIR]),
        (S.INSPECTION_FAILED, T.EXCHANGE, [A.COMPLETE, A.OVERTURN, A.SETTLE]),
        (S.REJECTED, T.REISSUE, [A.APPEAL, A.OVERTURN]),
        (S.COMPLETED, T.REFUND, [A.CONFIRM, A.AUTO_CONFIRM]),
    ],
)
def test_allowed_actions(status: Status, request_type: RequestType, actions: list[Action]) -> None:
    assert allowed_actions(status, request_type) == actions


@pytest.mark.parametrize("status", sorted(FINAL))
@pytest.mark.parametrize("request_type", list(RequestType))
def test_final_statuses_allow_nothing_but_remedies(
    status: Status, request_type: RequestType
) -> None:
    """A rejection may still be appealed, overturned or settled by a ruling (issue 12)."""
    remedies = {A.APPEAL, A.OVERTURN, A.SETTLE} if status is S.REJECTED else set()
    assert set(allowed_actions(status, request_type)) <= remedies


def test_which_statuses_hold_goods() -> None:
    assert {s for s in Status if not s.holds_goods} == {S.REJECTED, S.CANCELLED, S.CLOSED}
    assert {S.CONFIRMED, S.REJECTED, S.CANCELLED, S.CLOSED} == FINAL


# --- the aggregate obeys the table --------------------------------------------------


@pytest.mark.parametrize("request_type", list(RequestType))
@pytest.mark.parametrize("action", METHOD_ACTIONS)
def test_methods_move_from_the_table_sources_and_refuse_every_other_status(
    action: Action, request_type: RequestType
) -> None:
    moved: set[Status] = set()
    for status in Status:
        request = force_status(request_of_type(request_type, now=NOW), status)
        before = snapshot(request)
        target = expected_target(action, status, request_type)
        if target is None:
            with pytest.raises(DomainError) as raised:
                perform(request, action, LATER)
            assert raised.value.code == "transition_not_allowed", status
            assert request == before, f"refused {action} from {status} changed the request"
            continue
        perform(request, action, LATER, actor="agent-7")
        moved.add(status)
        assert request.status is target
        assert request.history[:-1] == before.history
        last = request.history[-1]
        assert (last.at, last.actor, last.action, last.from_status, last.to_status) == (
            LATER,
            "agent-7",
            action,
            status,
            target,
        )
        assert request.events[:-1] == before.events
        assert request.events[-1].name == f"return.{target.value}"
        assert request.events[-1].occurred_at == LATER
        assert request.events[-1].data["from_status"] == status.value
        assert request.events[-1].data["status"] == target.value
    expected_sources = {s for s in Status if expected_target(action, s, request_type)}
    assert moved == expected_sources


@pytest.mark.parametrize("request_type", list(RequestType))
def test_auto_close_only_from_approved_for_goods_shipped_back(request_type: RequestType) -> None:
    for status in Status:
        request = request_of_type(request_type, now=NOW)
        if request.status is S.PENDING_REVIEW:
            request.approve("agent-1", NOW, DEFAULT_POLICY)
        force_status(request, status)
        before = snapshot(request)
        closed = request.auto_close_if_unshipped(NOW + timedelta(days=30))
        should = status is S.APPROVED and request_type in SHIPPED_BACK
        assert closed is should, (status, request_type)
        if should:
            assert status_of(request) is S.CLOSED
            assert request.history[-1].actor == "system"
        else:
            assert request == before


@pytest.mark.parametrize("request_type", list(RequestType))
def test_auto_confirm_only_from_completed(request_type: RequestType) -> None:
    for status in Status:
        request = force_status(request_of_type(request_type, now=NOW), status)
        request.confirm_by = NOW + timedelta(days=7)
        before = snapshot(request)
        confirmed = request.auto_confirm_if_due(NOW + timedelta(days=8))
        assert confirmed is (status is S.COMPLETED), status
        if confirmed:
            assert status_of(request) is S.CONFIRMED
            assert request.history[-1].action is A.AUTO_CONFIRM
        else:
            assert request == before


# --- filing a request: the automated decision is applied at once ---------------------


def test_open_approved_request() -> None:
    request = request_of_type(T.REFUND, now=NOW)
    assert status_of(request) is S.APPROVED
    assert [(h.action, h.from_status, h.to_status, h.actor) for h in request.history] == [
        (A.SUBMIT, None, S.REQUESTED, "c-1"),
        (A.AUTO_APPROVE, S.REQUESTED, S.APPROVED, "system"),
    ]
    assert all(h.at == NOW for h in request.history)
    assert request.decision is not None
    assert (request.decision.outcome, request.decision.decided_by) == (Outcome.APPROVED, "auto")
    assert request.ship_by == NOW + timedelta(days=7)
    assert request.review_due_at is None
    [event] = request.events
    assert event.name == "return.created"
    assert event.data["outcome"] == "approved"
    assert event.data["status"] == "approved"
    assert event.data["email"] == "xiaoming@example.com"


def test_open_referred_request_gets_a_review_deadline() -> None:
    order = make_order()
    request = open_request(
        order, T.REFUND, [ReturnLine(1, 1, Reason.QUALITY)], now=NOW, has_photos=False
    )
    assert status_of(request) is S.PENDING_REVIEW
    assert request.history[-1].action is A.REFER
    assert request.history[-1].note == "evidence_missing"
    assert request.review_due_at == NOW + timedelta(hours=24)
    assert request.ship_by is None
    [event] = request.events
    assert event.data["outcome"] == "pending_review"
    assert [r["code"] for r in event.data["reasons"]] == ["evidence_missing"]


def test_open_rejected_request_records_every_reason() -> None:
    order = make_order(make_line(quantity=1))
    request = open_request(
        order, T.REFUND, [ReturnLine(1, 2, Reason.NO_REASON)], now=day_after_delivery(9)
    )
    assert status_of(request) is S.REJECTED
    assert request.history[-1].action is A.AUTO_REJECT
    assert request.history[-1].note == "quantity_exceeded, window_expired"
    assert request.ship_by is None
    assert request.review_due_at is None
    assert not request.status.holds_goods


# --- type guards -------------------------------------------------------------------


@pytest.mark.parametrize("request_type", [T.REFUND_ONLY, T.REISSUE])
def test_nothing_to_ship_for_refund_only_and_reissue(request_type: RequestType) -> None:
    request = force_status(request_of_type(request_type, now=NOW), S.APPROVED)
    before = snapshot(request)
    with pytest.raises(DomainError) as raised:
        request.ship("c-1", LATER, "SF", "SF1")
    assert raised.value.code == "transition_not_allowed"
    assert request == before
    assert request.shipment is None


@pytest.mark.parametrize("request_type", [T.REFUND, T.EXCHANGE, T.REPAIR, T.REISSUE])
def test_refund_from_approved_only_for_refund_only(request_type: RequestType) -> None:
    request = force_status(request_of_type(request_type, now=NOW), S.APPROVED)
    with pytest.raises(DomainError) as raised:
        request.pay_refund("fin-1", LATER, "alipay", "TX")
    assert raised.value.code == "transition_not_allowed"
    assert request.refund is None
    assert status_of(request) is S.APPROVED


def test_refund_only_is_paid_from_approved() -> None:
    request = request_of_type(T.REFUND_ONLY, now=NOW)
    assert status_of(request) is S.PENDING_REVIEW
    request.approve("agent-1", NOW, DEFAULT_POLICY)
    record = request.pay_refund("fin-1", LATER, "alipay", "TX-9")
    assert status_of(request) is S.REFUNDED
    assert record.amount == request.estimate.total
    assert record.amount.cents == 12_900
    assert (record.method, record.reference, record.paid_at) == ("alipay", "TX-9", LATER)
    assert request.events[-1].data["amount"] == 12_900
    assert request.events[-1].data["currency"] == "CNY"


@pytest.mark.parametrize(
    ("request_type", "wrong"),
    [
        (T.REFUND, A.EXCHANGE),
        (T.EXCHANGE, A.REPAIR),
        (T.REPAIR, A.EXCHANGE),
        (T.EXCHANGE, A.REFUND),
    ],
)
def test_inspected_goods_get_only_their_own_resolution(
    request_type: RequestType, wrong: Action
) -> None:
    request = force_status(request_of_type(request_type, now=NOW), S.INSPECTED)
    with pytest.raises(DomainError) as raised:
        perform(request, wrong, LATER)
    assert raised.value.code == "transition_not_allowed"
    assert status_of(request) is S.INSPECTED


def test_resolve_accepts_only_resolutions() -> None:
    request = force_status(request_of_type(T.EXCHANGE, now=NOW), S.INSPECTED)
    before = snapshot(request)
    with pytest.raises(ValueError, match="complete"):
        request.resolve(A.COMPLETE, "agent-1", LATER)
    assert request == before


# --- reasons are required ----------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", "\n"])
def test_reject_needs_a_reason(reason: str) -> None:
    request = force_status(request_of_type(T.REFUND, now=NOW), S.PENDING_REVIEW)
    before = snapshot(request)
    with pytest.raises(DomainError) as raised:
        request.reject("agent-1", LATER, reason)
    assert raised.value.code == "reason_required"
    assert raised.value.field == "reason"
    assert request == before


def test_reject_records_the_reason_for_the_customer() -> None:
    request = force_status(request_of_type(T.REFUND, now=NOW), S.PENDING_REVIEW)
    request.reject("agent-2", LATER, "照片显示为人为损坏", code="damage_by_customer")
    assert status_of(request) is S.REJECTED
    assert request.history[-1].note == "照片显示为人为损坏"
    assert request.decision is not None
    assert request.decision.outcome is Outcome.REJECTED
    assert (request.decision.decided_by, request.decision.decided_at) == ("agent-2", LATER)
    [reason] = request.decision.reasons
    assert reason.code == "damage_by_customer"
    assert reason.message.zh == "照片显示为人为损坏"


@pytest.mark.parametrize("notes", ["", "  "])
def test_failed_inspection_needs_a_reason(notes: str) -> None:
    request = force_status(request_of_type(T.REFUND, now=NOW), S.RECEIVED)
    before = snapshot(request)
    with pytest.raises(DomainError) as raised:
        request.inspect("wh-1", LATER, passed=False, notes=notes)
    assert raised.value.code == "reason_required"
    assert raised.value.field == "notes"
    assert request == before
    assert request.inspection is None


def test_passed_inspection_needs_no_notes() -> None:
    request = force_status(request_of_type(T.REFUND, now=NOW), S.RECEIVED)
    request.inspect("wh-1", LATER, passed=True)
    assert status_of(request) is S.INSPECTED
    assert request.inspection is not None
    assert (request.inspection.passed, request.inspection.inspected_by) == (True, "wh-1")


@pytest.mark.parametrize(
    ("carrier", "tracking_no", "field"), [("", "SF1", "carrier"), ("SF", " ", "tracking_no")]
)
def test_shipping_needs_carrier_and_tracking(carrier: str, tracking_no: str, field: str) -> None:
    request = request_of_type(T.REFUND, now=NOW)
    before = snapshot(request)
    with pytest.raises(DomainError) as raised:
        request.ship("c-1", LATER, carrier, tracking_no)
    assert raised.value.code == "tracking_required"
    assert raised.value.field == field
    assert request == before


def test_shipping_records_the_shipment() -> None:
    request = request_of_type(T.REFUND, now=NOW)
    request.ship("c-1", LATER, " SF ", " SF1234 ")
    assert request.shipment is not None
    assert (request.shipment.carrier, request.shipment.tracking_no) == ("SF", "SF1234")
    assert request.shipment.shipped_at == LATER


# --- the clock: auto close (R1.5) and auto confirm (R7.1) ---------------------------


def test_approved_request_closes_itself_after_ship_by() -> None:
    request = request_of_type(T.REFUND, now=NOW)
    assert request.ship_by == NOW + timedelta(days=7)
    assert not request.auto_close_if_unshipped(NOW + timedelta(days=7) - timedelta(seconds=1))
    assert status_of(request) is S.APPROVED
    assert len(request.history) == 2
    closed_at = NOW + timedelta(days=7, seconds=1)
    assert request.auto_close_if_unshipped(closed_at)
    assert status_of(request) is S.CLOSED
    assert request.history[-1] == StatusChange(
        closed_at, "system", A.AUTO_CLOSE, S.APPROVED, S.CLOSED, "ship_by passed"
    )
    assert request.events[-1].name == "return.closed"
    assert not request.status.holds_goods
    # closing twice does nothing
    assert not request.auto_close_if_unshipped(closed_at + timedelta(days=1))
    assert len(request.history) == 3


def test_staff_approval_starts_the_shipping_clock() -> None:
    request = force_status(request_of_type(T.EXCHANGE, now=NOW), S.PENDING_REVIEW)
    request.ship_by = None
    approved_at = NOW + timedelta(hours=20)
    request.approve("agent-1", approved_at, DEFAULT_POLICY)
    assert request.ship_by == approved_at + timedelta(days=7)
    assert request.decision is not None
    assert (request.decision.decided_by, request.decision.outcome) == ("agent-1", Outcome.APPROVED)
    assert request.decision.policy_version == 1
    assert not request.auto_close_if_unshipped(approved_at + timedelta(days=6, hours=23))
    assert request.auto_close_if_unshipped(approved_at + timedelta(days=7, minutes=1))


def test_shipping_clock_follows_the_policy() -> None:
    policy = PolicyVersion(version=2, effective_from=NOW, ship_within_days=3)
    request = force_status(request_of_type(T.REPAIR, now=NOW), S.PENDING_REVIEW)
    request.approve("agent-1", LATER, policy)
    assert request.ship_by == LATER + timedelta(days=3)


@pytest.mark.parametrize("request_type", [T.REFUND_ONLY, T.REISSUE])
def test_nothing_to_ship_never_closes(request_type: RequestType) -> None:
    request = request_of_type(request_type, now=NOW)
    if request.status is S.PENDING_REVIEW:
        request.approve("agent-1", NOW, DEFAULT_POLICY)
    assert status_of(request) is S.APPROVED
    assert request.ship_by is None
    assert not request.auto_close_if_unshipped(NOW + timedelta(days=365))
    assert status_of(request) is S.APPROVED


def test_shipped_request_does_not_close() -> None:
    request = request_of_type(T.REFUND, now=NOW)
    request.ship("c-1", NOW + timedelta(days=6), "SF", "SF1")
    assert not request.auto_close_if_unshipped(NOW + timedelta(days=30))
    assert status_of(request) is S.IN_TRANSIT


def test_completed_request_confirms_itself_after_confirm_by() -> None:
    request = force_status(request_of_type(T.REFUND, now=NOW), S.REFUNDED)
    completed_at = NOW + timedelta(days=2)
    request.complete("agent-1", completed_at, DEFAULT_POLICY)
    assert request.confirm_by == completed_at + timedelta(days=7)
    assert request.events[-1].data["confirm_by"] == request.confirm_by.isoformat()
    assert request.events[-1].data["timezone"] == "Asia/Shanghai"
    assert not request.auto_confirm_if_due(request.confirm_by - timedelta(seconds=1))
    assert status_of(request) is S.COMPLETED
    due = request.confirm_by + timedelta(seconds=1)
    assert request.auto_confirm_if_due(due)
    assert status_of(request) is S.CONFIRMED
    assert request.history[-1] == StatusChange(
        due, "system", A.AUTO_CONFIRM, S.COMPLETED, S.CONFIRMED
    )
    assert not request.auto_confirm_if_due(due + timedelta(days=1))


def test_customer_confirmation_stops_the_clock() -> None:
    request = force_status(request_of_type(T.EXCHANGE, now=NOW), S.EXCHANGED)
    request.complete("agent-1", NOW, DEFAULT_POLICY)
    request.confirm("c-1", LATER)
    assert status_of(request) is S.CONFIRMED
    assert not request.auto_confirm_if_due(NOW + timedelta(days=30))
    assert request.history[-1].actor == "c-1"


# --- whole journeys and the append-only history ---------------------------------------


def journey(request_type: RequestType) -> list[Action]:
    resolution = {
        T.REFUND: A.REFUND,
        T.EXCHANGE: A.EXCHANGE,
        T.REPAIR: A.REPAIR,
    }
    if request_type is T.REISSUE:
        return [A.REISSUE, A.COMPLETE, A.CONFIRM]
    if request_type is T.REFUND_ONLY:
        return [A.APPROVE, A.REFUND, A.COMPLETE, A.CONFIRM]
    return [
        A.SHIP,
        A.RECEIVE,
        A.INSPECT_PASS,
        resolution[request_type],
        A.COMPLETE,
        A.CONFIRM,
    ]


@pytest.mark.parametrize("request_type", list(RequestType))
def test_whole_journey_keeps_an_append_only_history(request_type: RequestType) -> None:
    request = request_of_type(request_type, now=NOW)
    seen: list[StatusChange] = list(request.history)
    moments: list[datetime] = []
    for step, action in enumerate(journey(request_type), start=1):
        at = NOW + timedelta(hours=step)
        status = request.status
        perform(request, action, at, actor=f"actor-{step}")
        moments.append(at)
        # earlier entries are untouched; exactly one is added
        assert request.history[: len(seen)] == seen
        assert len(request.history) == len(seen) + 1
        change = request.history[-1]
        assert (change.at, change.actor, change.action, change.from_status) == (
            at,
            f"actor-{step}",
            action,
            status,
        )
        assert change.to_status is request.status
        seen = list(request.history)
        # the refused repeat of a one-way step adds nothing
        if action is not A.CONFIRM:
            with pytest.raises(DomainError):
                perform(request, action, at)
            assert request.history == seen
    assert status_of(request) is S.CONFIRMED
    chain = [(h.from_status, h.to_status) for h in request.history]
    assert all(prev[1] == cur[0] for prev, cur in pairwise(chain))
    assert [h.at for h in request.history[-len(moments) :]] == moments
    assert len(request.events) == len(request.history) - 1


def test_refund_journey_events_in_order() -> None:
    request = request_of_type(T.REFUND, now=NOW)
    for step, action in enumerate(journey(T.REFUND), start=1):
        perform(request, action, NOW + timedelta(hours=step))
    assert [e.name for e in request.events] == [
        "return.created",
        "return.in_transit",
        "return.received",
        "return.inspected",
        "return.refunded",
        "return.completed",
        "return.confirmed",
    ]
    assert request.refund is not None
    assert request.refund.amount == request.estimate.total


def test_failed_inspection_completes_without_a_refund() -> None:
    request = request_of_type(T.REFUND, now=NOW)
    for action in (A.SHIP, A.RECEIVE, A.INSPECT_FAIL):
        perform(request, action, LATER)
    assert status_of(request) is S.INSPECTION_FAILED
    assert request.inspection is not None
    assert (request.inspection.passed, request.inspection.notes) == (False, "商品有使用痕迹")
    # a refund from here needs an accepted partial-refund offer: services/refunds.py checks it
    request.complete("agent-1", LATER, DEFAULT_POLICY)
    assert status_of(request) is S.COMPLETED
    assert request.refund is None


@pytest.mark.parametrize("status", [S.REQUESTED, S.PENDING_REVIEW, S.APPROVED])
def test_cancel_until_shipped(status: Status) -> None:
    request = force_status(request_of_type(T.REFUND, now=NOW), status)
    request.cancel("c-1", LATER, "买错了")
    assert status_of(request) is S.CANCELLED
    assert request.history[-1].note == "买错了"
    assert not request.status.holds_goods


def test_cannot_cancel_once_shipped() -> None:
    request = request_of_type(T.REFUND, now=NOW)
    request.ship("c-1", LATER, "SF", "SF1")
    with pytest.raises(DomainError) as raised:
        request.cancel("c-1", LATER)
    assert raised.value.code == "transition_not_allowed"
    assert status_of(request) is S.IN_TRANSIT
