"""The periodic reports page in Chromium (issue 14, R9.3): a manager with a mail address
subscribes to the monthly report in English, then downloads the week's PDF. Screenshots go
to /tmp/shots/reports-*.png for people to look at."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import update

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.services import analytics, reports
from returnflow.storage.schema import UserRow
from tests.api.test_analytics_planted import plant
from tests.test_console_pages import PASSWORD
from tests.test_periodic_reports import WEEK

SHOTS = Path("/tmp/shots")


def test_a_manager_subscribes_and_downloads_the_weekly_pdf(
    page: Page, live_server: str, context: AppContext, tokens: Callable[..., str]
) -> None:
    plant(context)
    tokens(Role.MANAGER, username="wang.jing")
    with context.session_factory() as s, s.begin():
        s.execute(update(UserRow).where(UserRow.username == "wang.jing").values(email="w@x.cn"))
    now = context.clock()
    with context.uow() as uow:
        analytics.rebuild(uow, now)
        reports.produce(uow, WEEK, "test", now)
        uow.commit(now)
    page.goto(live_server + "/staff")
    page.fill("input[name=username]", "wang.jing")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.click("[data-menu=reports]")
    expect(page.locator("h1")).to_have_text("定期报告")
    expect(page.locator("#report-list")).to_contain_text("退货率 50.0%（上期 33.3%）")

    box = page.locator("#subscription")
    box.locator("input[value=month]").check()
    box.locator("select[name=language]").select_option("en")
    box.locator("button[value=subscribe]").click()
    expect(page.locator("#subscription")).to_have_attribute("data-subscribed", "yes")
    expect(page.locator("#subscription")).to_contain_text("周报、月报 · English · w@x.cn")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "reports-browser-zh.png"), full_page=True)

    with page.expect_download() as download:
        page.locator("[data-download=pdf-en]").first.click()
    saved = download.value
    assert saved.suggested_filename == "returnflow-week-2026-11-02-en.pdf"
    assert Path(saved.path()).read_bytes()[:4] == b"%PDF"
