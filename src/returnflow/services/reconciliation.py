"""Finance reconciliation: our paid refunds against the gateway's settlement records.

Every difference is listed, never netted away: a refund the gateway does not show
(missing at gateway), a gateway refund we do not know (missing with us), an amount
or currency that differs, and a refund the gateway settled more than once
(duplicate). Matched records settle the gateway clearing account in the ledger.

Settlement records come from the sandbox's settlement list or from an uploaded CSV:
either our simple form (`gateway_refund_id, amount, currency[, reference]`, amount in
major units) or Stripe's balance-transaction export (`Source`, `Amount`, `Currency`,
`Type`; refunds are negative amounts of type `refund`).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from returnflow.domain.ledger import Account, transfer
from returnflow.domain.money import Money
from returnflow.domain.text import DomainError, Text
from returnflow.payments.gateway import PaymentGateway
from returnflow.payments.sandbox import SandboxGateway, settlement_records
from returnflow.services.finance_queries import RefundListing
from returnflow.services.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class SettlementRecord:
    gateway_refund_id: str
    amount: Money
    reference: str = ""


@dataclass(frozen=True, slots=True)
class Difference:
    kind: str  # missing_at_gateway | missing_with_us | amount_differs | duplicate
    gateway_refund_id: str
    rma_no: str
    ours: Money | None
    theirs: Money | None
    count: int = 1  # how many settlement records carry this id


@dataclass(frozen=True, slots=True)
class Report:
    gateway: str
    matched: tuple[tuple[str, str, Money], ...]  # (gateway id, rma, amount)
    differences: tuple[Difference, ...]

    @property
    def clean(self) -> bool:
        return not self.differences


COLUMNS = ("kind", "gateway_refund_id", "rma_no", "ours", "theirs", "currency", "count")


def reconcile(
    ours: Sequence[RefundListing], records: Iterable[SettlementRecord], gateway: str
) -> Report:
    by_id: dict[str, list[SettlementRecord]] = defaultdict(list)
    for record in records:
        by_id[record.gateway_refund_id].append(record)
    differences: list[Difference] = []
    matched: list[tuple[str, str, Money]] = []
    known: set[str] = set()
    for refund in ours:
        mine = Money(refund.amount, refund.currency)
        gid = refund.gateway_refund_id or ""
        known.add(gid)
        found = by_id.get(gid, [])
        if not found:
            differences.append(Difference("missing_at_gateway", gid, refund.rma_no, mine, None, 0))
            continue
        if len(found) > 1:
            differences.append(
                Difference("duplicate", gid, refund.rma_no, mine, found[0].amount, len(found))
            )
            continue
        if found[0].amount != mine:
            differences.append(
                Difference("amount_differs", gid, refund.rma_no, mine, found[0].amount)
            )
            continue
        matched.append((gid, refund.rma_no, mine))
    for gid, found in by_id.items():
        if gid not in known:
            differences.append(
                Difference(
                    "missing_with_us", gid, found[0].reference, None, found[0].amount, len(found)
                )
            )
    differences.sort(key=lambda d: (d.kind, d.gateway_refund_id))
    return Report(gateway, tuple(matched), tuple(differences))


def paid_refunds(uow: UnitOfWork, gateway: str) -> list[RefundListing]:
    """Our refunds the gateway paid (history paid outside any gateway is left out)."""
    listed = uow.refunds.listing(statuses=("succeeded",), gateway=gateway, limit=None)
    return [r for r in listed if r.gateway_refund_id]


@dataclass(frozen=True, slots=True)
class Reconciled:
    report: Report
    settled: int  # matched settlements booked now (0 when only reading)


def run(
    uow: UnitOfWork,
    records: Sequence[SettlementRecord],
    gateway: str,
    now: datetime,
    *,
    settle: bool,
) -> Reconciled:
    """Our paid refunds against `records`; with `settle` the matched ones are booked."""
    report = reconcile(paid_refunds(uow, gateway), records, gateway)
    return Reconciled(report, settle_matched(uow, report, now) if settle else 0)


def gateway_records(gateway: PaymentGateway) -> list[SettlementRecord]:
    """The gateway's own settlement list (the sandbox keeps one; others send a file)."""
    if not isinstance(gateway, SandboxGateway):
        raise DomainError(
            "settlement_file_required",
            Text(
                "该支付渠道需上传结算文件（CSV）",
                "Upload the gateway's settlement file (CSV) for this gateway",
            ),
            field="file",
        )
    return [
        SettlementRecord(
            str(r["gateway_refund_id"]),
            Money(int(r["amount"]), str(r["currency"])),
            str(r["reference"]),
        )
        for r in settlement_records(gateway)
    ]


