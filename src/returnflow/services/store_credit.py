"""Store credit as a refund choice, spending it, and letting it lapse.

A credit refund performs the request's REFUND step with method `store_credit` (the
unique refund row per request keeps it to once) and books it: the refund into the
customer's STORE_CREDIT, the bonus as COMPENSATION. Spends come from the order system
with an idempotency key; expiry is a sweep into EXPIRED_CREDIT.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from returnflow.config import Settings
from returnflow.domain.access import Forbidden
from returnflow.domain.authority import SYSTEM, check_authority, role_of
from returnflow.domain.kinds import RequestType
from returnflow.domain.ledger import Account, transfer
from returnflow.domain.lifecycle import Action, Status, allowed_actions
from returnflow.domain.money import Money
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.store_credit import (
    EntryKind,
    StoreCreditAccount,
    add_months,
    bonus_for,
    positive,
)
from returnflow.domain.text import DomainError, Text
from returnflow.services import refund_deductions
from returnflow.services.refunds import refund_amount, refund_exists
from returnflow.services.returns import get_return
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.store_credit import CreditEntryView

METHOD = "store_credit"


@dataclass(frozen=True)
class CreditGrant:
    principal: Money
    bonus: Money

    @property
    def total(self) -> Money:
        return self.principal + self.bonus


def credit_open(request: ReturnRequest) -> bool:
    """Whether the refund is due now, so it can be taken as credit."""
    return request.request_type in (
        RequestType.REFUND,
        RequestType.REFUND_ONLY,
    ) and Action.REFUND in allowed_actions(request.status, request.request_type)


def offer(settings: Settings, request: ReturnRequest) -> CreditGrant:
    amount = request.estimate.total
    return CreditGrant(amount, bonus_for(amount, settings.store_credit_bonus_percent))


def refund_as_credit(
    uow: UnitOfWork,
    settings: Settings,
    rma_no: str,
    actor: str,
    now: datetime,
    *,
    merchant_scope: str | None = None,
    request: ReturnRequest | None = None,
) -> CreditGrant:
    request = request or get_return(uow, rma_no, merchant_scope=merchant_scope, for_update=True)
    if request.estimate.total.cents <= 0 or request.status is Status.REFUNDED:
        raise DomainError(
            "store_credit_not_open",
            Text("该申请没有可转为购物金的退款", "This request has no refund to take as credit"),
        )
    if uow.refunds.get(request.rma_no) is not None:
        raise refund_exists()
    # deductions accepted at inspection and the customer's return freight come off the
    # credit exactly as off a money refund
    principal = refund_amount(request, refund_deductions.standing(uow, request))
    grant = CreditGrant(principal, bonus_for(principal, settings.store_credit_bonus_percent))
    check_credit_authority(settings, actor, grant)
    # the lifecycle table decides whether the refund is due; a refused step raises here
    request.pay_refund(
        actor,
        now,
        METHOD,
        f"store-credit:{request.rma_no}",
        amount=grant.principal,
        note=f"store credit {grant.principal} + bonus {grant.bonus}",
    )
    expires = add_months(now, settings.store_credit_expiry_months)
    account = uow.store_credit.account(request.customer_id, grant.principal.currency)
    lots = [
        (EntryKind.GRANT, grant.principal, Account.SALES_RETURNS, "refund taken as store credit")
    ]
    if grant.bonus.cents > 0:
        memo = f"store credit bonus {settings.store_credit_bonus_percent}%"
        lots.append((EntryKind.BONUS, grant.bonus, Account.COMPENSATION, memo))
    for kind, amount, source, memo in lots:
        _credit_lot(uow, account, request, kind, amount, source, memo, expires, now, actor)
    uow.store_credit.save(account, now)
    return grant


@dataclass(frozen=True)
class CreditRefund:
    """A refund taken as credit: what was granted, where the request stands, the balance."""

    rma_no: str
    status: str
    customer_id: str
    grant: CreditGrant
    balance: Money


def take_as_credit(
    uow: UnitOfWork,
    settings: Settings,
    rma_no: str,
    actor: str,
    now: datetime,
    *,
    merchant_scope: str | None = None,
) -> CreditRefund:
    """`refund_as_credit`, answered with the request's status and the new balance."""
    request = get_return(uow, rma_no, merchant_scope=merchant_scope, for_update=True)
    grant = refund_as_credit(uow, settings, rma_no, actor, now, request=request)
    balance = uow.store_credit.balance(request.customer_id)
    return CreditRefund(rma_no, request.status.value, request.customer_id, grant, balance)


