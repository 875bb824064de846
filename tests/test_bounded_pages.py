"""Issue 9, finding 4 on the pages: every form and query number, day and photo bounded.

On tree 83de8d2 each case below was a 500 (or took a non-ASCII digit as a number):
`"²".isdigit()` is true but `int("²")` raises, `int("٣")` is 3, 5000 digits exceed
Python's conversion limit, a 14-digit id overflows the database column, a day near
year 1 or 9999 overflows `± timedelta`, `float("inf")` overflows `round`, and Pillow
raised DecompressionBombError for a PNG declaring 100000 × 100000 pixels. Now each is
a 422: the form shown again with a bilingual message, or the error page.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from tests.api.test_bounded_input import crafted
from tests.support.apps import shared_app
from tests.test_console_pages import csrf_from, sign_in

OrderPayload = Callable[..., dict[str, Any]]
Tokens = Callable[..., str]
SECRET = "bounded-pages-secret"
BAD_NUMBERS = ["²", "٣", "9" * 5000, "99999999999999", "-1", "1e3"]
BOMBS = ["declared_100000x100000", "real_144_megapixels"]


@pytest.fixture
def uploads(tmp_path: Path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture
def context(context: AppContext, uploads: Path) -> AppContext:
    settings = context.settings.model_copy(
        update={"upload_dir": str(uploads), "secret_key": SECRET}
    )
    return dataclasses.replace(context, settings=settings)


@pytest.fixture
def order(client: TestClient, order_payload: OrderPayload) -> None:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201


@pytest.fixture
def manager(context: AppContext, tokens: Tokens, order: None) -> Iterator[TestClient]:
    tokens(Role.MANAGER, username="zhao.lei")
    with sign_in(context, "zhao.lei") as page:
        page.cookies.set("lang", "en")
        yield page


def _shipped(client: TestClient) -> str:
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
    }
    rma: str = client.post("/api/v1/returns", json=body).json()["rma_no"]
    ship = {"carrier": "SF", "tracking_no": "SF77770001"}
    assert client.post(f"/api/v1/returns/{rma}/ship", json=ship).status_code == 200
    return rma


def _received(client: TestClient) -> str:
    rma = _shipped(client)
    assert client.post(f"/api/v1/returns/{rma}/receive").status_code == 200
    return rma


def _refused(response: Any) -> str:
    """A 422 page (never a 500) with its message."""
    assert response.status_code == 422, (response.status_code, response.text[:400])
    found = re.search(r'role="alert"[^>]*>(.*?)</', response.text, re.S) or re.search(
        r'data-code="([^"]+)"', response.text
    )
    assert found, response.text[:400]
    return found.group(1).strip()


# --- the customer portal's application form -----------------------------------------


@pytest.fixture
def portal(context: AppContext, order: None) -> Iterator[tuple[TestClient, str]]:
    with TestClient(shared_app(context), follow_redirects=False) as browser:
        browser.cookies.set("lang", "en")
        found = browser.post(
            "/portal/lookup", data={"order_no": "SO-1001", "contact": "13800138000"}
        )
        assert found.status_code == 303, found.text
        yield browser, found.headers["location"]


def _apply(portal: tuple[TestClient, str], files: Any = None, **fields: str) -> Any:
    browser, order_url = portal
    data = {"type": "refund", "reason": "quality", "qty_1": "1", "channel": "web", **fields}
    return browser.post(f"{order_url}/apply", data=data, files=files)


def test_portal_refuses_a_picture_bomb_and_files_nothing(
    portal: tuple[TestClient, str], client: TestClient, uploads: Path
) -> None:
    for kind in BOMBS:
        photo = [("photos", ("crack.png", crafted(kind), "image/png"))]
        assert "40 megapixels" in _refused(_apply(portal, files=photo))
    assert client.get("/api/v1/returns").json()["total"] == 0
    assert not uploads.exists() or list(uploads.iterdir()) == []


PORTAL_FIELDS = [{"qty_1": value} for value in BAD_NUMBERS] + [
    {"qty_²": "1"},
    {"qty_99999999999999": "1"},
    {"opened": "²"},
]


def test_portal_form_numbers_are_ascii_within_range(
    portal: tuple[TestClient, str], client: TestClient
) -> None:
    for fields in PORTAL_FIELDS:
        _refused(_apply(portal, **fields))
    assert client.get("/api/v1/returns").json()["total"] == 0


def test_portal_preselected_line_ignores_a_bad_hint(portal: tuple[TestClient, str]) -> None:
    browser, order_url = portal
    assert browser.get(f"{order_url}/apply", params={"line": "²"}).status_code == 200


# --- the receiving desk -------------------------------------------------------------


def test_receiving_desk_parcel_query_is_a_row_id(manager: TestClient) -> None:
    for value in ["²", "99999999999999"]:
        _refused(manager.get("/staff/receiving", params={"code": "X", "parcel": value}))


RECEIPT_FIELDS = [{"qty_1": value} for value in BAD_NUMBERS] + [
    {"qty_²": "1"},
    {"parcel": "²"},
    {"parcel": "99999999999999"},
]


def test_receipt_form_numbers_are_bounded(manager: TestClient, client: TestClient) -> None:
    rma = _shipped(client)
    csrf = csrf_from(manager.get("/staff/receiving", params={"code": rma}).text)
    for fields in RECEIPT_FIELDS:
        form = {"csrf_token": csrf, "code": rma, "qty_1": "1", **fields}
        _refused(manager.post(f"/staff/receiving/{rma}/receipt", data=form))
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] != "received"


def test_unidentified_parcel_page_refuses_a_picture_bomb(
    manager: TestClient, uploads: Path
) -> None:
    csrf = csrf_from(manager.get("/staff/receiving").text)
    for kind in BOMBS:
        response = manager.post(
            "/staff/receiving/unidentified",
            data={"csrf_token": csrf, "label_text": "无面单", "shelf": "U-01"},
            files=[("photos", ("label.png", crafted(kind), "image/png"))],
        )
        assert "40 megapixels" in _refused(response)
    assert not uploads.exists() or list(uploads.iterdir()) == []


# --- inspection, disposal and put-away --------------------------------------------


def test_dispose_and_put_away_line_numbers_are_bounded(
    manager: TestClient, client: TestClient
) -> None:
    rma = _received(client)
    csrf = csrf_from(manager.get(f"/staff/warehouse/returns/{rma}/dispose").text)
    for action in ["dispose", "put-away"]:
        for value in ["²", "99999999999999", "9" * 5000]:
            form = {"csrf_token": csrf, "line_no": value, "disposition": "restock", "bin": "A-1"}
            _refused(manager.post(f"/staff/warehouse/returns/{rma}/{action}", data=form))


def test_deduction_amount_is_a_plain_amount(manager: TestClient, client: TestClient) -> None:
    rma = _received(client)
    csrf = csrf_from(manager.get(f"/staff/warehouse/returns/{rma}/inspect").text)
    for amount in ["inf", "NaN", "1e300", "-5", "12.345"]:
        form = {
            "csrf_token": csrf,
            "grade": "C",
            "responsibility": "customer",
            "deduction_amount": amount,
            "deduction_reason": "划痕",
        }
        _refused(manager.post(f"/staff/warehouse/returns/{rma}/inspect", data=form))
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "received"


# --- days ---------------------------------------------------------------------------


def test_figures_and_search_pages_take_days_within_range(manager: TestClient) -> None:
    for query in [{"end": "0001-01-03"}, {"start": "9999-12-31"}, {"end": "2024-W01-1"}]:
        _refused(manager.get("/staff/warehouse/figures", params=query))
    assert manager.get("/staff/warehouse/figures", params={"end": "2000-01-03"}).is_success
    for query in [{"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}]:
        page = manager.get("/staff/returns", params=query)
        assert page.status_code == 422  # the search form shows why, no OverflowError
        assert "2000-01-01" in page.text and "2100-12-31" in page.text


@pytest.mark.parametrize("page", [*BAD_NUMBERS, "0"])
def test_search_page_numbers_are_said_not_swallowed(manager: TestClient, page: str) -> None:
    answer = manager.get("/staff/returns", params={"page": page})
    assert answer.status_code == 422
    assert "100000" in answer.text  # "a whole number from 1 to 100000"
    assert manager.get("/staff/returns", params={"page": "1"}).status_code == 200


# --- the hotline form ---------------------------------------------------------------


def test_hotline_quantities_are_ascii_digits(
    context: AppContext, client: TestClient, tokens: Tokens, order: None
) -> None:
    tokens(Role.AGENT, username="li.na")
    with sign_in(context, "li.na") as agent:
        csrf = csrf_from(agent.get("/staff/hotline", params={"order_no": "SO-1001"}).text)
        for quantity in ["٣", "²", "9" * 5000]:  # int("٣") was 3: a request for three
            form = {
                "csrf_token": csrf,
                "order_no": "SO-1001",
                "request_type": "refund",
                "submission": "form-1",
                "line_no": ["1"],
                "quantity": [quantity],
                "reason": ["no_reason"],
                "reason_text": [""],
            }
            _refused(agent.post("/staff/hotline", data=form))
    assert client.get("/api/v1/returns").json()["total"] == 0
