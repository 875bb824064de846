"""No default secrets (issue 9, finding 2): forged notices are refused, a process outside
demo mode refuses to start without its secrets, and demo mode makes up its own."""

from __future__ import annotations

import hashlib
import hmac
import stat
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from returnflow.app_context import AppContext
from returnflow.cli import app
from returnflow.config import Settings
from returnflow.jobs.worker import Worker
from returnflow.notify.mailer import FileMailer
from returnflow.payments.gateway import SignatureInvalid
from returnflow.payments.sandbox import SIGNATURE_HEADER, SandboxGateway
from returnflow.payments.sandbox_store import state_path
from returnflow.process_secrets import GENERATED, MissingSecrets, needed, resolve
from tests.support.clock import FakeClock

SECRET_FIELDS = [name for name in Settings.model_fields if "secret" in name or "key" in name]
NOTICES = "/api/v1/payments/sandbox/notifications"


@pytest.fixture
def bare_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No RETURNFLOW_* secret in the environment; a database file of its own."""
    for name in [*SECRET_FIELDS, "demo"]:
        monkeypatch.delenv(f"RETURNFLOW_{name.upper()}", raising=False)
    database = tmp_path / "rf.db"
    monkeypatch.setenv("RETURNFLOW_DATABASE_URL", f"sqlite:///{database}")
    return database


def test_no_secret_has_a_default(bare_env: Path) -> None:
    settings = Settings()
    assert {name: getattr(settings, name) for name in SECRET_FIELDS} == dict.fromkeys(
        SECRET_FIELDS, ""
    )
    with pytest.raises(MissingSecrets) as refused:
        resolve(settings)
    assert refused.value.names == ["secret_key", "sandbox_webhook_secret"]
    assert "RETURNFLOW_SANDBOX_WEBHOOK_SECRET" in refused.value.message.en
    assert "RETURNFLOW_SECRET_KEY" in refused.value.message.zh


@pytest.mark.parametrize(
    ("changes", "wanted"),
    [
        ({"payment_gateway": "stripe"}, ["stripe_api_key", "stripe_webhook_secret"]),
        ({"order_system_webhook_url": "https://oms.example/hook"}, ["order_system_webhook_secret"]),
        ({"easypost_api_key": "EZ"}, ["easypost_webhook_secret"]),
        ({"kuaidi100_customer": "C"}, ["kuaidi100_key", "kuaidi100_salt"]),
    ],
)
def test_each_outside_system_names_its_secrets(
    bare_env: Path, changes: dict[str, Any], wanted: list[str]
) -> None:
    settings = Settings(secret_key="k", sandbox_webhook_secret="s", **changes)
    with pytest.raises(MissingSecrets) as refused:
        resolve(settings)
    assert refused.value.names == wanted
    # keys issued by someone else are never made up, not even in demo mode
    if not set(wanted) <= set(GENERATED):
        with pytest.raises(MissingSecrets):
            resolve(settings, demo=True)


def test_demo_mode_makes_up_secrets_once_and_keeps_them_private(bare_env: Path) -> None:
    settings = Settings(order_system_webhook_url="https://oms.example/hook")
    first = resolve(settings, demo=True)
    again = resolve(Settings(order_system_webhook_url="https://oms.example/hook"), demo=True)
    made = [getattr(first, name) for name in GENERATED]
    assert all(len(value) >= 32 for value in made) and len(set(made)) == len(made)
    assert [getattr(again, name) for name in GENERATED] == made  # a restart keeps them
    kept = Path(f"{bare_env}.secrets.json")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    chosen = resolve(Settings(secret_key="mine"), demo=True)
    assert chosen.secret_key == "mine"  # a configured secret wins
    assert chosen.demo and not resolve(chosen, demo=False).demo  # the flag overrides
    assert AppContext.from_settings(Settings(demo=True)).secret_key == first.secret_key


@pytest.mark.parametrize("command", [["serve", "--port", "8799"], ["worker"]])
def test_a_process_outside_demo_mode_refuses_to_start_without_secrets(
    bare_env: Path, command: list[str]
) -> None:
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2, result.output
    assert "RETURNFLOW_SECRET_KEY" in result.output
    assert "RETURNFLOW_SANDBOX_WEBHOOK_SECRET" in result.output
    assert "缺少密钥配置" in result.output
    assert not bare_env.exists()  # refused before the database was touched


def test_the_sandbox_never_signs_with_a_known_key() -> None:
    gateway = SandboxGateway(FakeClock(datetime(2026, 11, 20, tzinfo=UTC)))
    body = b'{"refund": {}}'
    with pytest.raises(SignatureInvalid):
        gateway.parse_notification(body, {SIGNATURE_HEADER: _sign("sandbox-secret", body)})


def _sign(key: str, body: bytes) -> str:
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


SHIP = {"carrier": "顺丰速运", "tracking_no": "SF1234567890"}


def test_a_notice_signed_with_the_old_default_key_is_refused(
    client: TestClient,
    context: AppContext,
    clock: FakeClock,
    order_payload: Callable[..., dict[str, Any]],
    tmp_path: Path,
) -> None:
    """The gateway the server builds from settings, as in production (nothing injected)."""
    context.settings.sandbox_state_file = str(tmp_path / "sandbox.json")
    context.settings.instant_refund_enabled = False
    assert client.post("/api/v1/orders", json=order_payload()).status_code == 201
    filed = client.post(
        "/api/v1/returns",
        json={
            "order_no": "SO-1001",
            "type": "refund",
            "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
        },
    )
    rma = filed.json()["rma_no"]
    for action, step in (("ship", SHIP), ("receive", None), ("inspect", {"passed": True})):
        assert client.post(f"/api/v1/returns/{rma}/{action}", json=step).status_code == 200
    assert client.get(f"/api/v1/refunds/{rma}").json()["status"] == "requested"  # at inspection
    Worker(context, FileMailer(tmp_path)).dispatcher.run_once(clock())  # submit
    clock.advance(seconds=context.settings.sandbox_settle_seconds + 1)
    gateway = context.payment_gateway()
    assert isinstance(gateway, SandboxGateway)
    assert state_path(context.settings) == tmp_path / "sandbox.json"
    ((body, genuine),) = gateway.due_notifications()
    anonymous = TestClient(client.app)
    for headers in ({SIGNATURE_HEADER: _sign("sandbox-secret", body)}, {}):
        refused = anonymous.post(NOTICES, content=body, headers=headers)
        assert refused.json()["code"] == "signature_invalid"
        assert refused.status_code == 401
        assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "inspected"
    heard = anonymous.post(NOTICES, content=body, headers=genuine)
    assert heard.json() == {"received": True, "outcome": "applied"}
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] == "completed"  # paid: done


def test_the_configured_secrets_are_the_ones_needed() -> None:
    assert needed(Settings(payment_gateway="sandbox", carriers_enabled=["manual"])) == [
        "secret_key",
        "sandbox_webhook_secret",
    ]
