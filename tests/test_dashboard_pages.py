"""The dashboard pages (issue 14, R9.3) on SQLite and PostgreSQL, over the KPI API's planted
month (tests/api/test_analytics_planted.py; the hand counts: tests/test_dashboards.py).

/staff/analytics shows the KPI tiles and every chart with its table and downloads, in
both languages; a point's drill-down lists its requests, linked to their pages;
CSV (with a BOM, formula-safe) and XLSX carry the same rows; plotly.js comes from the
installed package; merchants see only their own; bad periods are clear errors.
"""

from __future__ import annotations

import csv
import io
import re
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from jinja2.ext import babel_extract
from openpyxl import load_workbook

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.money import Money
from returnflow.services import analytics
from returnflow.services.dashboard_files import _clean
from returnflow.web.templating import money
from tests.api.test_analytics_planted import plant
from tests.test_console_pages import sign_in

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
NOVEMBER = "from=2026-11-01&to=2026-11-30"
WEB = Path(__file__).resolve().parents[1] / "src" / "returnflow" / "web"
OURS = ("analytics.html", "analytics_macros.html", "analytics_requests.html", "home.html")


@pytest.fixture
def planted(context: AppContext) -> AppContext:
    plant(context)
    with context.uow(publish=False) as uow:
        analytics.rebuild(uow, context.clock())
        uow.commit(context.clock())
    return context


def _browser(
    context: AppContext, tokens: Any, role: Role, merchant: str | None = None
) -> TestClient:
    username = f"dash-{role.value}-{merchant or 'x'}"
    tokens(role, merchant_id=merchant, username=username)
    return sign_in(context, username)


def _table(html: str, chart: str) -> str:
    start = html.index(f'id="chart-{chart}"')
    return html[start : html.index("</section>", start)]


def test_the_dashboard_shows_tiles_charts_tables_and_downloads(
    planted: AppContext, tokens: Any
) -> None:
    manager = _browser(planted, tokens, Role.MANAGER)
    page = manager.get(f"/staff/analytics?{NOVEMBER}", headers=EN)
    assert page.status_code == 200, page.text
    html = page.text
    assert 'data-menu="analytics"' in html and 'aria-current="page">Analytics' in html
    assert 'data-kpi="return_rate" data-value="0.3636"' in html and "36.4%" in html
    assert money(Money(1550), "en") in html  # the logistics cost per return tile
    for name in (
        "return_rate",
        "reasons",
        "stage_times",
        "sla",
        "refund_cycle",
        "satisfaction",
        "cost",
    ):
        assert f'id="chart-{name}"' in html and f"/staff/analytics/charts/{name}.csv?" in html
    rates = _table(html, "return_rate")
    assert re.search(r'data-key="baby" data-day="2026-11-04">.*?>66.7%<', rates, re.S)  # 2 of 3
    assert ">Baby</td>" in rates and ">All categories</td>" in rates
    assert "data-figure=" in rates and "/staff/analytics/requests?" in rates
    reasons = _table(html, "reasons")
    assert ">not as described</td>" in reasons and ">quality fault</td>" in reasons
    # plotly from the package, our own script; no outside script
    assert re.search(r'<script src="/static/vendor/plotly.min.js\?v=[\d.]+" defer>', html)
    assert not re.search(r"<script[^>]+src=\"https?://", html)
    chinese = manager.get(f"/staff/analytics?{NOVEMBER}", headers=ZH).text
    assert "数据分析" in chinese and "退货率趋势（按品类）" in chinese and "母婴" in chinese
    assert money(Money(8900), "zh") in chinese


def test_filters_and_what_does_not_apply(planted: AppContext, tokens: Any) -> None:
    manager = _browser(planted, tokens, Role.MANAGER)
    html = manager.get(f"/staff/analytics?{NOVEMBER}&category=baby&carrier=sf", headers=EN).text
    assert 'data-ignored="category carrier"' in _table(html, "stage_times")
    assert 'data-ignored="carrier"' in _table(html, "cost")
    assert "data-ignored" not in _table(html, "reasons")
    assert 'data-ignored="kpis"' in html
    assert '<option value="m-b"' in html  # merchants to choose from


def test_drill_down_lists_the_requests_behind_a_point(planted: AppContext, tokens: Any) -> None:
    manager = _browser(planted, tokens, Role.MANAGER)
    html = manager.get(f"/staff/analytics?{NOVEMBER}", headers=EN).text
    link = re.search(
        r'data-key="baby" data-day="2026-11-04">.*?<a href="([^"]+)" data-drill>',
        _table(html, "return_rate"),
        re.S,
    )
    assert link is not None
    listed = manager.get(link.group(1).replace("&amp;", "&"), headers=EN)
    assert listed.status_code == 200
    assert 'data-total-requests="1" data-total-units="2"' in listed.text  # the point: 2 units
    rma = re.findall(r'data-rma="([^"]+)" data-units="(\d+)"', listed.text)
    assert len(rma) == 1 and rma[0][1] == "2"
    assert f'href="/staff/returns/{rma[0][0]}"' in listed.text
    quality = manager.get(f"/staff/analytics/requests?{NOVEMBER}&reason=quality", headers=ZH).text
    assert 'data-total-requests="2" data-total-units="2"' in quality
    assert "申请原因：质量问题" in quality


