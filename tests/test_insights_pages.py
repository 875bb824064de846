"""The insights page /staff/analytics/insights (issue 14, R9.2, R9.5), both languages.

Planted as tests/api/test_analyses_api.py plants it: m-babycare's bottle leaks, four
times out of 20, and tops the problem products; a merchant sees its own only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from tests.api.test_analyses_api import planted as _planted  # noqa: F401  (autouse fixture)
from tests.test_console_pages import sign_in

Tokens = Callable[..., str]
OrderPayload = Callable[..., dict[str, Any]]
EN = {"Accept-Language": "en"}


@pytest.fixture
def manager(context: AppContext, tokens: Tokens) -> TestClient:
    tokens(Role.MANAGER, username="wang.jing")
    return sign_in(context, "wang.jing")


def test_the_manager_reads_the_insights_in_chinese(manager: TestClient) -> None:
    page = manager.get("/staff/analytics/insights")
    assert page.status_code == 200, page.text
    html = page.text
    assert "洞察分析" in html and "退货到件预测：未来 14 天" in html
    assert 'data-problem="BOTTLE"' in html and "漏水" in html
    assert "预计" in html and "名质检员" in html  # the staffing headline
    assert html.count("<tr data-day=") == 14 and "<polyline" in html
    assert 'data-factor="category:kitchen"' in html
    assert "quality" not in html.split('id="reasons"')[1].split("</section>")[0]  # words, not codes
    assert "主要申请原因：质量问题" in html


def test_and_in_english(manager: TestClient) -> None:
    html = manager.get("/staff/analytics/insights", headers=EN).text
    assert "Incoming returns: the next 14 days" in html and "Problem products" in html
    assert "Mostly filed as: quality fault" in html and re.search(
        r"Expected \d+ parcels on \w+ \d\d \w+, \d+ inspectors? needed", html
    )
    assert "退货到件预测" not in html
    by_listing = manager.get("/staff/analytics/insights?by=listing", headers=EN).text
    assert 'data-problem="m-babycare/BOTTLE"' in by_listing


def test_a_merchant_sees_its_own_and_a_bad_period_is_explained(
    context: AppContext, tokens: Tokens
) -> None:
    tokens(Role.MERCHANT, merchant_id="m-other", username="mug.shop")
    with sign_in(context, "mug.shop") as merchant:
        html = merchant.get("/staff/analytics/insights", headers=EN).text
        assert "the handle cracked" in html and "BOTTLE" not in html and "漏水" not in html
        bad = merchant.get("/staff/analytics/insights?from=2024-01-01&to=2026-01-01", headers=EN)
        assert bad.status_code == 422 and "A period covers at most 366 days" in bad.text
