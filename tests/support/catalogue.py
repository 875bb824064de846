"""The order system's price feed in tests: exchanges are priced only from it (issue 9)."""

from __future__ import annotations

from fastapi.testclient import TestClient


def feed(
    client: TestClient,
    sku: str,
    price: int,
    *,
    available: int = 100,
    title: str = "",
    merchant_id: str = "m-babycare",
) -> None:
    item = {
        "merchant_id": merchant_id,
        "sku": sku,
        "title": title or sku,
        "unit_price": price,
        "available": available,
    }
    fed = client.put("/api/v1/catalog/items", json={"items": [item]})
    assert fed.status_code == 200, fed.text
