"""The help centre's questions (/help) and the operator manual (/staff/manual), issue 16.

The FAQ's figures must be read, never typed: the app here runs on settings that differ
from the defaults (refund within 36 hours, no instant refunds, 2.5 % credit bonus) and a
published policy version changes the days and who pays, so a page that had the numbers
written in would fail. The manual opens for every role, its own chapter first.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from jinja2.ext import babel_extract

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.web.i18n import translations
from returnflow.web.templating import TEMPLATES
from tests.support.apps import shared_app
from tests.support.clock import FakeClock
from tests.test_console_pages import sign_in


@pytest.fixture
def context(context: AppContext) -> AppContext:
    settings = context.settings.model_copy(
        update={
            "refund_deadline_hours": 36,
            "instant_refund_enabled": False,
            "store_credit_bonus_percent": 2.5,
            "appeal_window_days": 9,
        }
    )
    return dataclasses.replace(context, settings=settings)


def _answer(html: str, code: str) -> str:
    found = re.search(rf'data-answer="{code}"[^>]*>(.*?)</(p|ul)>', html, re.S)
    assert found, f"no answer {code}"
    return re.sub(r"\s+", " ", found.group(1))


def test_faq_says_the_policy_and_settings_in_force(client: TestClient, clock: FakeClock) -> None:
    public = TestClient(shared_app(client.app.state.context))  # type: ignore[attr-defined]
    zh = public.get("/help?lang=zh")
    assert zh.status_code == 200 and zh.headers["cache-control"] == "public, max-age=300"
    assert "签收次日起 7 天内可以无理由退货" in _answer(zh.text, "no_reason")
    assert "36 小时内发出退款" in _answer(zh.text, "refund")
    assert 'data-answer="instant"' not in zh.text  # switched off in these settings
    assert "额外多 2.5%" in _answer(zh.text, "credit")
    assert "9 天内" in _answer(zh.text, "appeal")
    assert 'data-payer="customer"' in zh.text
    assert "¥15.00" in _answer(zh.text, "fees") and "上门取件" in zh.text
    assert "生鲜" in _answer(zh.text, "short") or "2 天" in _answer(zh.text, "short")
    en = public.get("/help?lang=en")
    assert "You have 7 days" in _answer(en.text, "no_reason")
    assert "within 36 hours" in _answer(en.text, "refund")
    assert "between 9:00 and 19:00" in _answer(en.text, "pickup")

    draft = {
        "effective_from": (clock.now - timedelta(days=1)).isoformat(),
        "baseline": {
            "no_reason_days": 15,
            "quality_refund_days": 20,
            "quality_exchange_days": 30,
            "warranty_days": 180,
            "merchant_pays_no_reason_shipping": True,
        },
        "review_hours": 12,
        "ship_within_days": 5,
    }
    assert client.post("/api/v1/policy/versions", json=draft).status_code == 201
    after = public.get("/help?lang=en").text
    assert "You have 15 days" in _answer(after, "no_reason")
    assert "refund within 20 days, or exchange it within 30 days" in _answer(after, "quality")
    assert "180-day warranty" in _answer(after, "quality")
    assert 'data-payer="merchant"' in after
    assert "within 12 hours" in _answer(after, "review")
    assert "Send it within 5 days of approval" in after
    assert "Policy version 2" in after


def test_the_portal_menu_leads_to_the_help_centre(client: TestClient) -> None:
    public = TestClient(shared_app(client.app.state.context))  # type: ignore[attr-defined]
    page = public.get("/portal?lang=zh").text
    assert '<a href="/help" data-menu="help">帮助中心</a>' in page


@pytest.mark.parametrize("role", [Role.AGENT, Role.MERCHANT])
def test_the_manual_opens_on_the_readers_chapter_with_the_deadlines_in_force(
    context: AppContext, tokens: Callable[..., str], role: Role
) -> None:
    merchant = "m-babycare" if role is Role.MERCHANT else None
    tokens(role, merchant_id=merchant, username="reader")
    with sign_in(context, "reader") as staff:
        zh = staff.get("/staff/manual?lang=zh").text
        en = staff.get("/staff/manual?lang=en").text
    chapters = re.findall(r'data-chapter="(\w+)"', zh)
    assert chapters[0] == role.value
    everyone = ["admin", "agent", "finance", "manager", "merchant", "warehouse"]
    assert sorted(chapters) == (everyone if role is Role.AGENT else ["merchant"])
    assert 'data-menu="manual" aria-current="page">操作手册</a>' in zh
    assert zh.count("您的角色") == 1 and "每天的工作" in zh and "Your day" in en
    refund = re.search(r'data-deadline="refund">(.*?)</tr>', en, re.S)
    assert refund and "36 hours" in refund.group(1)
    assert "RETURNFLOW_REFUND_DEADLINE_HOURS" in refund.group(1)
    review = re.search(r'data-deadline="review">(.*?)</tr>', zh, re.S)
    assert review and "24 小时" in review.group(1) and "当前生效的政策版本" in review.group(1)
    assert '<span class="status status-pending_review">待审核</span>' in zh
    assert ">pending_review<" not in zh and ">pending_review<" not in en


def test_the_manual_needs_a_sign_in(client: TestClient) -> None:
    public = TestClient(shared_app(client.app.state.context))  # type: ignore[attr-defined]
    answer = public.get("/staff/manual", follow_redirects=False)
    assert answer.status_code in (302, 303, 307)
    assert answer.headers["location"].startswith("/staff/login")


def test_every_text_of_the_faq_and_the_manual_frame_is_translated() -> None:
    catalog = translations("zh")
    missing = []
    for name in ("help/faq.html", "staff/manual.html"):
        with (TEMPLATES / name).open("rb") as handle:
            for _, _, message, _ in babel_extract(handle, ("_", "gettext"), [], {}):
                msgid = message if isinstance(message, str) else str((message or ("",))[0])
                if catalog.gettext(msgid) == msgid:
                    missing.append(f"{name}: {msgid}")
    assert missing == []
