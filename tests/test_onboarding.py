"""Merchant onboarding (issue 15, seed 000 §9.1) on SQLite and PostgreSQL: pages and API.

A new merchant applies on the public form with a licence (PDF) and a brand authorisation
(PNG), follows its private status link, is asked for more, answers, and is approved: the
merchant and its account exist once (a second click is refused), the account signs in and
sees only its own merchant's requests, and the applicant's mail leaves through the outbox
to a real SMTP server.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.onboarding_words import CHECKS, CURRENT_AGREEMENT
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import FileMailer, SmtpMailer
from returnflow.storage.schema import AccessLogRow
from tests.support.apps import shared_app
from tests.support.clock import FakeClock
from tests.support.smtp import SmtpSink
from tests.support.staff import post_login
from tests.test_console_pages import csrf_from, sign_in

API = "/api/v1/merchant-applications"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
FORM = {
    "company_name": "杭州小熊母婴用品有限公司",
    "licence_no": "91330100MA2XXXXX1Y",
    "shop_name": "小熊母婴旗舰店",
    "brands": "小熊, BearCare",
    "categories": ["baby", "home"],
    "contact_name": "王芳",
    "after_sales_phone": "+86 571 8888 6666",
    "after_sales_email": "service@bearcare.example",
    "service_hours": "周一至周六 9:00–18:00",
    "staff_count": "6",
    "username": "bearcare",
    "return_address": "浙江省杭州市余杭区文一西路 100 号 3 号仓",
    "agreement_version": CURRENT_AGREEMENT,
}


def _text(message: Message) -> str:
    assert isinstance(message, EmailMessage)  # the sink parses with the default policy
    body = message.get_body(preferencelist=("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content())


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 20)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def context(context: AppContext, tmp_path: Path) -> AppContext:
    settings = context.settings.model_copy(update={"upload_dir": str(tmp_path / "uploads")})
    return dataclasses.replace(context, settings=settings)


@pytest.fixture
def public(context: AppContext) -> Iterator[TestClient]:
    with TestClient(shared_app(context)) as client:
        yield client


@pytest.fixture
def reviewer(context: AppContext, tokens: Callable[..., str]) -> Iterator[TestClient]:
    tokens(Role.MANAGER, username="reviewer")
    with sign_in(context, "reviewer") as client:
        yield client


def _apply_on_the_page(public: TestClient, **changes: Any) -> str:
    files = [
        ("doc_business_licence", ("licence.pdf", PDF, "application/pdf")),
        ("doc_brand_authorisation", ("brand.png", _png(), "image/png")),
    ]
    answer = public.post(
        "/merchants/apply", data={**FORM, **changes}, files=files, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text[:2000]
    found = re.fullmatch(r"/merchants/apply/s/([A-Za-z0-9_-]+)\?new=1", answer.headers["location"])
    assert found
    return found.group(1)


def _application_id(reviewer: TestClient, reference: str) -> int:
    page = reviewer.get("/staff/merchants/applications?status=submitted").text
    found = re.search(rf'href="/staff/merchants/applications/(\d+)">{reference}<', page)
    assert found, page[:3000]
    return int(found.group(1))


def _tick_all(reviewer: TestClient, application_id: int) -> None:
    page = reviewer.get(f"/staff/merchants/applications/{application_id}").text
    data = {"csrf_token": csrf_from(page), "check": list(CHECKS)}
    url = f"/staff/merchants/applications/{application_id}/checks"
    assert reviewer.post(url, data=data, follow_redirects=False).status_code == 303


def _decide(reviewer: TestClient, application_id: int, decision: str, note: str = "") -> Any:
    page = reviewer.get(f"/staff/merchants/applications/{application_id}").text
    data = {"csrf_token": csrf_from(page), "decision": decision, "note": note}
    url = f"/staff/merchants/applications/{application_id}/decision"
    return reviewer.post(url, data=data, follow_redirects=False)


def test_a_new_merchant_applies_and_is_approved_through_the_pages(
    context: AppContext,
    public: TestClient,
    reviewer: TestClient,
    client: TestClient,
    order_payload: Callable[..., dict[str, Any]],
) -> None:
    token = _apply_on_the_page(public)
    status = public.get(f"/merchants/apply/s/{token}?new=1")
    assert status.status_code == 200
    reference = re.search(r'data-reference="(MA\d{6})"', status.text)
    assert reference and 'data-status="submitted"' in status.text
    application_id = _application_id(reviewer, reference.group(1))

    page = reviewer.get(f"/staff/merchants/applications/{application_id}").text
    assert "小熊母婴旗舰店" in page and "母婴" in page and "data-missing-documents" not in page
    names = re.findall(
        rf"/staff/merchants/applications/{application_id}/documents/(\w+\.\w+)", page
    )
    assert len(names) == 2 and {n.rsplit(".", 1)[1] for n in names} == {"pdf", "png"}
    served = reviewer.get(f"/staff/merchants/applications/{application_id}/documents/{names[0]}")
    assert served.status_code == 200 and served.content in (PDF, _png())
    with context.session_factory() as session:
        looks = session.scalars(select(AccessLogRow).where(AccessLogRow.what == "document"))
        assert [(row.actor, row.subject) for row in looks] == [
            ("manager:reviewer", reference.group(1))
        ]

    approved_too_early = _decide(reviewer, application_id, "approve")
    assert approved_too_early.status_code == 422 and "data-refused" in approved_too_early.text
    _tick_all(reviewer, application_id)
    approved = _decide(reviewer, application_id, "approve", "资质齐全")
    assert approved.status_code == 200, approved.text[:2000]
    password = re.search(r"data-password>([^<]+)<", approved.text)
    assert password and 'data-status="approved"' in approved.text
    again = _decide(reviewer, application_id, "approve")  # a double click
    assert again.status_code == 409 and "data-password" not in again.text

    # the merchant exists once, with its account; it signs in and sees only its own
    client.post(
        "/api/v1/orders", json=order_payload(order_no="SO-BEAR-1", merchant_id="m-bearcare")
    )
    client.post("/api/v1/orders", json=order_payload(order_no="SO-OTHER-1", merchant_id="m-other"))
    body = {"type": "refund", "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}]}
    own = client.post("/api/v1/returns", json={**body, "order_no": "SO-BEAR-1"}).json()["rma_no"]
    other = client.post("/api/v1/returns", json={**body, "order_no": "SO-OTHER-1"}).json()["rma_no"]
    with TestClient(shared_app(context)) as merchant:
        assert post_login(merchant, "bearcare", password.group(1)).status_code == 303
        listing = merchant.get("/staff/returns").text
        assert own in listing and other not in listing
        assert merchant.get("/staff/merchants/applications").status_code == 403
        assert merchant.get(f"/staff/returns/{other}").status_code in (403, 404)
    with context.uow() as uow:
        names_now = uow.orders.merchant_names(["m-bearcare"])
    assert names_now == {"m-bearcare": "小熊母婴旗舰店"}


def test_ask_for_more_then_the_applicant_answers_through_the_link_then_approved(
    public: TestClient, client: TestClient, reviewer: TestClient
) -> None:
    body = {key: value for key, value in FORM.items() if key != "staff_count"}
    made = public.post(API, json={**body, "staff_count": 6, "categories": ["baby"]})
    assert made.status_code == 201, made.text
    token, application_id = made.json()["status_token"], made.json()["id"]
    assert made.json()["status_url"].endswith(f"/merchants/apply/s/{token}")
    licence = public.post(
        f"{API}/status/{token}/documents",
        data={"kind": "business_licence"},
        files={"file": ("licence.pdf", PDF, "application/pdf")},
    )
    assert licence.status_code == 201, licence.text
    listed = client.get(API, params={"status": "submitted"}).json()
    assert [item["id"] for item in listed["items"]] == [application_id]
    assert listed["items"][0]["documents"] == 1

    asked = client.post(
        f"{API}/{application_id}/decision",
        json={"decision": "request_info", "note": "请上传品牌授权书"},
    )
    assert (
        asked.status_code == 200 and asked.json()["application"]["status"] == "more_info_requested"
    )
    seen = public.get(f"{API}/status/{token}").json()
    assert seen["status"] == "more_info_requested" and seen["question"] == "请上传品牌授权书"
    page = public.get(f"/merchants/apply/s/{token}").text
    assert "请上传品牌授权书" in page and 'action="/merchants/apply/s/' in page
    answered = public.post(
        f"/merchants/apply/s/{token}/answer",
        data={"answer": "已上传 2026 年授权书"},
        files=[("doc_brand_authorisation", ("brand.png", _png(), "image/png"))],
        follow_redirects=False,
    )
    assert answered.status_code == 303
    refused = client.post(f"{API}/{application_id}/decision", json={"decision": "approve"})
    assert refused.status_code == 422 and refused.json()["code"] == "checks_incomplete"
    checks = client.post(
        f"{API}/{application_id}/checks", json={"checks": dict.fromkeys(CHECKS, True)}
    )
    assert checks.status_code == 200 and all(c["done"] for c in checks.json()["checks"])
    approved = client.post(f"{API}/{application_id}/decision", json={"decision": "approve"})
    assert approved.status_code == 200, approved.text
    assert (
        approved.json()["username"] == "bearcare"
        and len(approved.json()["one_time_password"]) >= 10
    )
    twice = client.post(f"{API}/{application_id}/decision", json={"decision": "approve"})
    assert twice.status_code == 409
    assert twice.headers["content-type"].startswith("application/problem+json")
    assert twice.json()["code"] == "transition_not_allowed"
    final = client.get(f"{API}/{application_id}").json()
    assert [s["action"] for s in final["steps"] if s["action"] not in ("check",)] == [
        "submitted",
        "document_added",
        "review_started",
        "info_requested",
        "document_added",
        "resubmitted",
        "review_started",
        "approved",
    ]
    assert final["merchant_id"] == "m-bearcare" and final["agreement_version"] == CURRENT_AGREEMENT
    assert client.get(f"{API}/999999").status_code == 404


def test_a_document_whose_bytes_are_not_pdf_jpeg_or_png_is_refused(
    context: AppContext, public: TestClient
) -> None:
    fake = b"MZ\x90\x00 this is an executable pretending to be a PDF"
    answer = public.post(
        "/merchants/apply",
        data=FORM,
        files=[("doc_business_licence", ("licence.pdf", fake, "application/pdf"))],
    )
    assert answer.status_code == 422 and 'data-field="documents"' in answer.text
    assert 'value="小熊母婴旗舰店"' in answer.text  # what was typed is kept
    folder = Path(context.settings.upload_dir) / "documents"
    assert not folder.exists() or list(folder.iterdir()) == []
    token = _apply_on_the_page(public)
    by_api = public.post(
        f"{API}/status/{token}/documents",
        data={"kind": "other"},
        files={"file": ("notes.txt", b"plain words", "application/pdf")},
    )
    assert by_api.status_code == 422 and by_api.json()["code"] == "document_type_not_allowed"
    assert len(list(folder.iterdir())) == 2  # the two good ones from the application


def test_applicant_mail_leaves_through_the_outbox_to_smtp(
    context: AppContext, public: TestClient, client: TestClient, smtp_server: SmtpSink
) -> None:
    worker = Worker(context, SmtpMailer(smtp_server.host, smtp_server.port))
    token = _apply_on_the_page(public)
    assert smtp_server.messages == []  # nothing leaves from the request itself
    worker.tick()
    assert len(smtp_server.messages) == 1
    first = smtp_server.messages[0]
    assert first["To"] == "service@bearcare.example" and "MA" in str(first["Subject"])
    assert f"/merchants/apply/s/{token}" in _text(first)
    application_id = client.get(API).json()["items"][0]["id"]
    client.post(
        f"{API}/{application_id}/decision", json={"decision": "reject", "note": "营业执照已过期"}
    )
    worker.tick()
    worker.tick()
    assert len(smtp_server.messages) == 2
    assert "营业执照已过期" in _text(smtp_server.messages[1])


@pytest.mark.parametrize("role", [Role.AGENT, Role.MERCHANT, Role.WAREHOUSE])
def test_other_roles_cannot_open_the_review(
    context: AppContext, tokens: Callable[..., str], role: Role
) -> None:
    token = tokens(
        role, merchant_id="m-babycare" if role is Role.MERCHANT else None, username="not-a-reviewer"
    )
    with TestClient(shared_app(context)) as api:
        api.headers["Authorization"] = f"Bearer {token}"
        assert api.get(API).status_code == 403
        assert api.post(f"{API}/1/decision", json={"decision": "approve"}).status_code == 403
    with sign_in(context, "not-a-reviewer") as page:
        assert page.get("/staff/merchants/applications").status_code == 403
        assert page.get("/staff/merchants/applications/1").status_code == 403
        assert 'data-menu="onboarding"' not in page.get("/staff").text


def test_applying_is_throttled_per_address(public: TestClient) -> None:
    body = {key: value for key, value in FORM.items() if key != "staff_count"}
    answers = [
        public.post(API, json={**body, "staff_count": 2, "username": f"shop{n}"}).status_code
        for n in range(11)
    ]
    assert answers == [201] * 10 + [429]


def test_the_applicant_withdraws_and_nothing_can_be_decided_after(
    public: TestClient, client: TestClient
) -> None:
    token = _apply_on_the_page(public)
    unconfirmed = public.post(f"/merchants/apply/s/{token}/withdraw", data={})
    assert unconfirmed.status_code == 422
    done = public.post(
        f"/merchants/apply/s/{token}/withdraw", data={"confirm": "yes"}, follow_redirects=False
    )
    assert done.status_code == 303
    assert 'data-status="withdrawn"' in public.get(f"/merchants/apply/s/{token}").text
    application_id = client.get(API, params={"status": "withdrawn"}).json()["items"][0]["id"]
    late = client.post(f"{API}/{application_id}/decision", json={"decision": "reject", "note": "x"})
    assert late.status_code == 409 and late.json()["code"] == "transition_not_allowed"
    assert public.get("/merchants/apply/s/not-a-real-token").status_code == 404


def test_two_approvals_at_once_make_one_merchant(
    context: AppContext, public: TestClient, tokens: Callable[..., str]
) -> None:
    """Two reviewers click at the same moment: the row lock lets one approve, one gets 409."""
    if context.settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite has one writer: the race is PostgreSQL's")
    _apply_on_the_page(public)
    admin = {"Authorization": f"Bearer {tokens(Role.ADMIN, username='root')}"}
    with TestClient(shared_app(context)) as first, TestClient(shared_app(context)) as second:
        first.headers.update(admin)
        second.headers.update(admin)
        application_id = first.get(API).json()["items"][0]["id"]
        first.post(f"{API}/{application_id}/checks", json={"checks": dict.fromkeys(CHECKS, True)})
        url = f"{API}/{application_id}/decision"
        with ThreadPoolExecutor(max_workers=2) as pool:
            answers = list(
                pool.map(lambda c: c.post(url, json={"decision": "approve"}), (first, second))
            )
    assert sorted(a.status_code for a in answers) == [200, 409]
    with context.uow() as uow:
        assert uow.accounts.user_exists("bearcare")
        assert uow.orders.merchant_names(["m-bearcare"]) == {"m-bearcare": "小熊母婴旗舰店"}


def _padded_pdf(size: int) -> bytes:
    head, rest = PDF.split(b"\n", 1)
    return head + b"\n%" + b"0" * size + b"\n" + rest


def test_a_scanned_licence_of_several_megabytes_is_taken_and_a_larger_one_refused(
    public: TestClient,
) -> None:
    """An anonymous request is held to 1 MB elsewhere; a real scan is bigger (limits.py)."""
    scan = _padded_pdf(3 * 1024 * 1024)  # 3 MB: a scanned page
    files = [
        ("doc_business_licence", ("licence.pdf", scan, "application/pdf")),
        ("doc_brand_authorisation", ("brand.png", _png(), "image/png")),
    ]
    answer = public.post("/merchants/apply", data=FORM, files=files, follow_redirects=False)
    assert answer.status_code == 303
    token = answer.headers["location"].split("/s/")[1].split("?")[0]
    too_big = _padded_pdf(6 * 1024 * 1024)
    by_api = public.post(
        f"{API}/status/{token}/documents",
        data={"kind": "other"},
        files={"file": ("big.pdf", too_big, "application/pdf")},
    )
    assert by_api.status_code in (413, 422) and by_api.json()["code"] in (
        "body_too_large",
        "document_too_large",
    )


def test_the_reviewers_hear_of_a_new_application_and_of_an_answer(
    context: AppContext, public: TestClient, reviewer: TestClient, tokens: Callable[..., str]
) -> None:
    """Through the bus: every role holding merchants.onboard, once, linked to the page."""
    tokens(Role.AGENT, username="li.na")
    token = _apply_on_the_page(public)
    page = reviewer.get("/staff/notifications", params={"lang": "en"}).text
    found = re.findall(r'data-notification="(\d+)" data-kind="merchant_application"', page)
    assert len(found) == 1 and "applied to sell here" in page and "小熊母婴旗舰店" in page
    reference = re.search(r"New merchant application (MA\d{6})", page)
    assert reference
    application_id = _application_id(reviewer, reference.group(1))
    opened = reviewer.get(f"/staff/notifications/{found[0]}/open", follow_redirects=False)
    assert opened.headers["location"] == f"/staff/merchants/applications/{application_id}"
    zh = reviewer.get("/staff/notifications", params={"lang": "zh"}).text
    assert f"新的商家入驻申请 {reference.group(1)}" in zh and "商家入驻" in zh
    with sign_in(context, "li.na") as agent:  # agents review no applications
        assert "merchant_application" not in agent.get("/staff/notifications").text
    asked = _decide(reviewer, application_id, "request_info", "请补充品牌授权书")
    assert asked.status_code in (200, 303)
    answered = public.post(
        f"/merchants/apply/s/{token}/answer",
        data={"answer": "已补充"},
        follow_redirects=False,
    )
    assert answered.status_code == 303, answered.text[:1000]
    again = reviewer.get("/staff/notifications", params={"lang": "en"}).text
    assert f"Application {reference.group(1)} was answered" in again


def test_a_rejected_applications_documents_go_after_the_retention_the_record_stays(
    context: AppContext, public: TestClient, reviewer: TestClient, clock: FakeClock
) -> None:
    """Kept until the last second of the 180 days; then rows and files go, one step says
    so, the application and its timeline stay; the worker runs it once a day."""
    from returnflow.jobs.onboarding_retention import run as delete_documents

    _apply_on_the_page(public)
    page = reviewer.get("/staff/notifications", params={"lang": "en"}).text
    reference = re.search(r"New merchant application (MA\d{6})", page)
    assert reference
    application_id = _application_id(reviewer, reference.group(1))
    rejected = _decide(reviewer, application_id, "reject", "营业执照已过期")
    assert rejected.status_code in (200, 303)
    folder = Path(context.settings.upload_dir) / "documents"
    files = sorted(folder.iterdir())
    assert len(files) == 2
    days = context.settings.onboarding_doc_retention_days
    assert days == 180
    clock.advance(days=days)  # exactly 180 days after the decision: still kept
    assert delete_documents(context, clock.now).references == []
    assert sorted(folder.iterdir()) == files
    clock.advance(seconds=1)
    worker = Worker(context, FileMailer(Path(context.settings.upload_dir) / "mail"))
    worker.tick()  # the worker's daily job
    assert list(folder.iterdir()) == []
    assert delete_documents(context, clock.now).references == []  # nothing left to do
    with sign_in(context, "reviewer") as again:  # 180 days on: a new session
        detail = again.get(f"/staff/merchants/applications/{application_id}?lang=en")
    assert detail.status_code == 200 and 'data-status="rejected"' in detail.text
    assert 'data-action="documents_deleted"' in detail.text
    assert "Documents deleted after retention" in detail.text and "licence.pdf" in detail.text
    assert "/documents/" not in detail.text
