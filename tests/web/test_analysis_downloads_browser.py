"""The insights page's downloads in Chromium (issue 14, R9.2): a manager saves a table.

Screenshots: /tmp/shots/oncall-insights-zh.png, oncall-scorecards-zh.png.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from tests.api.test_analyses_api import planted as _planted  # noqa: F401  (autouse fixture)
from tests.api.test_scorecards_api import MARCH, plant

PASSWORD = "correct horse battery"
SHOTS = Path("/tmp/shots")


def test_the_manager_downloads_the_problem_products(
    context: AppContext, tokens: Any, live_server: str, page: Page
) -> None:
    tokens(Role.MANAGER, username="wang.jing")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server + "/staff/analytics/insights")
    page.fill("input[name=username]", "wang.jing")
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    links = page.locator("[data-downloads=problems] a")
    expect(links.first).to_contain_text("下载 CSV")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "oncall-insights-zh.png"), full_page=True)
    with page.expect_download() as caught:
        links.first.click()
    saved = Path(caught.value.path())
    rows = list(csv.reader(io.StringIO(saved.read_bytes().decode("utf-8-sig"))))
    assert rows[0][0] == "编号" and rows[1][0] == "BOTTLE" and rows[1][4:6] == ["20", "4"]
    assert caught.value.suggested_filename.startswith("problem-products-sku-")
    plant(context)  # Alpha Store and Beta Shop's March
    page.goto(live_server + f"/staff/scorecards/merchants?{MARCH}")
    expect(page.locator("[data-downloads='/staff/scorecards/merchants'] a").last).to_contain_text(
        "XLSX"
    )
    page.screenshot(path=str(SHOTS / "oncall-scorecards-zh.png"), full_page=True)
