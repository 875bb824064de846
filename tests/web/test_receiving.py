"""The receiving desk in Chromium, driven by the keyboard alone as a scanner would.

Three parcels in a row: type the code and Enter (what a scanner sends), Enter again to
confirm, and the scan field has the focus for the next one; then a parcel that
matches nothing is recorded as unidentified, still without the mouse.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from returnflow.app_context import AppContext
from returnflow.domain.access import Role

PASSWORD = "correct horse battery"
Screenshot = Callable[[Page, str], Path]


@pytest.fixture
def context(context: AppContext, tmp_path: Path) -> AppContext:
    settings = context.settings.model_copy(update={"upload_dir": str(tmp_path / "uploads")})
    return dataclasses.replace(context, settings=settings)


def _shipped(client: TestClient, order_payload: Callable[..., dict[str, Any]], n: int) -> str:
    order_no = f"SO-RCV-{n}"
    assert client.post("/api/v1/orders", json=order_payload(order_no=order_no)).status_code == 201
    body = {
        "order_no": order_no,
        "type": "refund",
        "lines": [
            {"line_no": 1, "quantity": 2, "reason_code": "no_reason"},
            {"line_no": 2, "quantity": 1, "reason_code": "no_reason"},
        ],
    }
    rma: str = client.post("/api/v1/returns", json=body).json()["rma_no"]
    shipped = client.post(
        f"/api/v1/returns/{rma}/ship", json={"carrier": "SF", "tracking_no": f"SF88800{n}"}
    )
    assert shipped.status_code == 200, shipped.text
    return rma


def test_three_parcels_then_an_unidentified_one_without_the_mouse(
    page: Page,
    live_server: str,
    client: TestClient,
    tokens: Callable[..., str],
    order_payload: Callable[..., dict[str, Any]],
    screenshot: Screenshot,
) -> None:
    rmas = [_shipped(client, order_payload, n) for n in (1, 2, 3)]
    codes = ["SF888001", rmas[1], "sf888003"]  # by waybill, by RMA, typed in lower case
    tokens(Role.WAREHOUSE, username="wang.wu")
    page.goto(live_server + "/staff/receiving")
    expect(page.locator("input[name=username]")).to_be_focused()
    page.keyboard.type("wang.wu")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server + "/staff/receiving")

    scan = page.locator("#code")
    for index, (code, rma) in enumerate(zip(codes, rmas, strict=True)):
        expect(scan).to_be_focused()
        page.keyboard.type(code)
        page.keyboard.press("Enter")  # the scanner's Enter
        expect(page.locator(f'#expected[data-rma="{rma}"]')).to_be_visible()
        expect(page.locator("tr[data-sku=BOTTLE-240] input")).to_have_value("2")
        confirm = page.locator("[data-confirm]")
        expect(confirm).to_be_focused()
        if index == 2:
            screenshot(page, "staff-receiving-expected")
        page.keyboard.press("Enter")  # the worker's Enter: as expected
        expect(page).to_have_url(f"{live_server}/staff/receiving?done={rma}")
        expect(page.locator(".notice")).to_contain_text(f"{rma} 已收货")
    for rma in rmas:
        assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "received"

    # a parcel nobody expects: the form opens on the carrier field, Enter records it
    expect(scan).to_be_focused()
    page.keyboard.type("ZT404404")
    page.keyboard.press("Enter")
    expect(page.locator("#unidentified")).to_be_visible()
    expect(page.locator("input[name=carrier]")).to_be_focused()
    page.keyboard.type("中通快递")
    page.keyboard.press("Tab")
    expect(page.locator("input[name=waybill_no]")).to_have_value("ZT404404")
    page.keyboard.press("Tab")
    page.keyboard.type("陈女士")
    page.keyboard.press("Tab")
    page.keyboard.type("139****1234")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator("input[name=shelf]")).to_be_focused()
    page.keyboard.type("U-03")
    page.keyboard.press("Enter")
    expect(page.locator(".notice")).to_contain_text("已登记为无主包裹")
    expect(scan).to_be_focused()
    parcels = client.get("/api/v1/receiving/unidentified").json()
    assert [(p["waybill_no"], p["sender_name"], p["shelf"]) for p in parcels] == [
        ("ZT404404", "陈女士", "U-03")
    ]
    page.keyboard.press("Tab")  # past "look up" to the queue link
    page.keyboard.press("Tab")
    expect(page.locator("a[data-link=unidentified]")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server + "/staff/receiving/unidentified")
    expect(page.locator("tr[data-state=open]")).to_have_count(1)
    screenshot(page, "staff-receiving-unidentified")