def test_chart_downloads_csv_and_xlsx(planted: AppContext, tokens: Any) -> None:
    manager = _browser(planted, tokens, Role.MANAGER)
    answer = manager.get(f"/staff/analytics/charts/cost.csv?{NOVEMBER}", headers=ZH)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert 'filename="cost-2026-11-01-2026-11-30.csv"' in answer.headers["content-disposition"]
    assert answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["from", "to", "发运的退货"]
    assert ["2026-11-04", "2026-11-04", "2", "31.00", "15.50", "0", "0.00"] in rows
    reasons = manager.get(f"/staff/analytics/charts/reasons.xlsx?{NOVEMBER}", headers=EN)
    assert reasons.status_code == 200
    sheet = load_workbook(io.BytesIO(reasons.content))["reasons"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["code", "Reason", "Units returned", "Share", "Cumulative share"]
    assert values[1][0] == "not_as_described" and values[1][2:] == [2, 0.5, 0.5]
    assert manager.get(f"/staff/analytics/charts/nothing.csv?{NOVEMBER}").status_code == 404
    assert manager.get(f"/staff/analytics/charts/cost.pdf?{NOVEMBER}").status_code == 404
    assert _clean("=HYPERLINK(1)") == "'=HYPERLINK(1)" and _clean("-12.50") == "-12.50"


def test_plotly_is_served_from_the_installed_package(client: TestClient) -> None:
    answer = client.get("/static/vendor/plotly.min.js?v=1")
    packaged = (resources.files("plotly") / "package_data" / "plotly.min.js").read_bytes()
    assert answer.status_code == 200 and answer.content == packaged
    assert "max-age=31536000" in answer.headers["cache-control"]
    assert answer.headers["content-type"].startswith("text/javascript")


def test_merchants_see_their_own_and_a_bad_period_is_a_clear_error(
    planted: AppContext, tokens: Any
) -> None:
    shop = _browser(planted, tokens, Role.MERCHANT, "m-b")
    html = shop.get(f"/staff/analytics?{NOVEMBER}", headers=EN).text
    assert 'data-kpi="return_rate" data-value="0.25"' in html  # O3: 1 of 4
    assert 'name="merchant"' not in html
    assert shop.get(f"/staff/analytics?{NOVEMBER}&merchant=m-a").status_code == 403
    assert (
        shop.get(f"/staff/analytics/charts/reasons.csv?{NOVEMBER}&merchant=m-a").status_code == 403
    )
    listed = shop.get(f"/staff/analytics/requests?{NOVEMBER}", headers=EN).text
    assert 'data-total-requests="1" data-total-units="1"' in listed  # R4 only
    home = shop.get("/staff", headers=EN).text
    assert "data-home-analytics" in home and 'data-chart="return_rate"' in home
    assert 'data-chart="reasons"' in home and 'data-link="all-analytics"' in home
    manager = _browser(planted, tokens, Role.MANAGER)
    for query, code in (
        ("from=2026-11-30&to=2026-11-01", "date_range_reversed"),
        ("from=2025-01-01&to=2026-11-01", "date_range_too_long"),
        ("from=2026-02-30", "date_invalid"),
    ):
        for path in (
            "/staff/analytics",
            "/staff/analytics/requests",
            "/staff/analytics/charts/sla.csv",
        ):
            answer = manager.get(f"{path}?{query}", headers=ZH)
            assert answer.status_code == 422, (path, query)
            assert f'data-code="{code}"' in answer.text, (path, query, answer.text[:300])
    agent = _browser(planted, tokens, Role.AGENT)
    assert "data-home-analytics" not in agent.get("/staff").text
    assert agent.get("/staff/analytics").status_code == 403


def test_every_dashboard_text_has_a_chinese_translation() -> None:
    known: set[str] = set()
    for po in (WEB / "locale" / "zh" / "LC_MESSAGES").glob("*.po"):
        with po.open("rb") as handle:
            known |= {str(m.id) for m in read_po(handle) if m.id and m.string}
    missing = []
    for name in OURS:
        with (WEB / "templates" / "staff" / name).open("rb") as handle:
            for _, _, message, _ in babel_extract(handle, ("_", "gettext"), [], {}):
                msgid = message if isinstance(message, str) else str((message or ("",))[0])
                if msgid not in known:
                    missing.append(f"{name}: {msgid}")
    assert missing == []
