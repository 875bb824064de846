"""The statement pages (R8.4): a merchant's statement and the carrier claims, in both
languages, for finance and managers; a merchant's own statement in its console."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.awards import LOST_IN_TRANSIT, Liable
from tests.support.liability import filed, pay_award, shipped
from tests.support.refunds import pay_refunds
from tests.test_console_pages import sign_in

OrderPayload = Callable[..., dict[str, Any]]
Tokens = Callable[..., str]
EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def charged(client: TestClient, context: AppContext, order_payload: OrderPayload) -> list[str]:
    """A ruling charged to m-babycare and a lost parcel claimed from SF, both paid."""
    context.settings.instant_refund_enabled = False
    context.settings.refund_auto_request = False
    for order_no in ("SO-1001", "SO-1002"):
        assert client.post("/api/v1/orders", json=order_payload(order_no=order_no)).status_code
    ruled, lost = filed(client), filed(client, "SO-1002")
    shipped(client, lost)
    pay_award(context, ruled, Liable.MERCHANT, compensation=1000)
    pay_award(context, lost, Liable.CARRIER, source=LOST_IN_TRANSIT, reference="EX-7")
    pay_refunds(context)
    return [ruled, lost]


def test_finance_reads_a_merchants_statement_in_both_languages(
    context: AppContext, tokens: Tokens, charged: list[str]
) -> None:
    ruled, _ = charged
    tokens(Role.FINANCE, username="fay")
    with sign_in(context, "fay") as finance:
        home = finance.get("/staff/finance", headers=EN).text
        assert 'href="/staff/finance/merchant-statements"' in home
        assert 'href="/staff/finance/carrier-claims"' in home
        picker = finance.get("/staff/finance/merchant-statements", headers=EN).text
        assert "Pick a merchant to see its statement." in picker
        assert '<option value="m-babycare">' in picker
        url = "/staff/finance/merchant-statements?merchant_id=m-babycare&from=2026-11-01"
        page = finance.get(url, headers=EN).text
        assert "Statement of m-babycare" in page and "Ruling" in page
        assert f'data-rma="{ruled}" data-source="ruling"' in page
        assert 'data-closing="9400"' in page and "CN¥94.00" in page
        chinese = finance.get(url, headers=ZH).text
        assert "m-babycare 的对账单" in chinese and "平台裁决" in chinese and "期末余额" in chinese
        download = finance.get(url + "&format=csv")
        assert download.headers["content-type"].startswith("text/csv")
        assert ruled in download.text
        xlsx = finance.get(url + "&format=xlsx")
        assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")


def test_a_manager_reads_the_carrier_claims_in_both_languages(
    context: AppContext, tokens: Tokens, charged: list[str]
) -> None:
    _, lost = charged
    tokens(Role.MANAGER, username="wang.min")
    with sign_in(context, "wang.min") as manager:
        page = manager.get("/staff/finance/carrier-claims", headers=EN).text
        assert 'data-carrier="sf"' in page and f'data-rma="{lost}"' in page
        assert f'data-waybill="SF{lost[-12:]}"' in page and 'data-total="8400"' in page
        chinese = manager.get("/staff/finance/carrier-claims", headers=ZH).text
        assert "承运商索赔" in chinese and "全部承运商" in chinese
        empty = manager.get("/staff/finance/carrier-claims?from=2026-10-01&to=2026-10-31").text
        assert "data-empty" in empty
        assert lost in manager.get("/staff/finance/carrier-claims?format=csv").text


def test_a_merchant_reads_its_own_statement_and_nobody_elses(
    context: AppContext, tokens: Tokens, charged: list[str]
) -> None:
    ruled, _ = charged
    tokens(Role.MERCHANT, merchant_id="m-babycare", username="babycare")
    with sign_in(context, "babycare") as merchant:
        page = merchant.get("/staff/merchant/statement", headers=EN).text
        assert 'data-menu="statement"' in page and "My statement" in page
        assert f'data-rma="{ruled}"' in page and 'data-merchant="m-babycare"' in page
        chinese = merchant.get("/staff/merchant/statement", headers=ZH).text
        assert "我的对账单" in chinese and "商家对账单" in chinese
        other = "/staff/finance/merchant-statements?merchant_id=m-other"
        assert merchant.get(other, follow_redirects=False).status_code == 403
        csv_text = merchant.get("/staff/merchant/statement?format=csv").text
        assert ruled in csv_text
    tokens(Role.MERCHANT, merchant_id="m-other", username="other")
    with sign_in(context, "other") as stranger:
        page = stranger.get("/staff/merchant/statement", headers=EN).text
        assert ruled not in page and "No charges in these days." in page


def test_staff_without_a_merchant_are_sent_where_they_belong(
    context: AppContext, tokens: Tokens
) -> None:
    tokens(Role.FINANCE, username="fay")
    with sign_in(context, "fay") as finance:
        moved = finance.get("/staff/merchant/statement", follow_redirects=False)
        assert moved.status_code == 303
        assert moved.headers["location"] == "/staff/finance/merchant-statements"
        assert 'data-menu="statement"' not in finance.get("/staff/finance").text
    tokens(Role.AGENT, username="li.na")
    with sign_in(context, "li.na") as agent:
        assert agent.get("/staff/merchant/statement").status_code == 404
        assert agent.get("/staff/finance/carrier-claims").status_code == 403


@pytest.mark.parametrize(
    "query",
    ["from=2026-02-30", "from=2026-11-30&to=2026-11-01", "merchant_id=" + "x" * 65, "to=x" * 3],
)
def test_bad_input_on_the_pages_is_refused_not_a_crash(
    context: AppContext, tokens: Tokens, query: str
) -> None:
    tokens(Role.FINANCE, username="fay")
    with sign_in(context, "fay") as finance:
        answer = finance.get(f"/staff/finance/merchant-statements?{query}")
        assert answer.status_code == 422, answer.text[:300]
