"""The staff request page and complaints, appeals and key accounts (issue 12, R3.2, R8.1, R8.5),
SQLite and PostgreSQL: the "file a complaint" link for those who may file one, an open
appeal of a failed inspection or an offer decided on the request page, the "Appeals"
entry in the menu, and key-account customers imported with their orders — badged on the
request and complaint pages, their complaints sent to the key-account team."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.services.classifying import LabelledText, Suggestion
from returnflow.storage.schema.orders import CustomerRow
from tests.test_console_pages import csrf_from, sign_in

OrderPayload = Callable[..., dict[str, Any]]
Tokens = Callable[..., str]
EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
KEY_CUSTOMER = {
    "id": "c-vip",
    "name": "赵大客户",
    "phone": "13700137000",
    "email": "vip@example.com",
    "key_account": True,
}


class Fixed:
    def suggest(self, text: str) -> Suggestion:
        return Suggestion("logistics", 0.8, "ordinary", 0.7)

    def learn(self, corrections: Iterable[LabelledText]) -> None:
        return None


@pytest.fixture(autouse=True)
def orders(client: TestClient, context: AppContext, order_payload: OrderPayload) -> None:
    """SO-1001 (customer c-1) and SO-VIP (a key-account customer), both m-babycare."""
    context.classifier = Fixed()
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    vip = order_payload(order_no="SO-VIP", customer=KEY_CUSTOMER)
    assert client.post("/api/v1/orders", json=vip).status_code == 201


@pytest.fixture
def agent(context: AppContext, tokens: Tokens) -> Iterator[TestClient]:
    tokens(Role.AGENT, username="li.na")
    with sign_in(context, "li.na") as browser:
        yield browser


def _filed(client: TestClient, order_no: str = "SO-1001", reason: str = "no_reason") -> str:
    body = {
        "order_no": order_no,
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": reason}],
    }
    filed = client.post("/api/v1/returns", json=body)
    assert filed.status_code == 201, filed.text
    return str(filed.json()["rma_no"])


def _failed(client: TestClient) -> str:
    rma = _filed(client)  # no reason: approved at once
    for action, body in (
        ("ship", {"carrier": "SF", "tracking_no": "SF1234567890"}),
        ("receive", None),
        ("inspect", {"passed": False, "notes": "有使用痕迹"}),
    ):
        response = client.post(f"/api/v1/returns/{rma}/{action}", json=body)
        assert response.status_code == 200, response.text
    return rma


def _customer(context: AppContext, customer_id: str) -> CustomerRow:
    with context.session_factory() as session:
        row = session.get(CustomerRow, customer_id)
        assert row is not None
        return row


# --- (a) file a complaint from the request page -----------------------------------


def test_the_request_page_links_to_a_prefilled_complaint_form(
    client: TestClient, agent: TestClient, context: AppContext, tokens: Tokens
) -> None:
    rma = _filed(client)
    page = agent.get(f"/staff/returns/{rma}", headers=ZH)
    link = re.search(r'<a href="([^"]+)" data-action="file-complaint">([^<]+)</a>', page.text)
    assert link, "no complaint link on the request page"
    url = link.group(1).replace("&amp;", "&")
    assert url == f"/staff/complaints/new?order_no=SO-1001&rma_no={rma}"
    assert link.group(2) == "为此申请登记投诉"
    form = agent.get(url).text
    assert 'value="SO-1001"' in form and f'value="{rma}"' in form
    tokens(Role.MERCHANT, merchant_id="m-babycare", username="shop")
    with sign_in(context, "shop") as merchant:  # may see complaints, not file them
        seen = merchant.get(f"/staff/returns/{rma}")
        assert seen.status_code == 200 and 'data-action="file-complaint"' not in seen.text


# --- (b) an open inspection or offer appeal on the request page ---------------------


def test_an_inspection_appeal_is_decided_on_the_request_page(
    client: TestClient, agent: TestClient
) -> None:
    rma = _failed(client)
    before = agent.get(f"/staff/returns/{rma}", headers=EN).text
    assert "data-appeal-open" not in before and 'data-action="overturn"' in before
    filed = client.post(f"/api/v1/returns/{rma}/appeal", json={"statement": "商品是全新的"})
    assert (filed.status_code, filed.json()["subject"]) == (201, "inspection")
    page = agent.get(f"/staff/returns/{rma}", headers=EN)
    assert 'data-appeal-open data-subject="inspection"' in page.text
    assert "The customer appealed the failed inspection." in page.text
    assert "商品是全新的" in page.text and 'data-action="appeal-decision"' in page.text
    assert 'data-action="overturn"' not in page.text  # the appeal's buttons decide it
    zh = agent.get(f"/staff/returns/{rma}", headers=ZH).text
    assert "顾客对验收未通过的结论提出了申诉。" in zh and "改判：验收通过并全额退款" in zh
    decided = agent.post(
        f"/staff/returns/{rma}/appeal/decision",
        data={"csrf_token": csrf_from(page.text), "decision": "overturn", "reason": "复检无痕迹"},
        follow_redirects=False,
    )
    assert decided.status_code == 303, decided.text
    assert client.get(f"/api/v1/returns/{rma}/appeal").json()["status"] == "overturned"
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] != "inspection_failed"
    after = agent.get(f"/staff/returns/{rma}", headers=EN).text
    assert "data-appeal-open" not in after


def test_a_reviewer_without_the_right_sees_the_appeal_but_no_buttons(
    client: TestClient, context: AppContext, tokens: Tokens
) -> None:
    rma = _failed(client)
    client.post(f"/api/v1/returns/{rma}/appeal", json={"statement": "商品是全新的"})
    tokens(Role.WAREHOUSE, username="wh.zhang")
    with sign_in(context, "wh.zhang") as warehouse:
        page = warehouse.get(f"/staff/returns/{rma}", headers=EN).text
    assert 'data-appeal-open data-subject="inspection"' in page
    assert 'data-action="appeal-decision"' not in page


# --- (c) the menu -------------------------------------------------------------------


def test_appeals_are_in_the_menu_of_those_who_review(
    agent: TestClient, context: AppContext, tokens: Tokens
) -> None:
    home = agent.get("/staff", headers=ZH).text
    assert re.search(r'<a href="/staff/appeals" data-menu="appeals"\s*>申诉</a>', home)
    queue = agent.get("/staff/appeals").text
    assert re.search(r'data-menu="appeals" aria-current="page"', queue)
    tokens(Role.WAREHOUSE, username="wh.zhang")
    with sign_in(context, "wh.zhang") as warehouse:
        assert 'data-menu="appeals"' not in warehouse.get("/staff").text


# --- key accounts (R8.5) ------------------------------------------------------------


def test_an_imported_key_account_is_badged_and_its_complaints_go_to_the_team(
    client: TestClient, agent: TestClient, context: AppContext
) -> None:
    assert _customer(context, "c-vip").key_account is True
    assert _customer(context, "c-1").key_account is False  # not said: not a key account
    team = context.settings.complaint_account_team
    filed = client.post(
        "/api/v1/complaints", json={"channel": "app", "order_no": "SO-VIP", "text": "快递太慢"}
    )
    assert filed.status_code == 201, filed.text
    vip_no = filed.json()["complaint_no"]
    assert client.get(f"/api/v1/complaints/{vip_no}").json()["team"] == team
    ordinary = client.post(
        "/api/v1/complaints", json={"channel": "app", "order_no": "SO-1001", "text": "快递太慢"}
    ).json()["complaint_no"]
    assert client.get(f"/api/v1/complaints/{ordinary}").json()["team"] != team
    page = agent.get(f"/staff/complaints/{vip_no}", headers=ZH).text
    assert f'data-team="{team}"' in page and "大客户" in page
    assert f'data-team="{team}"' not in agent.get(f"/staff/complaints/{ordinary}").text
    vip_request = agent.get(f"/staff/returns/{_filed(client, 'SO-VIP')}", headers=EN).text
    assert "data-key-account" in vip_request and "Key account" in vip_request
    assert "data-key-account" not in agent.get(f"/staff/returns/{_filed(client)}").text


def test_a_later_import_keeps_the_flag_unless_it_says_otherwise(
    client: TestClient, context: AppContext, order_payload: OrderPayload
) -> None:
    unsaid = {k: v for k, v in KEY_CUSTOMER.items() if k != "key_account"}
    again = order_payload(order_no="SO-VIP-2", customer=unsaid)
    assert client.post("/api/v1/orders", json=again).status_code == 201
    assert _customer(context, "c-vip").key_account is True
    demoted = order_payload(order_no="SO-VIP-3", customer={**unsaid, "key_account": False})
    assert client.post("/api/v1/orders", json=demoted).status_code == 201
    assert _customer(context, "c-vip").key_account is False
    bad = order_payload(order_no="SO-VIP-4", customer={**unsaid, "key_account": "yes please"})
    answer = client.post("/api/v1/orders", json=bad)
    assert answer.status_code == 422 and answer.json()["field"] == "customer.key_account"
