"""Sending a return back in a real browser: choose door pickup, then download the label."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from returnflow.app_context import AppContext
from returnflow.jobs.worker import Worker
from returnflow.logistics.carriers import ManualCarrier
from returnflow.notify.mailer import FileMailer
from tests.api.test_shipping_api import SHIP_TO
from tests.support.booking_carrier import BookingCarrier

Screenshot = Callable[[Page, str], Path]


@pytest.fixture
def carrier() -> BookingCarrier:
    return BookingCarrier()


@pytest.fixture
def context(context: AppContext, carrier: BookingCarrier) -> AppContext:
    settings = context.settings.model_copy(update={"secret_key": "browser-shipping"})
    return dataclasses.replace(
        context, settings=settings, carriers={"manual": ManualCarrier(), "simulated": carrier}
    )


@pytest.fixture
def rma(client: TestClient, order_payload: Callable[..., dict[str, Any]]) -> str:
    assert client.post("/api/v1/orders", json=order_payload(ship_to=SHIP_TO)).status_code == 201
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [{"line_no": 2, "quantity": 1, "reason_code": "no_reason"}],
    }
    filed = client.post("/api/v1/returns", json=body).json()
    assert filed["status"] == "approved"
    return str(filed["rma_no"])


def test_customer_books_a_pickup_and_downloads_the_label(
    page: Page,
    live_server: str,
    rma: str,
    context: AppContext,
    carrier: BookingCarrier,
    screenshot: Screenshot,
    tmp_path: Path,
) -> None:
    page.goto(live_server + "/portal")
    page.fill("input[name=order_no]", "SO-1001")
    page.fill("input[name=contact]", "13800138000")
    page.click("main button[type=submit]")
    page.click(f"a[href$='/r/{rma}']")
    expect(page.locator("#return-method")).to_contain_text("上门取件")
    expect(page.locator("#return-method li[data-method=dropoff]")).to_contain_text("¥10.00")
    page.click("#choose-method")
    screenshot(page, "portal-return-methods")
    pickup = page.locator("#method-pickup")
    pickup.locator("input[name=slot]").nth(1).check()
    # issue 16: the order's address is kept unless the customer types another one
    expect(pickup.locator("input[name=pickup_phone]")).to_be_hidden()
    pickup.locator("input[name=pickup_where][value=other]").check()
    for name, value in (("name", "李四"), ("phone", "13900001111"), ("province", "广东省")):
        pickup.locator(f"input[name=pickup_{name}]").fill(value)
    pickup.locator("input[name=pickup_city]").fill("深圳市")
    pickup.locator("textarea[name=pickup_detail]").fill("科技园路 1 号")
    pickup.locator("button[type=submit]").click()
    expect(page.locator("#waiting-for-carrier")).to_be_visible()
    expect(page.locator("#pickup-to")).to_contain_text("李四 · 13900001111 · 广东省深圳市")

    # the worker asks the carrier, then the customer reloads the page
    Worker(context, FileMailer(tmp_path)).dispatcher.run_once(context.clock())
    assert len(carrier.pickups) == 1 and carrier.pickups[0].sender.name == "李四"
    page.reload()
    expect(page.locator("#waybill")).to_have_text("SIM0000000001")
    expect(page.locator("#pickup-window")).to_be_visible()
    screenshot(page, "portal-pickup-booked")
    with page.expect_download() as info:
        page.click("#label-link")
    download = info.value
    assert download.suggested_filename == f"return-label-{rma}.pdf"
    saved = tmp_path / "label.pdf"
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
