"""`returnflow user token NAME --scope integration`: a system's token, not a person's."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from returnflow.cli import app
from tests.support.apps import shared_app
from tests.test_cli import _env


def _token(runner: CliRunner, *args: str) -> str:
    issued = runner.invoke(app, ["user", "token", *args])
    assert issued.exit_code == 0, issued.output
    return issued.output.strip()


def test_token_scopes_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in _env(tmp_path).items():
        monkeypatch.setenv(key, value)
    runner = CliRunner()
    for name, role in (("orders-sys", "integration"), ("wang", "manager")):
        added = runner.invoke(app, ["user", "add", name, "--role", role, "--password", "x" * 12])
        assert added.exit_code == 0, added.output
    system_default = _token(runner, "orders-sys")  # integration accounts: integration scope
    manager_as_system = _token(runner, "wang", "--scope", "integration")
    manager = _token(runner, "wang")
    bad = runner.invoke(app, ["user", "token", "wang", "--scope", "root"])
    assert bad.exit_code == 1
    assert "scope" in bad.output

    from returnflow.app_context import AppContext
    from returnflow.config import Settings

    context = AppContext.from_settings(Settings())
    with TestClient(shared_app(context)) as client:
        for token, finance in ((system_default, 403), (manager_as_system, 403), (manager, 200)):
            headers = {"Authorization": f"Bearer {token}"}
            assert client.get("/api/v1/returns", headers=headers).status_code == 200
            assert client.get("/api/v1/finance/refunds", headers=headers).status_code == finance
    context.engine.dispose()


def test_reset_totp_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The way back in for an administrator who lost the phone."""
    for key, value in _env(tmp_path).items():
        monkeypatch.setenv(key, value)
    runner = CliRunner()
    added = runner.invoke(app, ["user", "add", "root", "--role", "admin", "--password", "x" * 12])
    assert added.exit_code == 0, added.output
    from returnflow.app_context import AppContext
    from returnflow.config import Settings

    context = AppContext.from_settings(Settings())
    with context.uow() as uow:
        found = uow.accounts.credentials("root")
        assert found is not None
        uow.accounts.set_totp(
            found[0].user_id, secret="JBSWY3DPEHPK3PXP", confirmed_at=context.clock(), last_step=1
        )
        uow.commit(context.clock())
    reset = runner.invoke(app, ["user", "reset-totp", "root"])
    assert reset.exit_code == 0, reset.output
    assert runner.invoke(app, ["user", "reset-totp", "nobody"]).exit_code == 1
    with context.uow() as uow:
        assert not uow.accounts.totp_state(found[0].user_id).confirmed
    context.engine.dispose()
