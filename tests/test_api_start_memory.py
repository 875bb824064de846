"""What an API process loads at start (issue 11: peak RSS below 150 MB under load).

reportlab (labels, evidence PDFs, the enrolment QR code) loads with the first file
drawn, and the argon2 hash that keeps an unknown user's sign-in as slow as a known
one's is made with the first sign-in: made at import, its 64 MiB of memory cost set
the peak of every API process. httpx's command-line client (rich, pygments, click) stays
out (memory.py), and the app serves its routers' routes themselves instead of a second,
lazily built copy of each (asgi.py `_add_routes`: the first request that walked past
them all cost ~10 MiB). Checked in a fresh interpreter, the way a server starts (Linux
only: it reads /proc).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from returnflow import asgi
from returnflow.app_context import AppContext
from returnflow.config import Settings

PROBE = """
import gc, json, sys, tempfile
import returnflow.asgi
from returnflow.services import accounts
def status():
    return dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
started = status()
found = {
    "reportlab": "reportlab" in sys.modules,
    "hashed": accounts._dummy_hash.cache_info().currsize,
    "httpx_cli": sys.modules.get("httpx._main") is not None,
    "rss_mb": int(started["VmRSS"].split()[0]) / 1024,
    "peak_mb": int(started["VmHWM"].split()[0]) / 1024,
}
from starlette.testclient import TestClient
from returnflow.app_context import AppContext
from returnflow.config import Settings
url = f"sqlite:///{tempfile.mkdtemp()}/probe.db"  # never opened: a 404 reads nothing
context = AppContext.from_settings(Settings(database_url=url))
client = TestClient(returnflow.asgi.create_app(context))
client.get("/favicon.ico")  # matched before any router: the client's own start, uncounted
gc.collect()
before = int(status()["VmRSS"].split()[0])
client.get("/no-such-page")  # walks past every route
gc.collect()
found["404_mb"] = (int(status()["VmRSS"].split()[0]) - before) / 1024
print(json.dumps(found))
"""


@cache
def _start() -> dict[str, float]:
    # the production argon2 costs (the suite lowers them), as a server would start
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETURNFLOW_ARGON2_")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=env,
    )
    found: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_an_api_process_loads_no_command_line_client_and_builds_no_route_twice() -> None:
    started = _start()
    assert started["httpx_cli"] is False  # ~3 MiB: rich, pygments, click
    # walking past every route builds nothing (a second copy of each was ~10 MiB)
    assert started["404_mb"] < 4, started


def test_the_app_serves_the_same_routes_as_including_each_router(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = AppContext.from_settings(Settings(database_url=f"sqlite:///{tmp_path}/r.db"))
    app = asgi.create_app(context)
    own = {id(route) for route in app.router.routes}
    served_as_declared = [
        route
        for module in asgi.ROUTES
        if all(isinstance(r, APIRoute) for r in module.router.routes)
        for route in module.router.routes
    ]
    assert len(served_as_declared) > 300
    assert all(id(route) in own for route in served_as_declared)
    monkeypatch.setattr(asgi, "_add_routes", lambda app, router: app.include_router(router))
    assert _served(app) == _served(asgi.create_app(context))  # the way it was before


def _served(app: FastAPI) -> list[tuple[str, tuple[str, ...], str, str]]:
    """Path, methods, name and endpoint of every route, in matching order, included
    routers walked through their effective routes."""
    found: list[tuple[str, tuple[str, ...], str, str]] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if hasattr(route, "effective_candidates"):
                walk(route.effective_candidates())
                continue
            endpoint = getattr(route, "endpoint", None)
            found.append(
                (
                    str(getattr(route, "path", "")),
                    tuple(sorted(getattr(route, "methods", None) or ())),
                    str(getattr(route, "name", "")),
                    str(getattr(endpoint, "__qualname__", "")),
                )
            )

    walk(list(app.router.routes))
    return found


def test_an_api_process_starts_without_reportlab_or_a_password_hash() -> None:
    started = _start()
    assert started["reportlab"] is False
    assert started["hashed"] == 0
    # nothing made and dropped at start: the peak is what stays (the hash was +64 MiB).
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent
    assert started["peak_mb"] - started["rss_mb"] < 16, started


def test_the_dummy_hash_is_made_once_and_verifies_nothing_but_itself() -> None:
    from argon2.exceptions import VerificationError

    from returnflow.services import accounts

    first = accounts._dummy_hash()
    assert accounts._dummy_hash() is first
    try:
        accounts._hasher.verify(first, "a guess")
    except VerificationError:
        pass
    else:  # pragma: no cover - the assertion below says what went wrong
        raise AssertionError("the dummy hash matched a guess")
