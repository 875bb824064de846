"""StripeGateway against a local stand-in server that speaks Stripe's documented format.

The stand-in is a real HTTP server on 127.0.0.1 (nothing here touches the internet).
It checks what Stripe checks (bearer key, form fields, reasons), keeps refunds by
`Idempotency-Key` the way Stripe does (a repeat returns the stored refund; the same
key with other parameters is an `idempotency_error`), and can stall past the client's
timeout or answer 500, which is where paying twice would happen if keys were wrong.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from returnflow.domain.money import Money
from returnflow.payments.gateway import (
    GatewayRefund,
    GatewayRejected,
    GatewayUnavailable,
    NotificationUnsupported,
    PaymentGateway,
    RefundReason,
    RefundStatus,
    RefundSubmission,
    SignatureInvalid,
    refund_idempotency_key,
)
from returnflow.payments.stripe import StripeGateway
from tests.support.clock import FakeClock

API_KEY = "sk_test_local"
WEBHOOK_SECRET = "whsec_local"
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
CLIENT_TIMEOUT = 0.3
STALL_SECONDS = 1.0


@dataclass
class StripeStandIn:
    """State of the stand-in; the handler reads and mutates it under `lock`."""

    payment_intents: dict[str, tuple[int, str]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_key: dict[str, tuple[dict[str, str], str]] = field(default_factory=dict)
    initial_status: str = "succeeded"
    stall_next: int = 0
    fail_next: int = 0
    posts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def forget_keys(self) -> None:
        """Stripe keeps idempotency keys for 24 hours: after that a repeat pays again."""
        with self.lock:
            self.by_key.clear()

    def set_status(self, refund_id: str, status: str, failure_reason: str | None = None) -> None:
        with self.lock:
            self.refunds[refund_id]["status"] = status
            self.refunds[refund_id]["failure_reason"] = failure_reason


def _error(kind: str, message: str, code: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"type": kind, "message": message}
    if code is not None:
        error["code"] = code
    return {"error": error}


def _make_handler(state: StripeStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            body = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test); Stripe would not care either

        def _authorised(self) -> bool:
            if self.headers.get("Authorization") != f"Bearer {API_KEY}":
                self._answer(
                    401, _error("invalid_request_error", "Invalid API Key provided: sk_***")
                )
                return False
            return True

        def _disrupted(self) -> bool:
            with state.lock:
                if state.fail_next:
                    state.fail_next -= 1
                    fail = True
                else:
                    fail = False
            if fail:
                self._answer(500, _error("api_error", "Something went wrong on Stripe's end."))
            return fail

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length).decode()
            if not self._authorised() or self._disrupted():
                return
            if self.path != "/v1/refunds":
                self._answer(404, _error("invalid_request_error", "Unrecognized request URL"))
                return
            if self.headers.get("Content-Type") != "application/x-www-form-urlencoded":
                self._answer(400, _error("invalid_request_error", "expected a form body"))
                return
            form = dict(parse_qsl(raw, keep_blank_values=True))
            key = self.headers.get("Idempotency-Key")
            with state.lock:
                state.posts += 1
                stall = state.stall_next > 0
                if stall:
                    state.stall_next -= 1
                status, payload = self._create(form, key)
            if stall:
                time.sleep(STALL_SECONDS)  # the refund exists; the answer comes too late
            self._answer(status, payload)

        def _create(self, form: dict[str, str], key: str | None) -> tuple[int, dict[str, Any]]:
            if key is not None and key in state.by_key:
                stored_form, refund_id = state.by_key[key]
                if stored_form != form:
                    return 400, _error(
                        "idempotency_error",
                        "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with.",
                    )
                return 200, state.refunds[refund_id]
            intent = form.get("payment_intent", "")
            if intent not in state.payment_intents:
                return 400, _error(
                    "invalid_request_error",
                    f"No such payment_intent: '{intent}'",
                    code="resource_missing",
                )
            paid, currency = state.payment_intents[intent]
            amount_text = form.get("amount", str(paid))
            if not amount_text.isdigit():
                return 400, _error(
                    "invalid_request_error", "Invalid integer", "parameter_invalid_integer"
                )
            amount = int(amount_text)
            if amount > paid:
                return 400, _error(
                    "invalid_request_error",
                    "Refund amount is greater than unrefunded amount on charge",
                    code="charge_exceeds_source_limit",
                )
            reason = form.get("reason")
            if reason not in (None, "duplicate", "fraudulent", "requested_by_customer"):
                return 400, _error("invalid_request_error", "Invalid reason", "parameter_invalid")
            metadata = {
                name[len("metadata[") : -1]: value
                for name, value in form.items()
                if name.startswith("metadata[") and name.endswith("]")
            }
            refund_id = f"re_{len(state.refunds) + 1:06d}"
            refund: dict[str, Any] = {
                "id": refund_id,
                "object": "refund",
                "amount": amount,
                "currency": currency,
                "payment_intent": intent,
                "reason": reason,
                "status": state.initial_status,
                "failure_reason": None,
                "metadata": metadata,
                "created": 1_795_000_000,
            }
            state.refunds[refund_id] = refund
            if key is not None:
                state.by_key[key] = (form, refund_id)
            return 200, refund

        def _list(self) -> None:
            """`GET /v1/refunds?payment_intent=…&limit=…[&starting_after=…]`, newest first."""
            query = dict(parse_qsl(urlsplit(self.path).query))
            limit = int(query.get("limit", "10"))
            with state.lock:
                found = [
                    r
                    for r in reversed(list(state.refunds.values()))
                    if r["payment_intent"] == query.get("payment_intent")
                ]
            after = query.get("starting_after")
            if after:
                ids = [r["id"] for r in found]
                found = found[ids.index(after) + 1 :] if after in ids else []
            page = found[:limit]
            self._answer(
                200,
                {
                    "object": "list",
                    "data": page,
                    "has_more": len(found) > limit,
                    "url": "/v1/refunds",
                },
            )

        def do_GET(self) -> None:
            if not self._authorised() or self._disrupted():
                return
            if urlsplit(self.path).path == "/v1/refunds":
                self._list()
                return
            prefix = "/v1/refunds/"
            refund_id = self.path[len(prefix) :] if self.path.startswith(prefix) else ""
            with state.lock:
                refund = state.refunds.get(refund_id)
            if refund is None:
                self._answer(
                    404,
                    _error(
                        "invalid_request_error",
                        f"No such refund: '{refund_id}'",
                        code="resource_missing",
                    ),
                )
                return
            self._answer(200, refund)

    return Handler


@pytest.fixture
def stand_in() -> Iterator[StripeStandIn]:
    state = StripeStandIn(payment_intents={"pi_paid": (12_900, "cny"), "pi_usd": (500, "usd")})
    server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def webhook_clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def gateway(stand_in: StripeStandIn, webhook_clock: FakeClock) -> Iterator[StripeGateway]:
    with StripeGateway(
        stand_in.url, API_KEY, WEBHOOK_SECRET, timeout=CLIENT_TIMEOUT, clock=webhook_clock
    ) as gw:
        yield gw


def _submission(
    rma_no: str = "RMA-0001", amount: int = 4_300, intent: str = "pi_paid", currency: str = "CNY"
) -> RefundSubmission:
    return RefundSubmission(
        idempotency_key=refund_idempotency_key(rma_no),
        payment_reference=intent,
        amount=Money(amount, currency),
        reason=RefundReason.REQUESTED_BY_CUSTOMER,
        metadata={"rma_no": rma_no},
    )


# --- refunds -------------------------------------------------------------------------


def test_is_a_payment_gateway(gateway: StripeGateway) -> None:
    assert isinstance(gateway, PaymentGateway)


def test_submit_creates_a_refund_with_the_documented_request(
    gateway: StripeGateway, stand_in: StripeStandIn
) -> None:
    refund = gateway.submit_refund(_submission())

    assert refund.status is RefundStatus.SUCCEEDED
    assert refund.amount == Money(4_300, "CNY")  # "cny" on the wire, ISO upper case here
    # the key rides in the metadata too, so the refund is found after Stripe forgets it
    assert refund.metadata == {"rma_no": "RMA-0001", "idempotency_key": "rf-RMA-0001-refund"}
    stored = stand_in.refunds[refund.gateway_refund_id]
    assert stored["payment_intent"] == "pi_paid"
    assert stored["amount"] == 4_300
    assert stored["reason"] == "requested_by_customer"
    assert stand_in.by_key["rf-RMA-0001-refund"][1] == refund.gateway_refund_id


def test_status_query_maps_stripe_statuses(gateway: StripeGateway, stand_in: StripeStandIn) -> None:
    stand_in.initial_status = "pending"
    refund = gateway.submit_refund(_submission())
    assert refund.status is RefundStatus.PENDING

    expected = {
        "requires_action": RefundStatus.PENDING,
        "succeeded": RefundStatus.SUCCEEDED,
        "failed": RefundStatus.FAILED,
        "canceled": RefundStatus.CANCELLED,
    }
    for stripe_status, ours in expected.items():
        stand_in.set_status(refund.gateway_refund_id, stripe_status, "expired_or_canceled_card")
        seen = gateway.refund_status(refund.gateway_refund_id)
        assert seen.status is ours
        assert seen.gateway_refund_id == refund.gateway_refund_id
    assert seen.failure_reason == "expired_or_canceled_card"


def test_status_of_unknown_refund_is_rejected(gateway: StripeGateway) -> None:
    with pytest.raises(GatewayRejected) as caught:
        gateway.refund_status("re_missing")
    assert caught.value.code == "resource_missing"
    assert caught.value.http_status == 404


def test_duplicate_submission_returns_the_same_refund(
    gateway: StripeGateway, stand_in: StripeStandIn
) -> None:
    first = gateway.submit_refund(_submission())
    second = gateway.submit_refund(_submission())

    assert second.gateway_refund_id == first.gateway_refund_id
    assert len(stand_in.refunds) == 1
    assert stand_in.posts == 2


def test_find_refund_by_the_key_in_its_metadata_after_stripe_forgot_the_key(
    gateway: StripeGateway, stand_in: StripeStandIn
) -> None:
    made = gateway.submit_refund(_submission("RMA-0001"))
    for number in range(2, 140):  # more than one page of other refunds on the payment
        gateway.submit_refund(_submission(f"RMA-{number:04d}", amount=10))
    stand_in.forget_keys()
    key = refund_idempotency_key("RMA-0001")
    found = gateway.find_refund(key, "pi_paid")
    assert found is not None and found.gateway_refund_id == made.gateway_refund_id
    assert gateway.find_refund(refund_idempotency_key("RMA-9999"), "pi_paid") is None
    by_id = gateway.find_refund(key, "pi_paid", made.gateway_refund_id)
    assert by_id is not None and by_id.gateway_refund_id == made.gateway_refund_id
    assert len(stand_in.refunds) == 139  # looking never pays


def test_find_refund_when_stripe_is_down_is_unavailable(
    gateway: StripeGateway, stand_in: StripeStandIn
) -> None:
    stand_in.fail_next = 1
    with pytest.raises(GatewayUnavailable):
        gateway.find_refund(refund_idempotency_key("RMA-0001"), "pi_paid")


def test_different_returns_make_different_refunds(
    gateway: StripeGateway, stand_in: StripeStandIn
) -> None:
    first = gateway.submit_refund(_submission("RMA-0001"))
    second = gateway.submit_refund(_submission("RMA-0002"))
    assert first.gateway_refund_id != second.gateway_refund_id
    assert len(stand_in.refunds) == 2


def test_timeout_is_unavailable_and_the_retry_pays_once(
    gateway: StripeGateway, stand_in: StripeStandIn
) -> None:
    stand_in.stall_next = 1

    with pytest.raises(GatewayUnavailable):
        gateway.submit_refund(_submission())
    assert len(stand_in.refunds) == 1  # the money went out; only the answer was lost

    retried = gateway.submit_refund(_submission())
    assert len(stand_in.refunds) == 1
    assert retried.gateway_refund_id == next(iter(stand_in.refunds))


def test_server_error_is_unavailable_and_retry_succeeds(
    gateway: StripeGateway, stand_in: StripeStandIn
) -> None:
    stand_in.fail_next = 1
    with pytest.raises(GatewayUnavailable):
        gateway.submit_refund(_submission())
    assert stand_in.refunds == {}

    refund = gateway.submit_refund(_submission())
    assert refund.status is RefundStatus.SUCCEEDED
    assert len(stand_in.refunds) == 1


def test_connection_refused_is_unavailable() -> None:
    with ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler) as server:
        port = server.server_address[1]  # bound, then closed: nothing listens there
    with (
        StripeGateway(f"http://127.0.0.1:{port}", API_KEY, WEBHOOK_SECRET, timeout=1) as gw,
        pytest.raises(GatewayUnavailable),
    ):
        gw.submit_refund(_submission())


def test_unknown_payment_intent_is_rejected_with_stripe_code(gateway: StripeGateway) -> None:
    with pytest.raises(GatewayRejected) as caught:
        gateway.submit_refund(_submission(intent="pi_unknown"))
    assert caught.value.code == "resource_missing"
    assert caught.value.http_status == 400
    assert "pi_unknown" in caught.value.message
    assert not isinstance(caught.value, GatewayUnavailable)


def test_too_large_refund_is_rejected(gateway: StripeGateway) -> None:
    with pytest.raises(GatewayRejected) as caught:
        gateway.submit_refund(_submission(amount=13_000))
    assert caught.value.code == "charge_exceeds_source_limit"


def test_reusing_a_key_for_another_amount_is_rejected(
    gateway: StripeGateway, stand_in: StripeStandIn
) -> None:
    gateway.submit_refund(_submission(amount=4_300))
    with pytest.raises(GatewayRejected) as caught:
        gateway.submit_refund(_submission(amount=4_400))
    assert caught.value.code == "idempotency_error"
    assert len(stand_in.refunds) == 1


def test_wrong_api_key_is_rejected(stand_in: StripeStandIn) -> None:
    with (
        StripeGateway(stand_in.url, "sk_test_wrong", WEBHOOK_SECRET, timeout=1) as gw,
        pytest.raises(GatewayRejected) as caught,
    ):
        gw.submit_refund(_submission())
    assert caught.value.http_status == 401
    assert caught.value.code == "invalid_request_error"
    assert stand_in.refunds == {}


def test_gateway_reporting_another_currency_is_not_taken_as_ours(
    gateway: StripeGateway,
) -> None:
    # pi_usd was paid in USD; a CNY refund request must not be recorded as done
    with pytest.raises(GatewayRejected) as caught:
        gateway.submit_refund(_submission(intent="pi_usd", amount=300, currency="CNY"))
    assert caught.value.code == "amount_mismatch"


# --- webhooks ------------------------------------------------------------------------


def _event(status: str = "succeeded", event_type: str = "charge.refund.updated") -> bytes:
    return json.dumps(
        {
            "id": "evt_1",
            "object": "event",
            "type": event_type,
            "data": {
                "object": {
                    "id": "re_000001",
                    "object": "refund",
                    "amount": 4_300,
                    "currency": "cny",
                    "status": status,
                    "failure_reason": None,
                    "metadata": {"rma_no": "RMA-0001"},
                }
            },
        }
    ).encode()


def _sign(body: bytes, at: datetime = NOW, secret: str = WEBHOOK_SECRET) -> dict[str, str]:
    timestamp = str(int(at.timestamp()))
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return {"Stripe-Signature": f"t={timestamp},v1={digest.hexdigest()}"}


def test_webhook_with_valid_signature_is_parsed(gateway: StripeGateway) -> None:
    body = _event()
    refund = gateway.parse_notification(body, _sign(body))
    assert refund == GatewayRefund(
        "re_000001", RefundStatus.SUCCEEDED, Money(4_300, "CNY"), None, {"rma_no": "RMA-0001"}
    )


def test_webhook_header_lookup_ignores_case_and_accepts_any_v1(gateway: StripeGateway) -> None:
    body = _event(event_type="refund.updated", status="failed")
    good = _sign(body)["Stripe-Signature"]
    header = good.replace("v1=", "v1=" + "0" * 64 + ",v1=")  # an old secret's signature first
    refund = gateway.parse_notification(body, {"stripe-signature": header})
    assert refund.status is RefundStatus.FAILED


def test_forged_webhook_is_refused(gateway: StripeGateway) -> None:
    body = _event()
    with pytest.raises(SignatureInvalid):
        gateway.parse_notification(body, _sign(body, secret="whsec_attacker"))


def test_stale_webhook_is_refused(gateway: StripeGateway, webhook_clock: FakeClock) -> None:
    body = _event()
    headers = _sign(body)
    webhook_clock.advance(seconds=299)
    assert gateway.parse_notification(body, headers).status is RefundStatus.SUCCEEDED
    webhook_clock.advance(seconds=2)
    with pytest.raises(SignatureInvalid):
        gateway.parse_notification(body, headers)


def test_tampered_webhook_body_is_refused(gateway: StripeGateway) -> None:
    body = _event(status="failed")
    headers = _sign(body)
    tampered = body.replace(b'"failed"', b'"succeeded"')
    assert tampered != body
    with pytest.raises(SignatureInvalid):
        gateway.parse_notification(tampered, headers)


@pytest.mark.parametrize(
    "header", [None, "", "v1=abc", "t=abc,v1=abc", f"t={int(NOW.timestamp())}"]
)
def test_missing_or_malformed_signature_header_is_refused(
    gateway: StripeGateway, header: str | None
) -> None:
    headers = {} if header is None else {"Stripe-Signature": header}
    with pytest.raises(SignatureInvalid):
        gateway.parse_notification(_event(), headers)


def test_signed_event_about_something_else_is_unsupported(gateway: StripeGateway) -> None:
    body = _event(event_type="customer.created")
    with pytest.raises(NotificationUnsupported):
        gateway.parse_notification(body, _sign(body))
