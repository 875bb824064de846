"""The retention job (R14.1): a customer's personal data is cleared N days after their
last request closed — not a second sooner, never while a request is open — and every
count, amount, reason and date stays as it was. SQLite and PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select
from typer.testing import CliRunner

from returnflow.app_context import AppContext
from returnflow.cli import app as cli
from returnflow.jobs import retention
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import FileMailer
from returnflow.storage.chain import CHAINS, verify_all
from returnflow.storage.schema import (
    CustomerRow,
    OrderRow,
    OutboxRow,
    ReturnEventRow,
    ReturnLineRow,
    ReturnRow,
    TrackingEventRow,
)
from tests.support.clock import FakeClock
from tests.support.shipments import add_shipment

DAYS = 30
OrderPayload = Callable[..., dict[str, Any]]
SHIP_TO = {
    "name": "王小明",
    "phone": "13800138000",
    "province": "上海市",
    "city": "上海市",
    "district": "浦东新区",
    "detail": "世纪大道 100 号 8 楼",
}


@pytest.fixture
def kept(context: AppContext, tmp_path: Path) -> AppContext:
    """Retention of 30 days, photos and mail in temporary folders."""
    context.settings = context.settings.model_copy(
        update={"retention_days": DAYS, "upload_dir": str(tmp_path / "uploads")}
    )
    return context


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 10)).save(buffer, "PNG")
    return buffer.getvalue()


def _file_and_cancel(client: TestClient, kept: AppContext, order_no: str) -> tuple[str, Path]:
    """A request with a free-text reason and a photo, then cancelled: closed now."""
    body = {
        "order_no": order_no,
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason", "reason_text": "太小"}],
    }
    filed = client.post("/api/v1/returns", json=body)
    assert filed.status_code == 201, filed.text
    rma: str = filed.json()["rma_no"]
    (name,) = kept.photos.save_all([("goods.png", _png())])
    with kept.uow() as uow:  # as the portal stores an upload with the request
        row = uow.session.scalars(select(ReturnRow).where(ReturnRow.rma_no == rma)).one()
        row.photos = [name]
        uow.session.commit()
    assert client.post(f"/api/v1/returns/{rma}/cancel").status_code == 200
    return rma, Path(kept.settings.upload_dir) / name


@pytest.fixture
def closed(
    kept: AppContext, client: TestClient, order_payload: OrderPayload, tmp_path: Path
) -> tuple[str, Path]:
    assert client.post("/api/v1/orders", json=order_payload(ship_to=SHIP_TO)).status_code == 201
    rma, photo = _file_and_cancel(client, kept, "SO-1001")
    Worker(kept, FileMailer(tmp_path / "mail")).dispatcher.run_once(kept.clock())  # notices out
    return rma, photo


def _customer(context: AppContext, customer_id: str = "c-1") -> CustomerRow:
    with context.session_factory() as session:
        row = session.get(CustomerRow, customer_id)
        assert row is not None
        return row


def test_kept_until_the_last_second_then_anonymised(
    kept: AppContext, closed: tuple[str, Path], clock: FakeClock
) -> None:
    rma, photo = closed
    clock.advance(days=DAYS, seconds=-1)
    assert retention.run(kept, clock.now).customers == []
    assert _customer(kept).name == "王小明" and photo.exists()

    clock.advance(seconds=1)
    report = retention.run(kept, clock.now)
    assert report.customers == ["c-1"] and report.photos == [photo.name]
    customer = _customer(kept)
    assert (customer.name, customer.phone, customer.email) == ("", "", "")
    assert customer.anonymised_at == clock.now
    assert not photo.exists()
    with kept.session_factory() as session:
        request = session.scalars(select(ReturnRow).where(ReturnRow.rma_no == rma)).one()
        assert (request.contact, request.photos) == ({}, [])
        assert [line.reason_text for line in request.lines] == [""]
        order = session.scalars(select(OrderRow)).one()
        assert order.ship_to == {
            **dict.fromkeys(SHIP_TO, ""),
            "province": "上海市",
            "city": "上海市",
        }
        sent = session.scalars(select(OutboxRow).where(OutboxRow.sent_at.is_not(None))).all()
        assert sent and all(row.payload.get("email") == "" for row in sent)
        assert all("xiaoming" not in str(row.payload) for row in sent)
    assert retention.run(kept, clock.now).customers == []  # done once


def test_an_open_request_keeps_the_customer(
    kept: AppContext,
    closed: tuple[str, Path],
    client: TestClient,
    order_payload: OrderPayload,
    clock: FakeClock,
) -> None:
    assert client.post("/api/v1/orders", json=order_payload(order_no="SO-1002")).status_code == 201
    line = {"line_no": 2, "quantity": 1, "reason_code": "quality"}  # waits for review: open
    body = {"order_no": "SO-1002", "type": "refund", "lines": [line]}
    assert client.post("/api/v1/returns", json=body).status_code == 201
    clock.advance(days=DAYS * 3)
    assert retention.run(kept, clock.now).customers == []
    assert _customer(kept).phone == "13800138000" and closed[1].exists()


def _figures(context: AppContext) -> dict[str, Any]:
    with context.session_factory() as session:
        returns = session.execute(
            select(
                func.count(ReturnRow.id),
                func.sum(ReturnRow.refund_total),
                func.sum(ReturnRow.goods_value),
            )
        ).one()
        return {
            "returns": tuple(returns),
            "by_status": sorted(session.execute(select(ReturnRow.status, ReturnRow.created_at))),
            "lines": sorted(
                session.execute(
                    select(ReturnLineRow.reason_code, ReturnLineRow.quantity).add_columns(
                        ReturnLineRow.refund_amount
                    )
                )
            ),
            "events": session.scalar(select(func.count(ReturnEventRow.id))),
            "history": sorted(session.execute(select(ReturnEventRow.to_status, ReturnEventRow.at))),
            "orders": sorted(session.execute(select(OrderRow.order_no, OrderRow.placed_at))),
        }


def test_statistics_are_the_same_after(
    kept: AppContext, closed: tuple[str, Path], clock: FakeClock
) -> None:
    before = _figures(kept)
    clock.advance(days=DAYS)
    assert retention.run(kept, clock.now).customers == ["c-1"]
    assert _figures(kept) == before
    with kept.engine.connect() as connection:  # the hash-chained records are untouched
        assert [broken for _, _, broken in verify_all(connection)] == [None] * len(CHAINS)


def test_the_worker_runs_it_once_a_day(
    kept: AppContext, closed: tuple[str, Path], clock: FakeClock, tmp_path: Path
) -> None:
    worker = Worker(kept, FileMailer(tmp_path / "mail"))
    clock.advance(days=DAYS - 1)
    worker.tick()
    assert _customer(kept).name == "王小明"
    clock.advance(days=1)  # the next day's first tick anonymises
    worker.tick()
    assert _customer(kept).name == ""


def test_the_command_counts_on_a_dry_run(
    kept: AppContext, closed: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETURNFLOW_DATABASE_URL", kept.settings.database_url)
    monkeypatch.setenv("RETURNFLOW_RETENTION_DAYS", "0")
    monkeypatch.setenv("RETURNFLOW_UPLOAD_DIR", kept.settings.upload_dir)
    dry = CliRunner().invoke(cli, ["privacy", "anonymise", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "1 customers are due" in dry.output
    assert _customer(kept).name == "王小明" and closed[1].exists()
    done = CliRunner().invoke(cli, ["privacy", "anonymise"])
    assert done.exit_code == 0, done.output
    assert "1 customers anonymised" in done.output
    assert _customer(kept).name == "" and not closed[1].exists()


def test_anonymised_requests_still_open_everywhere(
    kept: AppContext, closed: tuple[str, Path], client: TestClient, clock: FakeClock
) -> None:
    rma, _ = closed
    clock.advance(days=DAYS)
    retention.run(kept, clock.now)
    shown = client.get(f"/api/v1/returns/{rma}")
    assert shown.status_code == 200 and "13800138000" not in shown.text
    assert shown.json()["status"] == "cancelled"
    exported = client.get("/api/v1/customers/c-1/export").json()
    assert exported["customer"]["anonymised_at"] == clock.now.isoformat()
    assert "王小明" not in str(exported["customer"]) and "xiaoming" not in str(exported["requests"])
    assert client.get("/api/v1/orders/SO-1001/eligibility").status_code == 200


def test_carrier_scan_texts_go_but_the_scans_stay(
    kept: AppContext, closed: tuple[str, Path], clock: FakeClock
) -> None:
    rma, _ = closed
    shipment = add_shipment(kept, rma, clock.now)
    with kept.session_factory() as session:
        session.add(
            TrackingEventRow(
                carrier="fastex",
                waybill_no="FX1000",
                shipment_id=shipment,
                fingerprint="f" * 64,
                at=clock.now,
                status="delivered",
                description="已签收，签收人：王小明 13800138000",
                location="上海",
                source="push",
                received_at=clock.now,
            )
        )
        session.commit()
    clock.advance(days=DAYS)
    retention.run(kept, clock.now)
    with kept.session_factory() as session:
        scan = session.scalars(select(TrackingEventRow)).one()
    assert (scan.description, scan.status, scan.location, scan.at) == (
        "",
        "delivered",
        "上海",
        clock.now - timedelta(days=DAYS),
    )


def test_complaint_words_go_but_the_complaint_stays(
    kept: AppContext, closed: tuple[str, Path], client: TestClient, clock: FakeClock
) -> None:
    """What the customer wrote in a complaint is theirs; its category and dates stay."""
    body = {
        "channel": "hotline",
        "order_no": "SO-1001",
        "customer_id": "c-1",
        "category": "logistics",
        "urgency": "ordinary",
        "text": "快递员态度很差，电话 13800138000，请尽快处理",
    }
    filed = client.post("/api/v1/complaints", json=body)
    assert filed.status_code == 201, filed.text
    number = filed.json()["complaint_no"]
    exported = client.get("/api/v1/customers/c-1/export").json()
    assert [c["text"] for c in exported["complaints"]] == [body["text"]]
    # resolved: an open complaint would keep the customer's data (the test below)
    resolved = client.post(f"/api/v1/complaints/{number}/resolve", json={"resolution": "已处理"})
    assert resolved.status_code == 200, resolved.text

    clock.advance(days=DAYS)
    assert retention.run(kept, clock.now).customers == ["c-1"]
    after = client.get(f"/api/v1/complaints/{number}").json()
    assert "13800138000" not in str(after)
    assert after["category"] == "logistics" and after["complaint_no"] == number


def test_an_open_complaint_or_an_undecided_dispute_keeps_the_customer(
    kept: AppContext, closed: tuple[str, Path], client: TestClient, clock: FakeClock
) -> None:
    """Still being handled: no anonymising until the complaint is resolved and the dispute
    ruled, however long ago the last request closed."""
    rma, photo = closed
    body = {"channel": "app", "order_no": "SO-1001", "text": "退款为什么被取消了"}
    complaint = client.post("/api/v1/complaints", json=body).json()["complaint_no"]
    opened = client.post(f"/api/v1/returns/{rma}/disputes", json={"statement": "平台介入核实"})
    assert opened.status_code == 201, opened.text
    clock.advance(days=DAYS * 3)
    assert retention.run(kept, clock.now).customers == []  # both still open

    resolved = client.post(
        f"/api/v1/complaints/{complaint}/resolve", json={"resolution": "已向顾客说明"}
    )
    assert resolved.status_code == 200, resolved.text
    assert retention.run(kept, clock.now).customers == []  # the dispute is not decided
    assert _customer(kept).phone == "13800138000" and photo.exists()

    ruling = {"outcome": "merchant", "liable": "customer", "reason": "顾客自行取消"}
    ruled = client.post(f"/api/v1/disputes/{opened.json()['dispute_no']}/ruling", json=ruling)
    assert ruled.status_code == 200, ruled.text
    assert retention.run(kept, clock.now).customers == ["c-1"]
    assert _customer(kept).phone == "" and not photo.exists()
