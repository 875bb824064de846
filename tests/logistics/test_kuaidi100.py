"""Kuaidi100Carrier against a local stand-in that checks Kuaidi100's documented signatures.

The stand-in verifies what Kuaidi100 verifies (query sign = MD5(param + key + customer),
order sign = MD5(param + t + key + secret), the subscription key, required order
fields), de-duplicates orders by `thirdOrderId` as documented, and answers with the
sample payloads in tests/logistics/payloads.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest

from returnflow.domain.scans import TrackingEvent, TrackingProblem, TrackingStatus
from returnflow.logistics.carriers import (
    Carrier,
    CarrierRejected,
    CarrierUnavailable,
    Party,
    PickupRequest,
    PushedEvents,
    PushFeed,
    PushSignatureInvalid,
    WaybillRequest,
)
from returnflow.logistics.kuaidi100 import Kuaidi100Carrier
from tests.logistics.standin import Seen, StandIn, closed_port_url, payload, serve
from tests.support.clock import FakeClock

CUSTOMER = "BD1C3F2E5A6B7C8D9E0F1A2B3C4D5E6F"
KEY = "kd100-key"
SECRET = "kd100-secret"
SALT = "rf-salt-2026"
CALLBACK = "https://returns.example/api/webhooks/carriers/kuaidi100"
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in China
CUSTOMER_PARTY = Party("张三", "13812348000", ("上海市浦东新区世纪大道 100 号",))
WAREHOUSE = Party("华东退货仓", "057188886666", ("浙江省杭州市余杭区文一西路 969 号",))
REQUIRED_ORDER_FIELDS = (
    "kuaidicom",
    "recManName",
    "recManMobile",
    "recManPrintAddr",
    "sendManName",
    "sendManMobile",
    "sendManPrintAddr",
    "cargo",
)
TS, TP = TrackingStatus, TrackingProblem


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest().upper()


class Kuaidi100StandIn:
    """Kuaidi100's rules as far as these tests need them."""

    def __init__(self) -> None:
        self.tracks: dict[str, Any] = {"73100000000001": payload("kuaidi100_query.json")}
        self.orders: dict[str, dict[str, str]] = {}  # thirdOrderId -> order
        self.order_params: list[dict[str, str]] = []
        self.cancelled: list[str] = []
        self.subscriptions: list[dict[str, Any]] = []
        self.answer_code: str | None = None  # force a returnCode on the next answer

    def route(self, seen: Seen) -> tuple[int, Any]:
        if seen.headers.get("Content-Type") != "application/x-www-form-urlencoded":
            return 400, {"message": "form expected"}
        form = dict(parse_qsl(seen.body.decode(), keep_blank_values=True))
        if self.answer_code is not None:
            code, self.answer_code = self.answer_code, None
            return 200, {"result": False, "returnCode": code, "message": "服务器繁忙"}
        if seen.path == "/poll/query.do":
            return 200, self._query(form)
        if seen.path == "/poll":
            return 200, self._subscribe(form)
        if seen.path == "/order/borderapi.do":
            return 200, self._order(form)
        return 404, {"message": "not found"}

    def _query(self, form: dict[str, str]) -> Any:
        param = form.get("param", "")
        if form.get("customer") != CUSTOMER or form.get("sign") != _md5(param + KEY + CUSTOMER):
            return {"result": False, "returnCode": "503", "message": "验证签名失败"}
        query = json.loads(param)
        if not query.get("com") or not query.get("num"):
            return {"result": False, "returnCode": "400", "message": "找不到对应公司"}
        found = self.tracks.get(query["num"])
        return found if found is not None else payload("kuaidi100_query_none.json")

    def _subscribe(self, form: dict[str, str]) -> Any:
        param = json.loads(form.get("param", "{}"))
        if form.get("schema") != "json" or param.get("key") != KEY:
            return {"result": False, "returnCode": "600", "message": "您不是合法的订阅者"}
        if not param.get("parameters", {}).get("callbackurl"):
            return {"result": False, "returnCode": "700", "message": "订阅方的订阅数据存在错误"}
        if any(s["number"] == param["number"] for s in self.subscriptions):
            return {"result": False, "returnCode": "501", "message": "重复订阅"}
        self.subscriptions.append(param)
        return payload("kuaidi100_subscribe_ok.json")

    def _order(self, form: dict[str, str]) -> Any:
        param_text, t = form.get("param", ""), form.get("t", "")
        expected = _md5(param_text + t + KEY + SECRET)
        if form.get("key") != KEY or form.get("sign") != expected or not t.isdigit():
            return {"result": False, "returnCode": "503", "message": "验证签名失败"}
        param = json.loads(param_text)
        if form.get("method") == "cancel":
            known = {(o["taskId"], o["orderId"]) for o in self.orders.values()}
            if (param.get("taskId"), param.get("orderId")) not in known:
                return {"result": False, "returnCode": "400", "message": "订单不存在"}
            self.cancelled.append(param["orderId"])
            return payload("kuaidi100_cancel_ok.json")
        if form.get("method") != "bOrder":
            return {"result": False, "returnCode": "400", "message": "method 错误"}
        missing = [f for f in REQUIRED_ORDER_FIELDS if not param.get(f)]
        if missing:
            return {"result": False, "returnCode": "400", "message": f"缺少参数 {missing}"}
        self.order_params.append(param)
        third = param.get("thirdOrderId", "")
        if third not in self.orders:
            n = len(self.orders) + 1
            self.orders[third] = {
                "taskId": f"TASK{n:028d}",
                "orderId": f"{12301000 + n}",
                "kuaidinum": f"7310000000{n:04d}",
            }
        answer = payload("kuaidi100_border_ok.json")
        answer["data"].update(self.orders[third])
        return answer


