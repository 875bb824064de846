"""Each staff role's day at 1366 px, in Chinese and English (issue 16's "Done when").

The walk is done once, in Chinese, as a person works: sign in, read the home, open the
work, act, see the result. At each step the same page is opened in English in a twin tab
of the same session (`?lang=en`, read before the switch's cookie), so both languages are
photographed (artifacts/staff-days/<role>-<step>-<lang>.png, not committed) and read by
`tests/support/raw_codes.py` (no raw code, hand-made amount or other-language fragment);
each must fit the window's width and keep number and amount cells on one line.

Two tests, one seed and one server each: the returns desk (the agent approves a claim from
the queue; the warehouse receives, inspects and disposes of its parcel by the step links;
finance refunds it from the request page and sees it paid; the manager reads the home's
numbers and reassigns a request; the merchant works its own queue), and grievances and
administration (the mediator rules on a dispute, the agent answers a complaint, logistics
resolves a carrier exception from its home, the administrator adds a user and reads the
policy versions and return methods).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, FloatRect, Locator, Page, ViewportSize, expect

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.disposition import DEFAULT_RULES
from returnflow.domain.scans import TrackingEvent, TrackingProblem, TrackingStatus
from returnflow.services import analytics
from returnflow.services import tracking as tracking_service
from tests.api.test_disputes_api import open_for_customer, upheld
from tests.support.clock import FakeClock
from tests.support.raw_codes import findings
from tests.support.refunds import pay_refunds
from tests.support.shipments import add_shipment
from tests.test_console_pages import file
from tests.test_no_raw_codes import _data_words, _unknown

PASSWORD = "correct horse battery"
DESKTOP: ViewportSize = {"width": 1366, "height": 900}
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "staff-days"
# number, amount and time cells (not those holding lines of sentences) whose text takes
# two lines: an RMA number or an amount broken mid-word is a layout break (issue 16)
_BROKEN_CELLS = """() => [...document.querySelectorAll('td.code, td.num, td.when')]
  .filter(cell => !cell.querySelector('br, p, div, ul'))
  .map(cell => { const range = document.createRange(); range.selectNodeContents(cell);
    const tops = [...range.getClientRects()].map(r => r.top);
    const lines = new Set(tops.map(t => Math.round((t - Math.min(...tops)) / 12)));
    return [cell.textContent.trim(), lines.size]; })
  .filter(([text, lines]) => lines > 1).map(([text]) => text)"""
TALLEST = 2700  # px of a long page kept in its screenshot (three screens: PNGs cost time)
UNDRAWN = "[data-figure]:not([data-drawn])"  # the home's and analytics' charts, drawn by JS
HOUR = timedelta(hours=1)
OrderPayload = Callable[..., dict[str, Any]]
Tokens = Callable[..., str]


@pytest.fixture
def context(context: AppContext, tmp_path: Path) -> AppContext:
    """Finance refunds by hand (no instant refund, no refund asked by policy)."""
    settings = context.settings.model_copy(
        update={
            "upload_dir": str(tmp_path / "uploads"),
            "secret_key": "staff-days",
            "instant_refund_enabled": False,
            "refund_auto_request": False,
        }
    )
    return dataclasses.replace(context, settings=settings)


def _in_english(url: str) -> str:
    parts = urlsplit(url)._replace(fragment="")  # the walk's tab never carries lang=
    return urlunsplit(parts._replace(query="&".join(filter(None, (parts.query, "lang=en")))))


@dataclasses.dataclass
class Desk:
    """The staff console in one browser profile (one cache: plotly.js is fetched once):
    the walk's tab, in Chinese, and a twin tab that shows each page in English. People
    sign in one after another; `look` photographs and checks both tabs and keeps what it
    finds rather than raising, so a run lists every finding at once."""

    base: str
    tab: Page
    twin: Page
    tokens: Tokens
    words: set[str]  # the data's own words (names, titles, what people typed)
    role: str = ""
    found: list[str] = dataclasses.field(default_factory=list)

    def sign_in(self, role: Role, username: str, merchant_id: str | None = None) -> Desk:
        """A new account of the role, signed in (the screenshots are named by the role)."""
        self.tokens(role, merchant_id=merchant_id, username=username)
        self.role = role.value
        self.tab.context.clear_cookies()
        self.tab.goto(self.base + "/staff/login")
        self.tab.fill("input[name=username]", username)
        self.tab.fill("input[name=password]", PASSWORD)
        self.tab.click("main button[type=submit]")
        expect(self.tab).to_have_url(self.base + "/staff")
        return self

    def type(self, field: Locator, words: str) -> None:
        """Types what a person writes: their own words, which a page may show as typed."""
        field.fill(words)
        self.words.add(words)

    def go(self, path: str) -> None:
        answer = self.tab.goto(self.base + path)
        assert answer is not None and answer.status == 200, path

    def look(self, step: str) -> None:
        self._check(self.tab, step, "zh")
        target = _in_english(self.tab.url)
        answer = self.twin.reload() if self.twin.url == target else self.twin.goto(target)
        assert answer is not None and answer.status == 200, f"{self.tab.url} in English"
        expect(self.twin.locator("html")).to_have_attribute("lang", "en")
        self._check(self.twin, step, "en")

    def _check(self, tab: Page, step: str, language: str) -> None:
        expect(tab.locator(UNDRAWN)).to_have_count(0)
        where = f"{self.role}-{step}-{language}"
        self.found += [f"{where}: {f}" for f in findings(tab.content(), language, self.words)]
        wide = tab.evaluate("document.documentElement.scrollWidth")
        if wide > DESKTOP["width"]:
            self.found.append(f"{where}: layout: the page is {wide} px wide")
        self.found += [
            f"{where}: layout: {cell!r} on two lines" for cell in tab.evaluate(_BROKEN_CELLS)
        ]
        high = min(tab.evaluate("document.documentElement.scrollHeight"), TALLEST)
        box: FloatRect = {"x": 0, "y": 0, "width": DESKTOP["width"], "height": high}
        tab.screenshot(path=str(SHOTS / f"{where}.png"), full_page=True, clip=box)

    def verdict(self) -> None:
        print("\n".join(self.found))  # those the raw-code test knows are printed, not failed
        assert _unknown(self.found) == [], "\n".join(_unknown(self.found))


@pytest.fixture
def desk(browser: Browser, live_server: str, tokens: Tokens) -> Iterator[Desk]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    profile = browser.new_context(locale="zh-CN", viewport=DESKTOP)
    profile.set_default_timeout(10_000)
    tab, twin = profile.new_page(), profile.new_page()
    # rule names are the rule book's own (data), shown beside the suggestion in words
    yield Desk(live_server, tab, twin, tokens, {rule.id for rule in DEFAULT_RULES})
    profile.close()


def _claims(client: TestClient, order_payload: OrderPayload) -> tuple[str, str, str]:
    """Quality claims waiting for review: two on m-babycare's order, one on m-kidsmart's."""
    order = order_payload()
    order["lines"][0]["quantity"] = 3
    assert client.post("/api/v1/orders", json=order).status_code == 201
    other = order_payload(order_no="SO-2001", merchant_id="m-kidsmart")
    assert client.post("/api/v1/orders", json=other).status_code == 201
    first, second = file(client)["rma_no"], file(client)["rma_no"]
    return first, second, file(client, "SO-2001")["rma_no"]


def _agent_approves(desk: Desk, rma: str) -> None:
    expect(desk.tab.locator("[data-tile=review]")).to_contain_text("3")
    desk.look("home")
    desk.tab.click("[data-menu=review]")
    expect(desk.tab.locator("h1")).to_have_text("待审核队列")
    expect(desk.tab.locator("table.queue tbody tr")).to_have_count(3)
    desk.look("queue")
    desk.tab.click(f"table.queue a:text('{rma}')")
    expect(desk.tab.locator(f"h1:has-text('{rma}') .status")).to_have_text("待审核")
    desk.look("request")
    desk.tab.click("form[data-action=approve] button[type=submit]")
    status = desk.tab.locator("h1 .status")
    expect(status).to_have_attribute("data-status", "approved")
    expect(status).to_have_text("审核通过，待寄回")
    desk.look("approved")
    desk.tab.click("[data-menu=review]")
    expect(desk.tab.locator("table.queue tbody tr")).to_have_count(2)


def _warehouse_handles(desk: Desk, rma: str, waybill: str) -> None:
    expect(desk.tab.locator("[data-tile=warehouse]")).to_be_visible()
    desk.look("home")
    desk.tab.click("[data-menu=receiving]")
    desk.tab.fill("#code", waybill)
    desk.tab.press("#code", "Enter")
    expect(desk.tab.locator(f'#expected[data-rma="{rma}"]')).to_be_visible()
    desk.tab.click("[data-confirm]")
    expect(desk.tab.locator("#next-step")).to_have_attribute("data-received", rma)
    desk.look("received")
    desk.tab.click("[data-link=inspect-received]")
    expect(desk.tab.locator("h1")).to_contain_text(rma)
    desk.tab.locator("select[name=grade]").select_option("A")
    desk.look("inspect")
    desk.tab.click("#inspect-form button.primary[type=submit]")
    expect(desk.tab.locator("#next-step")).to_have_attribute("data-kept", "true")
    desk.look("inspected")
    desk.tab.click("#next-step [data-link=dispose-next]")
    desk.tab.fill("form[data-action=dispose] input[name=bin]", "A-01-01")
    desk.tab.click("form[data-action=dispose] button[type=submit]")
    expect(desk.tab.locator("[data-chosen]")).to_contain_text("已处置：重新上架")
    desk.look("disposed")
    desk.tab.click("#next-step [data-link=awaiting-disposition]")  # every line decided
    expect(desk.tab).to_have_url(desk.base + "/staff/warehouse/awaiting-disposition")
    expect(desk.tab.locator(f'tr[data-rma="{rma}"]')).to_have_count(0)


def _finance_refunds(desk: Desk, context: AppContext, rma: str) -> None:
    expect(desk.tab.locator("[data-tile=search]")).to_be_visible()
    desk.tab.click("[data-menu=finance]")
    expect(desk.tab.locator("h1")).to_have_text("财务")
    expect(desk.tab.locator("[data-count=awaiting-refund]")).to_have_text("1")
    desk.look("home")
    desk.tab.click("#awaiting-refund a.button")  # the home opens on finance's next work
    expect(desk.tab.locator("table.results tbody tr")).to_have_count(1)
    desk.look("inspected-requests")
    desk.tab.click(f"table.results a:text('{rma}')")
    desk.tab.click("#refund form button[type=submit]")
    state = desk.tab.locator("[data-refund-status]")
    expect(state).to_have_attribute("data-refund-status", "requested")
    pay_refunds(context)  # the worker, the sandbox gateway settling at once
    desk.tab.reload()
    expect(state).to_have_attribute("data-refund-status", "succeeded")
    desk.look("refund-paid")


def _manager_reassigns(desk: Desk, rma: str) -> None:
    expect(desk.tab.locator("[data-home-analytics]")).to_be_visible()
    desk.look("home")
    desk.tab.click("[data-menu=review]")
    row = desk.tab.locator(f'tr[data-rma="{rma}"]')
    expect(row.locator("[data-holder]")).to_have_attribute("data-holder", "none")
    row.locator("form[data-action=assign] select").select_option(label="li.na")
    row.locator("form[data-action=assign] button").click()
    expect(row.locator(".holder")).to_have_text("li.na")
    row.locator("form[data-action=assign] select").select_option(label="zhao.lei")
    row.locator("form[data-action=assign] button").click()
    expect(row.locator(".holder")).to_have_text("zhao.lei")
    held = desk.tab.locator("[data-workload] li", has_text="zhao.lei")
    expect(held).to_have_attribute("data-held", "1")
    desk.look("reassigned")


def _merchant_works_its_queue(desk: Desk, mine: str, theirs: str) -> None:
    desk.look("home")
    desk.tab.click("[data-menu=review]")
    expect(desk.tab.locator("table.queue tbody tr")).to_have_count(1)
    expect(desk.tab.locator(f'tr[data-rma="{theirs}"]')).to_have_count(0)
    desk.look("queue")
    desk.tab.click(f"table.queue a:text('{mine}')")
    desk.tab.click("form[data-action=approve] button[type=submit]")
    expect(desk.tab.locator("h1 .status")).to_have_attribute("data-status", "approved")
    desk.look("approved")


def test_the_returns_desk_day_agent_warehouse_finance_manager_merchant(
    desk: Desk,
    client: TestClient,
    tokens: Tokens,
    order_payload: OrderPayload,
    context: AppContext,
    clock: FakeClock,
) -> None:
    first, second, other = _claims(client, order_payload)
    tokens(Role.AGENT, username="zhao.lei")  # the manager's second choice
    desk.words |= _data_words(context)

    _agent_approves(desk.sign_in(Role.AGENT, "li.na"), first)
    shipped = {"carrier": "SF", "tracking_no": "SF7700001"}
    assert client.post(f"/api/v1/returns/{first}/ship", json=shipped).is_success
    _warehouse_handles(desk.sign_in(Role.WAREHOUSE, "zhang.wei"), first, "SF7700001")
    _finance_refunds(desk.sign_in(Role.FINANCE, "liu.yang"), context, first)
    with context.uow(publish=False) as uow:  # the home's figures, as the worker keeps them
        analytics.rebuild(uow, clock.now)
        uow.commit(clock.now)
    _manager_reassigns(desk.sign_in(Role.MANAGER, "wang.min"), second)
    _merchant_works_its_queue(desk.sign_in(Role.MERCHANT, "babycare", "m-babycare"), second, other)
    desk.verdict()


def _grievances(
    client: TestClient, tokens: Tokens, order_payload: OrderPayload, context: AppContext
) -> tuple[str, str]:
    """A dispute both sides were heard in, a complaint on the hotline, a damaged parcel."""
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    rma = upheld(client)
    dispute = str(open_for_customer(client, tokens, rma)["dispute_no"])
    seller = {"Authorization": f"Bearer {tokens(Role.MERCHANT, 'm-babycare', 'babycare')}"}
    evidence = {"kind": "statement", "text": "出库前逐件检验，怀疑运输中磕碰。"}
    answer = client.post(f"/api/v1/disputes/{dispute}/evidence", json=evidence, headers=seller)
    assert answer.status_code == 201, answer.text
    said = {"channel": "hotline", "text": "客服电话一直占线，退款进度没人告诉我。"}
    kind = {"order_no": "SO-1001", "category": "service_attitude", "urgency": "ordinary"}
    filed = client.post("/api/v1/complaints", json=said | kind)
    assert filed.status_code == 201, filed.text
    parcel = file(client, reason="no_reason", line_no=2)["rma_no"]  # approved at once
    at, problem = context.clock(), TrackingProblem.DAMAGED
    add_shipment(context, parcel, at)
    scans = [
        TrackingEvent(at, TrackingStatus.ACCEPTED, "快递员已揽收", "深圳"),
        TrackingEvent(at + HOUR, TrackingStatus.EXCEPTION, "外箱破损", "上海转运中心", problem),
    ]
    limits = tracking_service.thresholds(context.settings)
    tracking_service.record(
        context.uow, "fastex", "FX1000", scans, at, source="push", limits=limits
    )
    return dispute, str(filed.json()["complaint_no"])


def _mediator_rules(desk: Desk, dispute: str) -> None:
    expect(desk.tab.locator("[data-tile=disputes]")).to_be_visible()
    desk.tab.click("[data-menu=disputes]")
    desk.tab.click("a[data-tab=under_review]")
    expect(desk.tab.locator(f"tr[data-dispute='{dispute}']")).to_be_visible()
    desk.look("disputes")
    desk.tab.click(f"tr[data-dispute='{dispute}'] a[href='/staff/disputes/{dispute}']")
    expect(desk.tab.locator("section[data-side=merchant]")).to_contain_text("出库前逐件检验")
    desk.look("dispute")
    form = desk.tab.locator("form[data-action=ruling]")
    form.locator("input[name=outcome][value=customer]").check()
    form.locator("select[name=liable]").select_option("merchant")
    desk.type(form.locator("textarea[name=reason]"), "商家未能证明商品出库完好，支持顾客退款。")
    form.locator("button[type=submit]").click()
    expect(desk.tab.locator("#ruling")).to_have_attribute("data-outcome", "customer")
    expect(desk.tab.locator("form[data-action=ruling]")).to_have_count(0)
    desk.look("ruled")


def _agent_answers(desk: Desk, complaint: str) -> None:
    desk.tab.click("[data-menu=complaints]")
    row = desk.tab.locator(f"tr[data-complaint='{complaint}']")
    expect(row).to_have_attribute("data-status", "open")
    desk.look("complaints")
    desk.tab.click(f"a:text('{complaint}')")
    answer = desk.tab.locator("form[data-action=resolve] textarea")
    desk.type(answer, "已核实退款进度，今天内到账，并致歉。")
    desk.tab.click("form[data-action=resolve] button")
    expect(desk.tab.locator("[role=status]")).to_contain_text("已解决")
    desk.look("complaint-resolved")


def _logistics_resolves(desk: Desk) -> None:
    tile = desk.tab.locator("[data-tile=exceptions]")
    expect(tile.locator("[data-count=exceptions]")).to_have_attribute("data-open", "1")
    desk.look("home")
    tile.locator("[data-link=exceptions]").click()
    expect(desk.tab.locator("li.task[data-open=true]")).to_have_count(1)
    desk.look("exceptions")
    task = desk.tab.locator("li.task[data-open=true]")
    task.locator("details.resolve > summary").click()
    desk.type(task.locator("input[name=note]"), "已联系承运商索赔，顾客已致电确认。")
    task.locator("form[data-action=resolve] button[type=submit]").click()
    expect(desk.tab.locator("[role=status]")).to_be_visible()
    expect(desk.tab.locator("li.task[data-open=true]")).to_have_count(0)
    desk.look("resolved")


def _admin_pages(desk: Desk) -> None:
    desk.go("/staff/users")
    before = desk.tab.locator("table tbody tr").count()
    desk.look("users")
    form = desk.tab.locator("form[data-form=add-user]")
    form.locator("input[name=username]").fill("qian.hui")
    desk.type(form.locator("input[name=display_name]"), "钱慧")
    form.locator("select[name=role]").select_option("agent")
    form.locator("button[type=submit]").click()
    expect(desk.tab.locator("[data-shown]")).to_have_attribute("data-shown", "qian.hui")
    desk.words.add(desk.tab.locator("[data-password]").inner_text())  # random: words to it
    expect(desk.tab.locator("table tbody tr")).to_have_count(before + 1)
    desk.look("user-added")
    desk.go("/staff/admin/policy")
    expect(desk.tab.locator("#rules[data-version='1']")).to_be_visible()
    desk.look("policy")
    desk.go("/staff/admin/return-methods")
    expect(desk.tab.locator("[data-method]").first).to_be_visible()
    desk.look("return-methods")


def test_grievances_and_administration_mediator_agent_logistics_admin(
    desk: Desk,
    client: TestClient,
    tokens: Tokens,
    order_payload: OrderPayload,
    context: AppContext,
    clock: FakeClock,
) -> None:
    dispute, complaint = _grievances(client, tokens, order_payload, context)
    clock.advance(hours=5)
    desk.words |= _data_words(context)
    _mediator_rules(desk.sign_in(Role.MEDIATOR, "zhou.ting"), dispute)
    _agent_answers(desk.sign_in(Role.AGENT, "li.na"), complaint)
    _logistics_resolves(desk.sign_in(Role.LOGISTICS, "sun.li"))
    _admin_pages(desk.sign_in(Role.ADMIN, "sys.root"))
    desk.verdict()
