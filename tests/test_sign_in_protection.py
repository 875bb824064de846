"""Staff sign-in under attack (issue 9, finding 5), through the real form.

Each address is a TestClient `client=(host, port)`: the socket peer the app sees.
Runs on SQLite and PostgreSQL; the concurrent burst is the case that used to check
19 of 60 wrong passwords.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.entrypoints.deps import SESSION_COOKIE
from returnflow.web.common import LOGIN_CSRF_COOKIE
from tests.support.apps import shared_app
from tests.support.clock import FakeClock
from tests.support.staff import login_csrf, post_login

PASSWORD = "correct horse battery"
ATTACKER = ("198.51.100.7", 40000)
ADMIN_HOME = ("203.0.113.5", 40000)
PROXY = ("10.0.0.2", 40000)


@pytest.fixture
def admin(tokens: Callable[..., str]) -> str:
    tokens(Role.ADMIN, username="root")
    return "root"


def _client(
    context: AppContext,
    peer: tuple[str, int] = ATTACKER,
    base_url: str = "http://testserver",
    **settings: Any,
) -> TestClient:
    if settings:
        context = dataclasses.replace(
            context, settings=context.settings.model_copy(update=settings)
        )
    app = shared_app(context)
    return TestClient(app, base_url=base_url, client=peer, follow_redirects=False)


def _statuses(client: TestClient, attempts: list[tuple[str, str]], **headers: str) -> list[int]:
    token = login_csrf(client)
    return [
        client.post(
            "/staff/login",
            data={"username": name, "password": password, "csrf_token": token},
            headers=headers,
        ).status_code
        for name, password in attempts
    ]


def test_a_concurrent_burst_checks_no_more_than_five_passwords(
    context: AppContext, admin: str
) -> None:
    """30 wrong passwords at once from one address: exactly 5 are checked (401), the rest
    wait (429). The count is taken under a row lock before any password is checked."""
    burst = 30
    token = login_csrf(_client(context))
    cookie = {LOGIN_CSRF_COOKIE: token}
    app = shared_app(context)
    start = threading.Barrier(burst)

    def guess(number: int) -> int:
        client = TestClient(app, client=ATTACKER, cookies=cookie, follow_redirects=False)
        data = {"username": admin, "password": f"wrong guess {number}", "csrf_token": token}
        start.wait()
        status: int = client.post("/staff/login", data=data).status_code
        return status

    with ThreadPoolExecutor(max_workers=burst) as pool:
        statuses = list(pool.map(guess, range(burst)))
    assert sorted(set(statuses)) == [401, 429]
    assert statuses.count(401) == 5


def test_someone_elses_guesses_do_not_lock_the_admin_out(context: AppContext, admin: str) -> None:
    attacker = _client(context)
    assert (
        _statuses(attacker, [(admin, f"wrong guess {n}") for n in range(8)])
        == [401] * 5 + [429] * 3
    )
    # the right password from the attacker's address waits too ...
    assert _statuses(attacker, [(admin, PASSWORD)]) == [429]
    # ... but from the admin's own address it works at once
    response = post_login(_client(context, ADMIN_HOME), admin, PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff"


def test_waits_double_after_the_free_tries(
    context: AppContext, admin: str, clock: FakeClock
) -> None:
    attacker = _client(context)
    assert _statuses(attacker, [(admin, f"wrong {n}") for n in range(5)]) == [401] * 5
    clock.advance(seconds=29)
    assert _statuses(attacker, [(admin, "wrong 5")]) == [429]
    clock.advance(seconds=2)  # 30 s after the fifth
    assert _statuses(attacker, [(admin, "wrong 6"), (admin, "wrong 7")]) == [401, 429]
    clock.advance(seconds=31)  # the next wait is 60 s
    assert _statuses(attacker, [(admin, PASSWORD)]) == [429]
    clock.advance(seconds=30)
    assert _statuses(attacker, [(admin, PASSWORD)]) == [303]


def test_spraying_many_usernames_from_one_address_is_refused(
    context: AppContext, admin: str
) -> None:
    sprayer = _client(context, sign_in_tries_per_source=20)
    names = [(f"user{n:02d}", "password123") for n in range(20)]
    assert _statuses(sprayer, names) == [401] * 20
    assert _statuses(sprayer, [("user99", "password123"), (admin, PASSWORD)]) == [429, 429]
    assert post_login(_client(context, ADMIN_HOME), admin, PASSWORD).status_code == 303


def test_successful_sign_ins_do_not_count_against_the_address(
    context: AppContext, tokens: Callable[..., str]
) -> None:
    """An office of 25 people signing in from one address is not a spray."""
    office = _client(context, sign_in_tries_per_source=20)
    for number in range(25):
        tokens(Role.AGENT, username=f"agent{number:02d}")
    statuses = _statuses(office, [(f"agent{n:02d}", PASSWORD) for n in range(25)])
    assert statuses == [303] * 25


def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(context: AppContext, admin: str) -> None:
    """Without configured proxies a client cannot pick a fresh address per guess."""
    attacker = _client(context)
    token = login_csrf(attacker)
    statuses = [
        attacker.post(
            "/staff/login",
            data={"username": admin, "password": f"wrong {n}", "csrf_token": token},
            headers={"X-Forwarded-For": f"192.0.2.{n}"},
        ).status_code
        for n in range(7)
    ]
    assert statuses == [401] * 5 + [429] * 2


def test_x_forwarded_for_from_a_trusted_proxy_names_the_client(
    context: AppContext, admin: str
) -> None:
    proxy = _client(context, PROXY, trusted_proxies=["10.0.0.0/24"])
    # the attacker prepends a made-up hop; the proxy appends the real peer it saw
    spoofed = {"X-Forwarded-For": "192.0.2.200, 198.51.100.7"}
    wrong = [(admin, f"wrong {n}") for n in range(6)]
    assert _statuses(proxy, wrong, **spoofed) == [401] * 5 + [429]
    # another client behind the same proxy is another address
    response = _statuses(proxy, [(admin, PASSWORD)], **{"X-Forwarded-For": "203.0.113.5"})
    assert response == [303]


def test_the_sign_in_form_needs_its_csrf_token(context: AppContext, admin: str) -> None:
    client = _client(context, ADMIN_HOME)
    data = {"username": admin, "password": PASSWORD}
    missing = client.post("/staff/login", data=data)
    assert missing.status_code == 400
    assert SESSION_COOKIE not in missing.cookies
    # a token from another browser (the attacker's page) does not match this cookie
    foreign = login_csrf(_client(context))
    login_csrf(client)
    refused = client.post("/staff/login", data={**data, "csrf_token": foreign})
    assert refused.status_code == 400
    assert SESSION_COOKIE not in refused.cookies
    assert post_login(client, admin, PASSWORD).status_code == 303


@pytest.mark.parametrize(
    ("base_url", "settings", "secure"),
    [
        ("http://testserver", {}, False),
        ("https://testserver", {}, True),
        ("http://testserver", {"secure_cookies": True}, True),
    ],
)
def test_session_cookie_flags(
    context: AppContext,
    admin: str,
    base_url: str,
    settings: dict[str, Any],
    secure: bool,
) -> None:
    client = _client(context, ADMIN_HOME, base_url, **settings)
    token = login_csrf(client)
    client.cookies.set(LOGIN_CSRF_COOKIE, token)  # sent back even where marked Secure
    response = client.post(
        "/staff/login", data={"username": admin, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303
    cookie = next(
        value
        for value in response.headers.get_list("set-cookie")
        if value.startswith(f"{SESSION_COOKIE}=")
    ).lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert ("secure" in cookie.split("; ")) is secure


def test_non_ascii_csrf_tokens_are_refused_not_a_500(
    context: AppContext, admin: str, order_payload: Callable[..., dict[str, Any]]
) -> None:
    """`secrets.compare_digest` raises on non-ASCII str: every CSRF check compares bytes."""
    browser = _client(context, ADMIN_HOME)
    login_csrf(browser)
    sign_in = browser.post(
        "/staff/login", data={"username": admin, "password": PASSWORD, "csrf_token": "é" * 43}
    )
    assert sign_in.status_code == 400
    assert post_login(browser, admin, PASSWORD).status_code == 303
    page_form = browser.post("/staff/logout", data={"csrf_token": "令牌"})
    assert page_form.status_code == 403
    api = browser.post(
        "/api/v1/orders", json=order_payload(), headers={"X-CSRF-Token": "é".encode("latin-1")}
    )
    assert (api.status_code, api.json()["code"]) == (403, "csrf_failed")