@pytest.fixture
def rules() -> Kuaidi100StandIn:
    return Kuaidi100StandIn()


@pytest.fixture
def stand_in(rules: Kuaidi100StandIn) -> Iterator[StandIn]:
    with serve(rules.route) as state:
        yield state


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


def _carrier(
    url: str, clock: FakeClock, *, key: str = KEY, timeout: float = 0.3
) -> Kuaidi100Carrier:
    return Kuaidi100Carrier(
        customer=CUSTOMER,
        key=key,
        secret=SECRET,
        salt=SALT,
        callback_url=CALLBACK,
        company="zhongtong",
        poll_base_url=url,
        order_base_url=url,
        timeout=timeout,
        clock=clock,
    )


@pytest.fixture
def carrier(stand_in: StandIn, clock: FakeClock) -> Iterator[Kuaidi100Carrier]:
    with _carrier(stand_in.url, clock) as c:
        yield c


def _waybill_request(rma_no: str = "RMA-20261120-0042") -> WaybillRequest:
    return WaybillRequest(rma_no, CUSTOMER_PARTY, WAREHOUSE, carrier_code="kuaidi100")


def _china(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour - 8, minute, tzinfo=UTC)


def _pickup_request(
    start: datetime, end: datetime, receiver: Party | None = WAREHOUSE
) -> PickupRequest:
    return PickupRequest("RMA-20261120-0042", "", CUSTOMER_PARTY, start, end, receiver=receiver)


# --- waybill and pickup ----------------------------------------------------------------


def test_is_a_carrier_with_a_push_feed(carrier: Kuaidi100Carrier) -> None:
    assert isinstance(carrier, Carrier)
    assert isinstance(carrier, PushFeed)
    assert carrier.code == "kuaidi100"


def test_create_waybill_places_a_signed_order_that_subscribes_its_pushes(
    carrier: Kuaidi100Carrier, rules: Kuaidi100StandIn
) -> None:
    waybill = carrier.create_waybill(_waybill_request())

    assert waybill.waybill_no == "73100000000001"
    assert waybill.registered_with_carrier
    assert waybill.carrier_reference == f"TASK{1:028d}:12301001"
    sent = rules.order_params[0]
    assert sent["sendManName"] == "张三" and sent["recManName"] == "华东退货仓"
    assert sent["sendManPrintAddr"] == "上海市浦东新区世纪大道 100 号"
    assert sent["thirdOrderId"] == "RMA-20261120-0042"
    assert (sent["op"], sent["pollCallBackUrl"], sent["salt"]) == ("1", CALLBACK, SALT)
    assert "dayType" not in sent  # no window: the courier calls the sender


