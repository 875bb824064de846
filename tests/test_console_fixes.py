"""Small console fixes (issue 16): the on-call picker names the role in words, the hotline
names the merchant, and the logistics role has a demo account (赵磊) and an authority
limit of its own (200.00: a lost parcel's 84.00 refund goes straight out)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.demo.accounts import DEMO_ACCOUNTS, create_demo_accounts
from returnflow.domain.access import Role
from returnflow.domain.authority import check_authority
from returnflow.domain.money import Money
from returnflow.storage.schema import MerchantRow
from tests.api.test_exception_remedies_api import _lost, _resolve, booking, rma  # noqa: F401
from tests.support.apps import shared_app
from tests.support.booking_carrier import BookingCarrier
from tests.support.clock import FakeClock
from tests.support.staff import post_login
from tests.test_console_pages import sign_in

Tokens = Callable[..., str]
EN = {"Accept-Language": "en"}


def test_the_on_call_picker_says_the_role_in_the_reader_s_language(
    context: AppContext, tokens: Tokens
) -> None:
    tokens(Role.MANAGER, username="boss")
    tokens(Role.ADMIN, username="root")
    with sign_in(context, "boss") as manager:
        chinese = manager.get("/staff/incidents/on-call").text
        assert ">boss（运营经理）</option>" in chinese and ">root（管理员）</option>" in chinese
        english = manager.get("/staff/incidents/on-call", headers=EN).text
        assert ">boss (Manager)</option>" in english and "(manager)" not in english


def test_the_hotline_names_the_merchant_not_its_id(
    context: AppContext,
    client: TestClient,
    tokens: Tokens,
    order_payload: Callable[..., dict[str, Any]],
) -> None:
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    with context.session_factory() as session:
        merchant = session.get(MerchantRow, "m-babycare")
        if merchant is None:
            at = datetime(2026, 1, 1, tzinfo=UTC)
            session.add(MerchantRow(id="m-babycare", name="贝亲母婴旗舰店", created_at=at))
        else:
            merchant.name = "贝亲母婴旗舰店"
        session.commit()
    tokens(Role.AGENT, username="li.na")
    with sign_in(context, "li.na") as agent:
        page = agent.get("/staff/hotline", params={"order_no": "SO-1001"}).text
    assert '<dd data-merchant="m-babycare">贝亲母婴旗舰店</dd>' in page
    assert ">m-babycare<" not in page


def test_the_logistics_role_has_a_demo_account(context: AppContext) -> None:
    assert ("logistics", "赵磊", Role.LOGISTICS, None) in DEMO_ACCOUNTS
    now = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    made = {account.username: account for account in create_demo_accounts(context, 7, now)}
    assert made["logistics"].role is Role.LOGISTICS
    with TestClient(shared_app(context)) as desk:
        assert post_login(desk, "logistics", made["logistics"].password).status_code == 303
        home = desk.get("/staff").text
        assert "赵磊" in home and "物流" in home  # the role in words, the person by name
        assert desk.get("/staff/exceptions").status_code == 200  # the role's own work


def test_the_logistics_role_may_move_200_yuan_alone() -> None:
    assert not check_authority("logistics:zhao.lei", Money(20_000)).needs_approval
    assert check_authority("logistics:zhao.lei", Money(20_001)).needs_approval
    assert check_authority("agent:li.na", Money(50_000)).needs_approval is False


def test_a_lost_parcel_refund_within_the_limit_goes_straight_out(
    client: TestClient,
    context: AppContext,
    clock: FakeClock,
    booking: BookingCarrier,  # noqa: F811
    rma: str,  # noqa: F811
    tokens: Tokens,
) -> None:
    desk = {"Authorization": f"Bearer {tokens(Role.LOGISTICS, username='zhao.lei')}"}
    task = _lost(context, clock, client, rma)
    resolved = _resolve(client, task, desk, remedy="refund_without_goods")
    assert resolved.status_code == 200, resolved.text
    body = resolved.json()
    assert body["resolved_by"] == "logistics:zhao.lei"
    assert body["remedy"]["awaiting_approval"] is False  # 84.00 is within 200.00
    assert body["refund"]["status"] == "requested"
