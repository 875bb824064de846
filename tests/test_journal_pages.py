"""The journal download in the console (R15.1): the block on the finance page, the
journal page with whole balanced entries in local time, the downloads, refused
periods said beside the form, in both languages; finance only."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.ledger import Account, transfer
from returnflow.domain.money import Money
from returnflow.services.journal import JournalRow, row_of
from returnflow.services.journal_kinds import describe
from returnflow.storage.journal_queries import JournalPosting
from returnflow.storage.schema import RefundRow, ReturnRow
from tests.test_console_pages import sign_in

Tokens = Callable[..., str]
OrderPayload = Callable[..., dict[str, Any]]
AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def finance(context: AppContext, tokens: Tokens) -> TestClient:
    tokens(Role.FINANCE, username="fay")
    return sign_in(context, "fay")


@pytest.fixture
def booked(context: AppContext) -> None:
    at = datetime(2026, 11, 19, 16, 30, tzinfo=UTC)  # 2026-11-20 00:30 in Shanghai
    with context.uow() as uow:
        uow.ledger.post(
            transfer(
                "refund:RMA-X:paid",
                at,
                "refund paid for RMA-X via sandbox",
                debit=Account.REFUNDS_PAYABLE,
                credit=Account.GATEWAY_CLEARING,
                amount=Money(8400, "CNY"),
                rma_no="RMA-X",
            )
        )
        uow.commit(at)


def test_the_finance_page_offers_the_download_for_this_month(finance: TestClient) -> None:
    zh = finance.get("/staff/finance", headers=ZH).text
    assert "data-journal-download" in zh and "下载 CSV" in zh and "下载 Excel（XLSX）" in zh
    assert 'name="from" value="2026-11-01"' in zh and 'name="to" value="2026-11-20"' in zh
    en = finance.get("/staff/finance", headers=EN).text
    assert "Journal (CSV, Excel)" in en and "Download CSV" in en


def test_the_journal_page_shows_whole_entries_in_local_time(
    finance: TestClient, booked: None
) -> None:
    page = finance.get("/staff/finance/journal", params={"from": "2026-11-20", "to": "2026-11-20"})
    assert page.status_code == 200
    html = page.text
    assert 'data-total="1"' in html and "data-balanced" in html
    assert "2026-11-20 00:30:00" in html  # local time, the day it belongs to
    assert "应付退款" in html and "支付通道待清算" in html and "记账分录导出" in html
    # the console's one money format (web/templating.money), not "CNY 84.00" or fen
    assert 'data-debit="8400">¥84.00</td>' in html and 'data-credit="8400">¥84.00</td>' in html
    assert "CNY 84.00" not in html and "8400 分" not in html
    # the entry said in the reader's language, not the stored English memo
    assert "退款已通过支付通道付出" in html and "refund paid for" not in html
    assert "摘要" in html
    en = finance.get(
        "/staff/finance/journal", params={"from": "2026-11-20", "to": "2026-11-20"}, headers=EN
    ).text
    assert "Refunds payable" in en and "Gateway clearing" in en and "Journal export" in en
    assert 'data-debit="8400">CN¥84.00</td>' in en and "Refund paid out through the gateway" in en
    before = finance.get(
        "/staff/finance/journal", params={"from": "2026-11-19", "to": "2026-11-19"}
    )
    assert 'data-total="0"' in before.text and "这段时间没有记账分录" in before.text


def test_the_page_names_the_refund_and_says_each_entry_in_both_languages(
    finance: TestClient, client: TestClient, context: AppContext, order_payload: OrderPayload
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
    assert refund_id is not None
    today = {"from": "2026-11-20", "to": "2026-11-20"}
    zh = finance.get("/staff/finance/journal", params=today, headers=ZH).text
    entry = zh.split(f'<a href="/staff/returns/{rma}">')[1].split("</tbody>")[0]
    assert f'data-refund="{refund_id}">#{refund_id}</span>' in entry  # not "—"
    assert "确认应退顾客的退款" in entry and "refund owed" not in entry
    en = finance.get("/staff/finance/journal", params=today, headers=EN).text
    assert "Refund owed to the customer" in en.split(f'data-refund="{refund_id}"')[1]
    # the files keep the stored memo as it is
    answer = finance.get("/staff/finance/journal/download", params={**today, "format": "csv"})
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert f"refund owed for {rma}" in [row[10] for row in rows[1:]]


def test_entries_of_every_kind_are_described_in_both_languages() -> None:
    def rows(key: str, debit: str, credit: str) -> list[JournalRow]:
        return [
            row_of(JournalPosting(1, key, AT, "memo", "", None, debit, "", "CNY", 100, 0)),
            row_of(JournalPosting(1, key, AT, "memo", "", None, credit, "", "CNY", 0, 100)),
        ]

    cases = {
        ("refund:RMA-1:k:accepted", "sales_returns", "refunds_payable"): "确认应退顾客的退款",
        ("settlement:sandbox:re_1001", "gateway_clearing", "cash"): "支付通道已结算退款 re_1001",
        ("store_credit:RMA-1:grant", "sales_returns", "store_credit"): "以储值余额退款",
        ("store_credit:spend:c-1:k", "store_credit", "sales_returns"): "顾客使用储值余额",
        ("store_credit:compensation:exception:7", "compensation", "store_credit"): "物流异常补偿",
        ("exchange:RMA-1:gap_owed_declined", "refunds_payable", "sales_returns"): "主管拒绝",
        ("recovery:RMA-1:written_off", "compensation", "customer_receivable"): "无法追回",
        ("liability:RMA-1:D-1", "merchant_receivable", "sales_returns"): "由商家承担",
        ("liability:RMA-1:inspection", "carrier_claims", "sales_returns"): "向承运商索赔",
        ("something:new", "cash", "sales_returns"): "借：银行存款；贷：销售退回",
    }
    for (key, debit, credit), zh in cases.items():
        said = describe(rows(key, debit, credit))
        assert zh in said.zh, key
        assert said.en and said.en != said.zh and "memo" not in said.en, key
    assert describe(rows("something:new", "cash", "sales_returns")).en == (
        "Debit Cash; credit Sales returns"
    )


def test_the_page_downloads_the_period(finance: TestClient, booked: None) -> None:
    params = {"from": "2026-11-20", "to": "2026-11-20", "format": "csv"}
    answer = finance.get("/staff/finance/journal/download", params=params)
    assert answer.status_code == 200
    assert answer.headers["content-disposition"].endswith('journal-2026-11-20-2026-11-20.csv"')
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [row[2] for row in rows[1:]] == ["refunds_payable", "gateway_clearing"]
    xlsx = finance.get("/staff/finance/journal/download", params={**params, "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


@pytest.mark.parametrize(
    ("params", "zh", "en"),
    [
        ({"from": "2026-02-30", "to": "2026-03-01"}, "日期格式应为", "Dates are written"),
        ({"from": "2026-11-20", "to": "2026-11-01"}, "开始日期不能晚于结束日期", "cannot be after"),
        ({"from": "2025-01-01", "to": "2026-11-20"}, "最多覆盖 366 天", "at most 366 days"),
    ],
)
def test_refused_periods_are_said_beside_the_form(
    finance: TestClient, params: dict[str, str], zh: str, en: str
) -> None:
    for url in ("/staff/finance/journal", "/staff/finance/journal/download"):
        for headers, words in ((ZH, zh), (EN, en)):
            answer = finance.get(url, params=params, headers=headers)
            assert answer.status_code == 422
            assert "data-error" in answer.text and words in answer.text
            assert 'data-form="journal"' in answer.text  # the form, to try again


def test_only_finance_sees_the_journal(context: AppContext, tokens: Tokens) -> None:
    tokens(Role.AGENT, username="li.na")
    agent = sign_in(context, "li.na")
    assert agent.get("/staff/finance/journal").status_code == 403
    assert agent.get("/staff/finance/journal/download").status_code == 403