def test_retried_order_is_the_same_order(
    carrier: Kuaidi100Carrier, rules: Kuaidi100StandIn
) -> None:
    first = carrier.create_waybill(_waybill_request())
    again = carrier.create_waybill(_waybill_request())
    other = carrier.create_waybill(_waybill_request("RMA-20261120-0043"))

    assert again == first
    assert other.waybill_no != first.waybill_no
    assert len(rules.orders) == 2


def test_book_pickup_orders_with_the_window_in_china_time(
    carrier: Kuaidi100Carrier, rules: Kuaidi100StandIn
) -> None:
    start, end = _china(21, 9), _china(21, 11, 30)
    pickup = carrier.book_pickup(_pickup_request(start, end))

    sent = rules.order_params[0]
    assert (sent["dayType"], sent["pickupStartTime"], sent["pickupEndTime"]) == (
        "明天",
        "09:00",
        "11:30",
    )
    assert pickup.waybill_no == "73100000000001"
    assert pickup.pickup_id == f"TASK{1:028d}:12301001"
    assert (pickup.window_start, pickup.window_end) == (start, end)


def test_today_and_day_after_are_the_other_day_words(
    carrier: Kuaidi100Carrier, rules: Kuaidi100StandIn
) -> None:
    carrier.book_pickup(_pickup_request(_china(20, 14), _china(20, 16)))
    carrier.book_pickup(
        PickupRequest(
            "RMA-2", "", CUSTOMER_PARTY, _china(22, 9), _china(22, 10), receiver=WAREHOUSE
        )
    )
    assert [p["dayType"] for p in rules.order_params] == ["今天", "后天"]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (_china(25, 9), _china(25, 11)),  # too far ahead for bOrder
        (_china(19, 9), _china(19, 11)),  # yesterday
        (_china(21, 11), _china(21, 9)),  # ends before it starts
        (_china(21, 20), _china(22, 9)),  # spans two days
    ],
)
def test_window_kuaidi100_cannot_book_is_refused_before_any_call(
    carrier: Kuaidi100Carrier, stand_in: StandIn, start: datetime, end: datetime
) -> None:
    with pytest.raises(CarrierRejected) as caught:
        carrier.book_pickup(_pickup_request(start, end))
    assert caught.value.code == "pickup_window_invalid"
    assert stand_in.seen == []


def test_book_pickup_needs_the_receiver(carrier: Kuaidi100Carrier) -> None:
    with pytest.raises(CarrierRejected) as caught:
        carrier.book_pickup(_pickup_request(_china(21, 9), _china(21, 11), receiver=None))
    assert caught.value.code == "receiver_required"


def test_cancel_pickup_cancels_the_order(
    carrier: Kuaidi100Carrier, rules: Kuaidi100StandIn
) -> None:
    pickup = carrier.book_pickup(_pickup_request(_china(21, 9), _china(21, 11)))
    carrier.cancel_pickup(pickup.pickup_id)
    assert rules.cancelled == ["12301001"]


def test_cancel_of_unknown_order_is_rejected_with_kuaidi100_message(
    carrier: Kuaidi100Carrier,
) -> None:
    with pytest.raises(CarrierRejected) as caught:
        carrier.cancel_pickup("TASKX:999")
    assert (caught.value.code, caught.value.message) == ("400", "订单不存在")
    with pytest.raises(CarrierRejected):
        carrier.cancel_pickup("no-colon")


def test_order_with_wrong_secret_is_rejected(stand_in: StandIn, clock: FakeClock) -> None:
    with (
        Kuaidi100Carrier(
            customer=CUSTOMER,
            key=KEY,
            secret="wrong",
            salt=SALT,
            callback_url=CALLBACK,
            company="zhongtong",
            poll_base_url=stand_in.url,
            order_base_url=stand_in.url,
            clock=clock,
        ) as c,
        pytest.raises(CarrierRejected) as caught,
    ):
        c.create_waybill(_waybill_request())
    assert caught.value.code == "503"


