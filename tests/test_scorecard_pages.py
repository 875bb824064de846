"""The scorecard pages (R11.2, R12.2) on both databases, over the API test's planted month.

Managers read every merchant ranked and the staff's figures; a merchant reads its own
card (rank among n, no other name) and sees its headline on its console home; both
languages, the console's money format; every text has its Chinese translation.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from jinja2.ext import babel_extract

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.money import Money
from returnflow.web.templating import money
from tests.api.test_scorecards_api import MARCH, plant
from tests.test_console_pages import sign_in

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
WEB = Path(__file__).resolve().parents[1] / "src" / "returnflow" / "web"
OURS = ("scorecards_macros.html", "scorecards_merchants.html", "scorecards_staff.html")


def _browser(
    context: AppContext, tokens: Any, role: Role, merchant_id: str | None = None
) -> TestClient:
    username = f"{role.value}-{merchant_id or 'x'}"
    tokens(role, merchant_id=merchant_id, username=username)
    return sign_in(context, username)


def test_managers_read_every_merchant_ranked(context: AppContext, tokens: Any) -> None:
    plant(context)
    manager = _browser(context, tokens, Role.MANAGER)
    page = manager.get(f"/staff/scorecards/merchants?{MARCH}", headers=EN)
    assert page.status_code == 200
    html = page.text
    assert 'data-menu="scorecards"' in html and "Merchant scorecards" in html
    rows = re.findall(r'data-merchant="([^"]+)" data-rank="(\d+)" data-score="([^"]+)"', html)
    assert rows == [("m-b", "1", "87.5"), ("m-a", "2", "67.5")]
    assert "Alpha Store" in html and "Beta Shop" in html
    assert "▼" not in html and "▲" not in html  # February's single survey is no score
    assert f'data-charged="5000">{money(Money(5000), "en")}<' in html
    assert "80.0%" in html and "24.0 h" in html
    chinese = manager.get(f"/staff/scorecards/merchants?{MARCH}", headers=ZH).text
    assert "商家考核" in chinese and "综合评分" in chinese and money(Money(5000), "zh") in chinese


def test_a_merchant_reads_its_own_card_and_its_home_headline(
    context: AppContext, tokens: Any
) -> None:
    plant(context)
    merchant = _browser(context, tokens, Role.MERCHANT, "m-a")
    page = merchant.get(f"/staff/scorecards/merchants?{MARCH}", headers=EN).text
    assert "My scorecard" in page and "Rank 2 of 2 merchants" in page
    assert "Beta Shop" not in page and "m-b" not in page
    assert 'data-figure="charged"' in page and "Staff scorecards" not in page
    assert merchant.get("/staff/scorecards/staff").status_code == 403
    home = merchant.get("/staff", headers=ZH).text  # the last 30 days: nothing in November
    assert 'data-tile="scorecard"' in home and "我的考核" in home


def test_staff_figures_per_person_and_team(context: AppContext, tokens: Any) -> None:
    plant(context)
    manager = _browser(context, tokens, Role.MANAGER)
    html = manager.get(f"/staff/scorecards/staff?{MARCH}", headers=EN).text
    assert 'data-person="agent:wang"' in html and 'data-team="key_accounts"' in html
    assert re.search(r'data-person="warehouse:zhao"[^>]*data-inspections="3"', html)
    assert 'data-per-hour="1.5"' in html and "Key accounts" in html
    narrowed = manager.get(f"/staff/scorecards/staff?{MARCH}&team=warehouse", headers=ZH).text
    assert 'data-person="warehouse:zhao"' in narrowed and "agent:wang" not in narrowed
    assert "员工考核" in narrowed and "每小时质检数" in narrowed
    agent = _browser(context, tokens, Role.AGENT)
    assert 'data-menu="scorecards"' not in agent.get("/staff").text
    assert agent.get("/staff/scorecards/merchants").status_code == 403


def test_a_reversed_period_is_refused_in_the_reader_s_language(
    context: AppContext, tokens: Any
) -> None:
    manager = _browser(context, tokens, Role.MANAGER)
    page = manager.get("/staff/scorecards/merchants?from=2026-03-31&to=2026-03-01", headers=ZH)
    assert page.status_code == 422 and "开始日期不能晚于结束日期" in page.text


def test_every_scorecard_text_has_a_chinese_translation() -> None:
    known: set[str] = set()
    for po in (WEB / "locale" / "zh" / "LC_MESSAGES").glob("*.po"):
        with po.open("rb") as handle:
            known |= {str(m.id) for m in read_po(handle) if m.id and m.string}
    missing = []
    for name in (*OURS, "_scorecard_home.html"):
        with (WEB / "templates" / "staff" / name).open("rb") as handle:
            for _, _, message, _ in babel_extract(handle, ("_", "gettext"), [], {}):
                msgid = message if isinstance(message, str) else str((message or ("",))[0])
                if msgid not in known:
                    missing.append(f"{name}: {msgid}")
    assert missing == []
