"""Store credit for the order system and finance: balance, history, spend."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from returnflow.api.roles import CreditManager
from returnflow.api.schemas import Money as MoneyOut
from returnflow.domain.money import Money
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.steps import perform
from returnflow.services import store_credit as credit_service
from returnflow.services import store_credit_queries
from returnflow.services.resolution_errors import as_conflicts
from returnflow.services.store_credit_queries import CreditEntryView

router = APIRouter(prefix="/api/v1/store-credit", tags=["store credit"])

CustomerId = Annotated[str, Path(min_length=1, max_length=64)]


class SpendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: int = Field(ge=1, le=10**12, description="Minor units (fen)")
    currency: str = Field(default="CNY", min_length=3, max_length=3)
    key: str = Field(min_length=1, max_length=100, description="Idempotency key of this spend")
    reference: str = Field(default="", max_length=200, description="e.g. the new order number")


def _money(amount: Money) -> MoneyOut:
    return MoneyOut(amount=amount.cents, currency=amount.currency)


class EntryOut(BaseModel):
    kind: str
    amount: MoneyOut
    balance_after: MoneyOut
    at: str
    rma_no: str
    reference: str

    @classmethod
    def of(cls, entry: CreditEntryView) -> EntryOut:
        return cls(
            kind=entry.kind.value,
            amount=_money(entry.amount),
            balance_after=_money(entry.balance_after),
            at=entry.at.isoformat(),
            rma_no=entry.rma_no,
            reference=entry.reference,
        )


class BalanceOut(BaseModel):
    customer_id: str
    balance: MoneyOut
    entries: list[EntryOut]


class SpendOut(BaseModel):
    customer_id: str
    entry: EntryOut
    balance: MoneyOut


@router.get("/{customer_id}")
def balance(customer_id: CustomerId, context: Context, principal: CreditManager) -> BalanceOut:
    """The balance and its history, newest first; the balance is the sum of the history."""
    with context.uow() as uow:
        found = store_credit_queries.history(uow, customer_id)
    return BalanceOut(
        customer_id=customer_id,
        balance=_money(found.balance),
        entries=[EntryOut.of(entry) for entry in found.entries],
    )


@router.post("/{customer_id}/spend", status_code=201)
def spend(
    customer_id: CustomerId,
    body: SpendIn,
    context: Context,
    principal: CreditManager,
    response: Response,
) -> SpendOut:
    """Pay with credit. The same `key` again answers the first spend (200, header
    `Idempotent-Replayed: true`) and spends nothing; more than the balance is 409
    `store_credit_insufficient` and spends nothing."""
    amount = Money(body.amount, body.currency.upper())
    result = perform(
        context,
        as_conflicts(
            lambda uow, now: credit_service.spend(
                uow, customer_id, amount, body.key, body.reference, principal.actor, now
            )
        ),
    )
    if result.replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return SpendOut(
        customer_id=customer_id, entry=EntryOut.of(result.entry), balance=_money(result.balance)
    )
