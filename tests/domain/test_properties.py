"""Property-based tests: invariants that must hold for any order and any sequence of steps.

A random order receives several requests; random actions (valid and invalid) are applied
to them while the clock moves on. After every step:

- every history step is a transition of the table, and the steps chain up;
- a refused action changes nothing;
- the live requests never hold more units of a line than were delivered;
- the live requests never refund more than was paid, line by line and in total.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from returnflow.domain.catalog import ItemFlag
from returnflow.domain.kinds import Outcome, Reason, RequestType
from returnflow.domain.lifecycle import TRANSITIONS, Action, Status, allowed_actions
from returnflow.domain.money import Money
from returnflow.domain.orders import Order
from returnflow.domain.policy import DEFAULT_POLICY
from returnflow.domain.refunds import LineHistory, OrderHistory, estimate_refund, pays_money
from returnflow.domain.returns import ReturnLine, ReturnRequest, StatusChange
from returnflow.domain.rules import LineClaim
from returnflow.domain.text import DomainError
from tests.domain.builders import (
    DELIVERED_AT,
    history_from,
    judge,
    make_line,
    make_order,
    open_request,
)

PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

CATEGORIES = ["apparel", "electronics", "food", "fresh_food", "baby", "books_media"]
TARGETS = {t.target for t in TRANSITIONS} | {Status.REQUESTED}


# --- strategies ----------------------------------------------------------------------


@st.composite
def orders(draw: st.DrawFn) -> Order:
    lines = []
    for line_no in range(1, draw(st.integers(1, 3)) + 1):
        unit_price = draw(st.integers(1, 90_000))
        quantity = draw(st.integers(1, 5))
        lines.append(
            make_line(
                line_no,
                unit_price=unit_price,
                quantity=quantity,
                discount=draw(st.integers(0, unit_price * quantity)),
                category=draw(st.sampled_from(CATEGORIES)),
                flags=draw(st.frozensets(st.sampled_from(list(ItemFlag)), max_size=2)),
            )
        )
    delivered = draw(st.sampled_from([True, True, True, False]))
    return make_order(
        *lines,
        shipping_fee=draw(st.integers(0, 2_000)),
        insurance=draw(st.booleans()),
        delivered_at=DELIVERED_AT if delivered else None,
    )


@dataclass(frozen=True)
class File:
    request_type: RequestType
    lines: tuple[ReturnLine, ...]
    has_photos: bool


@dataclass(frozen=True)
class Act:
    target: int  # index into the requests filed so far (modulo their number)
    action: str  # the action tried when `follow_table` is False
    blank: bool  # leave out the reason / tracking number the action needs
    mode: str  # "valid": an action the table allows now; "invalid": one it refuses; "any"
    choice: int  # which of them


@dataclass(frozen=True)
class Wait:
    hours: int


Step = File | Act | Wait

NAME_OF_ACTION = {
    Action.APPROVE: "approve",
    Action.REJECT: "reject",
    Action.SHIP: "ship",
    Action.RECEIVE: "receive",
    Action.INSPECT_PASS: "inspect_pass",
    Action.INSPECT_FAIL: "inspect_fail",
    Action.REFUND: "refund",
    Action.EXCHANGE: "exchange",
    Action.REPAIR: "repair",
    Action.REISSUE: "reissue",
    Action.COMPLETE: "complete",
    Action.CONFIRM: "confirm",
    Action.CANCEL: "cancel",
    Action.AUTO_CLOSE: "auto_close",
    Action.AUTO_CONFIRM: "auto_confirm",
}
ACTS = (
    "approve",
    "reject",
    "ship",
    "receive",
    "inspect_pass",
    "inspect_fail",
    "refund",
    "exchange",
    "repair",
    "reissue",
    "complete",
    "confirm",
    "cancel",
    "auto_close",
    "auto_confirm",
)
ACTION_OF = {
    "approve": Action.APPROVE,
    "reject": Action.REJECT,
    "ship": Action.SHIP,
    "receive": Action.RECEIVE,
    "inspect_pass": Action.INSPECT_PASS,
    "inspect_fail": Action.INSPECT_FAIL,
    "refund": Action.REFUND,
    "exchange": Action.EXCHANGE,
    "repair": Action.REPAIR,
    "reissue": Action.REISSUE,
    "complete": Action.COMPLETE,
    "confirm": Action.CONFIRM,
    "cancel": Action.CANCEL,
}
# the guard each action checks before the table, when its input is left blank
GUARD_CODE = {
    "reject": "reason_required",
    "inspect_fail": "reason_required",
    "ship": "tracking_required",
}

malformed_lines = st.lists(
    st.builds(
        ReturnLine,
        line_no=st.integers(0, 4),  # lines the order may not have
        quantity=st.integers(-1, 7),
        reason=st.sampled_from(list(Reason)),
        opened=st.booleans(),
    ),
    max_size=3,
).map(tuple)

# reasons each type is usually filed with; any reason is tried now and then
USUAL_REASONS: dict[RequestType, list[Reason]] = {
    RequestType.REFUND: [Reason.NO_REASON, Reason.QUALITY, Reason.WRONG_ITEM],
    RequestType.EXCHANGE: [Reason.NO_REASON, Reason.QUALITY, Reason.NOT_AS_DESCRIBED],
    RequestType.REPAIR: [Reason.QUALITY],
    RequestType.REISSUE: [Reason.MISSING_PARTS],
    RequestType.REFUND_ONLY: [Reason.QUALITY, Reason.NOT_DELIVERED],
}


@st.composite
def filings(draw: st.DrawFn, order: Order) -> File:
    request_type = draw(st.sampled_from(list(RequestType)))
    if draw(st.integers(0, 9)) == 0:
        lines = draw(malformed_lines)
    else:
        chosen = draw(
            st.lists(
                st.sampled_from(order.lines),
                min_size=1,
                max_size=len(order.lines),
                unique_by=lambda line: line.line_no,
            )
        )
        reasons = st.one_of(
            st.sampled_from(USUAL_REASONS[request_type]), st.sampled_from(list(Reason))
        )
        lines = tuple(
            ReturnLine(
                line.line_no,
                draw(st.integers(1, line.quantity + 1)),
                draw(reasons),
                opened=draw(st.booleans()),
            )
            for line in chosen
        )
    has_photos = draw(st.sampled_from([True, True, True, False]))
    return File(request_type, lines, has_photos)


acts = st.builds(
    Act,
    target=st.integers(0, 20),
    action=st.sampled_from(ACTS),
    blank=st.sampled_from([False, False, False, False, True]),
    mode=st.sampled_from(["valid", "valid", "valid", "invalid", "any"]),
    choice=st.integers(0, 5),
)
waits = st.builds(
    Wait,
    hours=st.one_of(
        st.integers(0, 30),
        st.sampled_from([24 * 7 - 1, 24 * 7, 24 * 7 + 1, 24 * 8]),  # around ship_by, confirm_by
        st.integers(0, 24 * 12),
    ),
)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Order, list[Step]]:
    order = draw(orders())
    kinds = st.sampled_from(["file", "file", "act", "act", "act", "act", "act", "act", "wait"])
    plan: list[Step] = []
    for _ in range(draw(st.integers(1, 40), label="steps")):
        kind = draw(kinds)
        if kind == "file":
            plan.append(draw(filings(order)))
        elif kind == "act":
            plan.append(draw(acts))
        else:
            plan.append(draw(waits))
    return order, plan


# --- the model ---------------------------------------------------------------------


def perform(request: ReturnRequest, act: Act, now: datetime) -> bool | None:
    """Apply one action through the aggregate; auto actions answer whether they moved."""
    actor = "agent-1"
    name = act.action
    if name == "approve":
        request.approve(actor, now, DEFAULT_POLICY)
    elif name == "reject":
        request.reject(actor, now, " " if act.blank else "不符合政策")
    elif name == "ship":
        request.ship(actor, now, "SF", "" if act.blank else "SF1")
    elif name == "receive":
        request.receive(actor, now)
    elif name == "inspect_pass":
        request.inspect(actor, now, passed=True)
    elif name == "inspect_fail":
        request.inspect(actor, now, passed=False, notes="" if act.blank else "已使用")
    elif name == "refund":
        request.pay_refund(actor, now, "alipay", "TX-1")
    elif name in ("exchange", "repair", "reissue"):
        request.resolve(ACTION_OF[name], actor, now)
    elif name == "complete":
        request.complete(actor, now, DEFAULT_POLICY)
    elif name == "confirm":
        request.confirm(actor, now)
    elif name == "cancel":
        request.cancel(actor, now)
    elif name == "auto_close":
        return request.auto_close_if_unshipped(now)
    elif name == "auto_confirm":
        return request.auto_confirm_if_due(now)
    else:  # pragma: no cover
        raise AssertionError(name)
    return None


def possible_acts(request: ReturnRequest) -> list[str]:
    return [
        NAME_OF_ACTION[action]
        for action in allowed_actions(request.status, request.request_type)
        if action in NAME_OF_ACTION
    ]


def apply_act(request: ReturnRequest, act: Act, now: datetime) -> None:
    """Apply the act and check it did exactly what the table allows, or nothing."""
    before = copy.deepcopy(request)
    if act.action in ("auto_close", "auto_confirm"):
        moved = perform(request, act, now)
        if act.action == "auto_close":
            due = before.ship_by is not None and now >= before.ship_by
            should = before.status is Status.APPROVED and due
            target = Status.CLOSED
        else:
            due = before.confirm_by is not None and now >= before.confirm_by
            should = before.status is Status.COMPLETED and due
            target = Status.CONFIRMED
        assert moved is should
        if not moved:
            assert request == before
        else:
            assert request.status is target
        return

    action = ACTION_OF[act.action]
    allowed = action in allowed_actions(before.status, before.request_type)
    guard = GUARD_CODE.get(act.action) if act.blank else None
    try:
        perform(request, act, now)
    except DomainError as error:
        # a refused action changes nothing at all
        assert request == before
        assert error.code == (guard or "transition_not_allowed")
        assert guard is not None or not allowed
        return
    assert guard is None, "a blank reason or tracking number was accepted"
    assert allowed, f"{action} from {before.status} for {before.request_type} was accepted"
    assert len(request.history) == len(before.history) + 1
    assert len(request.events) == len(before.events) + 1


def check_request(request: ReturnRequest, earlier: list[StatusChange] | None) -> None:
    history = request.history
    assert history[0].action is Action.SUBMIT
    assert (history[0].from_status, history[0].to_status) == (None, Status.REQUESTED)
    for previous, change in pairwise(history):
        assert change.from_status is previous.to_status
        assert any(
            t.action is change.action
            and change.from_status in t.sources
            and change.to_status is t.target
            and (t.types is None or request.request_type in t.types)
            for t in TRANSITIONS
        ), f"{change.action}: {change.from_status} -> {change.to_status} is not in the table"
        assert change.at >= previous.at
    assert request.status is history[-1].to_status
    assert request.status in TARGETS
    # every change since filing left exactly one event (the filing and its decision: one)
    assert len(request.events) == len(history) - 1
    if earlier is not None:
        assert history[: len(earlier)] == earlier, "the history was rewritten"


def check_order(order: Order, requests: list[ReturnRequest]) -> None:
    live = [r for r in requests if r.status.holds_goods]
    held: dict[int, int] = defaultdict(int)
    refunded: dict[int, int] = defaultdict(int)
    for request in live:
        for claimed, refund in zip(request.lines, request.estimate.lines, strict=True):
            assert claimed.quantity >= 1
            assert refund.quantity >= 0
            assert refund.amount.cents >= 0
            held[claimed.line_no] += claimed.quantity
            refunded[claimed.line_no] += refund.amount.cents
    for line in order.lines:
        assert 0 <= held[line.line_no] <= line.quantity, f"line {line.line_no} over-held"
        assert refunded[line.line_no] <= line.paid.cents, f"line {line.line_no} over-refunded"
    money_back = [r for r in live if pays_money(r.request_type)]
    with_fee = [r for r in money_back if not r.estimate.shipping_fee.is_zero]
    assert len(with_fee) <= 1, "the delivery fee was refunded twice"
    total = sum(r.estimate.total.cents for r in money_back)
    assert total <= order.total_paid.cents
    paid_out = sum(r.refund.amount.cents for r in requests if r.refund is not None)
    assert paid_out <= order.total_paid.cents
    # the history a new request would see agrees
    history = history_from(order, requests)
    for line in order.lines:
        assert history.line(line.line_no).held_units == held[line.line_no]


# --- the properties ----------------------------------------------------------------


@PROPERTY_SETTINGS
@given(scenario=scenarios())
def test_random_sequences_keep_every_invariant(scenario: tuple[Order, list[Step]]) -> None:
    order, plan = scenario
    now = DELIVERED_AT + timedelta(hours=2)
    requests: list[ReturnRequest] = []
    histories: dict[str, list[StatusChange]] = {}
    for step in plan:
        if isinstance(step, Wait):
            now += timedelta(hours=step.hours)
        elif isinstance(step, File):
            before = copy.deepcopy(requests)
            try:
                request = open_request(
                    order,
                    step.request_type,
                    step.lines,
                    now=now,
                    existing=requests,
                    has_photos=step.has_photos,
                    rma_no=f"RMA-{len(requests):04d}",
                )
            except DomainError as error:
                assert error.code in {
                    "no_lines",
                    "unknown_line",
                    "duplicate_line",
                    "quantity_invalid",
                }
                assert requests == before
                continue
            assert request.decision is not None
            if request.decision.outcome is Outcome.APPROVED:
                assert request.status is Status.APPROVED
            requests.append(request)
        elif requests:
            # mostly act on a request that can still move, with an action the table allows
            movable = [r for r in requests if possible_acts(r)]
            if step.mode == "valid" and movable:
                request = movable[step.target % len(movable)]
                possible = possible_acts(request)
                step = replace(step, action=possible[step.choice % len(possible)])
            elif step.mode == "invalid":
                pool = movable or requests
                request = pool[step.target % len(pool)]
                # the drawn action, or the next one the table refuses
                allowed = possible_acts(request)
                start = ACTS.index(step.action)
                rotated = [ACTS[(start + i) % len(ACTS)] for i in range(len(ACTS))]
                step = replace(step, action=next(a for a in rotated if a not in allowed))
            else:
                request = requests[step.target % len(requests)]
            apply_act(request, step, now)
        for request in requests:
            check_request(request, histories.get(request.rma_no))
            histories[request.rma_no] = list(request.history)
        check_order(order, requests)


@PROPERTY_SETTINGS
@given(
    order=orders().filter(lambda o: o.delivered_at is not None),
    data=st.data(),
)
def test_partial_refunds_never_exceed_what_was_paid(order: Order, data: st.DataObject) -> None:
    """Refund requests over random parts of the order, some cancelled, all paid out."""
    now = DELIVERED_AT + timedelta(hours=1)
    requests: list[ReturnRequest] = []
    for number in range(data.draw(st.integers(1, 8), label="requests")):
        line = data.draw(st.sampled_from(order.lines), label="line")
        request = open_request(
            order,
            data.draw(st.sampled_from([RequestType.REFUND, RequestType.REFUND_ONLY])),
            [
                ReturnLine(
                    line.line_no,
                    data.draw(st.integers(1, line.quantity), label="quantity"),
                    data.draw(st.sampled_from([Reason.QUALITY, Reason.NO_REASON])),
                )
            ],
            now=now,
            existing=requests,
            rma_no=f"RMA-{number}",
        )
        requests.append(request)
        if request.status is Status.PENDING_REVIEW:
            request.approve("agent-1", now, DEFAULT_POLICY)
        if request.status is Status.APPROVED and data.draw(st.booleans(), label="cancel"):
            request.cancel("c-1", now)
        check_order(order, requests)
    # pay out every live request: money paid back never exceeds money paid
    for request in requests:
        if request.status is Status.APPROVED:
            if request.request_type is RequestType.REFUND:
                request.ship("c-1", now, "SF", "SF1")
                request.receive("wh-1", now)
                request.inspect("wh-1", now, passed=True)
            request.pay_refund("fin-1", now, "alipay", "TX")
    check_order(order, requests)
    by_line: dict[int, int] = defaultdict(int)
    for request in requests:
        if request.refund is not None:
            for refund in request.estimate.lines:
                by_line[refund.line_no] += refund.amount.cents
    for line in order.lines:
        assert by_line[line.line_no] <= line.paid.cents


@PROPERTY_SETTINGS
@given(
    unit_price=st.integers(0, 1_000_000),
    quantity=st.integers(1, 12),
    discount_ratio=st.fractions(0, 1),
    split=st.lists(st.integers(1, 12), min_size=1, max_size=12),
)
def test_a_split_line_refunds_exactly_what_was_paid(
    unit_price: int, quantity: int, discount_ratio: Fraction, split: list[int]
) -> None:
    discount = int(unit_price * quantity * discount_ratio)
    order = make_order(
        make_line(unit_price=unit_price, quantity=quantity, discount=discount), shipping_fee=0
    )
    line = order.lines[0]
    refunded_units = 0
    claimed = Money(0)
    for part in split:
        if refunded_units >= quantity:
            break
        part = min(part, quantity - refunded_units)
        result = estimate_refund(
            order,
            RequestType.REFUND,
            [LineClaim(1, part, Reason.QUALITY)],
            OrderHistory({1: LineHistory(refunded_units, refunded_units, claimed)}),
        )
        [refund] = result.lines
        assert refund.quantity == part
        assert refund.gross - refund.discount_share == refund.amount
        assert refund.amount == line.paid_for_units(refunded_units, part)
        refunded_units += part
        claimed = claimed + refund.amount
        assert claimed <= line.paid
    if refunded_units == quantity:
        assert claimed == line.paid


@PROPERTY_SETTINGS
@given(
    amount=st.integers(-10_000_000, 10_000_000),
    weights=st.lists(st.integers(0, 10_000), min_size=1, max_size=20),
)
def test_allocation_sums_exactly_and_is_fair(amount: int, weights: list[int]) -> None:
    parts = Money(amount, "EUR").allocate(weights)
    assert len(parts) == len(weights)
    assert sum(p.cents for p in parts) == amount
    assert all(p.currency == "EUR" for p in parts)
    assert parts == Money(amount, "EUR").allocate(weights)
    total = sum(weights)
    if total:
        for part, weight in zip(parts, weights, strict=True):
            # within one cent of the exact share, and of the amount's sign
            assert abs(part.cents * total - amount * weight) < total
            assert part.cents * amount >= 0
    else:
        assert max(p.cents for p in parts) - min(p.cents for p in parts) <= 1


@PROPERTY_SETTINGS
@given(
    delivered_at=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    offset_minutes=st.integers(0, 20 * 24 * 60),
)
def test_no_reason_window_is_seven_shanghai_calendar_days(
    delivered_at: datetime, offset_minutes: int
) -> None:
    order = make_order(delivered_at=delivered_at)
    now = delivered_at + timedelta(minutes=offset_minutes)
    verdict = judge(order, request_type=RequestType.REFUND, reason=Reason.NO_REASON, now=now)
    zone = DEFAULT_POLICY.zone
    last_day = delivered_at.astimezone(zone).date() + timedelta(days=7)
    assert verdict.last_day == last_day
    expected = Outcome.APPROVED if now.astimezone(zone).date() <= last_day else Outcome.REJECTED
    assert verdict.outcome is expected