def settle_matched(uow: UnitOfWork, report: Report, now: datetime) -> int:
    """Book each matched settlement once: the clearing account empties into cash."""
    booked = 0
    for gid, rma_no, amount in report.matched:
        booked += uow.ledger.post(
            transfer(
                f"settlement:{report.gateway}:{gid}",
                now,
                f"{report.gateway} settled refund {gid}",
                debit=Account.GATEWAY_CLEARING,
                credit=Account.CASH,
                amount=amount,
                rma_no=rma_no,
            )
        )
    return booked


# --- reading settlement files ---------------------------------------------------------


def _bad_file(detail: str) -> DomainError:
    return DomainError(
        "settlement_file_invalid",
        Text("结算文件无法读取：{d}", "The settlement file cannot be read: {d}").format(d=detail),
        field="file",
    )


def _cents(text: str) -> int:
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation as exc:
        raise _bad_file(f"amount {text!r}") from exc
    return int((abs(value) * 100).to_integral_value())


def read_settlement_csv(data: bytes | str) -> list[SettlementRecord]:
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    reader = csv.DictReader(io.StringIO(text))
    fields = {name.strip().lower(): name for name in reader.fieldnames or []}
    records: list[SettlementRecord] = []
    if "gateway_refund_id" in fields:
        for row in reader:
            records.append(
                SettlementRecord(
                    row[fields["gateway_refund_id"]].strip(),
                    Money(_cents(row[fields["amount"]]), row[fields["currency"]].strip().upper()),
                    row.get(fields.get("reference", ""), "") or "",
                )
            )
        return records
    if {"source", "amount", "currency"} <= set(fields):
        kind = fields.get("type")
        for row in reader:
            if kind is not None and row[kind].strip() not in ("refund", "payment_refund"):
                continue
            records.append(
                SettlementRecord(
                    row[fields["source"]].strip(),
                    Money(_cents(row[fields["amount"]]), row[fields["currency"]].strip().upper()),
                )
            )
        return records
    raise _bad_file("expected columns gateway_refund_id, amount, currency (or Stripe's export)")


# --- writing the report ----------------------------------------------------------------


def _major(money: Money | None) -> str:
    if money is None:
        return ""
    whole, cents = divmod(money.cents, 100)
    return f"{whole}.{cents:02d}"


def rows(report: Report) -> list[list[str | int]]:
    out: list[list[str | int]] = []
    for d in report.differences:
        currency = (d.ours or d.theirs or Money.zero()).currency
        out.append(
            [
                d.kind,
                d.gateway_refund_id,
                d.rma_no,
                _major(d.ours),
                _major(d.theirs),
                currency,
                d.count,
            ]
        )
    return out


def to_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(rows(report))
    return buffer.getvalue()


def to_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook  # with the first download, not the API (issue 11: RSS)

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "differences"
    sheet.append(list(COLUMNS))
    for row in rows(report):
        sheet.append(row)
    matched = book.create_sheet("matched")
    matched.append(["gateway_refund_id", "rma_no", "amount", "currency"])
    for gid, rma_no, amount in report.matched:
        matched.append([gid, rma_no, _major(amount), amount.currency])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True, slots=True)
class Export:
    """A report as a file to download."""

    content: bytes
    media_type: str
    filename: str


def export(report: Report, fmt: str) -> Export:
    """The differences as CSV, or as XLSX with the matched ones on a second sheet."""
    if fmt == "csv":
        return Export(to_csv(report).encode(), "text/csv; charset=utf-8", "reconciliation.csv")
    return Export(
        to_xlsx(report),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "reconciliation.xlsx",
    )
