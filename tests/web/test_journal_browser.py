"""The journal download in Chromium (R15.1): finance opens the finance page, downloads
the month's journal as CSV from its block, then reads the entries page in both
languages. Screenshots go to /tmp/shots/feeds-*.png for people to look at."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.ledger import Account, transfer
from returnflow.domain.money import Money
from tests.test_console_pages import PASSWORD

SHOTS = Path("/tmp/shots")
START = datetime(2026, 11, 18, 2, 15, tzinfo=UTC)
ENTRIES = (
    ("accepted", Account.SALES_RETURNS, Account.REFUNDS_PAYABLE, 8400, "RMA20261118000001"),
    ("paid", Account.REFUNDS_PAYABLE, Account.GATEWAY_CLEARING, 8400, "RMA20261118000001"),
    ("credit", Account.SALES_RETURNS, Account.STORE_CREDIT, 12900, "RMA20261118000002"),
    ("bonus", Account.COMPENSATION, Account.STORE_CREDIT, 1000, "RMA20261118000002"),
    ("settled", Account.GATEWAY_CLEARING, Account.CASH, 8400, "RMA20261118000001"),
)


def _book(context: AppContext) -> None:
    with context.uow() as uow:
        for n, (what, debit, credit, cents, rma_no) in enumerate(ENTRIES):
            at = START + timedelta(hours=5 * n)
            memo = {
                "accepted": f"refund owed for {rma_no}",
                "paid": f"refund paid for {rma_no} via sandbox; requested by system",
                "credit": f"store credit for {rma_no}",
                "bonus": f"store credit bonus for {rma_no}",
                "settled": "sandbox settled refund re_1001",
            }[what]
            entry = transfer(
                f"{what}:{rma_no}",
                at,
                memo,
                debit=debit,
                credit=credit,
                amount=Money(cents, "CNY"),
                rma_no=rma_no,
                credit_party="c-1" if credit is Account.STORE_CREDIT else "",
            )
            uow.ledger.post(entry)
        uow.commit(START)


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"feeds-{name}.png"), full_page=True)


def test_finance_downloads_the_journal_and_reads_it_in_both_languages(
    page: Page, live_server: str, context: AppContext, tokens: Callable[..., str]
) -> None:
    tokens(Role.FINANCE, username="fay")
    _book(context)
    page.goto(live_server + "/staff")
    page.fill("input[name=username]", "fay")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(live_server + "/staff/finance")
    block = page.locator("#journal-download")
    expect(block).to_contain_text("记账分录（CSV、Excel）")
    block.scroll_into_view_if_needed()
    _shot(page, "finance-journal-block-zh")

    with page.expect_download() as download:
        block.locator("[data-download=csv]").click()
    saved = download.value
    assert saved.suggested_filename == "journal-2026-11-01-2026-11-20.csv"
    text = Path(saved.path()).read_text(encoding="utf-8-sig")
    assert text.startswith("entry_id,posted_at,account,debit,credit")
    assert len(text.strip().splitlines()) == 1 + 2 * len(ENTRIES)

    block.locator("[data-show]").click()
    expect(page.locator("#journal")).to_have_attribute("data-total", str(len(ENTRIES)))
    expect(page.locator("[data-balanced]")).to_be_visible()
    expect(page.locator("table.journal")).to_contain_text("应付退款")
    _shot(page, "journal-zh")

    page.click(".lang button:not([disabled])")  # the language switch in the header
    expect(page.locator("h1")).to_contain_text("Journal export")
    expect(page.locator("table.journal")).to_contain_text("Refunds payable")
    _shot(page, "journal-en")

    page.fill("input[name=from]", "2026-11-20")
    page.fill("input[name=to]", "2026-11-01")
    page.click("form[data-form=journal] button:not([formaction])")
    expect(page.locator("[data-error]")).to_contain_text("start date cannot be after")
    _shot(page, "journal-refused-en")
