"""A merchant at its own warehouse in Chromium (issue 15): sign in, scan, confirm, inspect.

The keyboard alone, as the platform's desk: the scan field has the focus, Enter finds the
parcel, Enter confirms; then the checklist passes it. m-b's parcel, shipped beside it,
is as unknown to m-a as a made-up code.
"""

from __future__ import annotations

import dataclasses
import shutil
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
WAREHOUSE = {
    "name": "宝贝屋退货组",
    "phone": "0571-88880000",
    "province": "浙江省",
    "city": "杭州市",
    "district": "余杭区",
    "detail": "仓前街道 8 号",
}


@pytest.fixture
def context(context: AppContext, tmp_path: Path) -> AppContext:
    settings = context.settings.model_copy(update={"upload_dir": str(tmp_path / "uploads")})
    return dataclasses.replace(context, settings=settings)


def _shipped(client: TestClient, order_no: str, waybill: str) -> str:
    body = {
        "order_no": order_no,
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 2, "reason_code": "no_reason"}],
    }
    rma: str = client.post("/api/v1/returns", json=body).json()["rma_no"]
    shipped = client.post(
        f"/api/v1/returns/{rma}/ship", json={"carrier": "SF", "tracking_no": waybill}
    )
    assert shipped.status_code == 200, shipped.text
    return rma


def test_merchant_receives_and_inspects_at_its_own_warehouse(
    page: Page,
    live_server: str,
    client: TestClient,
    tokens: Callable[..., str],
    order_payload: Callable[..., dict[str, Any]],
    screenshot: Screenshot,
) -> None:
    assert client.post("/api/v1/orders", json=order_payload(merchant_id="m-a")).status_code == 201
    other = order_payload(order_no="B-1", merchant_id="m-b")
    assert client.post("/api/v1/orders", json=other).status_code == 201
    profile = {"methods": ["self_ship"], "warehouse": WAREHOUSE}
    assert client.put("/api/v1/merchants/m-a/profile", json=profile).status_code == 200
    mine = _shipped(client, "SO-1001", "SF-A0001")
    _shipped(client, "B-1", "SF-B0001")
    tokens(Role.MERCHANT, merchant_id="m-a", username="shop.a")

    page.goto(live_server + "/staff/receiving")
    expect(page.locator("input[name=username]")).to_be_focused()
    page.keyboard.type("shop.a")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server + "/staff/receiving")
    expect(page.locator("[data-own-warehouse]")).to_contain_text("宝贝屋退货组")
    scan = page.locator("#code")
    expect(scan).to_be_focused()
    page.keyboard.type("SF-B0001")  # m-b's parcel: nothing to see
    page.keyboard.press("Enter")
    expect(page.locator("[data-refusal]")).to_contain_text("没有与 SF-B0001 对应的退货申请或运单")
    expect(page.locator("#unidentified")).to_have_count(0)
    page.locator("#code").fill("SF-A0001")
    page.keyboard.press("Enter")
    expect(page.locator(f'#expected[data-rma="{mine}"]')).to_be_visible()
    expect(page.locator("[data-confirm]")).to_be_focused()
    shot = screenshot(page, "merchant-desk-expected")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/staff/receiving?done={mine}")
    expect(page.locator(f'#inspection-queue tr[data-rma="{mine}"]')).to_be_visible()
    expect(page.locator("#inspection-queue tbody tr")).to_have_count(1)
    page.locator(f'#inspection-queue tr[data-rma="{mine}"] [data-action="inspect"]').click()
    for check in ("appearance", "accessories", "packaging", "hygiene_seal"):
        page.locator(f'input[name="mark_{check}"][value="pass"]').check()
    page.locator("select[name=grade]").select_option("A")
    page.locator("select[name=responsibility]").select_option("none")
    page.locator("button.primary[type=submit]").last.click()
    expect(page).to_have_url(f"{live_server}/staff/warehouse/returns/{mine}/inspect?done=1")
    state = client.get(f"/api/v1/warehouse/returns/{mine}").json()
    assert state["inspection"]["passed"] is True
    assert state["inspection"]["inspected_by"] == "merchant:shop.a"
    Path("/tmp/shots").mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, "/tmp/shots/mdesk-expected.png")
    screenshot(page, "merchant-desk-inspected")
    page.goto(live_server + "/staff/receiving")
    shutil.copy(screenshot(page, "merchant-desk"), "/tmp/shots/mdesk-desk.png")
