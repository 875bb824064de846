"""GET /api/v1/returns/{rma_no}/evidence.zip (R14.2): a bundle that checks itself."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.services.evidence_pdf import printable
from returnflow.storage.schema import AccessLogRow, LedgerEntryRow, ReturnEventRow
from tests.support.clock import FakeClock
from tests.support.records import photo_bytes, refunded_return
from tests.test_console_pages import sign_in

OrderPayload = Callable[..., dict[str, Any]]


def evidence_bundle(client: TestClient, rma: str, **headers: str) -> zipfile.ZipFile:
    response = client.get(f"/api/v1/returns/{rma}/evidence.zip", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_the_bundle_holds_every_record_and_checks_itself(
    client: TestClient,
    context: AppContext,
    clock: FakeClock,
    tmp_path: Path,
    order_payload: OrderPayload,
) -> None:
    rma = refunded_return(client, context, clock, tmp_path, order_payload())
    bundle = evidence_bundle(client, rma, **{"Accept-Language": "en"})
    manifest = json.loads(bundle.read("manifest.json"))
    names = set(bundle.namelist()) - {"manifest.json"}
    assert names == set(manifest["files"])
    for name, digest in manifest["files"].items():
        assert hashlib.sha256(bundle.read(name)).hexdigest() == digest, name
    (photo,) = [n for n in names if n.startswith("photos/request/")]
    assert bundle.read(photo) == photo_bytes()
    assert manifest["missing_photos"] == [] and manifest["history_chain_intact"] is True

    decision = json.loads(bundle.read("decision.json"))
    assert decision["decision"]["policy_version"] == decision["policy"]["version"]
    timeline = json.loads(bundle.read("timeline.json"))
    # refunded, then completed by the message bus once the money was paid
    assert [e["action"] for e in timeline][-2:] == ["refund", "complete"]
    assert "refund" in bundle.read("timeline.csv").decode("utf-8-sig")
    refund = json.loads(bundle.read("refund.json"))
    assert refund["status"] == "succeeded" and refund["amount"] > 0
    audit = json.loads(bundle.read("audit.json"))
    assert {"amount_approvals", "refund_intents", "refund_recoveries"} <= set(audit)
    assert audit["ledger_entries"][0]["postings"]
    assert set(manifest["chain"]) == {
        "return_events",
        "ledger_entries",
        "store_credit_entries",
        "inventory_movements",
    }
    messages = json.loads(bundle.read("messages.json"))
    assert messages and all(rma in json.dumps(m["payload"]) for m in messages)
    # the chain hashes in the manifest are the database's own
    with context.session_factory() as session:
        stored = {
            "return_events": session.execute(
                select(ReturnEventRow.id, ReturnEventRow.row_hash).order_by(ReturnEventRow.id)
            ).all(),
            "ledger_entries": session.execute(
                select(LedgerEntryRow.id, LedgerEntryRow.row_hash)
                .where(LedgerEntryRow.rma_no == rma)
                .order_by(LedgerEntryRow.id)
            ).all(),
        }
    for table, rows in stored.items():
        assert rows, table
        assert [(r["id"], r["row_hash"]) for r in manifest["chain"][table]] == [
            tuple(r) for r in rows
        ]
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(bundle.read("summary.pdf"))).pages
    )
    assert rma in text and "Evidence summary" in text
    assert "Policy version" in text and "SO-1001" in text and "approved by" in text
    assert "CN¥" in text and timeline[-1]["row_hash"] in text  # Babel's money (issue 16)
    # photos went out: the look is logged (R14.1)
    with context.session_factory() as session:
        looks = session.scalars(select(AccessLogRow.what).where(AccessLogRow.subject == rma)).all()
    assert "photo" in looks


def test_the_summary_speaks_chinese(
    client: TestClient,
    context: AppContext,
    clock: FakeClock,
    tmp_path: Path,
    order_payload: OrderPayload,
) -> None:
    rma = refunded_return(client, context, clock, tmp_path, order_payload())
    pdf = evidence_bundle(client, rma, **{"Accept-Language": "zh-CN"}).read("summary.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "退货证据摘要" in text and "宽口径玻璃奶瓶" in text and "批准人" in text


def test_merchants_take_only_their_own_evidence(
    client: TestClient,
    context: AppContext,
    tokens: Callable[..., str],
    order_payload: OrderPayload,
) -> None:
    client.post("/api/v1/orders", json=order_payload(order_no="A-1", merchant_id="m-a"))
    client.post("/api/v1/orders", json=order_payload(order_no="B-1", merchant_id="m-b"))
    body = {"type": "refund", "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}]}
    mine = client.post("/api/v1/returns", json={"order_no": "A-1", **body}).json()["rma_no"]
    theirs = client.post("/api/v1/returns", json={"order_no": "B-1", **body}).json()["rma_no"]
    merchant = {"Authorization": f"Bearer {tokens(Role.MERCHANT, merchant_id='m-a')}"}
    manifest = evidence_bundle(client, mine, **merchant).read("manifest.json")
    assert json.loads(manifest)["rma_no"] == mine
    other = client.get(f"/api/v1/returns/{theirs}/evidence.zip", headers=merchant)
    assert (other.status_code, other.json()["code"]) == (404, "return_not_found")
    missing = client.get("/api/v1/returns/RMA-NOPE/evidence.zip")
    assert (missing.status_code, missing.json()["code"]) == (404, "return_not_found")


def test_the_staff_request_page_links_the_bundle(
    client: TestClient,
    context: AppContext,
    tokens: Callable[..., str],
    order_payload: OrderPayload,
) -> None:
    client.post("/api/v1/orders", json=order_payload())
    body = {"type": "refund", "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}]}
    rma = client.post("/api/v1/returns", json={"order_no": "SO-1001", **body}).json()["rma_no"]
    tokens(Role.AGENT, username="li.na")
    with sign_in(context, "li.na") as agent:
        page = agent.get(f"/staff/returns/{rma}", headers={"Accept-Language": "zh-CN"})
        link = f"/api/v1/returns/{rma}/evidence.zip"
        assert link in page.text and "证据包" in page.text
        followed = agent.get(link)
        assert followed.status_code == 200
        assert followed.headers["content-type"] == "application/zip"


def test_photos_taken_at_receiving_are_in_the_bundle(
    client: TestClient, context: AppContext, tmp_path: Path, order_payload: OrderPayload
) -> None:
    context.settings.upload_dir = str(tmp_path / "uploads")
    client.post("/api/v1/orders", json=order_payload())
    body = {"type": "refund", "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}]}
    rma = client.post("/api/v1/returns", json={"order_no": "SO-1001", **body}).json()["rma_no"]
    ship = {"carrier": "顺丰速运", "tracking_no": "SF1234567890"}
    assert client.post(f"/api/v1/returns/{rma}/ship", json=ship).status_code == 200
    seen = photo_bytes("blue")
    receipt = {
        "mismatches": [
            {
                "kind": "extra_items",
                "note": "a second bottle",
                "photos": [{"content_base64": base64.b64encode(seen).decode()}],
            }
        ]
    }
    received = client.post(f"/api/v1/returns/{rma}/receipt", json=receipt)
    assert received.status_code in (200, 201), received.text
    bundle = evidence_bundle(client, rma)
    (photo,) = [n for n in bundle.namelist() if n.startswith("photos/receipt/")]
    assert bundle.read(photo) == seen


def test_text_the_pdf_font_cannot_draw_becomes_a_question_mark() -> None:
    """A lone surrogate would stop reportlab (UnicodeEncodeError): a 500, not a PDF."""
    assert printable("破了😀\x01\ud800 ok") == "破了??? ok"
