"""The API docs render in a real browser, under the CSP, from our own origin (issue 9)."""

from __future__ import annotations

from playwright.sync_api import Page, Request, expect


def test_swagger_ui_renders_offline_under_the_content_security_policy(
    page: Page, live_server: str
) -> None:
    problems: list[str] = []
    hosts: set[str] = set()
    page.on("console", lambda message: problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    def seen(request: Request) -> None:
        hosts.add(request.url.split("/")[2])

    page.on("request", seen)
    page.goto(live_server + "/docs")
    # Swagger UI 4 showed "Unable to render this definition" for FastAPI's OpenAPI 3.1
    expect(page.locator(".opblock").first).to_be_visible(timeout=30_000)
    expect(page.locator(".version-stamp")).to_contain_text("OAS 3.1")
    assert hosts == {live_server.split("/")[2]}
    assert problems == []  # no CSP violation, no script error
