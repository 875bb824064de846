"""What each party owes for the returns it bears (R8.4): statements and claims, read models.

A merchant's statement lists the charges booked to its receivable in a period (each
with the ruling, lost parcel or inspection it came from), a running balance from the
opening balance, and the closing balance: what will be deducted from its next
settlement. Settling it against a payout is the settlement system's business, not
ours: the statement shows what is owed, not what was already deducted. The
carrier-claims report lists each claim against each carrier (with the return parcel's
waybill where one is known) and the totals per carrier.

Periods are whole local days (China Standard Time), both ends inclusive.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import groupby
from typing import Literal
from zoneinfo import ZoneInfo

from returnflow.domain.awards import LOST_IN_TRANSIT, RULING
from returnflow.domain.input_bounds import day_range, optional_day
from returnflow.domain.ledger import Account
from returnflow.domain.money import Money
from returnflow.domain.text import DomainError, Text
from returnflow.logistics.carriers import Carrier
from returnflow.services.carrier_names import carrier_label
from returnflow.services.errors import NotFound
from returnflow.services.liability import INSPECTION, KEY_PREFIX
from returnflow.services.merchants import merchant_name
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.ledger import PartyLine

ZONE = ZoneInfo("Asia/Shanghai")  # the console's days are China Standard Time days
MAX_PARTY = 64  # a merchant id or carrier code, as the ledger stores parties
Source = Literal["ruling", "lost_in_transit", "inspection", "other"]
UNNAMED = Text("", "")


@dataclass(frozen=True, slots=True)
class Period:
    """Local days `start`..`end`, both inclusive, and the UTC instants around them."""

    start: date
    end: date

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=ZONE)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=ZONE)


def period(date_from: str, date_to: str, now: datetime) -> Period:
    """The period asked for (`YYYY-MM-DD` texts); neither given: this month so far."""
    start = optional_day(date_from, "from")
    end = optional_day(date_to, "to")
    today = now.astimezone(ZONE).date()
    if start is None and end is None:
        start = today.replace(day=1)
    first, last = day_range(start, end, today, 31)
    return Period(first, last)


def party_id(value: str, field: str) -> str:
    """A merchant id or carrier code from a path or a form: bounded, trimmed, not empty."""
    cleaned = value.strip()
    if not cleaned or len(cleaned) > MAX_PARTY or not cleaned.isprintable():
        raise DomainError(
            "party_invalid",
            Text("请填写有效的编号（最多 64 个字符）", "Give a valid id (up to 64 characters)"),
            field=field,
        )
    return cleaned


def own_merchant(merchant_scope: str | None) -> str:
    """The merchant whose statement a merchant account reads: its own, and only that.

    Staff accounts belong to no merchant; they read any merchant's statement through
    the finance routes, which need the reports permission.
    """
    if not merchant_scope:
        raise NotFound(
            "merchant_statement_not_found",
            Text(
                "该账号不属于任何商家，没有商家对账单",
                "This account belongs to no merchant, so it has no merchant statement",
            ),
        )
    return merchant_scope


@dataclass(frozen=True, slots=True)
class StatementLine:
    at: datetime
    rma_no: str
    source: Source
    reference: str  # the dispute number, the shipment exception, or "inspection"
    memo: str  # the ledger's memo, as booked (English, with codes)
    amount: Money  # a charge is positive; anything credited back is negative
    balance: Money  # the running balance after this line
    description: Text  # what the charge is, for people: "争议裁决 DP…" / "Dispute ruling DP…"
    href: str  # the page behind it: the dispute, or the request


@dataclass(frozen=True, slots=True)
class Statement:
    """One merchant's charges in a period: opening, lines, charges, closing."""

    merchant_id: str
    period: Period
    currency: str
    opening: Money
    lines: tuple[StatementLine, ...]
    charged: Money  # the period's movements together
    closing: Money  # owed at the end of the period, to come off the next settlement
    merchant_name: str = ""  # the merchant's display name ("" reads as its id)

    @property
    def merchant_label(self) -> str:
        return self.merchant_name or self.merchant_id


def _origin(line: PartyLine) -> tuple[Source, str]:
    """(source, reference) of a line, from the liability booking's key and the refund."""
    prefix = f"{KEY_PREFIX}{line.rma_no}:"
    if not line.key.startswith(prefix):
        return "other", ""
    reference = line.key.removeprefix(prefix)
    if reference == INSPECTION:
        return "inspection", ""
    if line.trigger == RULING:
        return "ruling", reference
    if line.trigger == LOST_IN_TRANSIT:
        return "lost_in_transit", reference
    return "other", reference


