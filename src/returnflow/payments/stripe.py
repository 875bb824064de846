"""An adapter for Stripe's published Refunds API and webhook signature scheme.

Written against the documented wire format (form-encoded `POST /v1/refunds`, bearer
key, `Idempotency-Key` header, JSON error bodies, `Stripe-Signature` webhooks) rather
than the Stripe SDK, so it is small, uses the project's httpx, and is tested against a
local stand-in server that speaks the same format. Base URL and keys come from the
caller (configuration), never from code.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from returnflow.domain.money import Money
from returnflow.http_adapter import HttpAdapter
from returnflow.payments.gateway import (
    GatewayRefund,
    GatewayRejected,
    GatewayResponseInvalid,
    GatewayUnavailable,
    NotificationUnsupported,
    RefundStatus,
    RefundSubmission,
    SignatureInvalid,
    header_value,
)

SIGNATURE_TOLERANCE = timedelta(seconds=300)  # Stripe's documented default
KEY_METADATA = "idempotency_key"  # the refund remembers the key it was made under
_MAX_PAGES = 20  # 2,000 refunds of one payment: far more than any order has lines

_STATUSES = {
    "pending": RefundStatus.PENDING,
    # the customer must act (some non-card methods); still not paid
    "requires_action": RefundStatus.PENDING,
    "succeeded": RefundStatus.SUCCEEDED,
    "failed": RefundStatus.FAILED,
    "canceled": RefundStatus.CANCELLED,
}

# events whose data.object is a refund
_REFUND_EVENTS = frozenset(
    {"charge.refund.updated", "refund.updated", "refund.created", "refund.failed"}
)

# 4xx answers Stripe documents as transient: a concurrent request with the same key
# (409), throttling (429), and a request timeout (408)
_RETRYABLE_4XX = frozenset({408, 409, 429})


def _utc_now() -> datetime:
    return datetime.now(UTC)


class StripeGateway(HttpAdapter):
    """`PaymentGateway` over Stripe's HTTP API.

    `timeout` (seconds) bounds every call: a gateway that hangs must surface as
    `GatewayUnavailable` so the job can retry later with the same idempotency key.
    `clock` decides how old a webhook may be; tests pass a fake one.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        webhook_secret: str,
        timeout: float = 10.0,
        *,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        if not api_key:
            raise ValueError("api_key is required")
        if not webhook_secret:
            raise ValueError("webhook_secret is required")
        self._base_url = base_url.rstrip("/")
        self._webhook_secret = webhook_secret.encode()
        self._clock = clock
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            headers={"Authorization": f"Bearer {api_key}"},
        )

    # --- refunds -------------------------------------------------------------------

    def submit_refund(self, request: RefundSubmission) -> GatewayRefund:
        form: dict[str, str] = {
            "payment_intent": request.payment_reference,
            "amount": str(request.amount.cents),
            "reason": request.reason.value,
        }
        for key, value in request.metadata.items():
            form[f"metadata[{key}]"] = value
        form[f"metadata[{KEY_METADATA}]"] = request.idempotency_key  # for `find_refund`
        response = self._send(
            "POST",
            "/v1/refunds",
            data=form,
            headers={"Idempotency-Key": request.idempotency_key},
        )
        refund = _refund_from_object(_json_object(response))
        if refund.amount != request.amount:
            # Stripe answered for a different refund than we asked for; do not record
            # it as ours. Retrying will give the same answer, so this is not retryable.
            raise GatewayRejected(
                "amount_mismatch",
                f"asked to refund {request.amount}, gateway reports {refund.amount}",
            )
        return refund

    def refund_status(self, gateway_refund_id: str) -> GatewayRefund:
        if not gateway_refund_id:
            raise ValueError("gateway_refund_id is required")
        response = self._send("GET", f"/v1/refunds/{quote(gateway_refund_id, safe='')}")
        return _refund_from_object(_json_object(response))

    def find_refund(
        self, idempotency_key: str, payment_reference: str, gateway_refund_id: str | None = None
    ) -> GatewayRefund | None:
        """By the stored id if we have one, else by the key we put into the metadata.

        Stripe keeps idempotency keys for 24 hours only, so a retry after that would
        create a second refund: the refund's metadata carries the key for this search.
        """
        if gateway_refund_id:
            try:
                return self.refund_status(gateway_refund_id)
            except GatewayRejected as exc:
                if exc.http_status != 404:
                    raise
        params = {"payment_intent": payment_reference, "limit": "100"}
        for _ in range(_MAX_PAGES):
            query = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())
            page = _json_object(self._send("GET", f"/v1/refunds?{query}"))
            items = page.get("data")
            if not isinstance(items, list):
                raise GatewayResponseInvalid("refund list without data")
            for obj in items:
                metadata = obj.get("metadata") if isinstance(obj, dict) else None
                if isinstance(metadata, dict) and metadata.get(KEY_METADATA) == idempotency_key:
                    return _refund_from_object(obj)
            if not page.get("has_more") or not items:
                return None
            params["starting_after"] = str(items[-1].get("id", ""))
        raise GatewayUnavailable("too many refunds on this payment to search")

    def _send(
        self,
        method: str,
        path: str,
        *,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        try:
            response = self._client.request(
                method, self._base_url + path, data=data, headers=headers
            )
        except httpx.TimeoutException as exc:
            raise GatewayUnavailable(f"stripe timed out: {exc!r}") from exc
        except httpx.TransportError as exc:
            raise GatewayUnavailable(f"stripe unreachable: {exc!r}") from exc
        status = response.status_code
        if status >= 500 or status in _RETRYABLE_4XX:
            raise GatewayUnavailable(f"stripe answered {status}")
        if status >= 400:
            code, message = _error_details(response)
            raise GatewayRejected(code, message, http_status=status)
        if status != 200:
            raise GatewayResponseInvalid(f"stripe answered unexpected {status}")
        return response

    # --- webhooks ------------------------------------------------------------------

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> GatewayRefund:
        self._verify_signature(body, header_value(headers, "Stripe-Signature"))
        try:
            event = json.loads(body)
        except ValueError as exc:
            raise GatewayResponseInvalid("webhook body is not JSON") from exc
        if not isinstance(event, dict):
            raise GatewayResponseInvalid("webhook body is not an event object")
        event_type = event.get("type")
        if event_type not in _REFUND_EVENTS:
            raise NotificationUnsupported(f"event type {event_type!r} is not about a refund")
        data = event.get("data")
        obj = data.get("object") if isinstance(data, dict) else None
        if not isinstance(obj, dict):
            raise GatewayResponseInvalid("event carries no data.object")
        return _refund_from_object(obj)

    def _verify_signature(self, body: bytes, header: str | None) -> None:
        """Stripe's scheme: `t=<unix ts>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.

        Several `v1` entries may appear while a secret is being rolled; any match is
        enough. The timestamp is signed too, and one outside the tolerance is refused so
        a captured request cannot be replayed later.
        """
        if not header:
            raise SignatureInvalid("missing Stripe-Signature header")
        timestamp: str | None = None
        signatures: list[str] = []
        for part in header.split(","):
            name, sep, value = part.strip().partition("=")
            if not sep:
                continue
            if name == "t":
                timestamp = value
            elif name == "v1":
                signatures.append(value)
        if timestamp is None or not timestamp.isdigit() or not signatures:
            raise SignatureInvalid("malformed Stripe-Signature header")
        expected = hmac.new(
            self._webhook_secret, timestamp.encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
            raise SignatureInvalid("no matching v1 signature")
        signed_at = datetime.fromtimestamp(int(timestamp), UTC)
        if abs(self._clock() - signed_at) > SIGNATURE_TOLERANCE:
            raise SignatureInvalid("signature timestamp outside tolerance")


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError as exc:
        raise GatewayResponseInvalid("stripe answered with non-JSON") from exc
    if not isinstance(payload, dict):
        raise GatewayResponseInvalid("stripe answered with a non-object")
    return payload


def _error_details(response: httpx.Response) -> tuple[str, str]:
    """Stripe's `{"error": {"type", "code", "message"}}`; `code` is absent for some types."""
    try:
        payload = response.json()
    except ValueError:
        payload = None
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        return f"http_{response.status_code}", response.text[:200]
    code = error.get("code") or error.get("type") or f"http_{response.status_code}"
    message = error.get("message") or ""
    return str(code), str(message)


def _refund_from_object(obj: Mapping[str, Any]) -> GatewayRefund:
    """A Stripe refund object → `GatewayRefund` (lower-case currency → ISO upper case)."""
    refund_id = obj.get("id")
    amount = obj.get("amount")
    currency = obj.get("currency")
    status = _STATUSES.get(str(obj.get("status")))
    if obj.get("object", "refund") != "refund" or not isinstance(refund_id, str):
        raise GatewayResponseInvalid("not a refund object")
    if not isinstance(amount, int) or isinstance(amount, bool) or not isinstance(currency, str):
        raise GatewayResponseInvalid("refund object lacks amount or currency")
    if status is None:
        # an unknown status may mean money moved; never guess, let a human look
        raise GatewayResponseInvalid(f"unknown refund status {obj.get('status')!r}")
    raw_metadata = obj.get("metadata")
    metadata = (
        {str(k): str(v) for k, v in raw_metadata.items()} if isinstance(raw_metadata, dict) else {}
    )
    failure_reason = obj.get("failure_reason")
    return GatewayRefund(
        gateway_refund_id=refund_id,
        status=status,
        amount=Money(amount, currency.upper()),
        failure_reason=str(failure_reason) if failure_reason else None,
        metadata=metadata,
    )
