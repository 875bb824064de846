"""A merchant receives and inspects at its own warehouse (issue 15, R11.1), pages and API.

Planted: merchant m-a (order SO-1001, its own warehouse in 杭州) and m-b (order B-1, no
warehouse of its own: its returns go to the platform's). Each files one return, shipped
with waybills SF-A0001 and SF-B0001. The journey: shop.a signs in, scans its parcel,
confirms, inspects with the checklist. Isolation: m-a never finds, receives or inspects
m-b's request (answers are those of an unknown code), never reaches unidentified parcels,
dispositions, RTV or stock; m-b without a warehouse gets a closed desk; the platform's
warehouse still receives m-b's parcel as before.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jinja2.ext import babel_extract
from PIL import Image

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.lifecycle import Status
from returnflow.web.i18n import translations
from returnflow.web.templating import TEMPLATES
from returnflow.web.timer_view import inspection_queue
from tests.support.apps import shared_app
from tests.support.clock import FakeClock
from tests.test_console_pages import csrf_from, sign_in

Payload = Callable[..., dict[str, Any]]
Tokens = Callable[..., str]
BABY = ("appearance", "accessories", "packaging", "hygiene_seal")
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
    settings = context.settings.model_copy(
        update={"upload_dir": str(tmp_path / "uploads"), "secret_key": "merchant-desk-tests"}
    )
    return dataclasses.replace(context, settings=settings)


def _shipped(client: TestClient, order_no: str, waybill: str) -> str:
    body = {
        "order_no": order_no,
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
    }
    filed = client.post("/api/v1/returns", json=body)
    assert filed.status_code == 201, filed.text
    rma: str = filed.json()["rma_no"]
    shipped = client.post(
        f"/api/v1/returns/{rma}/ship", json={"carrier": "SF", "tracking_no": waybill}
    )
    assert shipped.status_code == 200, shipped.text
    return rma


@pytest.fixture
def rmas(client: TestClient, order_payload: Payload) -> tuple[str, str]:
    """(m-a's request, m-b's request), both in transit; m-a has its own warehouse."""
    assert client.post("/api/v1/orders", json=order_payload(merchant_id="m-a")).status_code == 201
    other = order_payload(order_no="B-1", merchant_id="m-b")
    assert client.post("/api/v1/orders", json=other).status_code == 201
    profile = client.put(
        "/api/v1/merchants/m-a/profile", json={"methods": ["self_ship"], "warehouse": WAREHOUSE}
    )
    assert profile.status_code == 200, profile.text
    return _shipped(client, "SO-1001", "SF-A0001"), _shipped(client, "B-1", "SF-B0001")


@pytest.fixture
def shop_a(context: AppContext, tokens: Tokens, rmas: tuple[str, str]) -> Iterator[TestClient]:
    tokens(Role.MERCHANT, merchant_id="m-a", username="shop.a")
    with sign_in(context, "shop.a") as browser:
        yield browser


def _status(client: TestClient, rma: str) -> str:
    status: str = client.get(f"/api/v1/returns/{rma}").json()["status"]
    return status


def _inspect_form(csrf: str) -> dict[str, str]:
    form = {"csrf_token": csrf, "grade": "A", "responsibility": "none"}
    for check in BABY:
        form[f"mark_{check}"] = "pass"
        form[f"note_{check}"] = ""
    return form


def test_merchant_receives_and_inspects_at_its_own_warehouse(
    shop_a: TestClient,
    client: TestClient,
    rmas: tuple[str, str],
    tokens: Tokens,
    context: AppContext,
) -> None:
    mine, theirs = rmas
    # the platform's warehouse receives m-b's parcel as before: it waits for inspection too
    tokens(Role.WAREHOUSE, username="wang.wu")
    with sign_in(context, "wang.wu") as worker:
        page = worker.get("/staff/receiving", params={"code": "SF-B0001"})
        assert page.status_code == 200 and f'data-rma="{theirs}"' in page.text
        form = {"csrf_token": csrf_from(page.text), "code": "SF-B0001", "qty_1": "1"}
        done = worker.post(f"/staff/receiving/{theirs}/receipt", data=form, follow_redirects=False)
        assert done.status_code == 303
    assert _status(client, theirs) == "received"

    desk = shop_a.get("/staff/receiving")
    assert desk.status_code == 200
    assert 'data-own-warehouse="true"' in desk.text and "宝贝屋退货组" in desk.text
    assert 'data-link="unidentified"' not in desk.text
    assert 'data-menu="receiving"' in desk.text
    for menu in ("inventory", "rtv", "warehouse-figures"):
        assert f'data-menu="{menu}"' not in desk.text
    assert f'data-rma="{theirs}"' not in desk.text  # the platform's queue is not its queue
    scanned = shop_a.get("/staff/receiving", params={"code": "sf-a0001"})
    assert scanned.status_code == 200 and f'data-rma="{mine}"' in scanned.text
    form = {"csrf_token": csrf_from(scanned.text), "code": "SF-A0001", "qty_1": "1"}
    done = shop_a.post(f"/staff/receiving/{mine}/receipt", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/staff/receiving?done={mine}"
    after = shop_a.get(done.headers["location"])
    assert f"{mine} 已收货" in after.text
    queue = re.findall(r'<tr data-rma="([^"]+)" data-overdue', after.text)
    assert queue == [mine]  # hand count: its own one, not m-b's
    receipt = client.get(f"/api/v1/returns/{mine}/receipt").json()
    assert (_status(client, mine), receipt["received_by"]) == ("received", "merchant:shop.a")

    page = shop_a.get(f"/staff/warehouse/returns/{mine}/inspect")
    assert page.status_code == 200 and all(f'name="mark_{c}"' in page.text for c in BABY)
    inspected = shop_a.post(
        f"/staff/warehouse/returns/{mine}/inspect",
        data=_inspect_form(csrf_from(page.text)),
        follow_redirects=False,
    )
    assert inspected.status_code == 303, inspected.text[:500]
    state = client.get(f"/api/v1/warehouse/returns/{mine}").json()
    assert state["inspection"]["passed"] is True
    assert state["inspection"]["inspected_by"] == "merchant:shop.a"


def test_another_merchants_parcel_looks_like_an_unknown_one(
    shop_a: TestClient, client: TestClient, rmas: tuple[str, str]
) -> None:
    _, theirs = rmas
    unknown = shop_a.get("/staff/receiving", params={"code": "SF-NOWHERE"})
    foreign = shop_a.get("/staff/receiving", params={"code": "SF-B0001"})
    by_rma = shop_a.get("/staff/receiving", params={"code": theirs})
    for page, code in ((unknown, "SF-NOWHERE"), (foreign, "SF-B0001"), (by_rma, theirs)):
        assert page.status_code == 404
        assert f"没有与 {code} 对应的退货申请或运单" in page.text
        assert "data-rma=" not in page.text and 'id="unidentified"' not in page.text
    csrf = csrf_from(unknown.text)
    receipt = shop_a.post(
        f"/staff/receiving/{theirs}/receipt",
        data={"csrf_token": csrf, "code": theirs, "qty_1": "1"},
        follow_redirects=False,
    )
    assert receipt.status_code == 404 and 'data-code="return_not_found"' in receipt.text
    assert _status(client, theirs) == "in_transit"
    assert client.post(f"/api/v1/returns/{theirs}/receive").status_code == 200  # platform
    assert shop_a.get(f"/staff/warehouse/returns/{theirs}/inspect").status_code == 404
    inspect = shop_a.post(
        f"/staff/warehouse/returns/{theirs}/inspect",
        data=_inspect_form(csrf),
        follow_redirects=False,
    )
    assert inspect.status_code == 404 and _status(client, theirs) == "received"
    notice = shop_a.get("/staff/receiving", params={"done": theirs})
    assert f"{theirs} 已收货" not in notice.text  # not even who received it


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/staff/receiving/unidentified", 404),
        ("POST", "/staff/receiving/unidentified", 404),
        ("POST", "/staff/receiving/unidentified/1/close", 404),
        ("GET", "/staff/receiving?code=X&parcel=1", 404),
        ("GET", "/staff/warehouse/inventory", 403),
        ("GET", "/staff/warehouse/rtv", 403),
        ("GET", "/staff/warehouse/figures", 403),
        ("GET", "/staff/warehouse/returns/{rma}/dispose", 403),
        ("POST", "/staff/warehouse/returns/{rma}/dispose", 403),
        ("POST", "/staff/warehouse/returns/{rma}/put-away", 403),
    ],
)
def test_platform_only_pages_stay_closed_to_merchants(
    shop_a: TestClient, rmas: tuple[str, str], method: str, path: str, status: int
) -> None:
    csrf = csrf_from(shop_a.get("/staff/receiving").text)
    url = path.format(rma=rmas[0])
    data = {"csrf_token": csrf, "outcome": "disposed", "reason": "x", "shelf": "A"}
    answer = shop_a.request(
        method, url, data=data if method == "POST" else None, follow_redirects=False
    )
    assert answer.status_code == status, (url, answer.text[:300])


def test_a_merchant_without_its_own_warehouse_has_a_closed_desk(
    context: AppContext, client: TestClient, tokens: Tokens, rmas: tuple[str, str]
) -> None:
    _, theirs = rmas
    tokens(Role.MERCHANT, merchant_id="m-b", username="shop.b")
    with sign_in(context, "shop.b") as shop_b:
        desk = shop_b.get("/staff/receiving", params={"code": "SF-B0001"})
        assert desk.status_code == 200
        assert 'data-code="no_own_warehouse"' in desk.text and 'id="code"' not in desk.text
        assert "平台仓库" in desk.text and 'href="/staff/merchant/terms"' in desk.text
        form = {"csrf_token": csrf_from(desk.text), "code": "SF-B0001", "qty_1": "1"}
        refused = shop_b.post(
            f"/staff/receiving/{theirs}/receipt", data=form, follow_redirects=False
        )
        assert refused.status_code == 409 and _status(client, theirs) == "in_transit"
        assert client.post(f"/api/v1/returns/{theirs}/receive").status_code == 200
        inspect = shop_b.post(
            f"/staff/warehouse/returns/{theirs}/inspect",
            data=_inspect_form(form["csrf_token"]),
            follow_redirects=False,
        )
        assert inspect.status_code == 409 and "平台仓库" in inspect.text
    assert _status(client, theirs) == "received"


# --- the API ------------------------------------------------------------------------


@pytest.fixture
def api_a(context: AppContext, tokens: Tokens, rmas: tuple[str, str]) -> Iterator[TestClient]:
    with TestClient(shared_app(context)) as api:
        api.headers["Authorization"] = f"Bearer {tokens(Role.MERCHANT, merchant_id='m-a')}"
        yield api


def _checks() -> list[dict[str, str]]:
    return [{"check": c, "mark": "pass", "note": ""} for c in BABY]


def test_api_scan_receive_inspect_own_only(
    api_a: TestClient, client: TestClient, rmas: tuple[str, str]
) -> None:
    mine, theirs = rmas
    unknown = api_a.post("/api/v1/receiving/scan", json={"code": "SF-NOWHERE"})
    foreign = api_a.post("/api/v1/receiving/scan", json={"code": "SF-B0001"})
    assert unknown.status_code == foreign.status_code == 404
    assert unknown.json()["code"] == foreign.json()["code"] == "nothing_matches"
    assert api_a.post("/api/v1/receiving/scan", json={"code": "SF-A0001"}).json()["rma_no"] == mine
    body = {"code": "SF-B0001", "lines": [{"line_no": 1, "received": 1}]}
    other = api_a.post(f"/api/v1/returns/{theirs}/receipt", json=body)
    assert (other.status_code, other.json()["code"]) == (404, "return_not_found")
    assert api_a.post(f"/api/v1/returns/{theirs}/receive").status_code == 404
    assert _status(client, theirs) == "in_transit"
    own = api_a.post(f"/api/v1/returns/{mine}/receipt", json={**body, "code": "SF-A0001"})
    assert own.status_code == 201, own.text
    assert client.post(f"/api/v1/returns/{theirs}/receive").status_code == 200
    assert api_a.get(f"/api/v1/warehouse/returns/{theirs}/checklist").status_code == 404
    assert api_a.get(f"/api/v1/returns/{theirs}/receipt").status_code == 404
    inspection = {"checks": _checks(), "grade": "A", "responsibility": "none"}
    foreign_inspection = api_a.post(
        f"/api/v1/warehouse/returns/{theirs}/inspection", json=inspection
    )
    assert foreign_inspection.status_code == 404
    bare = api_a.post(f"/api/v1/returns/{mine}/inspect", json={"passed": True})
    assert bare.status_code == 404  # merchants inspect with the checklist
    checklist = api_a.get(f"/api/v1/warehouse/returns/{mine}/checklist").json()
    assert [c["check"] for c in checklist["checks"]] == list(BABY)
    done = api_a.post(f"/api/v1/warehouse/returns/{mine}/inspection", json=inspection)
    assert done.status_code == 201 and done.json()["inspection"]["passed"] is True
    assert _status(client, theirs) == "received"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/receiving/unidentified", 404),
        ("POST", "/api/v1/receiving/unidentified", 404),
        ("POST", "/api/v1/receiving/unidentified/1/match", 404),
        ("POST", "/api/v1/receiving/unidentified/1/close", 404),
        ("POST", "/api/v1/warehouse/returns/{rma}/dispositions", 403),
        ("POST", "/api/v1/warehouse/returns/{rma}/put-away", 403),
        ("GET", "/api/v1/warehouse/stock", 403),
        ("GET", "/api/v1/warehouse/rtv-batches", 403),
        ("POST", "/api/v1/warehouse/movements", 403),
    ],
)
def test_api_platform_only_routes_stay_closed(
    api_a: TestClient, rmas: tuple[str, str], method: str, path: str, status: int
) -> None:
    answer = api_a.request(method, path.format(rma=rmas[0]), json={})
    assert answer.status_code == status, (path, answer.text[:300])


def test_every_text_on_the_desk_is_translated() -> None:
    catalog = translations("zh")
    missing = []
    with (TEMPLATES / "staff/receiving.html").open("rb") as handle:
        for _, _, message, _ in babel_extract(handle, ("_", "gettext"), [], {}):
            msgid = message if isinstance(message, str) else str((message or ("",))[0])
            if catalog.gettext(msgid) == msgid:
                missing.append(msgid)
    assert missing == []


def test_a_parcels_photo_is_the_platforms_only(
    shop_a: TestClient, client: TestClient, context: AppContext, tokens: Tokens
) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (6, 6), "blue").save(buffer, "PNG")
    photo = {"filename": "box.png", "content_base64": base64.b64encode(buffer.getvalue()).decode()}
    parcel = client.post(
        "/api/v1/receiving/unidentified",
        json={"shelf": "U-1", "waybill_no": "ZT404", "photos": [photo]},
    )
    assert parcel.status_code == 201, parcel.text
    name = parcel.json()["photos"][0]
    assert shop_a.get(f"/staff/receiving/photos/{name}").status_code == 404
    tokens(Role.WAREHOUSE, username="wang.wu")
    with sign_in(context, "wang.wu") as worker:
        assert worker.get(f"/staff/receiving/photos/{name}").status_code == 200


def test_the_waiting_list_is_read_for_the_merchant_not_filtered_from_the_platforms(
    context: AppContext, client: TestClient, rmas: tuple[str, str], clock: FakeClock
) -> None:
    """m-b's parcel arrived first; the 100 oldest would hide m-a's at volume, so the
    merchant's list is its own oldest (here with a limit of 1)."""
    mine, theirs = rmas
    assert client.post(f"/api/v1/returns/{theirs}/receive").status_code == 200
    clock.advance(minutes=5)
    assert client.post(f"/api/v1/returns/{mine}/receive").status_code == 200
    later = context.clock() + timedelta(days=1)
    with context.uow() as uow:
        oldest = uow.journeys.resting_since([Status.RECEIVED], later, limit=1)
        own = uow.journeys.resting_since([Status.RECEIVED], later, limit=1, merchant_id="m-a")
    assert (oldest, own) == ([theirs], [mine])
    rows = inspection_queue(context, "m-a")
    assert [row.item.rma_no for row in rows] == [mine]
    assert {row.item.rma_no for row in inspection_queue(context)} == {mine, theirs}
