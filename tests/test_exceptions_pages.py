"""The exceptions queue page and the tracking timeline on both request pages (R4.3, R4.4)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from jinja2.ext import babel_extract

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.scans import TrackingEvent, TrackingProblem, TrackingStatus
from returnflow.services import tracking as tracking_service
from returnflow.web.i18n import LOCALE_DIR
from returnflow.web.portal_links import PortalAccess, make_token
from returnflow.web.templating import TEMPLATES
from tests.support.apps import shared_app
from tests.support.clock import FakeClock
from tests.support.shipments import add_shipment
from tests.test_console_pages import csrf_from, sign_in

TS = TrackingStatus
SECRET = "tracking-pages-secret"


@pytest.fixture
def rma(client: TestClient, order_payload: Callable[..., dict[str, Any]]) -> str:
    client.post("/api/v1/orders", json=order_payload())
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
    }
    return str(client.post("/api/v1/returns", json=body).json()["rma_no"])


@pytest.fixture
def tracked(context: AppContext, rma: str, clock: FakeClock) -> str:
    """Picked up at 10:00 Shanghai time, then damaged in a Shanghai hub an hour later."""
    add_shipment(context, rma, clock.now)
    tracking_service.record(
        context.uow,
        "fastex",
        "FX1000",
        [
            TrackingEvent(clock.now, TS.ACCEPTED, "快递员已揽收", "深圳"),
            TrackingEvent(
                clock.now + timedelta(hours=1),
                TS.EXCEPTION,
                "外箱破损",
                "上海转运中心",
                TrackingProblem.DAMAGED,
            ),
        ],
        clock.now,
        source="push",
        limits=tracking_service.thresholds(context.settings),
    )
    clock.advance(hours=5)
    return rma


@pytest.fixture
def agent(context: AppContext, tokens: Callable[..., str]) -> Iterator[TestClient]:
    tokens(Role.AGENT, username="li.na")
    with sign_in(context, "li.na") as browser:
        yield browser


def test_every_tracking_text_has_a_chinese_translation() -> None:
    with (LOCALE_DIR / "zh" / "LC_MESSAGES" / "tracking.po").open("rb") as handle:
        ours = {m.id for m in read_po(handle) if m.id}
    others: set[str] = set()
    for po in (LOCALE_DIR / "zh" / "LC_MESSAGES").glob("*.po"):
        with po.open("rb") as handle:
            others |= {str(m.id) for m in read_po(handle) if m.id and m.string}
    missing = []
    for name in ("staff/exceptions.html", "staff/_tracking.html", "portal/_tracking.html"):
        with (TEMPLATES / name).open("rb") as handle:
            for _, _, message, _ in babel_extract(handle, ("_", "gettext"), [], {}):
                msgid = message if isinstance(message, str) else str((message or ("",))[0])
                if msgid not in others:
                    missing.append(f"{name}: {msgid}")
    assert missing == []
    assert "Logistics exceptions" in ours


def test_the_queue_lists_open_tasks_with_their_age_and_filters_by_kind(
    agent: TestClient, tracked: str
) -> None:
    page = agent.get("/staff/exceptions", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert 'data-menu="exceptions"' in page.text
    assert f'<a href="/staff/returns/{tracked}">{tracked}</a>' in page.text
    assert 'data-kind="damaged"' in page.text and "damaged in transit" in page.text
    assert "0 d 5 h" in page.text  # raised five hours ago
    assert "外箱破损" in page.text
    late = agent.get("/staff/exceptions", params={"kind": "late"})
    assert 'data-empty="true"' in late.text and 'data-kind="damaged"' not in late.text
    chinese = agent.get("/staff/exceptions", headers={"Accept-Language": "zh-CN"})
    assert "物流异常" in chinese.text and "运输途中损坏" in chinese.text


def test_resolving_needs_a_note_and_keeps_who_and_when(
    agent: TestClient, tracked: str, context: AppContext
) -> None:
    page = agent.get("/staff/exceptions", headers={"Accept-Language": "en"})
    csrf = csrf_from(page.text)
    with context.uow() as uow:
        task = uow.tracking.tasks()[0].id
    empty = agent.post(
        f"/staff/exceptions/{task}/resolve",
        data={"csrf_token": csrf, "note": "  "},
        headers={"Accept-Language": "en"},
    )
    assert empty.status_code == 422 and "Say what was done about it" in empty.text
    forged = agent.post(f"/staff/exceptions/{task}/resolve", data={"csrf_token": "x", "note": "y"})
    assert forged.status_code == 403
    done = agent.post(
        f"/staff/exceptions/{task}/resolve",
        data={"csrf_token": csrf, "note": "carrier pays; customer called"},
        headers={"Accept-Language": "en"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    after = agent.get(done.headers["location"], headers={"Accept-Language": "en"})
    assert f"Exception task {task} resolved" in after.text
    assert 'data-empty="true"' in after.text
    resolved = agent.get(
        "/staff/exceptions", params={"state": "resolved"}, headers={"Accept-Language": "en"}
    )
    assert 'data-resolved-by="agent:li.na"' in resolved.text
    assert "Resolved by Customer service li.na at" in resolved.text  # in words (issue 16)
    assert "carrier pays; customer called" in resolved.text


def test_the_warehouse_does_not_see_the_queue(
    context: AppContext, tokens: Callable[..., str]
) -> None:
    tokens(Role.WAREHOUSE, username="wh.zhao")
    with sign_in(context, "wh.zhao") as browser:
        assert browser.get("/staff/exceptions").status_code == 403
        assert 'data-menu="exceptions"' not in browser.get("/staff").text


def test_the_console_request_page_shows_scans_in_local_time(
    agent: TestClient, tracked: str
) -> None:
    page = agent.get(f"/staff/returns/{tracked}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert 'id="tracking"' in page.text
    assert 'data-tracking="accepted"' in page.text and "picked up by the carrier" in page.text
    assert "2026-11-20 10:00" in page.text  # 02:00 UTC shown in Shanghai time
    assert 'data-exception="damaged"' in page.text
    # newest first
    assert page.text.index('data-tracking="exception"') < page.text.index(
        'data-tracking="accepted"'
    )


def test_the_portal_request_page_shows_the_parcel_in_both_languages(
    context: AppContext, tracked: str, clock: FakeClock
) -> None:
    settings = context.settings.model_copy(update={"secret_key": SECRET})
    portal = dataclasses.replace(context, settings=settings)
    token = make_token(SECRET, PortalAccess("SO-1001", "c-1"), clock.now)
    with TestClient(shared_app(portal)) as browser:
        zh = browser.get(f"/portal/o/{token}/r/{tracked}", headers={"Accept-Language": "zh-CN"})
        en = browser.get(f"/portal/o/{token}/r/{tracked}", headers={"Accept-Language": "en"})
    assert zh.status_code == 200, zh.text[:300]
    assert "包裹物流" in zh.text and "快递已揽收" in zh.text and "2026-11-20 10:00" in zh.text
    assert "Where your parcel is" in en.text and "Picked up by the carrier" in en.text
    assert "外箱破损" in en.text


# --- remedies (issue 12, R4.4) ---------------------------------------------------------


def test_the_resolve_form_offers_the_remedies_of_the_tasks_kind_in_both_languages(
    agent: TestClient, tracked: str
) -> None:
    en = agent.get("/staff/exceptions", headers={"Accept-Language": "en"})
    assert 'data-remedies="refund_without_goods compensation close"' in en.text
    assert 'data-remedy="new_label"' not in en.text  # a damaged parcel needs no new label
    assert "Refund without the goods" in en.text and "the carrier is claimed against" in en.text
    assert "Compensation in yuan (only for compensation)" in en.text
    assert 'name="remedy" value="refund_without_goods" checked' in en.text
    zh = agent.get("/staff/exceptions", headers={"Accept-Language": "zh-CN"})
    assert "处理方式" in zh.text and "不退货直接退款" in zh.text and "补偿购物金" in zh.text
    assert "补偿金额（元，仅用于补偿购物金）" in zh.text


def test_compensation_from_the_page_is_bounded_and_shown_on_the_resolved_task(
    agent: TestClient, tracked: str, context: AppContext
) -> None:
    page = agent.get("/staff/exceptions", headers={"Accept-Language": "en"})
    csrf = csrf_from(page.text)
    with context.uow() as uow:
        task = uow.tracking.tasks()[0].id
    form = {"csrf_token": csrf, "remedy": "compensation", "note": "box dented; customer ok"}
    malformed = agent.post(
        f"/staff/exceptions/{task}/resolve",
        data={**form, "compensation": "12.345"},
        headers={"Accept-Language": "en"},
    )
    assert malformed.status_code == 422 and "at most two decimals" in malformed.text
    assert 'name="remedy" value="compensation" checked' in malformed.text  # kept as chosen
    unknown = agent.post(
        f"/staff/exceptions/{task}/resolve",
        data={**form, "remedy": "teleport"},
        headers={"Accept-Language": "zh-CN"},
    )
    assert unknown.status_code == 422 and "请选择处理方式" in unknown.text
    done = agent.post(
        f"/staff/exceptions/{task}/resolve",
        data={**form, "compensation": "12.50"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    resolved = agent.get(
        "/staff/exceptions", params={"state": "resolved"}, headers={"Accept-Language": "en"}
    )
    assert 'data-remedy-taken="compensation"' in resolved.text
    assert "store credit of CN¥12.50" in resolved.text
    with context.uow() as uow:
        assert uow.store_credit.balance("c-1").cents == 1250
    chinese = agent.get(
        "/staff/exceptions", params={"state": "resolved"}, headers={"Accept-Language": "zh-CN"}
    )
    assert "补偿购物金" in chinese.text and "购物金 ¥12.50" in chinese.text


# --- a queue that reads like a product: pages, folded forms, names, one language -------


@pytest.fixture
def crowded(context: AppContext, tracked: str, clock: FakeClock) -> str:
    """24 more parcels of the demo carrier reported lost (its feed writes "中文 / English"):
    25 open tasks, the damaged FastEx one the oldest."""
    for number in range(24):
        waybill = f"RF{number:04d}"
        add_shipment(context, tracked, clock.now, waybill, carrier="simulated")
        lost = TrackingEvent(
            clock.now - timedelta(minutes=30 - number),
            TS.EXCEPTION,
            "快件遗失，正在查找 / Parcel lost, being searched for",
            "转运中心 / Sorting hub",
            TrackingProblem.LOST,
        )
        tracking_service.record(
            context.uow,
            "simulated",
            waybill,
            [lost],
            clock.now + timedelta(seconds=number),
            source="push",
            limits=tracking_service.thresholds(context.settings),
        )
    return tracked


def test_the_queue_shows_twenty_tasks_a_page_with_links_in_both_languages(
    agent: TestClient, crowded: str
) -> None:
    first = agent.get("/staff/exceptions", headers={"Accept-Language": "en"}).text
    assert first.count(" data-task=") == 20 and 'data-total="25"' in first
    assert 'data-kind="damaged"' in first  # oldest first
    assert 'rel="next" href="/staff/exceptions?page=2"' in first and 'rel="prev"' not in first
    assert "1–20 of 25" in first and "25 tasks" in first
    second = agent.get("/staff/exceptions?page=2", headers={"Accept-Language": "zh-CN"}).text
    assert second.count(" data-task=") == 5 and 'data-kind="damaged"' not in second
    assert 'rel="prev" href="/staff/exceptions"' in second and 'rel="next"' not in second
    assert "第 21–25 条，共 25 条" in second and "共 25 个任务" in second
    lost = agent.get("/staff/exceptions?kind=lost", headers={"Accept-Language": "en"}).text
    assert lost.count(" data-task=") == 20 and 'data-total="24"' in lost
    assert 'href="/staff/exceptions?kind=lost&amp;page=2"' in lost
    beyond = agent.get("/staff/exceptions?page=999").text  # past the end: the last page
    assert beyond.count(" data-task=") == 5 and 'data-pager="2/2"' in beyond
    assert agent.get("/staff/exceptions?page=x%00").status_code in (200, 400, 422)
    assert agent.get("/staff/exceptions?page=abc").text.count(" data-task=") == 20


def test_each_remedy_form_is_folded_and_the_carrier_is_named_in_one_language(
    agent: TestClient, crowded: str
) -> None:
    zh = agent.get("/staff/exceptions", headers={"Accept-Language": "zh-CN"}).text
    en = agent.get("/staff/exceptions", headers={"Accept-Language": "en"}).text
    for page in (zh, en):
        assert page.count('<details class="resolve"') == 20 and "open>" not in page
        assert page.count('data-action="resolve"') == 20  # each form inside its fold
    assert "<summary>处理</summary>" in zh and "<summary>Resolve…</summary>" in en
    assert 'data-carrier="simulated">演示快递<code>RF0000</code>' in zh
    assert 'data-carrier="simulated">Demo carrier<code>RF0000</code>' in en
    assert ">simulated<" not in zh + en
    assert "快递报告：转运中心 快件遗失，正在查找" in zh and "Parcel lost" not in zh
    assert "The carrier reports: Sorting hub Parcel lost, being searched for" in en
    assert "快件遗失" not in en


def test_a_refused_form_comes_back_unfolded_on_its_page(
    agent: TestClient, crowded: str, context: AppContext
) -> None:
    second = agent.get("/staff/exceptions?page=2", headers={"Accept-Language": "en"}).text
    with context.uow() as uow:
        task = uow.tracking.tasks(limit=1, offset=24)[0].id
    assert f'<li class="task" data-task="{task}"' in second and 'name="page" value="2"' in second
    form = {"csrf_token": csrf_from(second), "note": " ", "page": "2", "remedy": "close"}
    refused = agent.post(
        f"/staff/exceptions/{task}/resolve", data=form, headers={"Accept-Language": "en"}
    )
    assert refused.status_code == 422 and 'data-page="2"' in refused.text
    assert f'<details class="resolve" data-resolve="{task}" open>' in refused.text
    done = agent.post(
        f"/staff/exceptions/{task}/resolve",
        data={**form, "note": "claimed from the carrier"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/staff/exceptions?done={task}&page=2"


def test_a_self_shipped_parcel_is_named_by_the_brand_it_went_with(
    agent: TestClient, tracked: str, context: AppContext, clock: FakeClock
) -> None:
    waybill = "SF123456789012"
    add_shipment(
        context, tracked, clock.now, waybill, carrier="manual", brand="sf", carrier_name="顺丰速运"
    )
    broken = TrackingEvent(clock.now, TS.EXCEPTION, "外箱破损", "杭州", TrackingProblem.DAMAGED)
    limits = tracking_service.thresholds(context.settings)
    tracking_service.record(
        context.uow, "manual", waybill, [broken], clock.now, source="push", limits=limits
    )
    zh = agent.get("/staff/exceptions", headers={"Accept-Language": "zh-CN"}).text
    en = agent.get("/staff/exceptions", headers={"Accept-Language": "en"}).text
    assert f'data-carrier="manual">顺丰速运（自行寄回）<code>{waybill}</code>' in zh
    assert f'data-carrier="manual">SF Express (self-shipped)<code>{waybill}</code>' in en
    assert 'data-carrier="fastex">FastEx<code>FX1000</code>' in en  # as its parcel names it
