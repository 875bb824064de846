"""The console on a tablet (issue 16: "a layout that holds at 1366 px and on a tablet").

An iPad held upright is 768 px wide: each role's main pages must fit that width without
sideways scrolling, with the menu and every table inside the window (a wide table scrolls
inside its own frame, `.table-wrap`, never the page). Screenshots: artifacts/tablet/.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect

from returnflow.domain.access import Role
from tests.test_console_pages import file
from tests.test_finance_pages import received

TABLET = {"width": 768, "height": 1024}
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "tablet"
PASSWORD = "correct horse battery"
# what reaches past the window, outside a table's own scrolling frame (or escaping it,
# absolutely placed): what to fix when a page is too wide
_WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .filter(e => !e.closest('.table-wrap')
    || ['absolute', 'fixed'].includes(getComputedStyle(e).position))
  .slice(0, 8).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
    + ' «' + (e.textContent || '').trim().slice(0, 30) + '»')"""


def test_each_roles_pages_fit_an_upright_tablet(
    browser: Browser,
    live_server: str,
    client: TestClient,
    tokens: Callable[..., str],
    order_payload: Callable[..., dict[str, Any]],
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    arrived = received(client, order_payload)  # SO-1001's first line, at the warehouse
    waiting = file(client, line_no=2)["rma_no"]  # a quality claim waiting for review
    pages = {
        Role.MANAGER: [
            "/staff",
            "/staff/review",
            f"/staff/returns/{waiting}",
            "/staff/returns",
            "/staff/exceptions",
            "/staff/complaints",
        ],
        Role.WAREHOUSE: [
            "/staff",
            "/staff/warehouse/awaiting-inspection",
            f"/staff/warehouse/returns/{arrived}/inspect",
        ],
        Role.FINANCE: ["/staff/finance"],
    }
    wide: list[str] = []
    for role, paths in pages.items():
        username = f"tablet.{role.value}"
        tokens(role, username=username)
        profile = browser.new_context(locale="zh-CN", viewport=TABLET)  # type: ignore[arg-type]
        tab = profile.new_page()
        tab.goto(live_server + "/staff/login")
        tab.fill("input[name=username]", username)
        tab.fill("input[name=password]", PASSWORD)
        tab.press("input[name=password]", "Enter")
        expect(tab).to_have_url(live_server + "/staff")
        for path in paths:
            for language in ("zh", "en"):
                answer = tab.goto(f"{live_server}{path}?lang={language}")
                assert answer is not None and answer.status == 200, path
                width = tab.evaluate("document.documentElement.scrollWidth")
                if width > TABLET["width"]:
                    culprits = tab.evaluate(_WIDEST)
                    wide.append(f"{role.value} {path} ({language}): {width} px {culprits}")
            name = path.strip("/").replace("/", "-") or "home"
            tab.screenshot(path=str(SHOTS / f"{role.value}-{name}.png"))
        profile.close()
    assert wide == [], "\n".join(wide)