def describe(source: Source, reference: str, rma_no: str, memo: str) -> tuple[Text, str]:
    """(what a line is, in both languages; the page it links to) from its source."""
    request = f"/staff/returns/{rma_no}" if rma_no else ""
    if source == "ruling" and reference:
        text = Text("争议裁决 {no}", "Dispute ruling {no}").format(no=reference)
        return text, f"/staff/disputes/{reference}"
    if source == "lost_in_transit":
        task = reference.removeprefix("exception:")
        if task.isdigit():
            text = Text("物流异常理赔（异常任务 #{task}）", "Lost-parcel claim (exception #{task})")
            return text.format(task=task), request
        text = Text("物流异常理赔 {ref}", "Lost-parcel claim {ref}").format(ref=reference)
        return Text(text.zh.strip(), text.en.strip()), request
    if source == "inspection":
        return Text("验收判定商家责任", "Inspection found the merchant responsible"), request
    return Text("其他调整：{memo}", "Other adjustment: {memo}").format(memo=memo), request


def merchant_statement(
    uow: UnitOfWork, merchant_id: str, when: Period, currency: str = "CNY"
) -> Statement:
    account = Account.MERCHANT_RECEIVABLE
    opening = uow.ledger.party_balance(account, merchant_id, currency, when.since)
    found = uow.ledger.party_lines(
        account, party=merchant_id, currency=currency, since=when.since, until=when.until
    )
    balance = opening.cents
    lines: list[StatementLine] = []
    for line in found:
        amount = line.debit - line.credit  # debit-normal: a charge raises what is owed
        balance += amount
        source, reference = _origin(line)
        description, href = describe(source, reference, line.rma_no, line.memo)
        lines.append(
            StatementLine(
                line.at,
                line.rma_no,
                source,
                reference,
                line.memo,
                Money(amount, currency),
                Money(balance, currency),
                description,
                href,
            )
        )
    charged = Money(balance - opening.cents, currency)
    closing = Money(balance, currency)
    name = merchant_name(uow, merchant_id)
    return Statement(merchant_id, when, currency, opening, tuple(lines), charged, closing, name)


def merchants_charged(uow: UnitOfWork) -> list[str]:
    """Merchants with anything on their receivable: the statement page's picker."""
    return uow.ledger.parties(Account.MERCHANT_RECEIVABLE)


@dataclass(frozen=True, slots=True)
class Claim:
    at: datetime
    rma_no: str
    reference: str  # the shipment exception or dispute it came from
    waybill: str  # the return parcel's waybill, "" when unknown
    memo: str  # the ledger's memo, as booked
    amount: Money
    description: Text  # what the claim is for, for people
    href: str  # the page behind it: the dispute, or the request


@dataclass(frozen=True, slots=True)
class CarrierClaims:
    carrier: str  # the carrier code ("" when the parcel's carrier was not known)
    claims: tuple[Claim, ...]
    total: Money
    carrier_name: Text = UNNAMED  # its display name ("演示快递" / "Demo carrier")


@dataclass(frozen=True, slots=True)
class ClaimsReport:
    period: Period
    currency: str
    carriers: tuple[CarrierClaims, ...]
    total: Money


def carrier_claims(
    uow: UnitOfWork,
    when: Period,
    currency: str = "CNY",
    carrier: str | None = None,
    carriers: Mapping[str, Carrier] | None = None,
) -> ClaimsReport:
    """Every claim against carriers booked in the period, grouped by carrier.

    `carriers` (the process's registry) names each carrier as it names itself.
    """
    found = uow.ledger.party_lines(
        Account.CARRIER_CLAIMS, party=carrier, currency=currency, since=when.since, until=when.until
    )
    waybills = uow.ledger.return_waybills([line.rma_no for line in found if line.rma_no])
    groups: list[CarrierClaims] = []
    for party, lines in groupby(found, key=lambda line: line.party):
        claims = tuple(_claim(line, waybills, currency) for line in lines)
        label = carrier_label(party, carriers)
        groups.append(CarrierClaims(party, claims, _sum(claims, currency), label))
    total = Money(sum(group.total.cents for group in groups), currency)
    return ClaimsReport(when, currency, tuple(groups), total)


def _claim(line: PartyLine, waybills: dict[tuple[str, str], str], currency: str) -> Claim:
    source, reference = _origin(line)
    description, href = describe(source, reference, line.rma_no, line.memo)
    return Claim(
        line.at,
        line.rma_no,
        reference,
        waybills.get((line.rma_no, line.party), ""),
        line.memo,
        Money(line.debit - line.credit, currency),
        description,
        href,
    )


def _sum(claims: Sequence[Claim], currency: str) -> Money:
    return Money(sum(claim.amount.cents for claim in claims), currency)
