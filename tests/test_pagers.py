"""Every list pages with the one pager (issue 16, web/paging.py): the journal, the access
log, the watch list, the scorecards, the portal's inbox, the users, the incidents and the
inventory show "1–n of N", a page 2 that exists, links that keep the filters, and the
last page for a page past it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.authority import check_authority
from returnflow.domain.awards import Liable
from returnflow.domain.ledger import Account, transfer
from returnflow.domain.money import Money
from returnflow.domain.text import Text
from returnflow.services import approvals, inbox, risk_staff
from returnflow.storage.schema import AccessLogRow, WarehouseStockRow
from returnflow.web import (
    console_analytics,
    console_incidents,
    console_journal,
    console_risk,
    console_scorecards,
    paging,
    portal_complaints,
)
from tests.api.test_scorecards_api import MARCH, plant
from tests.support.apps import shared_app
from tests.support.clock import FakeClock
from tests.support.liability import filed, pay_award
from tests.support.refunds import pay_refunds
from tests.test_console_pages import csrf_from, sign_in
from tests.test_dashboard_pages import NOVEMBER, planted  # noqa: F401

Tokens = Callable[..., str]
EN = {"Accept-Language": "en"}


def _pager(html: str) -> str:
    """The one pager's markup on a page (exactly one)."""
    found = re.findall(r'<nav class="pager".*?</nav>', html, re.S)
    assert len(found) == 1, found
    return str(found[0])


def test_the_journal_pages_keeping_its_period(
    context: AppContext, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console_journal, "PAGE_SIZE", 1)
    at = datetime(2026, 11, 19, 16, 30, tzinfo=UTC)
    with context.uow() as uow:
        for n in range(2):
            uow.ledger.post(
                transfer(
                    f"refund:RMA-{n}:paid",
                    at + timedelta(minutes=n),
                    f"refund paid for RMA-{n} via sandbox",
                    debit=Account.REFUNDS_PAYABLE,
                    credit=Account.GATEWAY_CLEARING,
                    amount=Money(100 + n, "CNY"),
                    rma_no=f"RMA-{n}",
                )
            )
        uow.commit(at)
    tokens(Role.FINANCE, username="fay")
    period = "from=2026-11-20&to=2026-11-20"
    with sign_in(context, "fay") as finance:
        first = finance.get(f"/staff/finance/journal?{period}").text
        pager = _pager(first)
        assert "第 1–1 条，共 2 条" in pager
        assert (
            f'rel="next" href="/staff/finance/journal?{period.replace("&", "&amp;")}&amp;page=2"'
            in pager
        )
        second = finance.get(f"/staff/finance/journal?{period}&page=2", headers=EN).text
        assert "RMA-1" in second and "RMA-0" not in second and "2–2 of 2" in second
        assert f'rel="prev" href="/staff/finance/journal?{period.replace("&", "&amp;")}"' in second
        beyond = finance.get(f"/staff/finance/journal?{period}&page=99").text
        assert 'data-pager="2/2"' in beyond and "RMA-1" in beyond


def test_the_access_log_pages_keeping_its_filters(context: AppContext, tokens: Tokens) -> None:
    at = datetime(2026, 11, 19, 8, 0, tzinfo=UTC)
    with context.session_factory() as session:
        session.add_all(
            AccessLogRow(
                at=at + timedelta(minutes=n),
                actor="agent:li.na" if n < 52 else "agent:wang",
                subject=f"RMA-{n}",
                what="contact",
                customer_id="c-1",
                route="GET /staff/returns/x",
            )
            for n in range(55)
        )
        session.commit()
    tokens(Role.ADMIN, username="ada")
    with sign_in(context, "ada") as admin:
        first = admin.get("/staff/access-log", params={"actor": "agent:li.na"}).text
        assert first.count("data-entry=") == 50 and "第 1–50 条，共 52 条" in _pager(first)
        assert 'rel="next" href="/staff/access-log?actor=agent%3Ali.na&amp;page=2"' in first
        second = admin.get("/staff/access-log?actor=agent%3Ali.na&page=2").text
        assert second.count("data-entry=") == 2 and "agent:wang" not in second
        assert 'rel="prev" href="/staff/access-log?actor=agent%3Ali.na"' in second


