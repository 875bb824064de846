"""The order system hears every status and refund change (R15.1).

Every transition of the lifecycle table, taken through the aggregate's own methods,
raises one `return.<status>` event that names the request (rma_no, order_no), the move
(from_status → status, action); the refund's own life raises `refund.*` events that
carry the amount and currency in every state. The unit of work adds `occurred_at` when
it puts them in the outbox (tests/test_webhook_journey.py sees it arrive).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from returnflow.domain.kinds import RequestType
from returnflow.domain.lifecycle import TRANSITIONS, Action, Status
from returnflow.domain.money import Money
from returnflow.domain.policy import DEFAULT_POLICY
from returnflow.domain.refund import Refund, RefundTerms
from returnflow.domain.refund_life import RefundState, RetryPolicy
from returnflow.domain.returns import ReturnRequest
from tests.domain.builders import force_status, perform, request_of_type

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=3)
REQUEST_FIELDS = ("rma_no", "order_no", "customer_id", "merchant_id", "request_type")

Move = Callable[[ReturnRequest], None]
# the moves the table lists that no `perform` covers: the clock's, appeals, settlements
_OTHER_MOVES: dict[Action, Move] = {
    Action.AUTO_CONFIRM: lambda r: _true(r.auto_confirm_if_due(LATER)),
    Action.AUTO_CLOSE: lambda r: _true(r.auto_close_if_unshipped(LATER)),
    Action.APPEAL: lambda r: r.appeal("c-1", LATER, "商品确有质量问题"),
    Action.OVERTURN: lambda r: r.overturn("agent-7", LATER, "复核后同意", DEFAULT_POLICY),
    Action.SETTLE: lambda r: _true(
        r.pay_refund("system", LATER, "alipay", "2026112022001", settles=True) is not None
    ),
}
_AT_FILING = (Action.AUTO_APPROVE, Action.REFER, Action.AUTO_REJECT)


def _true(value: bool) -> None:
    assert value


def _in(status: Status, request_type: RequestType) -> ReturnRequest:
    request = force_status(request_of_type(request_type, now=NOW), status)
    request.events.clear()
    request.ship_by = request.confirm_by = NOW  # the clock's deadlines have passed
    return request


def _cases() -> list[tuple[Action, Status, RequestType]]:
    return [
        (t.action, source, request_type)
        for t in TRANSITIONS
        if t.action not in _AT_FILING
        for source in sorted(t.sources)
        for request_type in sorted(t.types or RequestType)
    ]


@pytest.mark.parametrize(("action", "source", "request_type"), _cases())
def test_every_transition_raises_one_return_event_the_order_system_can_follow(
    action: Action, source: Status, request_type: RequestType
) -> None:
    request = _in(source, request_type)
    move = _OTHER_MOVES.get(action)
    if move is None:
        perform(request, action, LATER)
    else:
        move(request)
    target = request.status
    assert [event.name for event in request.events] == [f"return.{target.value}"]
    event = request.events[0]
    assert event.occurred_at == LATER
    assert event.data["from_status"] == source.value
    assert (event.data["status"], event.data["action"]) == (target.value, action.value)
    assert {name: event.data[name] for name in REQUEST_FIELDS} == {
        "rma_no": request.rma_no,
        "order_no": request.order_no,
        "customer_id": request.customer_id,
        "merchant_id": request.merchant_id,
        "request_type": request_type.value,
    }
    if target is Status.REFUNDED:  # the money the order system books
        paid = request.estimate.total
        assert (event.data["amount"], event.data["currency"]) == (paid.cents, paid.currency)
        assert event.data["method"] == "alipay"


def test_the_cases_cover_every_row_of_the_table() -> None:
    covered = {(a, s, t) for a, s, t in _cases()} | {
        (a, Status.REQUESTED, t) for a in _AT_FILING for t in RequestType
    }
    for transition in TRANSITIONS:
        for source in transition.sources:
            for request_type in transition.types or RequestType:
                assert (transition.action, source, request_type) in covered


@pytest.mark.parametrize("request_type", list(RequestType))
def test_filing_is_one_created_event_with_its_first_decision(request_type: RequestType) -> None:
    request = request_of_type(request_type, now=NOW)
    assert [event.name for event in request.events] == ["return.created"]
    data = request.events[0].data
    assert data["from_status"] is None
    assert data["status"] == request.status.value
    assert data["action"] in {a.value for a in _AT_FILING}
    assert (data["rma_no"], data["order_no"]) == (request.rma_no, request.order_no)


def _terms(*, needs_approval: bool = False) -> RefundTerms:
    return RefundTerms(
        amount=Money(8400, "CNY"),
        method="alipay",
        reference="2026112022001",
        gateway="sandbox",
        idempotency_key="rf-R1-refund",
        trigger="inspection",
        requested_by="system",
        due_by=NOW + timedelta(hours=24),
        workings={},
        needs_approval=needs_approval,
    )


def _walk_refund_states() -> list[tuple[str, RefundState, dict[str, object]]]:
    """Through every state of the refund life: approval, submission, retry, escalation."""
    policy = RetryPolicy(max_attempts=2)
    refund = Refund.owe("R1", _terms(needs_approval=True), NOW)
    refund.id = 7
    seen: list[tuple[str, RefundState, dict[str, object]]] = []

    def note() -> None:
        seen.extend((e.name, refund.status, dict(e.data)) for e in refund.events)
        refund.events.clear()

    note()
    refund.approve("manager:may", NOW)
    note()
    refund.hear("pending", "re_1", None, NOW, policy)
    note()
    refund.fail(NOW, "unavailable", policy)
    note()
    refund.resubmit(NOW + timedelta(minutes=5))
    note()
    refund.fail(NOW, "unavailable", policy)
    note()
    refund.reopen("finance:fay", NOW, new_key=None)
    note()
    refund.flag_breach(NOW + timedelta(days=2))
    note()
    refund.hear("succeeded", "re_1", None, NOW, policy)
    note()
    refund = Refund.owe("R2", _terms(needs_approval=True), NOW)
    note()
    refund.decline("manager:may", "no", NOW)
    note()
    return seen


def test_every_refund_state_change_carries_amount_currency_and_state() -> None:
    seen = _walk_refund_states()
    states = {state for _name, state, _data in seen}
    assert states == set(RefundState)  # every state was reached and announced
    names = {name for name, _state, _data in seen}
    assert {"refund.requested", "refund.approved", "refund.declined", "refund.paid"} <= names
    assert {"refund.submitted", "refund.failed", "refund.reopened"} <= names
    for name, state, data in seen:
        assert (data["amount"], data["currency"], data["method"]) == (8400, "CNY", "alipay"), name
        assert data["status"] == state.value, name
        assert data["rma_no"] in {"R1", "R2"}
