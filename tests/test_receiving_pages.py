"""The receiving desk and the unidentified queue through their pages (TestClient).

A warehouse worker signs in; scan, confirm with the defaults, record mismatches with
a photo, refusals that keep what was typed, a double submit, an unknown code that
becomes an unidentified parcel, matching it later, and letting one go. The request
page shows the receipt to agents.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.storage.schema import OutboxRow, UnidentifiedParcelRow
from tests.test_console_pages import csrf_from, sign_in

OrderPayload = Callable[..., dict[str, Any]]
Tokens = Callable[..., str]


@pytest.fixture
def uploads(context: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(context.settings, "upload_dir", str(tmp_path))
    return tmp_path


@pytest.fixture
def worker(
    context: AppContext, client: TestClient, tokens: Tokens, order_payload: OrderPayload
) -> Iterator[TestClient]:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    tokens(Role.WAREHOUSE, username="wang.wu")
    with sign_in(context, "wang.wu") as signed_in:
        yield signed_in


def shipped(client: TestClient, tracking_no: str, lines: tuple[tuple[int, int], ...]) -> str:
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [{"line_no": n, "quantity": q, "reason_code": "no_reason"} for n, q in lines],
    }
    rma: str = client.post("/api/v1/returns", json=body).json()["rma_no"]
    response = client.post(
        f"/api/v1/returns/{rma}/ship", json={"carrier": "SF", "tracking_no": tracking_no}
    )
    assert response.status_code == 200, response.text
    return rma


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (6, 6), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def test_desk_is_one_autofocused_scan_field(worker: TestClient) -> None:
    page = worker.get("/staff/receiving")
    assert page.status_code == 200
    field = re.search(r'<input id="code" name="code"[^>]*>', page.text)
    assert field and "autofocus" in field.group(0) and 'accesskey="s"' in field.group(0)
    assert 'data-menu="receiving"' in page.text and 'aria-current="page"' in page.text


def test_scan_then_confirm_with_the_defaults(
    worker: TestClient, client: TestClient, context: AppContext
) -> None:
    rma = shipped(client, "SF100000", ((1, 2), (2, 1)))
    page = worker.get("/staff/receiving", params={"code": "sf100000"})
    assert page.status_code == 200
    assert f'data-rma="{rma}"' in page.text
    assert re.findall(r'data-sku="([^"]+)" data-expected="(\d+)"', page.text) == [
        ("BOTTLE-240", "2"),
        ("BIB-3", "1"),
    ]
    confirm = re.search(r"<button[^>]*data-confirm[^>]*>", page.text)
    assert confirm and "autofocus" in confirm.group(0)
    scan_field = re.search(r'<input id="code"[^>]*>', page.text)
    assert scan_field and "autofocus" not in scan_field.group(0)  # one focus: Confirm
    form = {"csrf_token": csrf_from(page.text), "code": "SF100000", "qty_1": "2", "qty_2": "1"}
    done = worker.post(f"/staff/receiving/{rma}/receipt", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/staff/receiving?done={rma}"
    after = worker.get(done.headers["location"])
    assert f"{rma} 已收货：包裹完好，数量相符" in after.text
    field = re.search(r'<input id="code"[^>]*>', after.text)
    assert field and "autofocus" in field.group(0)  # ready for the next parcel
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "received"
    # the same worker's double Enter: the first confirmation stands, no error
    twice = worker.post(f"/staff/receiving/{rma}/receipt", data=form, follow_redirects=False)
    assert twice.status_code == 303


def test_mismatches_with_notes_and_photos_show_on_the_request_page(
    worker: TestClient, client: TestClient, context: AppContext, uploads: Path, tokens: Tokens
) -> None:
    rma = shipped(client, "SF200000", ((1, 2),))
    csrf = csrf_from(worker.get("/staff/receiving", params={"code": rma}).text)
    done = worker.post(
        f"/staff/receiving/{rma}/receipt",
        data={
            "csrf_token": csrf,
            "code": rma,
            "qty_1": "1",
            "mismatch": ["missing_items", "wrong_item"],
            "note_missing_items": "少一个瓶盖",
            "note_wrong_item": "一只是塑料瓶",
        },
        files={"photos_wrong_item": ("bottle.png", png(), "image/png")},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert len(list(uploads.iterdir())) == 1
    with context.session_factory() as session:
        topics = session.scalars(select(OutboxRow.topic)).all()
    assert "return.receipt_discrepancy" in topics
    tokens(Role.AGENT, username="li.na")
    with sign_in(context, "li.na") as agent:
        page = agent.get(f"/staff/returns/{rma}")
        assert 'id="receipt"' in page.text and 'data-clean="false"' in page.text
        assert 'data-kind="wrong_item"' in page.text and 'data-kind="missing_items"' in page.text
        assert "少一个瓶盖" in page.text and "一只是塑料瓶" in page.text
        assert "wang.wu" in page.text
        photo = re.search(r'src="(/staff/receiving/photos/[^"]+)"', page.text)
        assert photo and agent.get(photo.group(1)).status_code == 200


def test_a_refusal_keeps_what_was_typed(worker: TestClient, client: TestClient) -> None:
    rma = shipped(client, "SF300000", ((1, 1),))
    csrf = csrf_from(worker.get("/staff/receiving", params={"code": rma}).text)
    refused = worker.post(
        f"/staff/receiving/{rma}/receipt",
        data={"csrf_token": csrf, "qty_1": "1", "mismatch": "empty_box", "note_empty_box": "空"},
    )
    assert refused.status_code == 422
    assert "登记为空包裹时收货数量必须为 0" in refused.text
    assert 'value="empty_box" checked' in refused.text and 'value="空"' in refused.text
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "in_transit"


def test_another_workers_receipt_is_a_clear_already_received(
    worker: TestClient, client: TestClient
) -> None:
    rma = shipped(client, "SF400000", ((1, 1),))
    assert client.post(f"/api/v1/returns/{rma}/receipt", json={}).status_code == 201
    page = worker.get("/staff/receiving", params={"code": "SF400000"})
    assert "已于" in page.text and "admin:root" in page.text and "无需重复收货" in page.text
    assert "data-confirm" not in page.text
    csrf = csrf_from(page.text)
    late = worker.post(f"/staff/receiving/{rma}/receipt", data={"csrf_token": csrf})
    assert late.status_code == 409 and "无需重复收货" in late.text


def test_unknown_code_becomes_an_unidentified_parcel_then_is_matched(
    worker: TestClient, client: TestClient, context: AppContext, uploads: Path
) -> None:
    rma = shipped(client, "SF500000", ((1, 1),))
    page = worker.get("/staff/receiving", params={"code": "ZT-NOWHERE-1"})
    assert page.status_code == 404 and 'data-form="unidentified"' in page.text
    assert 'name="waybill_no" maxlength="64" value="ZT-NOWHERE-1"' in page.text
    csrf = csrf_from(page.text)
    no_shelf = worker.post(
        "/staff/receiving/unidentified",
        data={"csrf_token": csrf, "waybill_no": "ZT-NOWHERE-1", "carrier": "中通"},
    )
    assert no_shelf.status_code == 422 and "请填写存放货位" in no_shelf.text
    assert 'value="中通"' in no_shelf.text
    parked = worker.post(
        "/staff/receiving/unidentified",
        data={
            "csrf_token": csrf,
            "carrier": "中通",
            "waybill_no": "ZT-NOWHERE-1",
            "sender_name": "王先生",
            "shelf": "U-07",
        },
        files={"photos": ("label.png", png(), "image/png")},
        follow_redirects=False,
    )
    assert parked.status_code == 303
    with context.session_factory() as session:
        parcel = session.scalars(select(UnidentifiedParcelRow)).one()
    assert parked.headers["location"] == f"/staff/receiving?parked={parcel.id}"
    queue = worker.get("/staff/receiving/unidentified")
    assert f'data-parcel="{parcel.id}" data-state="open"' in queue.text
    assert "王先生" in queue.text and "U-07" in queue.text
    photo = re.search(r'href="(/staff/receiving/photos/[^"]+)"', queue.text)
    assert photo and worker.get(photo.group(1)).status_code == 200
    # match: the desk opens the RMA with the parcel attached, then confirm as usual
    desk = worker.get("/staff/receiving", params={"code": rma, "parcel": parcel.id})
    assert f'data-parcel="{parcel.id}"' in desk.text and "data-confirm" in desk.text
    done = worker.post(
        f"/staff/receiving/{rma}/receipt",
        data={"csrf_token": csrf, "code": rma, "parcel": str(parcel.id), "qty_1": "1"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert 'data-empty="true"' in worker.get("/staff/receiving/unidentified").text
    matched = worker.get("/staff/receiving/unidentified", params={"state": "matched"}).text
    assert f'href="/staff/returns/{rma}"' in matched


def test_letting_a_parcel_go_needs_a_reason(worker: TestClient, client: TestClient) -> None:
    csrf = csrf_from(worker.get("/staff/receiving").text)
    worker.post(
        "/staff/receiving/unidentified",
        data={"csrf_token": csrf, "label_text": "字迹模糊", "shelf": "U-09"},
    )
    queue = worker.get("/staff/receiving/unidentified").text
    parcel_id = re.findall(r'data-parcel="(\d+)"', queue)[0]
    refused = worker.post(
        f"/staff/receiving/unidentified/{parcel_id}/close",
        data={"csrf_token": csrf, "outcome": "disposed", "reason": ""},
    )
    assert refused.status_code == 422 and "请说明原因" in refused.text
    done = worker.post(
        f"/staff/receiving/unidentified/{parcel_id}/close",
        data={"csrf_token": csrf, "outcome": "disposed", "reason": "30 天无人认领"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    listed = client.get("/api/v1/receiving/unidentified", params={"state": "disposed"}).json()
    assert listed[0]["resolution_note"] == "30 天无人认领"


def test_csrf_is_checked(worker: TestClient, client: TestClient) -> None:
    rma = shipped(client, "SF600000", ((1, 1),))
    refused = worker.post(f"/staff/receiving/{rma}/receipt", data={"csrf_token": "wrong"})
    assert refused.status_code == 403
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "in_transit"


def test_english_labels(worker: TestClient, client: TestClient) -> None:
    rma = shipped(client, "SF700000", ((1, 1),))
    worker.cookies.set("lang", "en")
    page = worker.get("/staff/receiving", params={"code": rma}).text
    assert "Confirm receipt" in page and "Empty box" in page and "Missing items" in page
