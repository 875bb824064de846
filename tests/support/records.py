"""A request with every kind of record behind it, built through the API and the worker.

Shared by the records tests (hash chains, backup, evidence bundle): an order, a
return with a photo, inspected and refunded through the sandbox gateway, plus
store credit and stock movements written through their storage classes.
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image

from returnflow.app_context import AppContext
from returnflow.domain.inventory import ARRIVAL, INSPECTION_AREA, UNGRADED, Movement, MovementKind
from returnflow.domain.money import Money
from returnflow.domain.store_credit import EntryKind
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import FileMailer
from returnflow.payments.sandbox import SandboxGateway
from tests.support.clock import FakeClock

SHIP = {"carrier": "顺丰速运", "tracking_no": "SF1234567890"}


def photo_bytes(colour: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def refunded_return(
    client: TestClient,
    context: AppContext,
    clock: FakeClock,
    folder: Path,
    order: dict[str, Any],
) -> str:
    """File, ship, receive, inspect and refund one request; answers its RMA number.

    The refund is owed as the inspection passes and the request completes once it is
    paid: both follow through the message bus, not through a call of ours.
    """
    context.settings.upload_dir = str(folder / "uploads")
    context.settings.instant_refund_enabled = False
    context.gateway = SandboxGateway(context.clock, settle_after=timedelta(seconds=30))
    worker = Worker(context, FileMailer(folder / "mail"))
    assert client.post("/api/v1/orders", json=order).status_code == 201
    (photo,) = context.photos.save_all([("box.png", photo_bytes())])
    body = {
        "order_no": order["order_no"],
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
        "photos": [photo],
    }
    filed = client.post("/api/v1/returns", json=body)
    assert filed.status_code == 201, filed.text
    rma = str(filed.json()["rma_no"])
    for action, step in (("ship", SHIP), ("receive", None), ("inspect", {"passed": True})):
        done = client.post(f"/api/v1/returns/{rma}/{action}", json=step)
        assert done.status_code == 200, done.text
    # a passed inspection owes the refund at once (the message bus, issue 10)
    refund = client.get(f"/api/v1/refunds/{rma}")
    assert (refund.status_code, refund.json()["status"]) == (200, "requested"), refund.text
    worker.tick()
    clock.advance(seconds=31)
    worker.tick()
    # paid, then completed by the message bus ("refund.paid" -> complete the request)
    status = client.get(f"/api/v1/returns/{rma}").json()["status"]
    assert status == "completed", status
    assert client.get(f"/api/v1/refunds/{rma}").json()["status"] == "succeeded"
    return rma


def credit_and_stock(context: AppContext, customer_id: str = "c-1") -> None:
    """A store-credit grant and a stock movement, so every chain has rows."""
    now = context.clock()
    with context.uow() as uow:
        account = uow.store_credit.account(customer_id, "CNY")
        account.grant(
            Money(1500, "CNY"),
            now,
            now + timedelta(days=365),
            f"grant:{customer_id}:{now.isoformat()}",
            EntryKind.GRANT,
            source="test",
            actor="finance",
            reference="goodwill",
        )
        uow.store_credit.save(account, now)
        uow.warehouse.move(
            Movement(
                MovementKind.RECEIVE,
                "BOTTLE-240",
                1,
                ARRIVAL,
                INSPECTION_AREA,
                UNGRADED,
                UNGRADED,
                "warehouse",
                now,
                merchant_id="m-babycare",
            )
        )
        uow.commit(now)
