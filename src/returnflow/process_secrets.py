"""Which secrets a configuration needs, and where demo mode keeps the ones it makes up.

No secret has a default: a default key is a key everyone knows (issue 9 — settlement
notices signed with the documented "sandbox-secret" moved money). So a process outside
demo mode refuses to start when a secret its configuration needs is missing, and names
the variable to set. Demo mode makes up the secrets that only we hold (the portal-link
key, the sandbox gateway's notice key, the order-system webhook key), and keeps them in
a private file beside the database so links and notices still verify after a restart
and across the `serve` and `worker` processes. Keys issued by someone else (Stripe,
Kuaidi100, EasyPost) cannot be made up: they are required in every mode once the
configuration uses that outside system.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from pathlib import Path

from returnflow.config import Settings
from returnflow.domain.text import DomainError, Text
from returnflow.storage.database import file_beside

# secrets we are both ends of, so demo mode may generate them
GENERATED = ("secret_key", "sandbox_webhook_secret", "order_system_webhook_secret")
DEFAULT_FILE = ".returnflow-secrets.json"


class MissingSecrets(DomainError):
    """The configuration needs secrets that are not set; `names` are Settings fields."""

    def __init__(self, names: list[str]) -> None:
        self.names = list(names)
        variables = ", ".join(env_name(name) for name in names)
        super().__init__(
            "missing_secret",
            Text(
                f"缺少密钥配置：请设置环境变量 {variables}（或以演示模式运行：--demo 或 "
                "RETURNFLOW_DEMO=1）",
                f"Missing secret: set the environment variable {variables} (or run in demo "
                "mode: --demo or RETURNFLOW_DEMO=1)",
            ),
        )


def env_name(field: str) -> str:
    return f"RETURNFLOW_{field.upper()}"


def needed(settings: Settings) -> list[str]:
    """The secret fields this configuration uses, in the order a reader would set them."""
    names = ["secret_key"]
    if settings.payment_gateway == "sandbox":
        names.append("sandbox_webhook_secret")
    elif settings.payment_gateway == "stripe":
        names += ["stripe_api_key", "stripe_webhook_secret"]
    if settings.order_system_webhook_url:
        names.append("order_system_webhook_secret")
    enabled = set(settings.carriers_enabled)
    # a carrier half configured would be built half trusted, or silently not at all
    if "kuaidi100" in enabled and (settings.kuaidi100_customer or settings.kuaidi100_key):
        names += ["kuaidi100_customer", "kuaidi100_key", "kuaidi100_salt"]
    if "easypost" in enabled and (settings.easypost_api_key or settings.easypost_webhook_secret):
        names += ["easypost_api_key", "easypost_webhook_secret"]
    return names


def missing(settings: Settings) -> list[str]:
    return [name for name in needed(settings) if not str(getattr(settings, name) or "")]


def require(settings: Settings, name: str) -> str:
    """One secret's value, or MissingSecrets: never an empty (forgeable) key."""
    value = str(getattr(settings, name) or "")
    if not value:
        raise MissingSecrets([name])
    return value


def resolve(settings: Settings, *, demo: bool | None = None) -> Settings:
    """Settings with every needed secret set, or MissingSecrets naming what is not.

    `demo` overrides `settings.demo`; in demo mode the secrets we hold are made up
    (once, then read back from the secrets file).
    """
    if demo is not None and demo != settings.demo:
        settings = settings.model_copy(update={"demo": demo})
    if settings.demo:
        settings = with_demo_secrets(settings)
    absent = missing(settings)
    if absent:
        raise MissingSecrets(absent)
    return settings


def with_demo_secrets(settings: Settings) -> Settings:
    """A copy with the needed, unset, generatable secrets filled from the secrets file."""
    wanted = [n for n in needed(settings) if n in GENERATED and not getattr(settings, n)]
    if not wanted:
        return settings
    path = secrets_path(settings)
    kept = _read(path) if path is not None else {}
    made = {name: secrets.token_urlsafe(32) for name in wanted if not kept.get(name)}
    if made and path is not None:
        _write_private(path, {**kept, **made})
    values = {name: kept.get(name) or made[name] for name in wanted}
    return settings.model_copy(update=values)


def secrets_path(settings: Settings) -> Path | None:
    """The configured file; else beside a SQLite file; None for an in-memory database."""
    if settings.secrets_file:
        return Path(settings.secrets_file)
    # in memory, the data forgets on exit, so may its keys
    return file_beside(settings.database_url, ".secrets.json", DEFAULT_FILE)


def _read(path: Path) -> dict[str, str]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    if not isinstance(document, dict):
        return {}
    return {str(key): str(value) for key, value in document.items() if isinstance(value, str)}


def _write_private(path: Path, values: dict[str, str]) -> None:
    """Create with mode 0600 from the start (never readable by others, even briefly),
    then rename over the old file so a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(values, stream, indent=2, sort_keys=True)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    path.chmod(0o600)
