"""The operator manual's screenshots and the axe-core check of the main pages (issue 16).

One browser test, on seeded data (two orders, a request waiting for review, one parcel
received, the analytics rollups rebuilt as the worker keeps them): each staff role signs
in at 1366 px in one tab and its console home is saved as `static/manual/<role>-<lang>.png`,
the files /staff/manual shows, so they are taken afresh on every run and never go stale
(agent and warehouse in both languages, the other roles in Chinese: eight in all; the
data and the clock are fixed, so an unchanged page gives the same bytes). Meanwhile
axe-core (axe-playwright-python) checks the portal's order and request pages and /help at
375 px and the console home, review queue, request page, manual and warehouse home at
1366 px: no "serious" or "critical" finding (all findings are printed). Last, the keyboard's
first stop is the skip link, visible and outlined.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, ViewportSize, expect

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.services import analytics
from returnflow.web.manual import SCREENS
from returnflow.web.portal_links import PortalAccess, make_token
from tests.support.clock import FakeClock

PASSWORD = "correct horse battery"
DESKTOP: ViewportSize = {"width": 1366, "height": 768}
PHONE: ViewportSize = {"width": 375, "height": 812}
SCREENSHOT_ROLES = {
    Role.AGENT: ("zh", "en"),
    Role.WAREHOUSE: ("zh", "en"),
    Role.FINANCE: ("zh",),
    Role.MANAGER: ("zh",),
    Role.ADMIN: ("zh",),
    Role.MERCHANT: ("zh",),
}
BLOCKING = ("serious", "critical")
UNDRAWN = "[data-figure]:not([data-drawn])"


@pytest.fixture
def context(context: AppContext, tmp_path: Path) -> AppContext:
    settings = context.settings.model_copy(
        update={"upload_dir": str(tmp_path / "uploads"), "secret_key": "manual-screens"}
    )
    return dataclasses.replace(context, settings=settings)


def _seed(client: TestClient, order_payload: Callable[..., dict[str, Any]]) -> tuple[str, str]:
    """A quality claim waiting for review (SO-1001) and a received return (SO-1002)."""
    for order_no in ("SO-1001", "SO-1002"):
        assert client.post("/api/v1/orders", json=order_payload(order_no=order_no)).is_success
    claim = {"line_no": 1, "quantity": 1, "reason_code": "quality", "reason_text": "瓶身有裂纹"}
    filed = client.post(
        "/api/v1/returns", json={"order_no": "SO-1001", "type": "refund", "lines": [claim]}
    )
    assert filed.status_code == 201, filed.text
    back = {"line_no": 2, "quantity": 1, "reason_code": "no_reason"}
    other = client.post(
        "/api/v1/returns", json={"order_no": "SO-1002", "type": "refund", "lines": [back]}
    )
    received_rma = other.json()["rma_no"]
    tracking = {"carrier": "SF", "tracking_no": "SF7700001"}
    assert client.post(f"/api/v1/returns/{received_rma}/ship", json=tracking).is_success
    assert client.post(f"/api/v1/returns/{received_rma}/receipt", json={}).is_success
    return str(filed.json()["rma_no"]), str(received_rma)


def _serious(tab: Page, axe: Axe, found: dict[str, list[str]], url: str | None = None) -> None:
    """Opens `url` (else checks the page as it is) and runs axe on it; prints every finding
    for the record and keeps the serious and critical ones to fail on."""
    if url is not None:
        answer = tab.goto(url)
        assert answer is not None and answer.status == 200, url
    results = axe.run(tab)
    name = "/" + tab.url.split("//", 1)[1].split("/", 1)[1]
    for violation in results.response["violations"]:
        nodes = [", ".join(map(str, node["target"])) for node in violation["nodes"]][:3]
        line = f"{name} {violation['id']} ({violation['impact']}): {nodes}"
        print(line)
        if violation["impact"] in BLOCKING:
            found.setdefault(name, []).append(line)


def _sign_in(tab: Page, base: str, username: str) -> None:
    """Signs in afresh in the one desktop tab (its cache keeps plotly.js between roles)."""
    tab.context.clear_cookies()
    tab.goto(base + "/staff/login")
    tab.fill("input[name=username]", username)
    tab.fill("input[name=password]", PASSWORD)
    tab.click("main button[type=submit]")
    expect(tab).to_have_url(base + "/staff")


def _home_screens(tab: Page, role: Role, languages: tuple[str, ...]) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    for language in languages:
        if language != "zh":
            tab.click(f"button[data-lang={language}]")
            expect(tab.locator("html")).to_have_attribute("lang", "en")
        expect(tab.locator(UNDRAWN)).to_have_count(0)  # the home's charts, for those with them
        tab.screenshot(path=str(SCREENS / f"{role.value}-{language}.png"), animations="disabled")


def test_each_role_home_is_photographed_for_the_manual_and_main_pages_pass_axe(
    browser: Browser,
    live_server: str,
    client: TestClient,
    tokens: Callable[..., str],
    order_payload: Callable[..., dict[str, Any]],
    clock: FakeClock,
    context: AppContext,
) -> None:
    waiting, received = _seed(client, order_payload)
    with context.uow(publish=False) as uow:  # the homes' figures, as the worker keeps them
        analytics.rebuild(uow, clock.now)
        uow.commit(clock.now)
    axe = Axe()
    found: dict[str, list[str]] = {}
    tab = browser.new_context(locale="zh-CN", viewport=DESKTOP).new_page()
    for role, languages in SCREENSHOT_ROLES.items():
        merchant = "m-babycare" if role is Role.MERCHANT else None
        tokens(role, merchant_id=merchant, username=f"{role.value}.manual")
        _sign_in(tab, live_server, f"{role.value}.manual")
        if role in (Role.AGENT, Role.WAREHOUSE):
            _serious(tab, axe, found)  # the console home; the warehouse's home
        _home_screens(tab, role, languages)
        if role is Role.AGENT:  # now in English: the queue, a request, the manual
            for path in ("/staff/review", f"/staff/returns/{waiting}", "/staff/manual"):
                _serious(tab, axe, found, live_server + path)
    tab.context.close()

    phone = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
    token = make_token(context.settings.secret_key, PortalAccess("SO-1001", "c-1"), clock.now)
    for path in (f"/portal/o/{token}", f"/portal/o/{token}/r/{waiting}", "/help"):
        _serious(phone, axe, found, live_server + path)
    phone.keyboard.press("Tab")  # the keyboard's first stop: skip the menu, seen and outlined
    skip = phone.locator("a.skip")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert skip.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
    phone.keyboard.press("Enter")
    expect(phone).to_have_url(live_server + "/help#main")
    phone.context.close()

    assert sorted(p.name for p in SCREENS.glob("*.png")) == sorted(
        f"{role.value}-{language}.png"
        for role, languages in SCREENSHOT_ROLES.items()
        for language in languages
    )
    assert received and found == {}
