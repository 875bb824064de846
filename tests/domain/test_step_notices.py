"""A customer notice at every step (issue 13): the events carry what the notice needs, and
each notice reads right in both languages (notify/notices.py, domain/notices.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from returnflow.domain.kinds import RequestType
from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.notices import refund_arrival, refund_route, reminder_due
from returnflow.domain.policy import DEFAULT_POLICY
from returnflow.domain.returns import ReturnRequest
from returnflow.notify.notices import NOTICES, render_notice
from tests.domain.builders import force_status, local, perform, request_of_type

FILED = local(2026, 3, 2, 10)  # a Monday, 10:00 in Shanghai
CUSTOMER_FIELDS = ("rma_no", "order_no", "customer_id", "email")


def _event(request: ReturnRequest, name: str) -> dict[str, Any]:
    found = [event for event in request.events if event.name == name]
    assert found, f"no {name} among {[e.name for e in request.events]}"
    return {**found[-1].data, "occurred_at": found[-1].occurred_at.isoformat()}


def _words(topic: str, payload: dict[str, Any]) -> tuple[str, str]:
    rendered = render_notice(topic, payload)
    assert rendered is not None, topic
    subject, body = rendered
    return f"{subject.zh}\n{body.zh}", f"{subject.en}\n{body.en}"


def _walked(*actions: Action) -> ReturnRequest:
    """A request referred to review, then taken through `actions` a day apart."""
    request = force_status(request_of_type(RequestType.REFUND, now=FILED), Status.PENDING_REVIEW)
    for step, action in enumerate(actions, start=1):
        perform(request, action, local(2026, 3, 2 + step, 9))
    return request


def test_every_step_the_customer_cares_about_has_words_in_both_languages() -> None:
    steps = [
        "return.created",
        "return.approved",
        "return.rejected",
        "return.label_ready",
        "return.pickup_booked",
        "return.in_transit",
        "return.received",
        "return.inspected",
        "return.refunded",
        "return.exchanged",
        "return.completed",
        "return.reminder.ship_by",
        "return.reminder.confirm_by",
        "return.survey_invite",
    ]
    for topic in steps:
        subject, body = NOTICES[topic]
        for text in (subject, body):
            assert text.zh and text.en and text.zh != text.en, topic
            assert any("\u4e00" <= ch <= "\u9fff" for ch in text.zh), topic


def test_approved_says_ship_back_by_in_local_time() -> None:
    request = _walked(Action.APPROVE)
    payload = _event(request, "return.approved")
    assert all(payload[field] for field in CUSTOMER_FIELDS)
    assert request.ship_by is not None
    assert payload["ship_by"] == request.ship_by.isoformat()
    zh, en = _words("return.approved", payload)
    wall = local_wall(request.ship_by)  # stored in UTC, said in Shanghai time
    assert f"请在 {wall} 前寄回商品" in zh and f"send the goods back by {wall}" in en


def local_wall(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")


def test_approved_without_a_ship_by_says_nothing_of_it_and_leaves_no_empty_line() -> None:
    zh, en = _words("return.approved", {"rma_no": "RMA-1"})
    assert "寄回" not in zh and "send" not in en
    assert "\n\n" not in zh and not en.endswith(" ")


def test_filed_and_approved_at_once_carries_the_ship_by_too() -> None:
    request = request_of_type(RequestType.REFUND, now=FILED)
    payload = _event(request, "return.created")
    if payload["outcome"] != "approved":
        pytest.skip("this order is referred to review")
    assert payload["ship_by"] and all(payload[field] for field in CUSTOMER_FIELDS)
    zh, en = _words("return.created", payload)
    assert f"退换货编号：{request.rma_no}" in zh and "前寄回商品" in zh
    assert f"RMA number: {request.rma_no}" in en and "send the goods back by" in en


def test_rejected_gives_the_reason_and_the_way_to_appeal() -> None:
    request = _walked(Action.REJECT)
    zh, en = _words("return.rejected", _event(request, "return.rejected"))
    assert "原因：照片显示商品完好" in zh and "申诉" in zh
    assert "Reason: 照片显示商品完好" in en and "appeal" in en


def test_in_transit_received_and_inspected_each_have_their_notice() -> None:
    request = _walked(Action.APPROVE, Action.SHIP, Action.RECEIVE, Action.INSPECT_PASS)
    transit = _event(request, "return.in_transit")
    assert all(transit[field] for field in CUSTOMER_FIELDS)
    zh, en = _words("return.in_transit", transit)
    assert "已揽收" in zh and "SF SF1234567890" in zh and "on its way" in en
    zh, en = _words("return.inspected", _event(request, "return.inspected"))
    assert "验收通过" in zh and "passed inspection" in en


def test_refund_paid_says_how_much_where_and_when_it_reaches_them() -> None:
    request = _walked(Action.APPROVE, Action.SHIP, Action.RECEIVE, Action.INSPECT_PASS)
    request.pay_refund("system", local(2026, 3, 6, 15), "card", "ch_1")  # a Friday
    payload = _event(request, "return.refunded")
    assert (payload["currency"], payload["method"]) == ("CNY", "card")
    assert payload["amount"] == request.estimate.total.cents
    assert all(payload[field] for field in CUSTOMER_FIELDS)
    # a card: 3 working days, the weekend not counted: Wednesday 11 March
    assert payload["arrives_by"] == local(2026, 3, 11, 15).isoformat()
    zh, en = _words("return.refunded", payload)
    amount = f"{request.estimate.total.cents // 100}."
    assert amount in zh and "原支付账户（card）" in zh and "3 个工作日" in zh and "2026-03-11" in zh
    assert "original payment method (card)" in en and "3 working days" in en and "2026-03-11" in en


@pytest.mark.parametrize(
    ("method", "days", "zh", "en"),
    [
        ("store_credit", 0, "即时到账", "available at once"),
        ("alipay", 1, "1 个工作日", "1 working day "),
        ("wechat", 1, "微信支付", "WeChat Pay"),
        ("unionpay", 3, "3 个工作日", "3 working days"),
    ],
)
def test_when_a_refund_reaches_the_customer_per_method(
    method: str, days: int, zh: str, en: str
) -> None:
    paid = local(2026, 3, 2, 10)  # Monday
    assert refund_route(method)[0] == days
    assert refund_arrival(method, paid) == local(2026, 3, 2 + days, 10)
    words = _words(
        "return.refunded",
        {
            "amount": 8400,
            "currency": "CNY",
            "method": method,
            "occurred_at": paid.isoformat(),
            "rma_no": "RMA-1",
        },
    )
    assert zh in words[0] and en in words[1]


def test_arrival_skips_the_weekend() -> None:
    friday = local(2026, 3, 6, 18)
    assert refund_arrival("alipay", friday) == local(2026, 3, 9, 18)  # Monday
    assert refund_arrival("store_credit", friday) == friday


def test_completed_and_the_reminders_name_the_deadline_in_local_time() -> None:
    request = _walked(
        Action.APPROVE,
        Action.SHIP,
        Action.RECEIVE,
        Action.INSPECT_PASS,
        Action.REFUND,
        Action.COMPLETE,
    )
    payload = _event(request, "return.completed")
    assert request.confirm_by is not None
    wall = local_wall(request.confirm_by)
    zh, en = _words("return.completed", payload)
    assert wall in zh and f"confirm the result by {wall}" in en
    reminder = {"rma_no": request.rma_no, "deadline": request.confirm_by.isoformat()}
    zh, en = _words("return.reminder.confirm_by", reminder)
    assert f"请在 {wall} 前确认" in zh and f"confirm {request.rma_no} by {wall}" in en
    zh, en = _words("return.reminder.ship_by", reminder)
    assert f"请在 {wall} 前寄回" in zh and "closes by itself" in en


def test_label_and_pickup_booked() -> None:
    label = {
        "rma_no": "RMA-1",
        "carrier": "顺丰速运",
        "waybill_no": "SF100",
        "dropoff_code": "739201",
        "ship_by": local(2026, 3, 9, 10).isoformat(),
    }
    zh, en = _words("return.label_ready", label)
    assert "运单号：SF100" in zh and "寄件码：739201" in zh and "2026-03-09 10:00" in zh
    assert "Waybill: SF100" in en and "Drop-off code: 739201" in en
    pickup = {
        "rma_no": "RMA-1",
        "carrier": "顺丰速运",
        "waybill_no": "SF100",
        "pickup_start": local(2026, 3, 3, 9).isoformat(),
        "pickup_end": local(2026, 3, 3, 12).isoformat(),
    }
    zh, en = _words("return.pickup_booked", pickup)
    assert "取件时间：2026-03-03 09:00–12:00" in zh and "Pickup: 2026-03-03 09:00–12:00" in en


def test_tracking_trouble_renders_through_the_same_pipeline() -> None:
    words = _words("tracking.notice.lost", {"kind": "lost", "rma_no": "RMA-1", "waybill_no": "W1"})
    assert "RMA-1" in words[0] and "丢失" in words[0] and "lost" in words[1]
    assert render_notice("tracking.notice.nonsense", {"kind": "nonsense"}) is None


def test_a_reminder_is_due_from_the_lead_until_the_deadline() -> None:
    deadline = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    lead = deadline - datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
    assert not reminder_due(deadline, deadline - lead - (lead / 86400_000_000), lead)
    assert reminder_due(deadline, deadline - lead, lead)  # exactly 24 h before
    assert reminder_due(deadline, deadline - (lead / 86400_000_000), lead)
    assert not reminder_due(deadline, deadline, lead)  # at the deadline: too late
    assert not reminder_due(None, deadline, lead)
    assert DEFAULT_POLICY.ship_within_days > 0
