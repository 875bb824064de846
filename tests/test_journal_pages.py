"""The journal download in the console (R15.1): the block on the finance page, the
journal page with whole balanced entries in local time, the downloads, refused
periods said beside the form, in both languages; finance only."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.ledger import Account, transfer
from returnflow.domain.money import Money
from tests.test_console_pages import sign_in

Tokens = Callable[..., str]
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
    assert "应付退款" in html and "支付通道待清算" in html and "8400 分" in html
    assert "CNY 84.00" in html and "记账分录导出" in html
    en = finance.get(
        "/staff/finance/journal", params={"from": "2026-11-20", "to": "2026-11-20"}, headers=EN
    ).text
    assert "Refunds payable" in en and "Gateway clearing" in en and "Journal export" in en
    before = finance.get(
        "/staff/finance/journal", params={"from": "2026-11-19", "to": "2026-11-19"}
    )
    assert 'data-total="0"' in before.text and "这段时间没有记账分录" in before.text


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
        ({"from": "2025-01-01", "to": "2026-11-20"}, "最多导出 366 天", "at most 366 days"),
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