# --- tracking ----------------------------------------------------------------------


def test_fetch_tracking_normalises_the_documented_answer(carrier: Kuaidi100Carrier) -> None:
    events = carrier.fetch_tracking("73100000000001")

    assert [(e.status, e.at) for e in events] == [
        (TS.ACCEPTED, datetime(2026, 11, 20, 10, 30, tzinfo=UTC)),  # 18:30 China time
        (TS.IN_TRANSIT, datetime(2026, 11, 20, 19, 15, 27, tzinfo=UTC)),
        (TS.IN_TRANSIT, datetime(2026, 11, 21, 15, 40, 2, tzinfo=UTC)),
        (TS.OUT_FOR_DELIVERY, datetime(2026, 11, 22, 0, 12, 40, tzinfo=UTC)),
        (TS.DELIVERED, datetime(2026, 11, 22, 2, 5, 11, tzinfo=UTC)),
    ]  # 102 待揽收 (ordered, not collected) is no movement and is left out
    assert events[0].location == "上海,上海市"
    assert events[-1].description == "【杭州市】快件已被 退货仓 签收"
    assert all(e.problem is None for e in events)


# every documented code, by hand (not from the product's table), with what it must be
EXPECTED_STATES: dict[str, tuple[TrackingStatus, TrackingProblem | None] | None] = {
    "0": (TS.IN_TRANSIT, None),
    "1": (TS.ACCEPTED, None),
    "101": None,
    "102": None,
    "103": (TS.ACCEPTED, None),
    "1001": (TS.IN_TRANSIT, None),
    "1002": (TS.IN_TRANSIT, None),
    "1003": (TS.IN_TRANSIT, None),
    "2": (TS.EXCEPTION, TP.OTHER),
    "201": (TS.EXCEPTION, TP.DELAYED),
    "202": (TS.EXCEPTION, TP.DELAYED),
    "203": (TS.EXCEPTION, TP.OTHER),
    "204": (TS.EXCEPTION, TP.OTHER),
    "205": (TS.EXCEPTION, TP.DELAYED),
    "206": (TS.EXCEPTION, TP.OTHER),
    "207": (TS.EXCEPTION, TP.OTHER),
    "208": (TS.EXCEPTION, TP.DELAYED),
    "209": (TS.EXCEPTION, TP.DAMAGED),
    "210": (TS.EXCEPTION, TP.OTHER),
    "3": (TS.DELIVERED, None),
    "301": (TS.DELIVERED, None),
    "302": (TS.DELIVERED, None),
    "303": (TS.DELIVERED, None),
    "304": (TS.DELIVERED, None),
    "4": (TS.RETURNED_TO_SENDER, None),
    "401": (TS.EXCEPTION, TP.OTHER),
    "5": (TS.OUT_FOR_DELIVERY, None),
    "501": (TS.OUT_FOR_DELIVERY, None),
    "6": (TS.RETURNED_TO_SENDER, None),
    "7": (TS.IN_TRANSIT, None),
    "8": (TS.IN_TRANSIT, None),
    "10": (TS.IN_TRANSIT, None),
    "11": (TS.IN_TRANSIT, None),
    "12": (TS.IN_TRANSIT, None),
    "13": (TS.EXCEPTION, TP.OTHER),
    "14": (TS.EXCEPTION, TP.OTHER),
    "999": (TS.IN_TRANSIT, None),  # unknown: keeps moving, raises nothing
}


def _answer_with(scans: list[dict[str, str]], state: str = "0") -> dict[str, Any]:
    answer: dict[str, Any] = copy.deepcopy(payload("kuaidi100_query.json"))
    answer["state"] = state
    answer["data"] = scans
    return answer


