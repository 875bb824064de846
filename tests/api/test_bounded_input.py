"""Issue 9, finding 4 and part of 6, through the API on SQLite and PostgreSQL.

Each case failed on tree 83de8d2: a PNG declaring 100000 × 100000 pixels was a 500 and
a real 144-megapixel one was stored; an agent could copy one merchant's customer photo
onto another merchant's request (which could then open it); `?end=0001-01-03` on the
warehouse figures was an OverflowError; an order whose total overflows BIGINT was
accepted and its return then failed in the database.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from returnflow.api.schemas import MAX_ORDER_LINES, MAX_ORDER_TOTAL, MAX_UNIT_PRICE
from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.input_bounds import MAX_QUANTITY
from returnflow.storage.photos import MAX_PIXELS, photo_extension
from returnflow.storage.schema import ReturnRow, UnidentifiedParcelRow
from tests.support.crafted_images import declared_png, real_png
from tests.support.refunds import pay_refunds
from tests.test_console_pages import sign_in

OrderPayload = Callable[..., dict[str, Any]]
Tokens = Callable[..., str]


@pytest.fixture
def context(context: AppContext, tmp_path: Path) -> AppContext:
    """Photos go to a folder of the test's own."""
    context.settings = context.settings.model_copy(update={"upload_dir": str(tmp_path)})
    return context


@cache
def crafted(kind: str) -> bytes:
    """The bombs of the finding, built once per run (the 144 MP one takes ~0.4 s)."""
    return {
        "declared_100000x100000": lambda: declared_png(100_000, 100_000),
        "real_144_megapixels": lambda: real_png(12_000, 12_000),
        "just_over_40_megapixels": lambda: real_png(8_001, 5_000),
        "at_the_limit": lambda: real_png(8_000, 5_000),
    }[kind]()


# --- photos: dimensions from the header, before anything is decoded -------------------


@pytest.mark.parametrize(
    "kind", ["declared_100000x100000", "real_144_megapixels", "just_over_40_megapixels"]
)
def test_a_picture_above_40_megapixels_is_refused_by_its_header(kind: str) -> None:
    data = crafted(kind)
    assert len(data) < 40_000  # tiny files: the size is the declared pixels
    with pytest.raises(Exception) as refused:
        photo_extension(data, "bomb.png")
    assert getattr(refused.value, "code", None) == "photo_too_many_pixels"


def test_a_picture_at_the_limit_is_still_a_photo() -> None:
    assert MAX_PIXELS == 8_000 * 5_000
    assert photo_extension(crafted("at_the_limit"), "big.png") == "png"


@pytest.mark.parametrize("kind", ["declared_100000x100000", "real_144_megapixels"])
def test_unidentified_parcel_with_a_bomb_is_a_422_and_stores_nothing(
    client: TestClient, context: AppContext, tmp_path: Path, kind: str
) -> None:
    photo = {"filename": "label.png", "content_base64": base64.b64encode(crafted(kind)).decode()}
    response = client.post(
        "/api/v1/receiving/unidentified",
        json={"label_text": "无面单", "shelf": "U-01", "photos": [photo]},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "photo_too_many_pixels"
    assert "40 megapixels" in response.json()["detail"]
    with context.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(UnidentifiedParcelRow)) == 0
    assert list(tmp_path.iterdir()) == []


# --- photo references: only the caller's own uploads ---------------------------------


@pytest.fixture
def two_merchants(client: TestClient, order_payload: OrderPayload) -> None:
    """SO-1001 from m-babycare (customer c-1), SO-2001 from m-other (customer c-2)."""
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    other = order_payload(
        order_no="SO-2001",
        merchant_id="m-other",
        customer={"id": "c-2", "name": "李雷", "phone": "13900139000", "email": "lei@example.com"},
    )
    assert client.post("/api/v1/orders", json=other).status_code == 201


