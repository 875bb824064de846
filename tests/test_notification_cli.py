"""`returnflow user add --email`: where a staff or merchant account's notifications are mailed."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from returnflow.app_context import AppContext
from returnflow.cli import app
from returnflow.config import Settings


def test_user_add_keeps_a_checked_notification_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETURNFLOW_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("RETURNFLOW_MAIL_DIR", str(tmp_path / "mail"))
    runner = CliRunner()
    command = ["user", "add", "acme.ops", "--role", "merchant", "--merchant", "m-acme"]
    bad = runner.invoke(app, [*command, "--email", "not-an-address", "--password", "x" * 12])
    assert bad.exit_code == 1 and "valid e-mail" in bad.output
    added = runner.invoke(app, [*command, "--email", "ops@acme.example", "--password", "x" * 12])
    assert added.exit_code == 0, added.output
    context = AppContext.from_settings(Settings())
    with context.uow() as uow:
        [who] = uow.staff_notices.merchant_recipients("m-acme")
    assert who.address == "ops@acme.example"
    context.engine.dispose()
