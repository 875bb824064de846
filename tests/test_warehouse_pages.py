"""Warehouse pages through TestClient (SQLite and PostgreSQL): inspect with the checklist,
dispose and put away, the bin label, inventory, RTV manifest, figures, and the customer's
answer to a partial refund in the portal."""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.web.portal_links import PortalAccess, make_token
from tests.support.clock import FakeClock
from tests.test_console_pages import csrf_from, sign_in

BABY = ("appearance", "accessories", "packaging", "hygiene_seal")


@pytest.fixture
def context(context: AppContext, tmp_path: Path) -> AppContext:
    settings = context.settings.model_copy(
        update={"upload_dir": str(tmp_path / "uploads"), "secret_key": "warehouse-page-tests"}
    )
    return dataclasses.replace(context, settings=settings)


def _received(client: TestClient, order_payload: Callable[..., dict[str, Any]]) -> str:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
    }
    rma: str = client.post("/api/v1/returns", json=body).json()["rma_no"]
    client.post(f"/api/v1/returns/{rma}/ship", json={"carrier": "SF", "tracking_no": "SF77770001"})
    assert client.post(f"/api/v1/returns/{rma}/receive").status_code == 200
    return rma


@pytest.fixture
def manager(context: AppContext, tokens: Callable[..., str]) -> Iterator[TestClient]:
    tokens(Role.MANAGER, username="zhao.lei")
    with sign_in(context, "zhao.lei") as page:
        page.cookies.set("lang", "en")
        yield page


def _inspect_form(grade: str, who: str, fail: dict[str, str], **extra: str) -> dict[str, str]:
    form = {"grade": grade, "responsibility": who, **extra}
    for check in BABY:
        form[f"mark_{check}"] = "fail" if check in fail else "pass"
        form[f"note_{check}"] = fail.get(check, "")
    return form