def _file(client: TestClient, order_no: str, photos: list[str]) -> Any:
    body = {
        "order_no": order_no,
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "quality"}],
        "photos": photos,
    }
    return client.post("/api/v1/returns", json=body)


def _customer_photo(context: AppContext, client: TestClient) -> tuple[str, str]:
    """A customer of m-babycare sends a photo with a request (as the portal does)."""
    [photo] = context.photos.save_all([("crack.png", real_png(16, 16))])
    filed = _file(client, "SO-1001", [photo])
    assert filed.status_code == 201, filed.text
    return photo, str(filed.json()["rma_no"])


@pytest.mark.usefixtures("two_merchants")
def test_another_merchants_photo_cannot_be_attached_nor_opened(
    context: AppContext, client: TestClient, tokens: Tokens
) -> None:
    photo, _ = _customer_photo(context, client)
    agent = TestClient(client.app)
    agent.headers["Authorization"] = f"Bearer {tokens(Role.AGENT, username='li.na')}"
    copied = _file(agent, "SO-2001", [photo])
    assert copied.status_code == 422, copied.text
    assert (copied.json()["code"], copied.json()["field"]) == ("photo_not_found", "photos")
    tokens(Role.MERCHANT, merchant_id="m-other", username="other.shop")
    with sign_in(context, "other.shop") as other:
        assert other.get(f"/staff/photos/{photo}").status_code == 404
        # a copy made before the fix is still no way in: the photo is no merchant's
        own = _file(agent, "SO-2001", []).json()["rma_no"]
        with context.session_factory() as session:
            row = session.scalars(select(ReturnRow).where(ReturnRow.rma_no == own)).one()
            row.photos = [photo]
            session.commit()
        assert other.get(f"/staff/photos/{photo}").status_code == 404
    # a name the store never issued is no photo either
    assert _file(agent, "SO-2001", ["../crack.png"]).json()["code"] == "photo_not_found"


@pytest.mark.usefixtures("two_merchants")
def test_the_same_customer_may_send_the_same_photo_again(
    context: AppContext, client: TestClient
) -> None:
    photo, first = _customer_photo(context, client)
    assert client.post(f"/api/v1/returns/{first}/cancel", json={"note": ""}).status_code == 200
    again = _file(client, "SO-1001", [photo])
    assert again.status_code == 201, again.text
    assert again.json()["photos"] == [photo]


@pytest.mark.usefixtures("two_merchants")
def test_an_inspection_carries_only_its_own_requests_photos(
    context: AppContext, client: TestClient
) -> None:
    photo, _ = _customer_photo(context, client)
    body = {
        "order_no": "SO-2001",
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
    }
    rma = client.post("/api/v1/returns", json=body).json()["rma_no"]
    ship = {"carrier": "SF", "tracking_no": "SF20010001"}
    assert client.post(f"/api/v1/returns/{rma}/ship", json=ship).status_code == 200
    assert client.post(f"/api/v1/returns/{rma}/receive").status_code == 200
    inspection = {"checks": [], "grade": "A", "responsibility": "none", "photos": [photo]}
    response = client.post(f"/api/v1/warehouse/returns/{rma}/inspection", json=inspection)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "photo_not_found"


# --- days: a sane range, so date arithmetic cannot overflow ---------------------------


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ({"end": "0001-01-03"}, 422, "validation_error"),  # was an OverflowError
        ({"start": "9999-12-31"}, 422, "validation_error"),
        ({"end": "2101-01-01"}, 422, "validation_error"),
        ({"start": "2026-11-20", "end": "2026-11-01"}, 422, "date_range_reversed"),
        ({"end": "2000-01-03"}, 200, None),  # the window stops at 2000-01-01
        ({}, 200, None),
    ],
)
def test_warehouse_figures_take_days_within_the_sane_range(
    client: TestClient, query: dict[str, str], status: int, code: str | None
) -> None:
    response = client.get("/api/v1/warehouse/figures", params=query)
    assert response.status_code == status, response.text
    if code is not None:
        assert response.json()["code"] == code
    if query == {"end": "2000-01-03"}:
        assert response.json()["start"] == "2000-01-01"