def test_the_watch_list_pages(
    context: AppContext, tokens: Tokens, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console_risk, "PAGE_SIZE", 1)
    with context.uow() as uow:
        for n in range(2):
            risk_staff.add_to_watch_list(uow, f"c-{n}", "why", None, "manager:boss", clock.now)
        uow.commit(clock.now)
    tokens(Role.MANAGER, username="boss")
    with sign_in(context, "boss") as manager:
        first = _pager(manager.get("/staff/risk/watch-list").text)
        assert 'rel="next" href="/staff/risk/watch-list?page=2"' in first
        second = manager.get("/staff/risk/watch-list?page=2", headers=EN).text
        assert second.count("data-entry=") == 1 and "2–2 of 2" in _pager(second)
        assert manager.get("/staff/risk/watch-list?page=x").status_code == 200  # the first


def test_the_scorecards_page_keeping_the_period_and_the_team(
    context: AppContext, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console_scorecards, "PAGE_SIZE", 1)
    plant(context)
    tokens(Role.MANAGER, username="boss")
    kept = MARCH.replace("&", "&amp;")
    with sign_in(context, "boss") as manager:
        first = manager.get(f"/staff/scorecards/merchants?{MARCH}").text
        assert re.findall(r'data-merchant="([^"]+)" data-rank', first) == ["m-b"]
        link = f'rel="next" href="/staff/scorecards/merchants?{kept}&amp;page=2"'
        assert link in _pager(first)
        second = manager.get(f"/staff/scorecards/merchants?{MARCH}&page=2").text
        assert re.findall(r'data-merchant="([^"]+)" data-rank', second) == ["m-a"]
        staff = manager.get(f"/staff/scorecards/staff?{MARCH}&team=warehouse&page=1").text
        assert 'data-person="warehouse:zhao"' in staff
        people = manager.get(f"/staff/scorecards/staff?{MARCH}").text
        assert f'href="/staff/scorecards/staff?{kept}&amp;page=2"' in _pager(people)


