"""The one place carrier adapters turn HTTP trouble into the two errors callers act on.

Every adapter needs the same split: a timeout, a dropped connection, a 5xx or a 429 may
succeed later (`CarrierUnavailable`, the outbox retries with backoff); anything the
carrier answered on purpose is for the adapter to read. Keeping it here means the
retry decision is the same for every carrier.
"""

from __future__ import annotations

from typing import Any

import httpx

from returnflow.logistics.carriers import CarrierUnavailable

# throttling and request timeout are worth another try; other 4xx are not
_RETRYABLE_4XX = frozenset({408, 429})


def send(
    client: httpx.Client, carrier: str, method: str, url: str, **kwargs: Any
) -> httpx.Response:
    """The response, unless the call failed in a way that a later retry may fix."""
    try:
        response = client.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise CarrierUnavailable(carrier, f"timed out: {exc!r}") from exc
    except httpx.TransportError as exc:
        raise CarrierUnavailable(carrier, f"unreachable: {exc!r}") from exc
    if response.status_code >= 500 or response.status_code in _RETRYABLE_4XX:
        raise CarrierUnavailable(carrier, f"answered HTTP {response.status_code}")
    return response


def json_object(carrier: str, response: httpx.Response) -> dict[str, Any]:
    """The JSON object a carrier answered with.

    An unreadable answer to a 2xx is treated as unavailable: a proxy or a half-deployed
    carrier produces these, and asking again later is the only sensible move.
    """
    try:
        payload = response.json()
    except ValueError as exc:
        raise CarrierUnavailable(carrier, "answered with non-JSON") from exc
    if not isinstance(payload, dict):
        raise CarrierUnavailable(carrier, "answered with a non-object")
    return payload
