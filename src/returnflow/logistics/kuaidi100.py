"""An adapter for Kuaidi100 (快递100), the Chinese tracking aggregator and order service.

Written against Kuaidi100's published wire format rather than an SDK, with the project's
httpx, and tested against a local stand-in that checks the same signatures:

- 实时查询 `POST {poll}/poll/query.do`: form `customer`, `param` (JSON), `sign` =
  upper MD5(param + key + customer).
- 订阅 `POST {poll}/poll`: form `schema=json`, `param` {company, number, key,
  parameters: {callbackurl, salt, resultv2}}; answers `returnCode` 200, or 501 for a
  number already subscribed (taken as success).
- 推送 to our webhook: form `param` (JSON with `lastResult`) and `sign` = upper
  MD5(param + salt); we answer `{"result":true,"returnCode":"200","message":"成功"}`.
- 商家寄件 `POST {order}/order/borderapi.do`: form `method` (bOrder | cancel), `key`,
  `t` (ms), `param`, `sign` = upper MD5(param + t + key + secret).

In Kuaidi100's 商家寄件 the order *is* the courier visit and the waybill at once, so:
`create_waybill` places the order with no time window (the courier calls the sender),
`book_pickup` places it with the customer's window (it needs `PickupRequest.receiver`).
Use one or the other for a parcel: both send `thirdOrderId` = RMA number, and Kuaidi100
answers a repeat within 48 h with the first order, which is what makes a retry after a
timeout safe. Orders subscribe their waybill for pushes (`op=1`, `pollCallBackUrl`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs

import httpx

from returnflow.domain.scans import TrackingEvent, TrackingStatus
from returnflow.domain.text import Text
from returnflow.http_adapter import HttpAdapter
from returnflow.logistics.carrier_http import json_object, send
from returnflow.logistics.carriers import (
    CarrierRejected,
    CarrierUnavailable,
    Party,
    Pickup,
    PickupRequest,
    PushedEvents,
    PushReply,
    PushSignatureInvalid,
    Waybill,
    WaybillRequest,
)
from returnflow.logistics.kuaidi100_states import normalise_state

CODE = "kuaidi100"
CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")  # no daylight saving: fixed is exact
RESULTV2 = "4"  # per-scan state codes, names and the area of each scan
# our brand codes (carriers.TRACKING_FORMATS) → Kuaidi100 company codes
COMPANIES = {"sf": "shunfeng", "zto": "zhongtong", "yto": "yuantong", "jd": "jd"}
_DAY_TYPES = {0: "今天", 1: "明天", 2: "后天"}  # the only pickup days bOrder accepts
# returnCodes that mean "Kuaidi100 is struggling", not "your request is wrong"
_RETRY_CODES = frozenset({"500", "501", "502"})
_QUERY_RETRY_CODES = frozenset({"501", "502"})  # on query.do, 500 means "no scans yet"
_REPLY = {"result": True, "returnCode": "200", "message": "成功"}


def _utc_now() -> datetime:
    return datetime.now(UTC)


def md5_upper(text: str) -> str:
    """Kuaidi100 signs everything as upper-case hex MD5 of concatenated strings."""
    return (
        hashlib.md5(text.encode(), usedforsecurity=False).hexdigest().upper()
    )  # their scheme, not our choice


def _compact(value: Mapping[str, Any]) -> str:
    # the signed string is exactly what is sent, so it is built once, here
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Kuaidi100Carrier(HttpAdapter):
    """`Carrier` and `PushFeed` over Kuaidi100.

    `company` is the brand the 商家寄件 orders and plain tracking calls use (e.g.
    "zhongtong"); `clock` stamps the order signature's `t` and picks the pickup day.
    """

    def __init__(
        self,
        *,
        customer: str,
        key: str,
        secret: str,
        salt: str,
        callback_url: str,
        company: str,
        poll_base_url: str = "https://poll.kuaidi100.com",
        order_base_url: str = "https://poll.kuaidi100.com",
        timeout: float = 10.0,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        for name, value in (("customer", customer), ("key", key), ("salt", salt)):
            if not value:
                raise ValueError(f"{name} is required")
        self._customer = customer
        self._key = key
        self._secret = secret
        self._salt = salt
        self._callback_url = callback_url
        self._company = company
        self._poll = poll_base_url.rstrip("/")
        self._order = order_base_url.rstrip("/")
        self._clock = clock
        self._client = httpx.Client(timeout=httpx.Timeout(timeout))

    @property
    def code(self) -> str:
        return CODE

    @property
    def name(self) -> Text:
        return Text("快递100 上门取件", "Kuaidi100 door pickup")

    # --- 商家寄件: waybill and pickup --------------------------------------------

    def create_waybill(self, request: WaybillRequest) -> Waybill:
        waybill_no, reference = self._place_order(
            request.rma_no, request.sender, request.receiver, window=None
        )
        return Waybill(
            rma_no=request.rma_no,
            carrier_code=CODE,
            carrier_name=self._company,
            waybill_no=waybill_no,
            registered_with_carrier=True,
            carrier_reference=reference,
        )

    def book_pickup(self, request: PickupRequest) -> Pickup:
        if request.receiver is None:
            raise CarrierRejected(
                CODE, "receiver_required", "a Kuaidi100 pickup order needs the receiver"
            )
        waybill_no, reference = self._place_order(
            request.rma_no,
            request.sender,
            request.receiver,
            window=(request.window_start, request.window_end),
        )
        return Pickup(
            pickup_id=reference,
            waybill_no=waybill_no,
            window_start=request.window_start,
            window_end=request.window_end,
        )

    def cancel_pickup(self, pickup_id: str) -> None:
        task_id, sep, order_id = pickup_id.partition(":")
        if not sep or not task_id or not order_id:
            raise CarrierRejected(CODE, "pickup_id_invalid", f"not a taskId:orderId: {pickup_id}")
        param = {"taskId": task_id, "orderId": order_id, "cancelMsg": "退货取消"}
        self._order_call("cancel", param)

    def _place_order(
        self,
        rma_no: str,
        sender: Party,
        receiver: Party,
        window: tuple[datetime, datetime] | None,
    ) -> tuple[str, str]:
        param: dict[str, str] = {
            "kuaidicom": self._company,
            "recManName": receiver.name,
            "recManMobile": receiver.phone,
            "recManPrintAddr": "".join(receiver.address),
            "sendManName": sender.name,
            "sendManMobile": sender.phone,
            "sendManPrintAddr": "".join(sender.address),
            "cargo": "退货",
            "remark": rma_no,
            "thirdOrderId": rma_no,
            "salt": self._salt,
            "callBackUrl": self._callback_url,
            "op": "1",
            "pollCallBackUrl": self._callback_url,
            "resultv2": RESULTV2,
        }
        if window is not None:
            param.update(self._pickup_slot(*window))
        data = self._order_call("bOrder", param).get("data")
        if not isinstance(data, dict):
            raise CarrierUnavailable(CODE, "order answer without data")
        task_id, order_id = str(data.get("taskId") or ""), str(data.get("orderId") or "")
        waybill_no = str(data.get("kuaidinum") or "")
        if not task_id or not order_id:
            raise CarrierUnavailable(CODE, "order answer without taskId/orderId")
        if not waybill_no:
            # some brands assign the number a little later; the repeat (same
            # thirdOrderId) answers with the same order, by then with its number
            raise CarrierUnavailable(CODE, "order placed, waybill number not assigned yet")
        return waybill_no, f"{task_id}:{order_id}"

    def _pickup_slot(self, start: datetime, end: datetime) -> dict[str, str]:
        """bOrder takes a day word (today/tomorrow/day after) and HH:mm, in China time."""
        local_start, local_end = start.astimezone(CHINA), end.astimezone(CHINA)
        today: date = self._clock().astimezone(CHINA).date()
        day_type = _DAY_TYPES.get((local_start.date() - today).days)
        if day_type is None or local_end.date() != local_start.date() or end <= start:
            raise CarrierRejected(
                CODE,
                "pickup_window_invalid",
                "Kuaidi100 books pickups within one day, today to the day after tomorrow",
            )
        return {
            "dayType": day_type,
            "pickupStartTime": local_start.strftime("%H:%M"),
            "pickupEndTime": local_end.strftime("%H:%M"),
        }

    def _order_call(self, method: str, param: Mapping[str, str]) -> dict[str, Any]:
        body = _compact(param)
        t = str(int(self._clock().timestamp() * 1000))
        form = {
            "method": method,
            "key": self._key,
            "t": t,
            "param": body,
            "sign": md5_upper(body + t + self._key + self._secret),
        }
        payload = self._post(self._order + "/order/borderapi.do", form)
        if payload.get("result") is not True or str(payload.get("returnCode")) != "200":
            self._raise_for(payload, _RETRY_CODES)
        return payload

    # --- tracking ------------------------------------------------------------------

    def fetch_tracking(self, waybill_no: str) -> list[TrackingEvent]:
        return self.fetch_tracking_for(self._company, waybill_no)

    def fetch_tracking_for(
        self, company: str, waybill_no: str, phone: str = ""
    ) -> list[TrackingEvent]:
        """Poll one waybill of any brand (self-ship numbers too; SF needs a phone)."""
        param = {"com": company, "num": waybill_no, "resultv2": RESULTV2}
        if phone:
            param["phone"] = phone
        body = _compact(param)
        form = {
            "customer": self._customer,
            "param": body,
            "sign": md5_upper(body + self._key + self._customer),
        }
        payload = self._post(self._poll + "/poll/query.do", form)
        if payload.get("result") is False:
            if str(payload.get("returnCode")) == "500":
                return []  # 查询无结果: no scan yet, which is not an error for a new parcel
            self._raise_for(payload, _QUERY_RETRY_CODES)
        return events_of(payload)

    def subscribe(self, company: str, waybill_no: str, phone: str = "") -> None:
        """Ask Kuaidi100 to push this waybill's scans to our webhook (self-ship numbers)."""
        parameters = {"callbackurl": self._callback_url, "salt": self._salt, "resultv2": RESULTV2}
        if phone:
            parameters["phone"] = phone
        param = {
            "company": company,
            "number": waybill_no,
            "key": self._key,
            "parameters": parameters,
        }
        payload = self._post(self._poll + "/poll", {"schema": "json", "param": _compact(param)})
        code = str(payload.get("returnCode"))
        if code not in ("200", "501"):  # 501 重复订阅: already pushing to us
            self._raise_for(payload, frozenset({"500"}))

    # --- pushes --------------------------------------------------------------------

    def parse_push(self, headers: Mapping[str, str], body: bytes) -> list[PushedEvents]:
        try:
            form = parse_qs(body.decode(), keep_blank_values=True, strict_parsing=True)
        except (UnicodeDecodeError, ValueError) as exc:
            raise PushSignatureInvalid("push body is not a form") from exc
        params, signs = form.get("param", []), form.get("sign", [])
        if len(params) != 1 or len(signs) != 1:
            raise PushSignatureInvalid("push needs exactly one param and one sign")
        expected = md5_upper(params[0] + self._salt)
        if not hmac.compare_digest(expected, signs[0].upper()):
            raise PushSignatureInvalid("sign does not match md5(param + salt)")
        try:
            push = json.loads(params[0])
        except ValueError as exc:
            raise PushSignatureInvalid("signed param is not JSON") from exc
        result = push.get("lastResult") if isinstance(push, dict) else None
        if not isinstance(result, dict):
            return []  # an order-status callback or an "abort" notice: nothing scanned
        waybill_no = str(result.get("nu") or "")
        if not waybill_no:
            return []
        return [PushedEvents(waybill_no, tuple(events_of(result)))]

    def push_reply(self) -> PushReply:
        return PushReply(200, json.dumps(_REPLY, ensure_ascii=False).encode())

    # --- plumbing ------------------------------------------------------------------

    def _post(self, url: str, form: Mapping[str, str]) -> dict[str, Any]:
        response = send(self._client, CODE, "POST", url, data=dict(form))
        if response.status_code >= 400:
            raise CarrierRejected(
                CODE,
                f"http_{response.status_code}",
                response.text[:200],
                http_status=response.status_code,
            )
        return json_object(CODE, response)

    @staticmethod
    def _raise_for(payload: Mapping[str, Any], retry_codes: frozenset[str]) -> None:
        code = str(payload.get("returnCode") or "unknown")
        message = str(payload.get("message") or "")
        if code in retry_codes:
            raise CarrierUnavailable(CODE, f"returnCode {code}: {message}")
        raise CarrierRejected(CODE, code, message)


