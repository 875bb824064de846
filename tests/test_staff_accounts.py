"""Staff accounts (R12.1, issue 9): two-step sign-in, user management, token scopes.

Through the pages and the API, on SQLite and PostgreSQL. Codes are computed from
the enrolled secret for the test clock's time step, as the phone would.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Principal, Role
from returnflow.domain.text import DomainError
from returnflow.services import accounts, totp, user_admin
from returnflow.storage.uow import UnitOfWork
from tests.support.apps import shared_app
from tests.support.clock import FakeClock
from tests.support.staff import post_login

PASSWORD = "correct horse battery"
Tokens = Callable[..., str]
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_SECRET = re.compile(r"<code data-secret>([A-Z2-7]+)</code>")
_SHOWN = re.compile(r"<code data-password>([^<]+)</code>")


def _browser(context: AppContext, **settings: Any) -> TestClient:
    if settings:
        context = dataclasses.replace(
            context, settings=context.settings.model_copy(update=settings)
        )
        return TestClient(shared_app(context), follow_redirects=False)
    return TestClient(shared_app(context), follow_redirects=False)


def _csrf(html: str) -> str:
    found = _CSRF.search(html)
    assert found, html[:500]
    return found.group(1)


def _code(secret: str, clock: FakeClock, steps: int = 0) -> str:
    return totp.code_for(secret, totp.current_step(clock.now) + steps)


def _enrol(browser: TestClient, clock: FakeClock) -> str:
    """Enrol the signed-in browser's account; the secret its phone now holds."""
    page = browser.get("/staff/account/security")
    assert page.status_code == 200
    assert "<svg" in page.text and "<script" not in page.text
    found = _SECRET.search(page.text)
    assert found
    secret = found.group(1)
    confirmed = browser.post(
        "/staff/account/security/confirm",
        data={"code": _code(secret, clock), "csrf_token": _csrf(page.text)},
    )
    assert confirmed.status_code == 303, confirmed.text
    return secret


def _code_step(browser: TestClient, code: str) -> int:
    page = browser.get("/staff/login/code")
    assert page.status_code == 200
    data = {"code": code, "csrf_token": _csrf(page.text), "next": "/staff"}
    status: int = browser.post("/staff/login/code", data=data).status_code
    return status


# --- two-step sign-in ----------------------------------------------------------------


def test_enrol_then_sign_in_asks_for_a_fresh_code(
    context: AppContext, tokens: Tokens, clock: FakeClock
) -> None:
    tokens(Role.FINANCE, username="zhao.cai")
    browser = _browser(context)
    assert post_login(browser, "zhao.cai", PASSWORD).status_code == 303
    secret = _enrol(browser, clock)
    assert browser.get("/staff").status_code == 200

    clock.advance(seconds=30)
    second = _browser(context)
    response = post_login(second, "zhao.cai", PASSWORD)
    assert response.headers["location"].startswith("/staff/login/code")
    # the password alone opens nothing, neither pages nor the API
    assert second.get("/staff").headers["location"].startswith("/staff/login?next=")
    assert second.get("/api/v1/returns").status_code == 401
    assert _code_step(second, "000000" if _code(secret, clock) != "000000" else "111111") == 401
    used = _code(secret, clock)
    assert _code_step(second, used) == 303
    assert second.get("/staff").status_code == 200

    # the same code again (replayed from a shoulder or a log) is refused
    third = _browser(context)
    post_login(third, "zhao.cai", PASSWORD)
    assert _code_step(third, used) == 401
    clock.advance(seconds=30)
    assert _code_step(third, _code(secret, clock)) == 303


def test_guessing_codes_is_throttled_like_passwords(
    context: AppContext, tokens: Tokens, clock: FakeClock
) -> None:
    tokens(Role.FINANCE, username="zhao.cai")
    browser = _browser(context)
    post_login(browser, "zhao.cai", PASSWORD)
    secret = _enrol(browser, clock)
    clock.advance(seconds=30)
    thief = _browser(context)  # has the password, not the phone
    post_login(thief, "zhao.cai", PASSWORD)
    right = _code(secret, clock)
    wrong = [f"{n:06d}" for n in range(7) if f"{n:06d}" != right][:6]
    assert [_code_step(thief, code) for code in wrong] == [401] * 5 + [429]
    assert _code_step(thief, right) == 429


def test_the_pending_session_token_is_replaced(
    context: AppContext, tokens: Tokens, clock: FakeClock
) -> None:
    """A cookie seen before the code (fixed or leaked) never becomes a full session."""
    tokens(Role.AGENT, username="li.na")
    browser = _browser(context)
    post_login(browser, "li.na", PASSWORD)
    secret = _enrol(browser, clock)
    clock.advance(seconds=30)
    other = _browser(context)
    post_login(other, "li.na", PASSWORD)
    before = other.cookies["rf_session"]
    assert _code_step(other, _code(secret, clock)) == 303
    assert other.cookies["rf_session"] != before
    stale = _browser(context)
    stale.cookies.set("rf_session", before)
    assert stale.get("/staff").status_code == 303


