"""The on-call rota and named breaches in Chromium (issue 14, R13.1).

A manager adds a shift through the rota's form; a drill opened while two people are on
call is owned by the earlier shift; a merchant's breach reads with its name.
Screenshots: /tmp/shots/oncall-*.png.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from tests.support.clock import FakeClock
from tests.test_incident_names import breaches  # noqa: F401  (fixture)
from tests.test_on_call import _shift, _user_id

PASSWORD = "correct horse battery"
SHOTS = Path("/tmp/shots")


def _shot(tab: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"oncall-{name}.png"), full_page=True)


def test_the_manager_keeps_the_rota_and_reads_named_incidents(
    context: AppContext,
    client: TestClient,
    clock: FakeClock,
    tokens: Any,
    breaches: dict[str, int],  # noqa: F811
    live_server: str,
    page: Page,
) -> None:
    for name in ("zhang.wei", "li.ming", "chen.yu"):
        tokens(Role.MANAGER, username=name)
    now = clock.now  # Friday 20 November, 10:00 in Shanghai
    plan = [("zhang.wei", 46, 12), ("li.ming", -2, 12), ("chen.yu", 10, 14), ("li.ming", 58, 8)]
    for name, hours, length in plan:  # from Sunday 08:00, from 08:00 today, tonight, Monday
        made = _shift(client, _user_id(context, name), now + timedelta(hours=hours), length)
        assert made.status_code == 201, made.text
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server + "/staff/incidents/on-call")
    page.fill("input[name=username]", "zhang.wei")
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("[data-on-call-now]")).to_contain_text("li.ming")
    page.select_option("select[name=user_id]", label="zhang.wei（运营经理）")
    page.fill("input[name=starts_at]", "2026-11-21T09:00")
    page.fill("input[name=ends_at]", "2026-11-21T21:00")
    page.click("form[data-form=add-shift] button")
    added = page.locator("[data-day='2026-11-21'] .oc-piece").filter(has_text="zhang.wei")
    expect(added).to_contain_text("09:00–21:00")
    _shot(page, "rota-zh")
    page.goto(live_server + "/staff/incidents/on-call?lang=en")
    expect(page.get_by_role("heading", name="On-call rota")).to_be_visible()
    _shot(page, "rota-en")
    page.goto(live_server + f"/staff/incidents/{breaches['m-babycare']}")
    expect(page.locator("h1")).to_contain_text("贝亲母婴旗舰店")
    expect(page.locator("[data-field=on-call]")).to_contain_text("li.ming")
    _shot(page, "incident-zh")
    page.goto(live_server + "/staff/incidents")
    expect(page.locator(".ic-list")).to_contain_text("宽口径玻璃奶瓶 240ml")
    _shot(page, "incidents-zh")
    page.goto(live_server + "/staff/monitors")
    expect(page.locator("body")).to_contain_text("演示快递")
    _shot(page, "monitors-zh")