def _scan_time(item: Mapping[str, Any]) -> datetime | None:
    text = str(item.get("ftime") or item.get("time") or "")
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA).astimezone(UTC)
    except ValueError:
        return None


def events_of(result: Mapping[str, Any]) -> list[TrackingEvent]:
    """A query answer or a push's `lastResult` → our events, oldest first.

    Each scan's own code (`statusCode`, resultv2=4) or name (`status`, resultv2=1)
    decides its status. Without either, the newest scan takes the waybill's `state`
    and the older ones count as in transit: that is all the answer says.
    """
    items = result.get("data")
    if not isinstance(items, list):
        return []
    events: list[TrackingEvent] = []
    for index, item in enumerate(items):  # newest first, as Kuaidi100 sends them
        if not isinstance(item, dict):
            continue
        at = _scan_time(item)
        if at is None:
            continue
        context = str(item.get("context") or "")
        code = str(item.get("statusCode") or item.get("status") or "")
        if not code:
            code = str(result.get("state") or "0") if index == 0 else "0"
        mapped = normalise_state(code, context)
        if mapped is None:
            continue
        status, problem = mapped
        location = str(item.get("location") or item.get("areaName") or "")
        events.append(
            TrackingEvent(
                at=at,
                status=status,
                description=context,
                location=location,
                problem=problem if status is TrackingStatus.EXCEPTION else None,
            )
        )
    events.sort(key=lambda e: e.at)
    return events