def test_the_portal_inbox_pages_with_the_portal_skin(
    context: AppContext,
    client: TestClient,
    order_payload: Callable[..., dict[str, Any]],
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(inbox, "PAGE_SIZE", 1)
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    with context.uow() as uow:
        for n in range(2):
            words = (Text(f"消息 {n}", f"Message {n}"), Text("正文", "Body"))
            at = clock.now + timedelta(minutes=n)
            uow.notices.keep(f"k-{n}", "c-1", "return.approved", f"RMA-{n}", words, at)
        uow.commit(clock.now)
    with TestClient(shared_app(context), follow_redirects=False) as web:
        data = {"order_no": "SO-1001", "contact": "13800138000"}
        link = web.post("/portal/lookup", data=data).headers["location"]
        first = web.get(f"{link}/messages").text
        assert "消息 1" in first and "消息 0" not in first  # newest first
        assert f'rel="next" href="{link}/messages?page=2"' in _pager(first)
        second = web.get(f"{link}/messages?page=2").text
        assert "消息 0" in second and "第 2–2 条，共 2 条" in _pager(second)
        assert web.get(f"{link}/messages?page=abc").status_code == 200  # the first


def test_a_list_read_whole_pages_in_memory() -> None:
    rows, control = paging.page_of("/staff/x", list(range(120)), 3, {"view": "late"})
    assert list(rows) == list(range(100, 120)) and control.page == 3
    assert control.previous_url == "/staff/x?view=late&page=2" and control.next_url is None
    cards, last = paging.page_of("/staff/x", list(range(30)), 9, {}, paging.CARDS_SIZE)
    assert list(cards) == list(range(20, 30)) and last.page == 2  # past the last: the last


def test_the_users_page_pages(context: AppContext, tokens: Tokens) -> None:
    for n in range(26):
        tokens(Role.AGENT, username=f"agent.{n:02d}")
    tokens(Role.ADMIN, username="root")
    with sign_in(context, "root") as admin:
        first = admin.get("/staff/users").text
        assert first.count("data-user=") == 25 and "第 1–25 条，共 27 条" in _pager(first)
        second = admin.get("/staff/users?page=2", headers=EN).text
        assert second.count("data-user=") == 2 and "26–27 of 27" in _pager(second)
        assert 'rel="prev" href="/staff/users"' in second


def test_incidents_page_as_cards(
    context: AppContext, tokens: Tokens, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console_incidents, "CARDS_SIZE", 1)
    tokens(Role.MANAGER, username="boss")
    with sign_in(context, "boss") as manager:
        for kind in ("backlog", "refund_failures"):
            clock.advance(minutes=1)  # a drill is known by who started it and when
            page = manager.get("/staff/incidents").text
            drill = {"kind": kind, "severity": "low", "csrf_token": csrf_from(page)}
            started = manager.post("/staff/incidents/drills", data=drill)
            assert started.status_code == 200  # followed to the incident
        first = manager.get("/staff/incidents").text
        assert first.count("data-incident=") == 1 and 'data-pager="1/2"' in first
        second = manager.get("/staff/incidents?page=2").text
        assert second.count("data-incident=") == 1 and 'data-pager="2/2"' in second


def test_inventory_pages_keeping_its_filters(
    context: AppContext, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paging, "PAGE_SIZE", 2)
    with context.session_factory() as session:
        session.add_all(
            WarehouseStockRow(
                merchant_id="m-a", sku="SKU-1", location=f"A-{n}", grade="A", quantity=1
            )
            for n in range(3)
        )
        session.commit()
    tokens(Role.WAREHOUSE, username="zhang.wei")
    with sign_in(context, "zhang.wei") as desk:
        first = desk.get("/staff/warehouse/inventory?sku=SKU-1").text
        assert first.count("data-stock=") == 2 and "第 1–2 条，共 3 条" in _pager(first)
        assert 'rel="next" href="/staff/warehouse/inventory?sku=SKU-1&amp;page=2"' in first
        second = desk.get("/staff/warehouse/inventory?sku=SKU-1&page=2").text
        assert second.count("data-stock=") == 1 and 'data-stock="SKU-1|A-2|A"' in second


def test_the_analytics_drill_down_pages_keeping_its_filters(
    planted: AppContext,  # noqa: F811
    tokens: Tokens,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(console_analytics, "PAGE_SIZE", 1)
    tokens(Role.MANAGER, username="boss")
    asked = f"/staff/analytics/requests?{NOVEMBER}&reason=quality"
    with sign_in(planted, "boss") as manager:
        first = manager.get(asked).text
        assert first.count("data-rma=") == 1 and 'data-pager="1/2"' in first
        kept = NOVEMBER.replace("&", "&amp;")
        link = f'rel="next" href="/staff/analytics/requests?{kept}&amp;reason=quality&amp;page=2"'
        assert link in _pager(first)
        second = manager.get(f"{asked}&page=9").text  # past the last page: the last
        assert second.count("data-rma=") == 1 and 'data-pager="2/2"' in second
        assert re.findall(r'data-rma="([^"]+)"', first) != re.findall(r'data-rma="([^"]+)"', second)


def test_a_statement_pages_its_lines_and_keeps_the_whole_closing_balance(
    client: TestClient,
    context: AppContext,
    tokens: Tokens,
    order_payload: Callable[..., dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    context.settings.instant_refund_enabled = False
    context.settings.refund_auto_request = False
    for order_no in ("SO-1001", "SO-1002"):
        assert client.post("/api/v1/orders", json=order_payload(order_no=order_no)).status_code
    ruled = [filed(client), filed(client, "SO-1002")]
    for rma in ruled:
        pay_award(context, rma, Liable.MERCHANT, compensation=1000)
    pay_refunds(context)
    monkeypatch.setattr(paging, "PAGE_SIZE", 1)
    tokens(Role.FINANCE, username="fay")
    url = "/staff/finance/merchant-statements?merchant_id=m-babycare&from=2026-11-01"
    with sign_in(context, "fay") as finance:
        first = finance.get(url).text
        second = finance.get(url + "&page=2").text
    shown = [re.findall(r'<tr data-rma="([^"]+)" data-source', page) for page in (first, second)]
    assert len(shown[0]) == len(shown[1]) == 1 and sorted(shown[0] + shown[1]) == sorted(ruled)
    closing = re.search(r'data-closing="(\d+)"', first)
    assert closing is not None and f'data-closing="{closing.group(1)}"' in second
    link = _pager(first)
    assert "merchant_id=m-babycare" in link and "from=2026-11-01" in link and "page=2" in link


def test_the_policy_versions_page_newest_first(
    context: AppContext, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens(Role.ADMIN, username="ada")
    with sign_in(context, "ada") as admin:
        page = admin.get("/staff/admin/policy").text
        form = {"csrf_token": csrf_from(page), "no_reason_days": "15", "warranty_days": "90"}
        form |= {"quality_refund_days": "7", "quality_exchange_days": "15", "review_hours": "24"}
        form |= {"auto_approve_limit": "2000.00", "ship_within_days": "7"}
        form |= {"confirm_within_days": "7"}
        future = (context.clock() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
        made = admin.post(
            "/staff/admin/policy", data=form | {"effective_from": future}, follow_redirects=False
        )
        assert made.status_code == 303, made.text
        monkeypatch.setattr(paging, "PAGE_SIZE", 1)
        first = admin.get("/staff/admin/policy?version=1").text
        assert re.findall(r'<tr data-version="(\d+)"', first) == ["2"]
        assert 'rel="next" href="/staff/admin/policy?version=1&amp;page=2"' in _pager(first)
        second = admin.get("/staff/admin/policy?version=1&page=2").text
        assert re.findall(r'<tr data-version="(\d+)"', second) == ["1"]


def test_the_portal_complaints_page_as_cards(
    context: AppContext,
    client: TestClient,
    order_payload: Callable[..., dict[str, Any]],
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(portal_complaints, "CARDS_SIZE", 1)
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    with TestClient(shared_app(context), follow_redirects=False) as web:
        data = {"order_no": "SO-1001", "contact": "13800138000"}
        link = web.post("/portal/lookup", data=data).headers["location"]
        for text in ("奶瓶有裂纹", "客服没回复"):
            clock.advance(minutes=1)
            said = {"about": "order", "text": text}
            assert web.post(f"{link}/complaints/new", data=said).status_code == 303
        first = web.get(f"{link}/complaints").text
        assert first.count("data-complaint=") == 1 and 'data-pager="1/2"' in first
        assert f'rel="next" href="{link}/complaints?page=2"' in _pager(first)
        second = web.get(f"{link}/complaints?page=2").text
        assert second.count("data-complaint=") == 1 and 'data-pager="2/2"' in second


def test_the_approvals_page(
    context: AppContext, tokens: Tokens, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paging, "PAGE_SIZE", 1)
    over = check_authority("agent:li.na", Money(90_000))
    with context.uow() as uow:
        for rma in ("RMA-A", "RMA-B"):
            approvals.ask(uow, "refund", rma, Money(90_000), "agent:li.na", over, clock.now)
        uow.commit(clock.now)
    tokens(Role.MANAGER, username="boss")
    with sign_in(context, "boss") as manager:
        first = manager.get("/staff/finance/approvals").text
        assert first.count("data-approval=") == 1 and "第 1–1 条，共 2 条" in _pager(first)
        second = manager.get("/staff/finance/approvals?page=2").text
        assert second.count("data-approval=") == 1 and 'data-pager="2/2"' in second
