"""Headers and pages (issue 9, finding 6): CSP without inline script, no framing, no
sniffing, no referrer, nothing private cached; API docs and favicon served offline."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from returnflow.entrypoints.security_headers import CONTENT_SECURITY_POLICY

TEMPLATES = Path(__file__).parents[2] / "src" / "returnflow" / "web" / "templates"
PAGES = ["/", "/portal", "/staff/login", "/docs", "/static/app.css", "/api/v1/returns"]


@pytest.mark.parametrize("path", PAGES)
def test_every_answer_carries_the_security_headers(client: TestClient, path: str) -> None:
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code < 400, answer.text
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in _directive(policy, "script-src")
    assert "frame-ancestors 'none'" in policy
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize(
    ("path", "private"),
    [
        ("/staff/login", True),
        ("/portal", True),
        ("/api/v1/returns", True),
        ("/api/v1/returns/RMA-NOPE", True),  # errors too
        ("/static/app.css", False),
        ("/favicon.ico", False),
    ],
)
def test_private_pages_are_never_cached(client: TestClient, path: str, private: bool) -> None:
    answer = client.get(path, follow_redirects=False)
    assert (answer.headers.get("cache-control") == "no-store") is private


def test_a_refused_body_carries_the_headers_too(client: TestClient) -> None:
    answer = client.post(
        "/api/v1/orders", content=b" " * (2 * 1024 * 1024), headers={"content-type": "text/plain"}
    )
    assert answer.status_code == 413
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_templates_have_no_inline_script_or_event_handlers() -> None:
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=", re.IGNORECASE)
    found = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in TEMPLATES.rglob("*.html")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if inline.search(line)
    ]
    assert found == []


def test_docs_load_from_our_own_origin_and_work_offline(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert not re.search(r"https?://", page.text)  # no CDN, no validator badge
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert {"/docs-assets/swagger-ui-bundle.js", "/docs-assets/swagger-ui.css"} <= set(assets)
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    assert client.get("/redoc").status_code == 404  # FastAPI's CDN page is gone


def test_the_docs_page_allows_exactly_its_own_init_script(client: TestClient) -> None:
    page = client.get("/docs")
    scripts = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    allowed = _directive(page.headers["content-security-policy"], "script-src")
    assert allowed == f"script-src 'self' 'sha256-{digest}'"
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY


def test_favicon(client: TestClient) -> None:
    answer = client.get("/favicon.ico")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/x-icon"
    assert answer.content[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_the_language_cookie_is_same_site(client: TestClient) -> None:
    answer = client.get("/lang?code=en", follow_redirects=False)
    cookie = answer.headers.get("set-cookie", "")
    assert "lang=en" in cookie
    assert "samesite=lax" in cookie.lower()


def _directive(policy: str, name: str) -> str:
    return next(part.strip() for part in policy.split(";") if part.strip().startswith(name))