def test_required_roles_must_enrol_before_working(
    context: AppContext, tokens: Tokens, clock: FakeClock
) -> None:
    tokens(Role.ADMIN, username="root")
    browser = _browser(context, totp_required_roles=["admin", "finance"])
    response = post_login(browser, "root", PASSWORD)
    assert response.headers["location"] == "/staff/account/security"
    assert browser.get("/staff").headers["location"].startswith("/staff/login?next=")
    assert browser.get("/staff/users").headers["location"].startswith("/staff/login?next=")
    _enrol(browser, clock)
    assert browser.get("/staff/users").status_code == 200
    # a required role cannot turn it off again
    page = browser.get("/staff/account/security")
    off = browser.post("/staff/account/security/off", data={"csrf_token": _csrf(page.text)})
    assert off.status_code == 422
    assert 'data-code="totp_required"' in off.text


def test_roles_not_listed_sign_in_with_the_password_alone(
    context: AppContext, tokens: Tokens
) -> None:
    tokens(Role.AGENT, username="li.na")
    browser = _browser(context, totp_required_roles=["admin"])
    assert post_login(browser, "li.na", PASSWORD).headers["location"] == "/staff"


def test_codes_are_only_accepted_near_now() -> None:
    secret = totp.new_secret()
    now = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    step = totp.current_step(now)
    assert totp.matching_step(secret, totp.code_for(secret, step - 1), now, None) == step - 1
    assert totp.matching_step(secret, totp.code_for(secret, step + 1), now, None) == step + 1
    assert totp.matching_step(secret, totp.code_for(secret, step - 2), now, None) is None
    assert totp.matching_step(secret, totp.code_for(secret, step), now, step) is None
    assert totp.matching_step(secret, "１２３４５６", now, None) is None
    assert totp.provisioning_uri(secret, "root").startswith("otpauth://totp/ReturnFlow:root?")


# --- user management -----------------------------------------------------------------


@pytest.fixture
def admin_browser(context: AppContext, tokens: Tokens) -> TestClient:
    tokens(Role.ADMIN, username="root")
    browser = _browser(context)
    assert post_login(browser, "root", PASSWORD).status_code == 303
    return browser


def _user_id(context: AppContext, username: str) -> int:
    with context.uow() as uow:
        found = uow.accounts.credentials(username)
    assert found is not None
    return found[0].user_id


def test_admin_adds_an_account_that_signs_in_with_the_shown_password(
    context: AppContext, admin_browser: TestClient
) -> None:
    page = admin_browser.get("/staff/users")
    data = {"csrf_token": _csrf(page.text), "username": "new.agent", "role": "agent"}
    added = admin_browser.post("/staff/users", data=data)
    assert added.status_code == 201
    found = _SHOWN.search(added.text)
    assert found
    assert post_login(_browser(context), "new.agent", found.group(1)).status_code == 303
    refused = admin_browser.post("/staff/users", data=data)  # the same name again
    assert refused.status_code == 422
    assert "用户名 new.agent 已存在" in refused.text


def test_role_change_deactivation_and_reset_take_effect_at_once(
    context: AppContext, admin_browser: TestClient, tokens: Tokens
) -> None:
    tokens(Role.AGENT, username="li.na")
    agent = _browser(context)
    post_login(agent, "li.na", PASSWORD)
    assert agent.get("/staff/finance").status_code == 403
    user_id = _user_id(context, "li.na")
    csrf = _csrf(admin_browser.get("/staff/users").text)
    changed = admin_browser.post(
        f"/staff/users/{user_id}/role", data={"csrf_token": csrf, "role": "finance"}
    )
    assert changed.status_code == 303
    assert agent.get("/staff/finance").status_code == 200

    assert (
        admin_browser.post(
            f"/staff/users/{user_id}/deactivate", data={"csrf_token": csrf}
        ).status_code
        == 303
    )
    assert agent.get("/staff").headers["location"].startswith("/staff/login?next=")
    assert post_login(_browser(context), "li.na", PASSWORD).status_code == 401
    admin_browser.post(f"/staff/users/{user_id}/activate", data={"csrf_token": csrf})

    reset = admin_browser.post(f"/staff/users/{user_id}/reset-password", data={"csrf_token": csrf})
    found = _SHOWN.search(reset.text)
    assert found
    assert post_login(_browser(context), "li.na", PASSWORD).status_code == 401
    assert post_login(_browser(context), "li.na", found.group(1)).status_code == 303


def test_admins_cannot_lock_themselves_out(context: AppContext, admin_browser: TestClient) -> None:
    root = _user_id(context, "root")
    csrf = _csrf(admin_browser.get("/staff/users").text)
    own = admin_browser.post(f"/staff/users/{root}/deactivate", data={"csrf_token": csrf})
    assert own.status_code == 422
    assert "不能更改自己的角色或停用自己" in own.text
    demoted = admin_browser.post(
        f"/staff/users/{root}/role", data={"csrf_token": csrf, "role": "agent"}
    )
    assert demoted.status_code == 422
    assert admin_browser.get("/staff/users").status_code == 200