def check_credit_authority(settings: Settings, actor: str, grant: CreditGrant) -> None:
    """Credit plus its bonus leaves the platform like a refund: the actor's limit holds.

    A customer taking their own refund as credit in the portal acts under policy (the
    amount is the server's, the bonus the configured rate). Staff over their limit are
    refused: a manager (no limit) grants it, so both stay on the record by name.
    """
    bounded = SYSTEM if role_of(actor) == "customer" else actor
    authority = check_authority(bounded, grant.total, dict(settings.authority_limits))
    if authority.needs_approval:
        assert authority.limit is not None
        raise Forbidden(
            "authority_exceeded",
            Text(
                "购物金 {amount} 超出您的权限 {limit}，请由主管办理",
                "Store credit of {amount} is over your limit of {limit}: a manager must grant it",
            ).format(amount=str(grant.total), limit=str(authority.limit)),
        )


def _credit_lot(
    uow: UnitOfWork,
    account: StoreCreditAccount,
    request: ReturnRequest,
    kind: EntryKind,
    amount: Money,
    source: Account,
    memo: str,
    expires: datetime,
    now: datetime,
    actor: str,
) -> None:
    """One lot of credit: its lot and entry on the account, and its ledger entry."""
    name = kind.value  # "grant" | "bonus"
    lot_source = "refund" if kind is EntryKind.GRANT else name
    account.grant(
        amount,
        now,
        expires,
        f"{name}:{request.rma_no}",
        kind,
        source=f"{lot_source}:{request.rma_no}",
        actor=actor,
        rma_no=request.rma_no,
    )
    uow.ledger.post(
        transfer(
            f"store_credit:{request.rma_no}:{name}",
            now,
            memo,
            debit=source,
            credit=Account.STORE_CREDIT,
            amount=amount,
            rma_no=request.rma_no,
            credit_party=request.customer_id,
        )
    )


@dataclass(frozen=True)
class SpendResult:
    entry: CreditEntryView
    balance: Money
    replayed: bool


def spend(
    uow: UnitOfWork,
    customer_id: str,
    amount: Money,
    key: str,
    reference: str,
    actor: str,
    now: datetime,
) -> SpendResult:
    """The order system pays with credit; the same key twice spends once."""
    positive(amount)
    entry_key = f"spend:{customer_id}:{key}"
    earlier = uow.store_credit.entry(entry_key)
    if earlier is not None:
        if earlier.amount != -amount:
            raise DomainError(
                "idempotency_key_reused",
                Text("该幂等键已用于另一笔消费", "This key was used for a different spend"),
                field="key",
            )
        return SpendResult(earlier, _balance(uow, customer_id, amount.currency), True)
    # the account is locked while it is loaded: of two concurrent spends the second
    # sees the first's lots, and the stored balance never goes below zero either way
    account = uow.store_credit.account(customer_id, amount.currency)
    account.spend(amount, now, entry_key, actor=actor, reference=reference)
    uow.store_credit.save(account, now)
    uow.ledger.post(
        transfer(
            f"store_credit:spend:{customer_id}:{key}",
            now,
            f"store credit spent: {reference}",
            debit=Account.STORE_CREDIT,
            credit=Account.SALES_RETURNS,
            amount=amount,
            debit_party=customer_id,
        )
    )
    found = uow.store_credit.entry(entry_key)
    assert found is not None
    return SpendResult(found, _balance(uow, customer_id, amount.currency), False)


def _balance(uow: UnitOfWork, customer_id: str, currency: str) -> Money:
    return uow.store_credit.balance(customer_id, currency)


def lapsed_lots(uow: UnitOfWork, now: datetime) -> list[int]:
    """Lots past their expiry with credit left, for the sweep."""
    return uow.store_credit.lapsed(now)


def expire_lot(uow: UnitOfWork, lot_id: int, now: datetime) -> Money | None:
    """One lapsed lot: what is left of it leaves the balance, into EXPIRED_CREDIT."""
    customer_id = uow.store_credit.lot_owner(lot_id)
    if customer_id is None:
        return None
    account = uow.store_credit.account(customer_id)
    left = account.expire_lot(lot_id, now)
    if left is None:
        return None
    uow.store_credit.save(account, now)
    uow.ledger.post(
        transfer(
            f"store_credit:expire:{lot_id}",
            now,
            "store credit expired",
            debit=Account.STORE_CREDIT,
            credit=Account.EXPIRED_CREDIT,
            amount=left,
            debit_party=customer_id,
        )
    )
    return left
