"""Outgoing webhooks to the order system, signed with HMAC-SHA256.

The outbox consumer for "integration." topics: each message is POSTed as JSON to the
configured URL. `X-ReturnFlow-Signature: t=<unix seconds>,v1=<hex>` signs
"<t>.<body>" with the shared secret, so the receiver can check origin and freshness;
`X-ReturnFlow-Event` names the topic and `Idempotency-Key` the outbox message, as a
retry sends the same message again. A non-2xx answer raises, and the outbox retries
with its backoff (30 s, 1 min, 2 min …) until it gives up.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

SIGNATURE_HEADER = "X-ReturnFlow-Signature"


class WebhookFailed(Exception):
    """The receiver did not accept the message; the outbox will try again."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes) -> bool:
    """What a receiver does (used by our tests' stand-in order system)."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        expected = sign(secret, int(parts.get("t", "")), body)
    except ValueError:
        return False
    return hmac.compare_digest(expected, header)


class WebhookSender:
    def __init__(
        self,
        url: str,
        secret: str,
        clock: Callable[[], datetime],
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url
        self.secret = secret
        self.clock = clock
        self.timeout = timeout
        self.transport = transport

    def __call__(self, topic: str, payload: dict[str, Any]) -> None:
        if not self.url:
            return  # no order system configured: the API list is the only channel
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json",
            "X-ReturnFlow-Event": topic,
            SIGNATURE_HEADER: sign(self.secret, int(self.clock().timestamp()), body),
        }
        key = payload.get("shipment_request_id") or payload.get("key")
        if key is not None:
            headers["Idempotency-Key"] = f"{topic}:{key}"
        try:
            with httpx.Client(timeout=self.timeout, transport=self.transport) as client:
                response = client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise WebhookFailed(f"{type(error).__name__}: {error}") from error
        if not 200 <= response.status_code < 300:
            raise WebhookFailed(f"HTTP {response.status_code}: {response.text[:200]}")
