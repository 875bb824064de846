"""Awards paid the way a ruling or a lost-parcel remedy pays them (issue 12, R8.4).

The dispute and lost-parcel services call `services/liability.pay_award`; these helpers
call it directly, in one committed unit of work like a route's `perform`, and let the
worker pay the refund (tests/support/refunds.py).
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.awards import RULING, Liable
from returnflow.domain.money import Money
from returnflow.domain.refund import Refund
from returnflow.entrypoints.steps import perform
from returnflow.services import liability
from returnflow.services.refunds import RefundRules
from returnflow.services.unit_of_work import UnitOfWork

MEDIATOR = "mediator:zhou"


def filed(
    client: TestClient, order_no: str = "SO-1001", reason: str = "no_reason", approve: bool = True
) -> str:
    """A refund request for one unit of line 1, approved (a person approves it if needed)."""
    body = {
        "order_no": order_no,
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": reason}],
    }
    response = client.post("/api/v1/returns", json=body)
    assert response.status_code == 201, response.text
    rma = str(response.json()["rma_no"])
    if response.json()["status"] == "pending_review" and approve:
        assert client.post(f"/api/v1/returns/{rma}/approve").status_code == 200
    return rma


def shipped(client: TestClient, rma: str) -> str:
    """The customer sent it with SF Express: its own waybill; the request is in transit."""
    waybill = f"SF{rma[-12:]}"
    body = {"carrier": "sf", "tracking_no": waybill}
    response = client.post(f"/api/v1/returns/{rma}/ship", json=body)
    assert response.status_code == 200, response.text
    return waybill


def pay_award(
    context: AppContext,
    rma: str,
    liable: Liable,
    *,
    refund: int | None = None,
    compensation: int = 0,
    reference: str = "D202611200001",
    source: str = RULING,
    actor: str = MEDIATOR,
) -> dict[str, Any]:
    """The award asked for as `actor` would on a ruling; what the refund became."""
    rules = RefundRules.from_settings(context.settings)

    def step(uow: UnitOfWork, now: Any) -> Refund:
        award = liability.award_for(
            uow,
            rma,
            source=source,
            reference=reference,
            liable=liable,
            compensation=Money(compensation),
            refund=None if refund is None else Money(refund),
        )
        return liability.pay_award(uow, rma, award, actor, now, rules)

    paid = perform(context, step)
    return {"status": paid.status.value, "amount": paid.amount.cents, "trigger": paid.trigger}