def test_inspect_dispose_put_away_and_print(
    client: TestClient, manager: TestClient, order_payload: Callable[..., dict[str, Any]]
) -> None:
    rma = _received(client, order_payload)
    request_page = manager.get(f"/staff/returns/{rma}")
    assert 'data-link="inspect"' in request_page.text
    page = manager.get(f"/staff/warehouse/returns/{rma}/inspect")
    assert page.status_code == 200
    assert all(f'data-check="{c}"' in page.text for c in BABY)
    csrf = csrf_from(page.text)
    # a failed check without a note comes back with the reason and what was typed
    refused = manager.post(
        f"/staff/warehouse/returns/{rma}/inspect",
        data={"csrf_token": csrf, **_inspect_form("B", "customer", {"appearance": ""})},
    )
    assert refused.status_code == 422 and 'role="alert"' in refused.text
    assert "Appearance" in refused.text
    done = manager.post(
        f"/staff/warehouse/returns/{rma}/inspect",
        data={"csrf_token": csrf, **_inspect_form("A", "none", {})},
        files=[("photos", ("p.png", _png(), "image/png"))],
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    shown = manager.get(f"/staff/returns/{rma}").text
    assert 'data-passed="true"' in shown and "Every check passed" in shown
    assert "1 photos taken" in shown

    dispose = manager.get(f"/staff/warehouse/returns/{rma}/dispose")
    assert 'data-suggested="restock"' in dispose.text
    # the rule by its place in the book, not its key ("a-restock")
    assert "(rule 1, version" in dispose.text and "a-restock" not in dispose.text
    decided = manager.post(
        f"/staff/warehouse/returns/{rma}/dispose",
        data={"csrf_token": csrf, "line_no": "1", "disposition": "restock", "bin": ""},
        follow_redirects=False,
    )
    assert decided.status_code == 303
    wrong = manager.post(
        f"/staff/warehouse/returns/{rma}/put-away",
        data={"csrf_token": csrf, "line_no": "1", "bin": "X1"},
    )
    assert wrong.status_code == 422 and 'role="alert"' in wrong.text
    manager.post(
        f"/staff/warehouse/returns/{rma}/put-away",
        data={"csrf_token": csrf, "line_no": "1", "bin": "A-03-04"},
    )
    after = manager.get(f"/staff/warehouse/returns/{rma}/dispose").text
    label = re.search(r'href="(/staff/warehouse/bins/A-03-04/label.pdf[^"]*)"', after)
    assert label, after
    pdf = manager.get(label.group(1).replace("&amp;", "&"))
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content[:4] == b"%PDF"

    inventory = manager.get("/staff/warehouse/inventory", params={"sku": "BOTTLE-240"}).text
    assert 'data-stock="BOTTLE-240|A-03-04|A"' in inventory
    assert 'data-kind="put_away"' in inventory
    empty = manager.get("/staff/warehouse/inventory", params={"location": "B-01-01"}).text
    assert 'data-empty="stock"' in empty

    figures = manager.get("/staff/warehouse/figures").text
    assert 'data-inspector="manager:zhao.lei"' in figures
    assert 'data-median="0.0"' in figures


def test_rtv_manifest_and_ship(
    client: TestClient,
    manager: TestClient,
    order_payload: Callable[..., dict[str, Any]],
) -> None:
    rma = _received(client, order_payload)
    csrf = csrf_from(manager.get(f"/staff/warehouse/returns/{rma}/inspect").text)
    manager.post(
        f"/staff/warehouse/returns/{rma}/inspect",
        data={"csrf_token": csrf, **_inspect_form("C", "merchant", {"accessories": "缺奶嘴"})},
    )
    manager.post(
        f"/staff/warehouse/returns/{rma}/dispose",
        data={"csrf_token": csrf, "line_no": "1", "disposition": "", "bin": ""},
    )
    listing = manager.get("/staff/warehouse/rtv").text
    batch = re.search(r'data-batch="(\d+)" data-status="open"', listing)
    assert batch, listing
    manifest = manager.get(f"/staff/warehouse/rtv/{batch.group(1)}").text
    assert rma in manifest and 'data-action="ship-batch"' in manifest
    shipped = manager.post(
        f"/staff/warehouse/rtv/{batch.group(1)}/ship",
        data={"csrf_token": csrf, "carrier": "SF", "waybill_no": "SF1"},
        follow_redirects=False,
    )
    assert shipped.status_code == 303
    assert 'data-status="shipped"' in manager.get("/staff/warehouse/rtv").text


def test_customer_accepts_or_declines_the_offer_in_the_portal(
    client: TestClient,
    context: AppContext,
    clock: FakeClock,
    order_payload: Callable[..., dict[str, Any]],
) -> None:
    rma = _received(client, order_payload)
    checks = [
        {"check": c, "mark": "fail" if c == "appearance" else "pass", "note": "划痕"} for c in BABY
    ]
    body = {
        "checks": checks,
        "grade": "B",
        "responsibility": "customer",
        "deduction": {"amount": 1500, "reason": "瓶身划痕"},
    }
    assert client.post(f"/api/v1/warehouse/returns/{rma}/inspection", json=body).status_code == 201
    token = make_token(context.secret_key, PortalAccess("SO-1001", "c-1"), clock.now)
    with TestClient(client.app) as portal:
        page = portal.get(f"/portal/o/{token}/r/{rma}")
        assert 'data-offer="offered"' in page.text and "瓶身划痕" in page.text
        answered = portal.post(
            f"/portal/o/{token}/r/{rma}/offer", data={"answer": "accept"}, follow_redirects=False
        )
        assert answered.status_code == 303
        assert 'data-offer="accepted"' in portal.get(f"/portal/o/{token}/r/{rma}").text
        again = portal.post(f"/portal/o/{token}/r/{rma}/offer", data={"answer": "decline"})
        assert again.status_code == 404
    state = client.get(f"/api/v1/warehouse/returns/{rma}").json()
    assert state["offer"]["status"] == "accepted" and state["send_back"] == []


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return buffer.getvalue()
