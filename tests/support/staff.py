"""Signing in through the real form: fetch it (CSRF token and cookie), then post it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from httpx import Response

_LOGIN_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def login_csrf(client: TestClient) -> str:
    """The token of a freshly served sign-in form (its cookie is now in the client)."""
    page = client.get("/staff/login")
    found = _LOGIN_CSRF.search(page.text)
    assert found, "no csrf_token on the sign-in form"
    return found.group(1)


def post_login(client: TestClient, username: str, password: str, **extra: str) -> Response:
    data = {"username": username, "password": password, "csrf_token": login_csrf(client), **extra}
    response: Response = client.post("/staff/login", data=data, follow_redirects=False)
    return response
