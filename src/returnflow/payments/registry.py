"""The payment gateway a process pays refunds through, chosen by configuration.

Built once per process: the sandbox keeps its refunds in memory, so every request
and the worker must talk to the same instance. Tests inject their own gateway.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from returnflow.config import Settings
from returnflow.payments.gateway import PaymentGateway
from returnflow.payments.sandbox import SandboxGateway
from returnflow.payments.sandbox_store import state_path
from returnflow.payments.stripe import StripeGateway
from returnflow.process_secrets import require

GATEWAYS = ("sandbox", "stripe")


def gateway_from_settings(settings: Settings, clock: Callable[[], datetime]) -> PaymentGateway:
    name = settings.payment_gateway
    if name == "stripe":
        return StripeGateway(
            settings.stripe_base_url,
            require(settings, "stripe_api_key"),
            require(settings, "stripe_webhook_secret"),
            settings.stripe_timeout,
            clock=clock,
        )
    if name == "sandbox":
        return SandboxGateway(
            clock,
            settle_after=timedelta(seconds=settings.sandbox_settle_seconds),
            webhook_secret=require(settings, "sandbox_webhook_secret"),
            state_file=state_path(settings),
        )
    raise ValueError(f"unknown payment gateway {name!r}; expected one of {GATEWAYS}")
