"""No page shows a raw code, a hand-made amount or the other language (issue 16).

One small demo marketplace (the demo generator writes every step through the services:
requests waiting for review, approved, rejected, in transit, received, inspected,
refunded, exchanged, with complaints, a dispute and an appeal) is built once on SQLite;
each role's main pages and a request page in each state, then the customer's pages, are
read through TestClient in Chinese and English, and `tests/support/raw_codes.py` reads
what a person would see.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from tempfile import TemporaryDirectory

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import String, select, text

from returnflow.app_context import AppContext
from returnflow.config import Settings
from returnflow.demo.accounts import create_demo_accounts
from returnflow.demo.generator import generate
from returnflow.domain.access import Role
from returnflow.services import accounts
from returnflow.storage.schema import Base
from returnflow.storage.scratch import scratch_database
from returnflow.web.portal_links import PortalAccess, make_token
from returnflow.web.templating import words
from tests.support.apps import shared_app
from tests.support.raw_codes import Finding, findings
from tests.support.staff import post_login

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
ORDERS, SEED = 300, 9  # this seed's history holds every state the pages must word
LANGUAGES = ("zh", "en")
PAGES = {
    "agent": (
        "/staff",
        "/staff/review",
        "/staff/returns",
        "/staff/complaints",
        "/staff/appeals",
        "/staff/exceptions",
        "/staff/hotline",
        "/staff/notifications",
    ),
    "warehouse": (
        "/staff",
        "/staff/receiving",
        "/staff/warehouse/inventory",
        "/staff/shipment-requests",
    ),
    "finance": (
        "/staff",
        "/staff/finance",
        "/staff/finance/journal",
        "/staff/finance/reconciliation",
        "/staff/store-credit",
        "/staff/reports/shipping-costs",
        "/staff/finance/merchant-statements",
    ),
    "manager": (
        "/staff",
        "/staff/disputes",
        "/staff/finance/approvals",
        "/staff/warehouse/figures",
        "/staff/scorecards/merchants",
        "/staff/scorecards/staff",
        "/staff/reports/satisfaction",
        "/staff/analytics",
        "/staff/analytics/insights",
        "/staff/risk/register",
        "/staff/incidents",
        "/staff/risk/tuning",
    ),
    "admin": (
        "/staff",
        "/staff/users",
        "/staff/access-log",
        "/staff/webhooks",
        "/staff/merchants/applications",
        "/staff/incidents/on-call",
        "/staff/playbooks",
        "/staff/admin/policy",
        "/staff/admin/return-methods",
        "/staff/manual",
    ),
    "merchant": (
        "/staff",
        "/staff/review",
        "/staff/returns",
        "/staff/merchant/statement",
        "/staff/merchant/terms",
    ),
    "mediator": ("/staff", "/staff/disputes"),
}
# the agent reads a request page in every state; others the states their work is about
REQUEST_PAGES = {
    "finance": ("refunded", "completed", "inspected"),
    "warehouse": ("received", "inspected", "in_transit"),
    "mediator": ("rejected",),
}
PASSWORD = "correct horse battery"
# who signs in as each role: names that are not codes, so a name on a page is not a code
STAFF = {
    "agent": ("li.na", Role.AGENT, None),
    "warehouse": ("zhang.wei", Role.WAREHOUSE, None),
    "finance": ("liu.yang", Role.FINANCE, None),
    "manager": ("wang.min", Role.MANAGER, None),
    "admin": ("sys.root", Role.ADMIN, None),
    "merchant": ("babycare", Role.MERCHANT, "m-babycare"),
    "mediator": ("zhou.ting", Role.MEDIATOR, None),
}
# Findings left to the templates' owners (issue 16), each with why it is not fixed here;
# the test reports them in its output and fails on anything else.
KNOWN: dict[str, str] = {
    "agent:alice": "the access log's filter shows the form of an account as its placeholder",
    "0: none)": "the policy form's English ('Warranty (days, 0: none)'), a word, not the code",
    "颜色 · 想换": "a text cluster's key words are the customers' own words",
    **{
        f"/staff/users · code: '{login}' in '{login}'": "the users page's sign-in names column:"
        " the demo's user names are role words, kept (README and tests sign in with them)"
        for login in [
            "admin",
            "agent",
            "finance",
            "logistics",
            "manager",
            "mediator",
            "merchant",
            "warehouse",
        ]
    },
    "不支持页 · 快充协议 · 页面写": "a text cluster's key words are the customers' own words",
}


@dataclass(frozen=True)
class Marketplace:
    app: TestClient
    passwords: dict[str, str]
    allowed: frozenset[str]  # the data's own words: names, titles, what people typed
    requests: dict[str, str]  # one RMA in each state, by status
    portal: tuple[tuple[str, str, str], ...]  # (order_no, customer_id, rma_no)
    secret: str


_CJK = re.compile(r"[\u3400-\u9fff]")
# stored, but our own words rather than the data's: they must show in the reader's language
OUR_WORDS = frozenset({"演示快递"})  # the simulated carrier's name
_ENGLISH = re.compile(r"[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}")


def _data_words(context: AppContext) -> frozenset[str]:
    """Every stored text with Chinese in it: names, titles, addresses, what people typed.

    A value that holds both languages ("所有检查项通过 / Every check passed") is the
    code's own words stored as data, not a person's: it stays checked.
    """
    words: set[str] = set()
    with context.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for column in [c for c in table.columns if isinstance(c.type, String)]:
                for (value,) in connection.execute(select(column).distinct()):
                    if isinstance(value, str) and _CJK.search(value) and not _ENGLISH.search(value):
                        words.add(value)
    return frozenset(words - OUR_WORDS)


@pytest.fixture(scope="module")
def market() -> Iterator[Marketplace]:
    with scratch_database("sqlite") as url, TemporaryDirectory() as uploads:
        context = AppContext.from_settings(Settings(database_url=url, upload_dir=uploads))
        context.clock = lambda: NOW
        generate(context, orders=ORDERS, seed=SEED, now=NOW)
        create_demo_accounts(context, SEED, NOW)  # the demo's people: shown by their names
        _add_staff(context)
        with context.engine.connect() as connection:
            by_status = connection.execute(
                text("SELECT status, MIN(rma_no) FROM returns GROUP BY status")
            ).all()
            portal = connection.execute(
                text(
                    "SELECT r.status, r.order_no, o.customer_id, MIN(r.rma_no) FROM returns r"
                    " JOIN orders o ON o.order_no = r.order_no"
                    " GROUP BY r.status, r.order_no, o.customer_id ORDER BY r.status"
                )
            ).all()
        # the customer's pages in each state the history holds (one order each)
        per_status = {row[0]: (row[1], row[2], row[3]) for row in reversed(portal)}
        with TestClient(shared_app(context), follow_redirects=False) as client:
            yield Marketplace(
                client,
                {role: PASSWORD for role in PAGES},
                _data_words(context),
                dict(by_status),
                tuple(per_status.values()),
                context.secret_key,
            )
        context.engine.dispose()


def _read(client: TestClient, path: str, language: str, allowed: frozenset[str]) -> list[str]:
    client.cookies.set("lang", language)
    response = client.get(path)
    assert response.status_code == 200, f"{path}: {response.status_code}"
    return [f"{language} {path} · {f}" for f in findings(response.text, language, allowed)]


def _add_staff(context: AppContext) -> None:
    with context.uow() as uow:
        for username, role, merchant_id in STAFF.values():
            accounts.add_user(
                uow,
                username=username,
                display_name=username,
                password=PASSWORD,
                role=role,
                now=NOW,
                merchant_id=merchant_id,
            )
        uow.commit(NOW)


def _sign_in(market: Marketplace, role: str) -> None:
    market.app.cookies.clear()
    market.app.cookies.set("lang", "zh")
    answer = post_login(market.app, STAFF[role][0], market.passwords[role])
    assert answer.status_code == 303, answer.text


def _unknown(found: list[str]) -> list[str]:
    return [line for line in found if not any(known in line for known in KNOWN)]


@pytest.mark.parametrize("role", sorted(PAGES))
def test_staff_pages_show_no_raw_code(market: Marketplace, role: str) -> None:
    _sign_in(market, role)
    paths = list(PAGES[role]) + [
        f"/staff/returns/{rma}"
        for status, rma in market.requests.items()
        if role == "agent" or status in REQUEST_PAGES.get(role, ())
    ]
    found = [
        line
        for language in LANGUAGES
        for path in paths
        for line in _read(market.app, path, language, market.allowed)
    ]
    print("\n".join(found))
    assert not _unknown(found), "\n".join(_unknown(found))


def test_customer_pages_show_no_raw_code(market: Marketplace) -> None:
    market.app.cookies.clear()
    found = []
    for order_no, customer_id, rma in market.portal:
        token = make_token(market.secret, PortalAccess(order_no, customer_id), NOW)
        for path in (f"/portal/o/{token}", f"/portal/o/{token}/r/{rma}"):
            for language in LANGUAGES:
                found += _read(market.app, path, language, market.allowed)
    for language in LANGUAGES:
        found += _read(market.app, "/help/returns", language, market.allowed)
    print("\n".join(found))
    assert not _unknown(found), "\n".join(_unknown(found))


def test_the_checker_sees_what_a_reader_sees() -> None:
    page = (
        '<p data-status="awaiting_approval">已通过</p><script>var s = "pending_review";</script>'
        "<td>escalated</td><p>责任方：none</p><p>947.7 CNY · ¥500.0 · CN¥297.00</p>"
        "<p>所有检查项通过 / Every check passed here</p>"
    )
    zh = {(f.kind, f.found) for f in findings(page, "zh")}
    assert ("code", "escalated") in zh and ("code", "none") in zh
    assert ("code", "awaiting_approval") not in zh and ("code", "pending_review") not in zh
    assert {("money", "947.7 CNY"), ("money", "¥500.0"), ("money", "CN¥297.00")} <= zh
    assert ("language", "Every check passed here") in zh
    en = [f for f in findings("<td>Refund</td><p>Approve the refund: none left</p>", "en")]
    assert en == []
    assert findings("<p>Liable: none · 王小明</p>", "en", {"王小明"}) == [
        Finding("code", "none", "Liable: none · 王小明")
    ]


def test_every_code_has_words_in_both_languages() -> None:
    assert words("wechat_pay", "zh", "payment") == "微信支付"
    assert words("agent:li.na", "en", "actor") == "Customer service li.na"
    assert words("carrier:simulated", "zh", "actor") == "承运商 演示快递"
    assert words("none", "en", "payer") == "nothing to ship"
    assert words("books_media", "zh", "category") == "图书音像"
    assert words("gateway: sandbox_forced_failure", "en", "error").startswith("gateway: a fail")
    assert words("所有检查项通过 / Every check passed", "en", "bilingual") == "Every check passed"
    assert words("evidence_missing", "en") == "evidence missing"  # never snake_case
    assert words("", "zh", "payer") == ""