def test_the_last_active_admin_stays_one(context: AppContext, client: TestClient) -> None:
    boss = client.post("/api/v1/users", json={"username": "boss", "role": "admin"}).json()
    boss_id = boss["user"]["user_id"]
    assert client.post(f"/api/v1/users/{boss_id}/deactivate").json()["active"] is False
    root = _user_id(context, "root")
    someone = Principal(boss_id, "boss", "boss", Role.ADMIN)
    changes: list[Callable[[UnitOfWork], object]] = [
        lambda uow: user_admin.set_active(uow, someone, root, False),
        lambda uow: user_admin.change_role(uow, someone, root, Role.MANAGER, None),
    ]
    for change in changes:
        with context.uow() as uow, pytest.raises(DomainError) as refused:
            change(uow)
        assert refused.value.code == "last_admin"


def test_the_user_list_pages(context: AppContext, client: TestClient) -> None:
    made = client.post("/api/v1/users", json={"username": "staff00", "role": "warehouse"})
    assert made.status_code == 201
    assert len(made.json()["password"]) >= 10
    with context.uow() as uow:
        for number in range(1, 29):
            user_admin.add(
                uow,
                username=f"staff{number:02d}",
                display_name="",
                role=Role.WAREHOUSE,
                merchant_id=None,
                now=context.clock(),
            )
        uow.commit(context.clock())
    first = client.get("/api/v1/users").json()
    second = client.get("/api/v1/users", params={"page": 2}).json()
    assert (first["total"], first["pages"], len(first["items"])) == (30, 2, 25)
    assert len(second["items"]) == 5
    names = [item["username"] for item in first["items"] + second["items"]]
    assert names == sorted(names) and len(set(names)) == 30
    assert client.get("/api/v1/users", params={"page": 0}).status_code == 422
    assert client.post("/api/v1/users/999999/deactivate").json()["code"] == "user_not_found"


def test_merchant_accounts_name_their_merchant(client: TestClient) -> None:
    refused = client.post("/api/v1/users", json={"username": "shop", "role": "merchant"})
    assert (refused.status_code, refused.json()["code"]) == (422, "merchant_id_mismatch")
    made = client.post(
        "/api/v1/users", json={"username": "shop", "role": "merchant", "merchant_id": "m-a"}
    )
    assert made.json()["user"]["merchant_id"] == "m-a"


# --- token scopes --------------------------------------------------------------------


def _integration_token(context: AppContext, role: Role = Role.INTEGRATION) -> str:
    now = context.clock()
    with context.uow() as uow:
        principal = accounts.add_user(
            uow,
            username=f"system-{role.value}",
            display_name="Order system",
            password=PASSWORD,
            role=role,
            now=now,
        )
        token = accounts.issue_api_token(uow, principal, "orders", now, "integration")
        uow.commit(now)
    return token


@pytest.mark.parametrize("role", [Role.INTEGRATION, Role.ADMIN])
def test_an_integration_token_calls_only_integration_routes(
    context: AppContext,
    client: TestClient,
    order_payload: Callable[..., dict[str, Any]],
    role: Role,
) -> None:
    """Even an admin's account, through an integration token, cannot act as staff."""
    system = {"Authorization": f"Bearer {_integration_token(context, role)}"}
    assert client.post("/api/v1/orders", json=order_payload(), headers=system).status_code == 201
    body = {
        "order_no": "SO-1001",
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "quality"}],
    }
    filed = client.post("/api/v1/returns", json=body, headers=system)
    assert filed.status_code == 201
    rma = filed.json()["rma_no"]
    assert client.get(f"/api/v1/returns/{rma}", headers=system).status_code == 200
    for method, path in [
        ("POST", f"/api/v1/returns/{rma}/approve"),
        ("POST", f"/api/v1/returns/{rma}/refund"),
        ("GET", "/api/v1/finance/refunds"),
        ("GET", "/api/v1/users"),
        ("POST", "/api/v1/policy/versions"),
    ]:
        refused = client.request(method, path, json={}, headers=system)
        assert (refused.status_code, refused.json()["code"]) == (403, "token_scope"), path
        assert (
            "系统对接令牌"
            in client.request(
                method, path, json={}, headers={**system, "Accept-Language": "zh-CN"}
            ).json()["detail"]
        )


def test_token_scopes_are_checked_when_issued(context: AppContext) -> None:
    with context.uow() as uow:
        principal = accounts.add_user(
            uow,
            username="script",
            display_name="script",
            password=PASSWORD,
            role=Role.AGENT,
            now=context.clock(),
        )
        with pytest.raises(DomainError) as refused:
            accounts.issue_api_token(uow, principal, "x", context.clock(), "root")
    assert refused.value.code == "invalid_scope"
