"""Downloads of the analyses and scorecards (issue 14, R9.2, R9.5, R11.2, R12.2).

Planted as the pages' own tests plant them (tests/api/test_analyses_api.py: m-babycare's
bottle leaks 4 times in 20; tests/api/test_scorecards_api.py: Alpha Store and Beta Shop's
March). Each file holds the page's numbers, a merchant downloads only its own, the media
types are CSV (UTF-8 with BOM) and XLSX, and a text cell starting with "=" is neutralised.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

from openpyxl import load_workbook

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.text import Text
from returnflow.services import analysis_exports
from tests.api.test_analyses_api import planted as _planted  # noqa: F401  (autouse fixture)
from tests.api.test_scorecards_api import MARCH, plant
from tests.test_console_pages import sign_in

Tokens = Callable[..., str]
EN = {"Accept-Language": "en"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _browser(context: AppContext, tokens: Tokens, role: Role, merchant: str | None = None) -> Any:
    name = f"{role.value}-{merchant or 'x'}"
    tokens(role, merchant_id=merchant, username=name)
    return sign_in(context, name)


def _csv(answer: Any) -> list[list[str]]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"].startswith("attachment; filename=")
    assert answer.content.startswith(b"\xef\xbb\xbf")  # the BOM
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))


def _xlsx(answer: Any) -> list[list[Any]]:
    assert answer.status_code == 200 and answer.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _page_cells(html: str, attribute: str, key: str) -> list[str]:
    row = html.split(f'<tr {attribute}="{key}"')[1].split("</tr>")[0]
    return [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r'<td class="num">(.*?)</td>', row)
    ]


def test_the_insights_tables_download_with_the_page_s_numbers(
    context: AppContext, tokens: Tokens
) -> None:
    manager = _browser(context, tokens, Role.MANAGER)
    html = manager.get("/staff/analytics/insights", headers=EN).text
    assert html.count('class="dl-links"') == 5
    link = re.search(r'href="(/staff/analytics/insights/problems\.csv\?[^"]+)"', html)
    assert link
    rows = _csv(manager.get(link.group(1).replace("&amp;", "&"), headers=EN))
    assert rows[0][:6] == [
        "Key",
        "Name",
        "Merchant",
        "Category",
        "Units delivered",
        "Fault returns",
    ]
    (bottle,) = rows[1:]
    page = _page_cells(html, "data-problem", "BOTTLE")  # 20, 4, 20.0%, 6.7%, 3.0×
    assert page == ["20", "4", "20.0%", "6.7%", "3.0×"]
    assert bottle[0] == "BOTTLE" and bottle[4:9] == ["20", "4", "20.0", "6.7", "3.0"]
    sheet = _xlsx(manager.get(link.group(1).replace("&amp;", "&").replace(".csv", ".xlsx")))
    assert sheet[1][0] == "BOTTLE" and sheet[1][4:9] == [20, 4, 20.0, 6.7, 3.0]
    forecast = _csv(manager.get("/staff/analytics/insights/forecast.csv"))
    days = re.findall(r'<tr data-day="([^"]+)"><td>[^<]+</td><td class="num">([\d,]+)</td>', html)
    assert [(r[0], r[1]) for r in forecast[1:]] == [(d, n.replace(",", "")) for d, n in days]
    assert len(forecast) == 15
    reasons = _csv(manager.get("/staff/analytics/insights/reasons.csv"))
    assert sum(int(r[2]) for r in reasons[1:]) == 5  # the page's five described lines
    for table in ("segments", "correlations"):
        assert len(_xlsx(manager.get(f"/staff/analytics/insights/{table}.xlsx"))) > 1
    assert manager.get("/staff/analytics/insights/everything.csv").status_code == 422
    assert manager.get("/staff/analytics/insights/problems.pdf").status_code == 422


def test_a_merchant_downloads_only_its_own(context: AppContext, tokens: Tokens) -> None:
    merchant = _browser(context, tokens, Role.MERCHANT, "m-other")
    reasons = _csv(merchant.get("/staff/analytics/insights/reasons.csv", headers=EN))
    flat = " ".join(" ".join(r) for r in reasons)
    assert "the handle cracked" in flat and "漏水" not in flat
    problems = _csv(merchant.get("/staff/analytics/insights/problems.csv?by=listing"))
    assert all("m-babycare" not in " ".join(r) for r in problems)
    bad = merchant.get("/staff/analytics/insights/problems.csv?from=2024-01-01&to=2026-01-01")
    assert bad.status_code == 422


def test_the_scorecards_download_whole_and_scoped(context: AppContext, tokens: Tokens) -> None:
    plant(context)
    manager = _browser(context, tokens, Role.MANAGER)
    html = manager.get(f"/staff/scorecards/merchants?{MARCH}", headers=EN).text
    assert 'data-downloads="/staff/scorecards/merchants"' in html
    rows = _csv(manager.get(f"/staff/scorecards/merchants.csv?{MARCH}", headers=EN))
    assert [(r[0], r[2], r[3]) for r in rows[1:]] == [
        ("1", "Beta Shop", "87.5"),
        ("2", "Alpha Store", "67.5"),
    ]  # the page: m-b 87.5 first, m-a 67.5
    charged = {r[2]: r[-1] for r in rows[1:]}
    assert "50.00" in charged.values()  # the page's ¥50.00 (5000 fen)
    sheet = _xlsx(manager.get(f"/staff/scorecards/merchants.xlsx?{MARCH}"))
    assert [row[3] for row in sheet[1:]] == [87.5, 67.5]
    own = _browser(context, tokens, Role.MERCHANT, "m-a")
    mine = _csv(own.get(f"/staff/scorecards/merchants.csv?{MARCH}"))
    assert len(mine) == 2 and mine[1][2] == "Alpha Store" and mine[1][:2] == ["2", "2"]
    assert "Beta Shop" not in own.get(f"/staff/scorecards/merchants.csv?{MARCH}").text
    assert own.get(f"/staff/scorecards/staff.csv?{MARCH}").status_code == 403
    staff = _csv(manager.get(f"/staff/scorecards/staff.csv?{MARCH}", headers=EN))
    zhao = next(r for r in staff if r[0] == "zhao")
    assert zhao[9:11] == ["3", "1.5"]  # the page: 3 inspections, 1.5 an hour
    assert any(r[0] == "Key accounts" for r in staff)


def test_a_formula_is_neutralised_in_both_formats() -> None:
    table = analysis_exports.Table(
        "t", "t", (Text("名称", "Name"), Text("数", "n")), [['=HYPERLINK("x")', 3], ["-5", -5]]
    )
    rows = list(
        csv.reader(
            io.StringIO(analysis_exports.file(table, "csv", "en").content.decode("utf-8-sig"))
        )
    )
    assert rows == [["Name", "n"], ['\'=HYPERLINK("x")', "3"], ["-5", "-5"]]
    book = load_workbook(io.BytesIO(analysis_exports.file(table, "xlsx", "zh").content))
    sheet = book.active
    assert sheet is not None
    assert [c.value for c in sheet[2]] == ['\'=HYPERLINK("x")', 3]
    assert sheet["A2"].data_type == "s" and sheet["A1"].value == "名称"
