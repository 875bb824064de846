"""Untimed setup shared by the benchmarks: orders and approved returns, made through the API.

Setup goes through the real app in-process (`TestClient`), one request at a time, so
that each benchmark starts from rows the product itself wrote. Nothing here is timed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.services import accounts


def admin_token(context: AppContext) -> str:
    """An admin account and its bearer token (setup walks requests through every step)."""
    now = context.clock()
    with context.uow() as uow:
        principal = accounts.add_user(
            uow,
            username="bench-admin",
            display_name="benchmark",
            password="benchmark-password",
            role=Role.ADMIN,
            now=now,
        )
        token = accounts.issue_api_token(uow, principal, "benchmark", now)
        uow.commit(now)
    return token


def order_body(index: int, now: datetime) -> dict[str, Any]:
    """Order `index`: one T-shirt of one merchant, delivered 2 days ago (in window)."""
    return {
        "order_no": f"BENCH-{index:07d}",
        "merchant_id": "m-bench",
        "customer": {
            "id": f"c-bench-{index:07d}",
            "name": f"顾客 {index}",
            "phone": f"138{index:08d}",
            "email": f"customer{index}@example.com",
        },
        "currency": "CNY",
        "placed_at": (now - timedelta(days=4)).isoformat(),
        "delivered_at": (now - timedelta(days=2)).isoformat(),
        "shipping_fee": 800,
        "return_shipping_insurance": False,
        "payment": {"method": "alipay", "transaction_id": f"T{index:012d}"},
        "lines": [
            {
                "line_no": 1,
                "sku": "TEE-BENCH",
                "title": "Cotton T-shirt",
                "category": "apparel",
                "unit_price": 9900,
                "quantity": 1,
                "discount": 0,
                "flags": [],
            }
        ],
    }


def approved_returns(client: TestClient, count: int, now: datetime) -> list[str]:
    """`count` refund requests, each on its own order, approved by policy; their RMA numbers."""
    rmas: list[str] = []
    for index in range(count):
        imported = client.post("/api/v1/orders", json=order_body(index, now))
        if imported.status_code >= 300:
            raise RuntimeError(f"order import failed: {imported.status_code} {imported.text}")
        body = {
            "order_no": f"BENCH-{index:07d}",
            "type": "refund",
            "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
        }
        created = client.post("/api/v1/returns", json=body)
        if created.status_code != 201 or created.json()["status"] != "approved":
            raise RuntimeError(f"return not approved: {created.status_code} {created.text}")
        rmas.append(str(created.json()["rma_no"]))
    return rmas


def setup_client(context: AppContext, app: Any) -> TestClient:
    """An in-process client carrying an admin token, for setup only."""
    client = TestClient(app)
    client.headers["Authorization"] = f"Bearer {admin_token(context)}"
    return client
