"""The journal export (R15.1): finance pulls the ledger's entries by period.

A period is local days (China Standard Time), both ends inclusive, at most 366 days.
Each row is one posting with its entry: the entry's number, when it was posted (local
time), the account, debit and credit in yuan (two decimals) and in fen, the currency,
the request's RMA number and refund id, the memo. Rows of one entry stay together and
each entry balances (debits equal credits per currency), as the ledger guarantees.
As JSON the journal is paged by entries; CSV and XLSX carry the whole period.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from returnflow.domain.input_bounds import required_days
from returnflow.domain.ledger import Account
from returnflow.domain.money import Money
from returnflow.domain.paging import page_count
from returnflow.domain.text import Text
from returnflow.services.liability_queries import ZONE, Period
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.journal_queries import JournalPosting

Format = Literal["json", "csv", "xlsx"]
MAX_DAYS = 366
COLUMNS = (
    "entry_id",
    "posted_at",
    "account",
    "debit",
    "credit",
    "debit_fen",
    "credit_fen",
    "currency",
    "rma_no",
    "refund_id",
    "memo",
    "party",
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ACCOUNT_LABELS: dict[str, Text] = {
    Account.SALES_RETURNS: Text("销售退回", "Sales returns"),
    Account.REFUNDS_PAYABLE: Text("应付退款", "Refunds payable"),
    Account.GATEWAY_CLEARING: Text("支付通道待清算", "Gateway clearing"),
    Account.STORE_CREDIT: Text("储值余额", "Store credit"),
    Account.COMPENSATION: Text("补偿支出", "Compensation"),
    Account.CUSTOMER_RECEIVABLE: Text("应收顾客款", "Customer receivable"),
    Account.EXPIRED_CREDIT: Text("过期储值收入", "Expired credit"),
    Account.CASH: Text("银行存款", "Cash"),
    Account.MERCHANT_RECEIVABLE: Text("应收商家款", "Merchant receivable"),
    Account.CARRIER_CLAIMS: Text("应收承运商赔款", "Carrier claims"),
}


@dataclass(frozen=True, slots=True)
class JournalRow:
    """One posting as finance reads it."""

    entry_id: int
    posted_at: str  # local time, "YYYY-MM-DD HH:MM:SS" (China Standard Time)
    account: str
    debit: str  # yuan, two decimals
    credit: str
    debit_fen: int
    credit_fen: int
    currency: str
    rma_no: str
    refund_id: int | None
    memo: str
    party: str
    key: str = ""  # the entry's unique key: what booked it (services/journal_kinds.py)

    @property
    def account_label(self) -> Text:
        return ACCOUNT_LABELS.get(self.account, Text(self.account, self.account))

    @property
    def debit_money(self) -> Money:
        return Money(self.debit_fen, self.currency)

    @property
    def credit_money(self) -> Money:
        return Money(self.credit_fen, self.currency)

    def cells(self) -> list[str | int]:
        refund = "" if self.refund_id is None else self.refund_id
        return [
            self.entry_id,
            self.posted_at,
            self.account,
            self.debit,
            self.credit,
            self.debit_fen,
            self.credit_fen,
            self.currency,
            self.rma_no,
            refund,
            self.memo,
            self.party,
        ]


@dataclass(frozen=True, slots=True)
class JournalPage:
    period: Period
    page: int
    page_size: int
    total_entries: int
    rows: tuple[JournalRow, ...]

    @property
    def pages(self) -> int:
        return page_count(self.total_entries, self.page_size)


@dataclass(frozen=True, slots=True)
class JournalFile:
    """The whole period as a file: its bytes in pieces, media type and name."""

    chunks: tuple[bytes, ...]
    media_type: str
    filename: str


def period(date_from: str, date_to: str) -> Period:
    """Both days required (`YYYY-MM-DD`), `from` ≤ `to`, at most 366 days."""
    return Period(*required_days(date_from, date_to, MAX_DAYS))


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    whole, rest = divmod(abs(fen), 100)
    return f"{sign}{whole}.{rest:02d}"


def row_of(posting: JournalPosting) -> JournalRow:
    local = posting.at.astimezone(ZONE)
    return JournalRow(
        entry_id=posting.entry_id,
        posted_at=local.strftime("%Y-%m-%d %H:%M:%S"),
        account=posting.account,
        debit=_yuan(posting.debit),
        credit=_yuan(posting.credit),
        debit_fen=posting.debit,
        credit_fen=posting.credit,
        currency=posting.currency,
        rma_no=posting.rma_no,
        refund_id=posting.refund_id,
        memo=posting.memo,
        party=posting.party,
        key=posting.key,
    )


def journal_page(uow: UnitOfWork, when: Period, page: int, page_size: int) -> JournalPage:
    """One page of whole entries (oldest first) with every posting of each."""
    total = uow.journal.count(when.since, when.until)
    postings = uow.journal.page(when.since, when.until, (page - 1) * page_size, page_size)
    rows = tuple(row_of(p) for p in postings)
    return JournalPage(when, page, page_size, total, rows)


def journal_rows(uow: UnitOfWork, when: Period) -> Iterator[list[JournalRow]]:
    """The whole period, a chunk of whole entries at a time."""
    for chunk in uow.journal.all(when.since, when.until):
        yield [row_of(p) for p in chunk]


def unbalanced_entries(rows: Iterable[JournalRow]) -> list[int]:
    """Entries whose debits and credits differ in some currency (there should be none)."""
    net: dict[tuple[int, str], int] = {}
    for row in rows:
        key = (row.entry_id, row.currency)
        net[key] = net.get(key, 0) + row.debit_fen - row.credit_fen
    return sorted({entry for (entry, _currency), value in net.items() if value})


def _csv_lines(rows: Iterable[JournalRow]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(row.cells() for row in rows)
    return buffer.getvalue().encode()


def _header() -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(COLUMNS)
    return ("\ufeff" + buffer.getvalue()).encode()  # the BOM: spreadsheet apps read UTF-8


def _xlsx(chunks: Iterable[list[JournalRow]], when: Period) -> bytes:
    from openpyxl import Workbook  # on the first download, not with the API (issue 11: RSS)
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("journal")
    sheet.append(list(COLUMNS))
    for chunk in chunks:
        for row in chunk:
            cells: list[object] = list(row.cells())
            for index, fen in ((3, row.debit_fen), (4, row.credit_fen)):
                yuan = WriteOnlyCell(sheet, value=fen / 100)  # a number, shown with 2 decimals
                yuan.number_format = "0.00"
                cells[index] = yuan
            sheet.append(cells)
    about = book.create_sheet("period")
    about.append(["from", when.start.isoformat()])
    about.append(["to", when.end.isoformat()])
    about.append(["timezone", "Asia/Shanghai"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export(uow: UnitOfWork, when: Period, fmt: Literal["csv", "xlsx"]) -> JournalFile:
    """The whole period as CSV (UTF-8, one piece per chunk of entries) or XLSX."""
    name = f"journal-{when.start.isoformat()}-{when.end.isoformat()}"
    if fmt == "xlsx":
        return JournalFile((_xlsx(journal_rows(uow, when), when),), XLSX, f"{name}.xlsx")
    pieces = [_header(), *(_csv_lines(chunk) for chunk in journal_rows(uow, when))]
    return JournalFile(tuple(pieces), "text/csv; charset=utf-8", f"{name}.csv")