def _scan(minute: int, **fields: str) -> dict[str, str]:
    return {
        "time": f"2026-11-21 12:{minute:02d}:00",
        "ftime": f"2026-11-21 12:{minute:02d}:00",
        "context": "扫描",
        **fields,
    }


@pytest.mark.parametrize(("code", "expected"), list(EXPECTED_STATES.items()))
def test_every_state_code_is_normalised(
    carrier: Kuaidi100Carrier, rules: Kuaidi100StandIn, code: str, expected: Any
) -> None:
    rules.tracks["7310"] = _answer_with([_scan(1, statusCode=code)])
    events = carrier.fetch_tracking("7310")
    assert [(e.status, e.problem) for e in events] == ([] if expected is None else [expected])


def test_scans_with_only_a_state_name_are_normalised(
    carrier: Kuaidi100Carrier, rules: Kuaidi100StandIn
) -> None:
    rules.tracks["7311"] = _answer_with(
        [_scan(3, status="签收"), _scan(2, status="派件"), _scan(1, status="揽收")]
    )
    assert [e.status for e in carrier.fetch_tracking("7311")] == [
        TS.ACCEPTED,
        TS.OUT_FOR_DELIVERY,
        TS.DELIVERED,
    ]


def test_without_per_scan_states_the_newest_takes_the_waybill_state(
    carrier: Kuaidi100Carrier, rules: Kuaidi100StandIn
) -> None:
    rules.tracks["7312"] = _answer_with([_scan(2), _scan(1)], state="3")
    assert [e.status for e in carrier.fetch_tracking("7312")] == [TS.IN_TRANSIT, TS.DELIVERED]


def test_problem_text_saying_lost_is_lost(
    carrier: Kuaidi100Carrier, rules: Kuaidi100StandIn
) -> None:
    rules.tracks["7313"] = _answer_with([_scan(1, statusCode="2", context="快件遗失，正在核实")])
    (event,) = carrier.fetch_tracking("7313")
    assert (event.status, event.problem) == (TS.EXCEPTION, TP.LOST)


def test_no_scans_yet_is_an_empty_feed_not_an_error(carrier: Kuaidi100Carrier) -> None:
    assert carrier.fetch_tracking("73199999999999") == []


def test_self_ship_numbers_are_tracked_under_their_own_brand(
    carrier: Kuaidi100Carrier, stand_in: StandIn
) -> None:
    carrier.fetch_tracking_for("shunfeng", "SF1234567890123", phone="8000")
    sent = json.loads(dict(parse_qsl(stand_in.seen[0].body.decode()))["param"])
    assert sent == {"com": "shunfeng", "num": "SF1234567890123", "resultv2": "4", "phone": "8000"}


def test_query_with_a_wrong_key_is_rejected(stand_in: StandIn, clock: FakeClock) -> None:
    with _carrier(stand_in.url, clock, key="wrong") as c, pytest.raises(CarrierRejected) as caught:
        c.fetch_tracking("73100000000001")
    assert (caught.value.code, caught.value.message) == ("503", "验证签名失败")
    assert not isinstance(caught.value, CarrierUnavailable)


def test_subscribe_sends_callback_and_salt_and_accepts_a_repeat(
    carrier: Kuaidi100Carrier, rules: Kuaidi100StandIn
) -> None:
    carrier.subscribe("yuantong", "YT1234567890123")
    carrier.subscribe("yuantong", "YT1234567890123")  # 501 重复订阅: already ours
    (sub,) = rules.subscriptions
    assert sub["company"] == "yuantong" and sub["number"] == "YT1234567890123"
    assert sub["parameters"] == {"callbackurl": CALLBACK, "salt": SALT, "resultv2": "4"}


def test_subscribe_with_a_wrong_key_is_rejected(stand_in: StandIn, clock: FakeClock) -> None:
    with _carrier(stand_in.url, clock, key="wrong") as c, pytest.raises(CarrierRejected) as caught:
        c.subscribe("yuantong", "YT1234567890123")
    assert caught.value.code == "600"


# --- failures ----------------------------------------------------------------------


