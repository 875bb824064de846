"""Store credit as a refund choice, spending it, and letting it lapse.

A credit refund performs the request's REFUND step with method `store_credit` (the
unique refund row per request keeps it to once) and books it: the refund into the
customer's STORE_CREDIT, the bonus as COMPENSATION. Spends come from the order system
with an idempotency key; expiry is a sweep into EXPIRED_CREDIT.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from returnflow.config import Settings
from returnflow.domain.access import Forbidden
from returnflow.domain.authority import SYSTEM, check_authority, role_of
from returnflow.domain.kinds import RequestType
from returnflow.domain.ledger import Account, transfer
from returnflow.domain.lifecycle import Action, Status, allowed_actions
from returnflow.domain.money import Money
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.store_credit import (
    CreditBook,
    EntryKind,
    add_months,
    bonus_for,
    insufficient,
    positive,
)
from returnflow.domain.text import DomainError, Text
from returnflow.services import refund_deductions
from returnflow.services.errors import Conflict
from returnflow.services.refunds import refund_amount
from returnflow.services.returns import get_return
from returnflow.storage.resolutions import CreditEntryView, StoreCredit
from returnflow.storage.schema import RefundRow, ReturnRow
from returnflow.storage.uow import UnitOfWork

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
    taken = select(RefundRow.id).join(ReturnRow).where(ReturnRow.rma_no == request.rma_no)
    if uow.session.scalar(taken) is not None:
        raise Conflict(
            "refund_exists",
            Text("该申请已发起退款，不能重复退款", "A refund for this request already exists"),
        )
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
    credit = StoreCredit(uow.session)
    lots = [
        (
            EntryKind.GRANT,
            "grant",
            grant.principal,
            Account.SALES_RETURNS,
            "refund taken as store credit",
        )
    ]
    if grant.bonus.cents > 0:
        memo = f"store credit bonus {settings.store_credit_bonus_percent}%"
        lots.append((EntryKind.BONUS, "bonus", grant.bonus, Account.COMPENSATION, memo))
    for kind, name, amount, source, memo in lots:
        _credit_lot(uow, credit, request, kind, name, amount, source, memo, expires, now, actor)
    return grant


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
    credit: StoreCredit,
    request: ReturnRequest,
    kind: EntryKind,
    name: str,
    amount: Money,
    source: Account,
    memo: str,
    expires: datetime,
    now: datetime,
    actor: str,
) -> None:
    """One lot of credit: its balance, its entry in the customer's history, its ledger entry."""
    customer = request.customer_id
    lot_source = "refund" if kind is EntryKind.GRANT else name
    credit.add_lot(customer, amount, now, expires, f"{lot_source}:{request.rma_no}")
    credit.record(
        key=f"{name}:{request.rma_no}",
        customer_id=customer,
        kind=kind,
        amount=amount,
        now=now,
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
            credit_party=customer,
        )
    )


@dataclass(frozen=True)
class SpendResult:
    entry: CreditEntryView
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
    credit = StoreCredit(uow.session)
    entry_key = f"spend:{customer_id}:{key}"
    earlier = credit.entry(entry_key)
    if earlier is not None:
        if earlier.amount != -amount:
            raise DomainError(
                "idempotency_key_reused",
                Text("该幂等键已用于另一笔消费", "This key was used for a different spend"),
                field="key",
            )
        return SpendResult(earlier, True)
    # the conditional update is the guard: of two concurrent spends only one passes it
    if not credit.take(customer_id, amount, now):
        raise insufficient(credit.balance(customer_id, amount.currency), amount)
    book = _book(credit, customer_id, amount.currency, now)
    for lot, part in book.spend(amount, now, entry_key):
        row = credit.lot(lot.lot_id)
        assert row is not None
        row.remaining -= part.cents
    credit.record(
        key=entry_key,
        customer_id=customer_id,
        kind=EntryKind.SPEND,
        amount=-amount,
        now=now,
        actor=actor,
        reference=reference,
    )
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
    found = credit.entry(entry_key)
    assert found is not None
    return SpendResult(found, False)


def _book(credit: StoreCredit, customer_id: str, currency: str, now: datetime) -> CreditBook:
    book = CreditBook(customer_id, currency)
    book.lots = [lot for lot, _ in credit.open_lots(customer_id, now)]
    return book


def expire_lot(uow: UnitOfWork, lot_id: int, now: datetime) -> Money | None:
    """One lapsed lot: what is left of it leaves the balance, into EXPIRED_CREDIT."""
    credit = StoreCredit(uow.session)
    row = credit.lot(lot_id)
    if row is None or row.remaining <= 0 or row.expires_at > now:
        return None
    left = Money(row.remaining, row.currency)
    if not credit.take(row.customer_id, left, now):
        return None  # cannot happen while lots and balance agree; never go negative
    row.remaining = 0
    credit.record(
        key=f"expire:{lot_id}",
        customer_id=row.customer_id,
        kind=EntryKind.EXPIRE,
        amount=-left,
        now=now,
        actor="system",
        reference=row.source,
    )
    uow.ledger.post(
        transfer(
            f"store_credit:expire:{lot_id}",
            now,
            "store credit expired",
            debit=Account.STORE_CREDIT,
            credit=Account.EXPIRED_CREDIT,
            amount=left,
            debit_party=row.customer_id,
        )
    )
    return left