# --- order import: amounts bounded so every later sum fits BIGINT ----------------------


def _lines(count: int, unit_price: int, quantity: int) -> list[dict[str, Any]]:
    return [
        {
            "line_no": n,
            "sku": f"SKU-{n}",
            "title": f"商品 {n}",
            "category": "home",
            "unit_price": unit_price,
            "quantity": quantity,
            "discount": 0,
            "flags": [],
        }
        for n in range(1, count + 1)
    ]


MAX_LINES = _lines(100, 10**9, 100)
MAX_SIZE: dict[str, Any] = {"lines": MAX_LINES, "shipping_fee": 0}  # exactly MAX_ORDER_TOTAL


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        (MAX_SIZE, 201, None),
        ({**MAX_SIZE, "shipping_fee": 1}, 422, ""),
        ({"lines": _lines(100, 10**12, 100_000)}, 422, "lines.0.unit_price"),  # the finding
        ({"lines": _lines(1, MAX_UNIT_PRICE, 1)}, 201, None),
        ({"lines": _lines(1, MAX_UNIT_PRICE + 1, 1)}, 422, "lines.0.unit_price"),
        ({"lines": _lines(1, 1, MAX_QUANTITY)}, 201, None),
        ({"lines": _lines(1, 1, MAX_QUANTITY + 1)}, 422, "lines.0.quantity"),
        ({"lines": _lines(MAX_ORDER_LINES, 1, 1)}, 201, None),
        ({"lines": _lines(MAX_ORDER_LINES + 1, 1, 1)}, 422, "lines"),
        ({"shipping_fee": MAX_UNIT_PRICE + 1}, 422, "shipping_fee"),
    ],
)
def test_order_import_bounds(
    client: TestClient,
    order_payload: OrderPayload,
    changes: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    response = client.post("/api/v1/orders", json=order_payload(**changes))
    assert response.status_code == status, response.text
    if field is not None:
        assert response.json()["code"] == "validation_error"
        assert response.json()["field"] == field


def test_a_return_of_a_maximal_order_is_refunded_end_to_end(
    client: TestClient, context: AppContext, order_payload: OrderPayload
) -> None:
    assert sum(line["unit_price"] * line["quantity"] for line in MAX_LINES) == MAX_ORDER_TOTAL
    assert client.post("/api/v1/orders", json=order_payload(**MAX_SIZE)).status_code == 201
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [
            {"line_no": n, "quantity": 100, "reason_code": "no_reason"} for n in range(1, 101)
        ],
    }
    filed = client.post("/api/v1/returns", json=body)
    assert filed.status_code == 201, filed.text
    rma = filed.json()["rma_no"]
    assert filed.json()["refund_estimate"]["total"]["amount"] == MAX_ORDER_TOTAL
    if filed.json()["status"] == "pending_review":
        assert client.post(f"/api/v1/returns/{rma}/approve").status_code == 200
    for action, step in (
        ("ship", {"carrier": "SF", "tracking_no": "SF10000001"}),
        ("receive", None),
        ("inspect", {"passed": True}),
    ):
        done = client.post(f"/api/v1/returns/{rma}/{action}", json=step)
        assert done.status_code == 200, done.text
    # a passed inspection owes the refund at once (the message bus): read it, don't ask
    owed = client.get(f"/api/v1/refunds/{rma}")
    assert owed.status_code == 200, owed.text
    assert owed.json()["amount"]["amount"] == MAX_ORDER_TOTAL
    pay_refunds(context)
    final = client.get(f"/api/v1/returns/{rma}").json()
    assert final["status"] == "completed", final["status"]  # paid: done (the bus)
    assert final["refund"]["amount"]["amount"] == MAX_ORDER_TOTAL
