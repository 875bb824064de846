"""Store credit for the order system and finance: balance, history, spend."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse

from returnflow.api.resolutions import _work
from returnflow.domain.access import Permission, Principal
from returnflow.domain.money import Money
from returnflow.entrypoints.deps import Allowed, Context
from returnflow.services import store_credit as credit_service
from returnflow.storage.resolutions import CreditEntryView, StoreCredit

router = APIRouter(prefix="/api/v1/store-credit", tags=["store credit"])

CustomerId = Annotated[str, Path(min_length=1, max_length=64)]
Manager = Annotated[Principal, Depends(Allowed(Permission.CREDIT_MANAGE))]


class SpendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: int = Field(ge=1, le=10**12, description="Minor units (fen)")
    currency: str = Field(default="CNY", min_length=3, max_length=3)
    key: str = Field(min_length=1, max_length=100, description="Idempotency key of this spend")
    reference: str = Field(default="", max_length=200, description="e.g. the new order number")


def entry_out(entry: CreditEntryView) -> dict[str, Any]:
    return {
        "kind": entry.kind.value,
        "amount": {"amount": entry.amount.cents, "currency": entry.amount.currency},
        "balance_after": {
            "amount": entry.balance_after.cents,
            "currency": entry.balance_after.currency,
        },
        "at": entry.at.isoformat(),
        "rma_no": entry.rma_no,
        "reference": entry.reference,
    }


@router.get("/{customer_id}")
def balance(customer_id: CustomerId, context: Context, principal: Manager) -> dict[str, Any]:
    """The balance and its history, newest first; the balance is the sum of the history."""
    with context.uow() as uow:
        credit = StoreCredit(uow.session)
        amount = credit.balance(customer_id)
        entries = credit.entries(customer_id)
    return {
        "customer_id": customer_id,
        "balance": {"amount": amount.cents, "currency": amount.currency},
        "entries": [entry_out(entry) for entry in entries],
    }


@router.post("/{customer_id}/spend")
def spend(
    customer_id: CustomerId, body: SpendIn, context: Context, principal: Manager
) -> JSONResponse:
    """Pay with credit. The same `key` again answers the first spend and spends nothing;
    more than the balance is 409 `store_credit_insufficient` and spends nothing."""
    now = context.clock()
    with _work(context) as uow:
        result = credit_service.spend(
            uow,
            customer_id,
            Money(body.amount, body.currency.upper()),
            body.key,
            body.reference,
            principal.actor,
            now,
        )
        left = StoreCredit(uow.session).balance(customer_id, body.currency.upper())
    out = {
        "customer_id": customer_id,
        "entry": entry_out(result.entry),
        "balance": {"amount": left.cents, "currency": left.currency},
    }
    headers = {"Idempotent-Replayed": "true"} if result.replayed else {}
    return JSONResponse(out, status_code=200 if result.replayed else 201, headers=headers)
