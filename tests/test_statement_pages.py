"""The statement pages (R8.4): a merchant's statement and the carrier claims, in both
languages, for finance and managers; a merchant's own statement in its console."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.awards import LOST_IN_TRANSIT, Liable
from returnflow.services.carrier_names import carrier_label
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
        assert "Statement of m-babycare" in page and "Dispute ruling" in page
        assert f'data-rma="{ruled}" data-source="ruling"' in page
        assert 'data-closing="9400"' in page and "CN¥94.00" in page
        chinese = finance.get(url, headers=ZH).text
        assert "m-babycare的对账单" in chinese and "争议裁决" in chinese and "期末余额" in chinese
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


# --- readable statements (names, descriptions, no raw memos or codes) ------------------


@pytest.fixture
def named(client: TestClient, context: AppContext, order_payload: OrderPayload) -> list[str]:
    """As `charged`, with the merchant named by the order import and the lost parcel's
    claim referring to its exception task, as the lost-parcel remedy books it."""
    context.settings.instant_refund_enabled = False
    context.settings.refund_auto_request = False
    for order_no in ("SO-1001", "SO-1002"):
        body = order_payload(order_no=order_no, merchant_name="贝乐母婴旗舰店")
        assert client.post("/api/v1/orders", json=body).status_code == 201
    ruled, lost = filed(client), filed(client, "SO-1002")
    shipped(client, lost)
    pay_award(context, ruled, Liable.MERCHANT, compensation=1000, reference="DP20261120-000001")
    pay_award(context, lost, Liable.CARRIER, source=LOST_IN_TRANSIT, reference="exception:12")
    pay_refunds(context)
    return [ruled, lost]


def test_the_statement_names_the_merchant_and_says_what_each_charge_is(
    context: AppContext, tokens: Tokens, named: list[str]
) -> None:
    ruled, _ = named
    url = "/staff/finance/merchant-statements?merchant_id=m-babycare&from=2026-11-01"
    tokens(Role.MANAGER, username="wang.min")
    with sign_in(context, "wang.min") as manager:
        picker = manager.get("/staff/finance/merchant-statements", headers=ZH).text
        assert '<option value="m-babycare">贝乐母婴旗舰店</option>' in picker
        chinese = manager.get(url, headers=ZH).text
        english = manager.get(url, headers=EN).text
    assert "贝乐母婴旗舰店的对账单" in chinese and "Statement of 贝乐母婴旗舰店" in english
    link = '<a href="/staff/disputes/DP20261120-000001"'
    assert link in chinese and "争议裁决 DP20261120-000001" in chinese
    assert link in english and "Dispute ruling DP20261120-000001" in english
    for page in (chinese, english):
        assert "m-babycare bears" not in page and "ruling DP20261120-000001:" not in page
        assert '<td class="num" data-amount="9400">' in page
        assert ".ledger .num { text-align: right; white-space: nowrap; }" in page
        assert ".filter-row > button { flex: 0 0 auto; align-self: flex-end;" in page
    assert "Dispute ruling" not in chinese and "争议裁决" not in english
    assert "将从下次结算中扣除" in chinese and "To be deducted from the next settlement" in english
    tokens(Role.FINANCE, username="fay")  # finance may not open disputes: the request instead
    with sign_in(context, "fay") as finance:
        page = finance.get(url, headers=EN).text
        assert link not in page and f'<a href="/staff/returns/{ruled}" data-description' in page
        rows = list(csv.reader(io.StringIO(finance.get(url + "&format=csv", headers=ZH).text)))
    assert rows[0][:6] == ["date", "rma_no", "source", "reference", "description", "memo"]
    (line,) = [row for row in rows if row[1] == ruled]
    assert line[2:5] == ["ruling", "DP20261120-000001", "争议裁决 DP20261120-000001"]


def test_the_api_statement_carries_the_merchant_name(client: TestClient, named: list[str]) -> None:
    statement = client.get("/api/v1/finance/merchants/m-babycare/statement?from=2026-11-01")
    assert statement.json()["merchant_name"] == "贝乐母婴旗舰店"
    unknown = client.get("/api/v1/finance/merchants/m-ghost/statement").json()
    assert unknown["merchant_name"] == "m-ghost"


def test_a_merchant_reads_its_own_statement_by_its_name(
    context: AppContext, tokens: Tokens, named: list[str]
) -> None:
    ruled, _ = named
    tokens(Role.MERCHANT, merchant_id="m-babycare", username="babycare")
    with sign_in(context, "babycare") as merchant:
        chinese = merchant.get("/staff/merchant/statement?from=2026-11-01", headers=ZH).text
        english = merchant.get("/staff/merchant/statement?from=2026-11-01", headers=EN).text
    assert "贝乐母婴旗舰店的对账单" in chinese and "Statement of 贝乐母婴旗舰店" in english
    assert "争议裁决 DP20261120-000001" in chinese and "Dispute ruling" in english
    assert '<a href="/staff/disputes/DP20261120-000001"' in chinese  # merchants see disputes
    assert "m-babycare bears" not in chinese and f'data-rma="{ruled}"' in chinese


def test_the_claims_name_the_carrier_and_the_lost_parcel_in_both_languages(
    context: AppContext, tokens: Tokens, named: list[str]
) -> None:
    _, lost = named
    tokens(Role.FINANCE, username="fay")
    with sign_in(context, "fay") as finance:
        chinese = finance.get("/staff/finance/carrier-claims", headers=ZH).text
        english = finance.get("/staff/finance/carrier-claims", headers=EN).text
        exported = finance.get("/staff/finance/carrier-claims?format=csv", headers=EN).text
    rows = list(csv.reader(io.StringIO(exported)))
    assert 'data-carrier="sf"' in chinese and ">顺丰速运</h2>" in chinese
    assert ">SF Express</h2>" in english and ">sf</h2>" not in english
    assert "物流异常理赔（异常任务 #12）" in chinese
    assert "Lost-parcel claim (exception #12)" in english
    assert f'<a href="/staff/returns/{lost}" data-description' in english
    for page in (chinese, english):
        assert "lost_in_transit" not in page and "exception:12" not in page
        assert "sf bears" not in page
    assert rows[0][:2] == ["carrier", "carrier_name"]
    (claim,) = [row for row in rows if row[3] == lost]
    assert claim[:2] == ["sf", "SF Express"] and claim[5] == "Lost-parcel claim (exception #12)"


def test_the_demo_carrier_is_named_not_coded(context: AppContext) -> None:
    assert carrier_label("simulated", context.carrier_registry()).zh == "演示快递"
    assert carrier_label("simulated", None).en == "simulated"  # no registry: the code
    assert carrier_label("jd").en == "JD Logistics" and carrier_label("").zh == "未知承运商"
