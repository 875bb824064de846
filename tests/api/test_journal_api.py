"""The journal export through the API on both databases (R15.1): finance pulls the
ledger's postings by period — local days (China Standard Time) at their boundaries,
whole balanced entries, yuan and fen, JSON paged, CSV and XLSX the whole period —
and bad periods are problems in both languages."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.ledger import Account, transfer
from returnflow.domain.money import Money
from returnflow.storage.schema import RefundRow, ReturnRow

OrderPayload = Callable[..., dict[str, Any]]
URL = "/api/v1/finance/journal"
# 2026-11-18 local (UTC+8) runs from 11-17 16:00 UTC to 11-18 16:00 UTC
DAY_STARTS = datetime(2026, 11, 17, 16, 0, tzinfo=UTC)
DAY_ENDS = datetime(2026, 11, 18, 16, 0, tzinfo=UTC)


def _post(context: AppContext, key: str, at: datetime, cents: int, rma_no: str = "") -> None:
    with context.uow() as uow:
        entry = transfer(
            key,
            at,
            f"memo {key}",
            debit=Account.SALES_RETURNS,
            credit=Account.REFUNDS_PAYABLE,
            amount=Money(cents, "CNY"),
            rma_no=rma_no,
        )
        assert uow.ledger.post(entry)
        uow.commit(at)


@pytest.fixture
def booked(context: AppContext) -> None:
    """One entry just before the local day, one at its first instant, one at its last
    second, one at the next day's first instant."""
    _post(context, "before", DAY_STARTS - timedelta(seconds=1), 100)
    _post(context, "first", DAY_STARTS, 12345)
    _post(context, "last", DAY_ENDS - timedelta(seconds=1), 5)
    _post(context, "after", DAY_ENDS, 700)


def _day(client: TestClient, **params: Any) -> Any:
    answer = client.get(URL, params={"from": "2026-11-18", "to": "2026-11-18", **params})
    assert answer.status_code == 200, answer.text
    return answer


def test_a_local_day_holds_exactly_its_entries_whole_and_balanced(
    client: TestClient, booked: None
) -> None:
    body = _day(client).json()
    assert (body["start"], body["end"], body["timezone"]) == (
        "2026-11-18",
        "2026-11-18",
        "Asia/Shanghai",
    )
    assert body["total_entries"] == 2 and body["pages"] == 1
    memos = [row["memo"] for row in body["rows"]]
    assert memos == ["memo first", "memo first", "memo last", "memo last"]
    first = body["rows"][0]
    assert first["posted_at"] == "2026-11-18 00:00:00"  # local time
    assert body["rows"][2]["posted_at"] == "2026-11-18 23:59:59"
    assert (first["account"], first["debit"], first["credit"]) == (
        "sales_returns",
        "123.45",
        "0.00",
    )
    assert (first["debit_fen"], first["credit_fen"], first["currency"]) == (12345, 0, "CNY")
    assert body["rows"][1]["account"] == "refunds_payable"
    assert (body["rows"][1]["credit"], body["rows"][1]["credit_fen"]) == ("123.45", 12345)
    assert body["rows"][2]["debit"] == "0.05"
    for entry_id in {row["entry_id"] for row in body["rows"]}:
        rows = [row for row in body["rows"] if row["entry_id"] == entry_id]
        assert sum(r["debit_fen"] for r in rows) == sum(r["credit_fen"] for r in rows)


def test_json_is_paged_by_whole_entries(client: TestClient, booked: None) -> None:
    week = {"from": "2026-11-15", "to": "2026-11-21", "page_size": 1}
    pages = [client.get(URL, params={**week, "page": n}).json() for n in (1, 2, 3, 4, 5)]
    assert [page["total_entries"] for page in pages] == [4] * 5
    assert [page["pages"] for page in pages] == [4] * 5
    seen = [tuple(row["memo"] for row in page["rows"]) for page in pages]
    assert seen[:4] == [("memo " + k,) * 2 for k in ("before", "first", "last", "after")]
    assert seen[4] == ()  # past the last page: nothing, not an error


def test_csv_and_xlsx_carry_the_whole_period(client: TestClient, booked: None) -> None:
    week = {"from": "2026-11-15", "to": "2026-11-21", "page_size": 1}
    answer = client.get(URL, params={**week, "format": "csv"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert 'filename="journal-2026-11-15-2026-11-21.csv"' in answer.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["entry_id", "posted_at", "account", "debit"]
    assert len(rows) == 1 + 8  # every posting of the four entries, paging ignored
    assert rows[1][1:8] == [
        "2026-11-17 23:59:59",
        "sales_returns",
        "1.00",
        "0.00",
        "100",
        "0",
        "CNY",
    ]

    answer = client.get(URL, params={**week, "format": "xlsx"})
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content))["journal"]
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(cells) == 1 + 8
    assert cells[3][2:7] == ["sales_returns", 123.45, 0, 12345, 0]
    assert sheet.cell(row=4, column=4).number_format == "0.00"


def test_an_entry_of_a_request_names_its_refund(
    client: TestClient, context: AppContext, order_payload: OrderPayload
) -> None:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
    }
    rma = client.post("/api/v1/returns", json=body).json()["rma_no"]
    ship = {"carrier": "顺丰速运", "tracking_no": "SF1234567890"}
    for action, payload in (("ship", ship), ("receive", None), ("inspect", {"passed": True})):
        assert client.post(f"/api/v1/returns/{rma}/{action}", json=payload).status_code == 200
    with context.session_factory() as session:
        refund_id = session.scalar(
            select(RefundRow.id).join(ReturnRow).where(ReturnRow.rma_no == rma)
        )
    assert refund_id is not None  # asked for by itself after the inspection
    today = {"from": "2026-11-20", "to": "2026-11-20"}
    rows = client.get(URL, params=today).json()["rows"]
    mine = [row for row in rows if row["rma_no"] == rma]
    assert mine and all(row["refund_id"] == refund_id for row in mine)


@pytest.mark.parametrize(
    ("params", "code", "zh", "en"),
    [
        ({"from": "2026-13-01", "to": "2026-12-01"}, "date_invalid", "日期格式", "year-month-day"),
        (
            {"from": "2026-11-20", "to": "2026-11-19"},
            "date_range_reversed",
            "开始日期",
            "start date",
        ),
        ({"from": "2025-11-01", "to": "2026-11-02"}, "date_range_too_long", "366", "366 days"),
    ],
)
def test_bad_periods_are_problems_in_both_languages(
    client: TestClient, params: dict[str, str], code: str, zh: str, en: str
) -> None:
    for language, words in (("zh-CN", zh), ("en", en)):
        answer = client.get(URL, params=params, headers={"Accept-Language": language})
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        problem = answer.json()
        assert problem["code"] == code
        assert words in problem["detail"]


def test_366_days_are_allowed_and_both_days_are_required(client: TestClient) -> None:
    year = client.get(URL, params={"from": "2025-11-20", "to": "2026-11-20"})
    assert year.status_code == 200 and year.json()["total_entries"] == 0
    missing = client.get(URL, params={"from": "2026-11-20"})
    assert missing.status_code == 422


def test_only_finance_pulls_the_journal(
    client: TestClient, tokens: Callable[..., str], booked: None
) -> None:
    params = {"from": "2026-11-18", "to": "2026-11-18"}
    for role, status in ((Role.FINANCE, 200), (Role.AGENT, 403), (Role.WAREHOUSE, 403)):
        headers = {"Authorization": f"Bearer {tokens(role)}"}
        assert client.get(URL, params=params, headers=headers).status_code == status, role
