"""The frame every page shares: start page, language switch, error pages, sign-in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect


def test_language_switch_is_remembered(
    page: Page, live_server: str, screenshot: Callable[[Page, str], Path]
) -> None:
    page.goto(live_server + "/")
    expect(page.locator("h1")).to_have_text("退换货服务")
    screenshot(page, "home-zh")
    page.click("button[data-lang=en]")
    expect(page.locator("h1")).to_have_text("Returns and exchanges")
    page.goto(live_server + "/staff/login")
    expect(page.locator("h1")).to_have_text("Sign in to the staff console")
    page.click("button[data-lang=zh]")
    expect(page.locator("h1")).to_have_text("登录员工工作台")


def test_browser_language_is_the_default(browser: object, live_server: str) -> None:
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    english = browser.new_context(locale="en-GB")
    tab = english.new_page()
    tab.goto(live_server + "/")
    expect(tab.locator("h1")).to_have_text("Returns and exchanges")
    english.close()


def test_unknown_page_is_a_readable_404(page: Page, live_server: str) -> None:
    response = page.goto(live_server + "/portal/nowhere/at/all")
    assert response is not None and response.status == 404
    expect(page.locator(".error")).to_have_attribute("data-code", "not_found")
    expect(page.locator("h1")).to_have_text("未找到相关内容")


def test_wrong_password_keeps_the_username(page: Page, live_server: str) -> None:
    page.goto(live_server + "/staff/login")
    page.fill("input[name=username]", "li.na")
    page.fill("input[name=password]", "not the password")
    page.click("main button[type=submit]")
    expect(page.locator("[role=alert]")).to_have_text("用户名或密码不正确")
    expect(page.locator("input[name=username]")).to_have_value("li.na")
