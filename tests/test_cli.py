"""The `returnflow` command as a user runs it: migrate, demo, and serve over real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect
from typer.testing import CliRunner

from returnflow.cli import app


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        "RETURNFLOW_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db",
        "RETURNFLOW_MAIL_DIR": str(tmp_path / "mail"),
        "RETURNFLOW_WORKER_INTERVAL_SECONDS": "0.2",
    }


def test_migrate_creates_the_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in _env(tmp_path).items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(app, ["migrate"])
    assert result.exit_code == 0, result.output
    engine = create_engine(f"sqlite:///{tmp_path}/cli.db")
    assert {"orders", "returns", "return_events", "outbox"} <= set(
        inspect(engine).get_table_names()
    )
    engine.dispose()


def test_user_add_then_token_signs_api_calls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in _env(tmp_path).items():
        monkeypatch.setenv(key, value)
    runner = CliRunner()
    added = runner.invoke(
        app,
        ["user", "add", "li.na", "--role", "agent", "--name", "李娜"],
        input="a-long-password\na-long-password\n",
    )
    assert added.exit_code == 0, added.output
    again = runner.invoke(app, ["user", "add", "li.na", "--role", "agent", "--password", "x" * 12])
    assert again.exit_code == 1
    assert "taken" in again.output
    short = runner.invoke(app, ["user", "add", "wang", "--role", "manager", "--password", "short"])
    assert short.exit_code == 1
    issued = runner.invoke(app, ["user", "token", "li.na"])
    assert issued.exit_code == 0, issued.output
    token = issued.output.strip()
    from returnflow.app_context import AppContext
    from returnflow.asgi import create_app
    from returnflow.config import Settings

    context = AppContext.from_settings(Settings())
    with TestClient(create_app(context)) as client:
        assert (
            client.get("/api/v1/returns", headers={"Authorization": f"Bearer {token}"}).status_code
            == 200
        )
        assert client.get("/api/v1/returns").status_code == 401
    context.engine.dispose()


def test_demo_command_loads_and_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in _env(tmp_path).items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(app, ["demo", "--orders", "60", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "60 orders" in result.output
    assert "merchant   merchant" in result.output  # the demo accounts and their passwords
    again = CliRunner().invoke(app, ["demo", "--orders", "60", "--seed", "3"])
    assert again.exit_code == 1, again.output  # refused, not a duplicate-key traceback
    assert "already holds orders" in " ".join(again.output.split())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_runs_api_and_worker_with_demo_data(tmp_path: Path) -> None:
    port = _free_port()
    command = [
        sys.executable, "-m", "returnflow.cli", "serve",
        "--port", str(port), "--demo", "--demo-orders", "80",
    ]  # fmt: skip
    env = {**os.environ, **_env(tmp_path)}
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
            assert time.monotonic() < deadline, "serve did not come up in 90 s"
            time.sleep(0.3)
        issued = subprocess.run(
            [sys.executable, "-m", "returnflow.cli", "user", "token", "admin"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        auth = {"Authorization": f"Bearer {issued.stdout.strip()}"}
        # a slow day's two cores, the worker catching up with the demo in the same process:
        # the first /openapi.json (~450 routes) took over httpx's default 5 s there
        slow = httpx.Client(base_url=base, timeout=60)
        page = slow.get("/api/v1/returns", params={"page_size": 1}, headers=auth).json()
        assert page["total"] > 0  # demo data and its accounts were loaded into the empty database
        assert slow.get("/api/v1/returns").status_code == 401
        assert slow.get("/openapi.json").json()["info"]["title"] == "ReturnFlow"
        # the demo's history is recorded, not mailed (the worker may mail what happens to
        # live demo requests from now on); a new request is mailed by the in-process
        # worker (as an .eml file here)
        mail = tmp_path / "mail"
        order = {
            "order_no": "CLI-1",
            "merchant_id": "m-babycare",
            "customer": {
                "id": "c-cli",
                "name": "测试",
                "phone": "13900001111",
                "email": "cli@example.com",
            },
            "currency": "CNY",
            "placed_at": "2026-11-01T02:00:00+00:00",
            "delivered_at": None,
            "shipping_fee": 0,
            "payment": {"method": "alipay", "transaction_id": "T-CLI"},
            "lines": [
                {
                    "line_no": 1,
                    "sku": "S",
                    "title": "奶瓶",
                    "category": "baby",
                    "unit_price": 100,
                    "quantity": 1,
                }
            ],
        }
        assert slow.post("/api/v1/orders", json=order, headers=auth).status_code == 201
        filed = slow.post(
            "/api/v1/returns",
            headers=auth,
            json={
                "order_no": "CLI-1",
                "type": "refund_only",
                "lines": [{"line_no": 1, "quantity": 1, "reason_code": "not_delivered"}],
            },
        )
        assert filed.status_code == 201
        rma_no = filed.json()["rma_no"]

        def mailed_about_it() -> list[str]:
            texts = [path.read_text() for path in mail.iterdir()] if mail.exists() else []
            return [text for text in texts if rma_no in text]

        deadline = time.monotonic() + 30
        while not mailed_about_it():
            assert time.monotonic() < deadline, "the worker sent no mail in 30 s"
            time.sleep(0.3)
        assert len(mailed_about_it()) == 1
        slow.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
