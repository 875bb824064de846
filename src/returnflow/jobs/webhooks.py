"""The webhook sender (R15.1): fans committed events out to subscriptions, then POSTs
each subscriber's next delivery, signed, in outbox order, retrying with backoff.

Each request carries the event as JSON — `{"id": "evt_<outbox id>", "type": <event>,
"data": {...}}` — and the headers

- `X-ReturnFlow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
  (integrations/webhooks.py `sign`; the subscription's secret is the key),
- `X-ReturnFlow-Event` (the event type), `X-ReturnFlow-Delivery` (the delivery id),
- `Idempotency-Key: evt_<outbox id>` (the same on every retry and replay).

A 2xx answer delivers it; anything else, a timeout or a refused connection is tried
again after 30 s, 1 min, 2 min … until `webhook_max_attempts` were spent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from returnflow.app_context import AppContext
from returnflow.domain.webhooks import DueDelivery
from returnflow.integrations.webhooks import SIGNATURE_HEADER, sign
from returnflow.log_privacy import describe_error
from returnflow.services import webhooks as webhook_service

LEASE = timedelta(minutes=5)
MAX_ROUNDS = 50  # one delivery per subscriber per round


@dataclass(frozen=True)
class WebhookReport:
    fanned_out: int = 0
    delivered: int = 0
    retried: int = 0


def body_of(due: DueDelivery) -> bytes:
    event = {"id": f"evt_{due.outbox_id}", "type": due.topic, "data": due.payload}
    return json.dumps(event, ensure_ascii=False, sort_keys=True).encode()


class WebhookJobs:
    def __init__(self, context: AppContext, transport: httpx.BaseTransport | None = None) -> None:
        self.context = context
        self.transport = transport

    def tick(self, now: datetime) -> WebhookReport:
        with self.context.uow() as uow:
            fanned = webhook_service.fan_out(uow, now)
            uow.commit(now)
        delivered = retried = 0
        for _ in range(MAX_ROUNDS):
            with self.context.uow() as uow:
                claimed = webhook_service.claim_due(uow, now, LEASE)
                uow.commit(now)
            if not claimed:
                break
            for due in claimed:
                if self._attempt(due, now):
                    delivered += 1
                else:
                    retried += 1
        return WebhookReport(fanned, delivered, retried)

    def _attempt(self, due: DueDelivery, now: datetime) -> bool:
        status_code, error = self._post(due)
        settings = self.context.settings
        with self.context.uow() as uow:
            ok = webhook_service.record_attempt(
                uow, due, status_code, error, settings.webhook_max_attempts, now
            )
            uow.commit(now)
        return ok

    def _post(self, due: DueDelivery) -> tuple[int | None, str | None]:
        body = body_of(due)
        headers = {
            "Content-Type": "application/json",
            "X-ReturnFlow-Event": due.topic,
            "X-ReturnFlow-Delivery": str(due.id),
            "Idempotency-Key": f"evt_{due.outbox_id}",
            SIGNATURE_HEADER: sign(due.secret, int(self.context.clock().timestamp()), body),
        }
        timeout = self.context.settings.webhook_timeout_seconds
        try:
            with httpx.Client(timeout=timeout, transport=self.transport) as client:
                response = client.post(due.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return None, describe_error(exc)[:500]
        if 200 <= response.status_code < 300:
            return response.status_code, None
        return response.status_code, f"HTTP {response.status_code}"