def test_timeout_is_unavailable(carrier: Kuaidi100Carrier, stand_in: StandIn) -> None:
    stand_in.stall_next = 1
    with pytest.raises(CarrierUnavailable):
        carrier.fetch_tracking("73100000000001")
    assert carrier.fetch_tracking("73100000000001")  # and the retry works


def test_http_500_is_unavailable(carrier: Kuaidi100Carrier, stand_in: StandIn) -> None:
    stand_in.fail_next = 1
    with pytest.raises(CarrierUnavailable):
        carrier.create_waybill(_waybill_request())


def test_busy_return_code_is_unavailable(
    carrier: Kuaidi100Carrier, rules: Kuaidi100StandIn
) -> None:
    rules.answer_code = "502"
    with pytest.raises(CarrierUnavailable):
        carrier.fetch_tracking("73100000000001")
    rules.answer_code = "500"  # on the order API, 500 is Kuaidi100's server error
    with pytest.raises(CarrierUnavailable):
        carrier.create_waybill(_waybill_request())


def test_nothing_listening_is_unavailable(clock: FakeClock) -> None:
    with _carrier(closed_port_url(), clock, timeout=1) as c, pytest.raises(CarrierUnavailable):
        c.fetch_tracking("73100000000001")


# --- pushes ------------------------------------------------------------------------


def _push_body(param: str, sign: str) -> bytes:
    return urlencode({"param": param, "sign": sign}).encode()


def _signed_push(salt: str = SALT) -> tuple[str, bytes]:
    param = json.dumps(payload("kuaidi100_push_param.json"), ensure_ascii=False)
    return param, _push_body(param, _md5(param + salt))


def test_valid_push_is_normalised(carrier: Kuaidi100Carrier) -> None:
    _, body = _signed_push()
    (pushed,) = carrier.parse_push({"Content-Type": "application/x-www-form-urlencoded"}, body)

    assert isinstance(pushed, PushedEvents)
    assert pushed.waybill_no == "73100000000002"
    assert [(e.status, e.problem) for e in pushed.events] == [
        (TS.ACCEPTED, None),
        (TS.IN_TRANSIT, None),
        (TS.EXCEPTION, TP.DAMAGED),
    ]
    assert pushed.events[-1] == TrackingEvent(
        datetime(2026, 11, 21, 8, 20, tzinfo=UTC),
        TS.EXCEPTION,
        "【杭州市】快件外包装破损，网点已登记处理",
        "浙江,杭州市",
        TP.DAMAGED,
    )


def test_push_signed_with_another_salt_is_refused(carrier: Kuaidi100Carrier) -> None:
    _, body = _signed_push(salt="attacker")
    with pytest.raises(PushSignatureInvalid):
        carrier.parse_push({}, body)


def test_tampered_push_is_refused(carrier: Kuaidi100Carrier) -> None:
    param, body = _signed_push()
    sign = dict(parse_qsl(body.decode()))["sign"]
    tampered = param.replace('"statusCode": "209"', '"statusCode": "301"')
    assert tampered != param
    with pytest.raises(PushSignatureInvalid):
        carrier.parse_push({}, _push_body(tampered, sign))


@pytest.mark.parametrize(
    "body",
    [b"", b"param=%7B%7D", b"sign=ABC", b"param={}&sign=x&sign=y", b"\xff\xfe"],
)
def test_push_without_one_param_and_one_sign_is_refused(
    carrier: Kuaidi100Carrier, body: bytes
) -> None:
    with pytest.raises(PushSignatureInvalid):
        carrier.parse_push({}, body)


def test_signed_push_without_scans_carries_no_events(carrier: Kuaidi100Carrier) -> None:
    param = json.dumps({"status": "abort", "message": "3天查询无记录"}, ensure_ascii=False)
    assert carrier.parse_push({}, _push_body(param, _md5(param + SALT))) == []


def test_push_reply_is_the_documented_acknowledgement(carrier: Kuaidi100Carrier) -> None:
    reply = carrier.push_reply()
    assert reply.status_code == 200
    assert json.loads(reply.body) == {"result": True, "returnCode": "200", "message": "成功"}
