"""The payment-gateway interface every adapter implements.

Services talk to this protocol, never to a particular gateway, so the demo can run on
the sandbox and production on a real provider. The error classes carry the one
decision a caller must make after a failure: `GatewayUnavailable` means "the refund may
or may not exist; retry with the SAME idempotency key", `GatewayRejected` means "the
gateway refused; retrying will not help".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Protocol, runtime_checkable

from returnflow.domain.money import Money

MAX_IDEMPOTENCY_KEY_LENGTH = 255  # Stripe's limit; the strictest gateway we know of


class RefundStatus(StrEnum):
    """Where a refund stands at the gateway; only `pending` can still change."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self is not RefundStatus.PENDING


class RefundReason(StrEnum):
    """Why money goes back; the values are the ones card gateways (Stripe) accept."""

    REQUESTED_BY_CUSTOMER = "requested_by_customer"
    DUPLICATE = "duplicate"
    FRAUDULENT = "fraudulent"


def _frozen_mapping(values: Mapping[str, str]) -> Mapping[str, str]:
    """A read-only copy, so a frozen dataclass cannot be changed through its metadata."""
    return MappingProxyType(dict(values))


@dataclass(frozen=True, slots=True)
class RefundSubmission:
    """One request to pay money back against an earlier payment.

    `idempotency_key` must be the same for every retry of this refund (see
    `refund_idempotency_key`); `payment_reference` is the original charge or payment
    intent the money returns to (R6.1: refund to the original payment method).
    """

    idempotency_key: str
    payment_reference: str
    amount: Money
    reason: RefundReason = RefundReason.REQUESTED_BY_CUSTOMER
    metadata: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.idempotency_key or len(self.idempotency_key) > MAX_IDEMPOTENCY_KEY_LENGTH:
            raise ValueError("idempotency_key must be 1..255 characters")
        if not self.payment_reference:
            raise ValueError("payment_reference is required")
        if self.amount.cents <= 0:
            raise ValueError("a refund amount must be positive")
        object.__setattr__(self, "metadata", _frozen_mapping(self.metadata))


@dataclass(frozen=True, slots=True)
class GatewayRefund:
    """What the gateway says about one refund.

    `metadata` is echoed back by the gateway, so a settlement notification can be tied
    to its return even if we crashed before storing `gateway_refund_id`.
    """

    gateway_refund_id: str
    status: RefundStatus
    amount: Money
    failure_reason: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "metadata", _frozen_mapping(self.metadata))


class GatewayError(Exception):
    """Base of everything a gateway adapter raises on purpose."""


class GatewayUnavailable(GatewayError):
    """Timeout, connection error, 5xx or throttling: the outcome is unknown.

    The refund may have been created. Retry later with the SAME idempotency key; the
    gateway then returns the refund it already made instead of creating another.
    """


class GatewayResponseInvalid(GatewayUnavailable):
    """The gateway answered with something we cannot read.

    A subclass of `GatewayUnavailable` because the refund may exist all the same, so
    the safe move is still a retry with the same key (and an alert).
    """


class GatewayRejected(GatewayError):
    """The gateway refused the request (4xx); retrying the same request will not help."""

    def __init__(self, code: str, message: str, *, http_status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status


class SignatureInvalid(GatewayError):
    """A settlement notification was not signed by the gateway (or is too old to trust)."""


class NotificationUnsupported(GatewayError):
    """A correctly signed notification about something other than a refund.

    The receiver should acknowledge it (so the gateway stops re-sending) and ignore it.
    """


@runtime_checkable
class PaymentGateway(Protocol):
    """What ReturnFlow needs from any gateway that pays refunds."""

    def submit_refund(self, request: RefundSubmission) -> GatewayRefund:
        """Create the refund, or return the one already created under the same key.

        Raises `GatewayUnavailable` (retry with the same key) or `GatewayRejected`.
        """
        ...

    def refund_status(self, gateway_refund_id: str) -> GatewayRefund:
        """Ask the gateway where a refund stands now."""
        ...

    def find_refund(
        self, idempotency_key: str, payment_reference: str, gateway_refund_id: str | None = None
    ) -> GatewayRefund | None:
        """The refund made under `idempotency_key` (or with that id), or None if none was.

        Asked before a retry or a re-opening, so a refund the gateway already paid (its
        answer lost, or a false "failed" heard) is found instead of paid a second time.
        Raises `GatewayUnavailable` when the gateway cannot tell: then nothing is sent.
        """
        ...

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> GatewayRefund:
        """Verify a settlement notification's signature and read the refund it carries.

        Raises `SignatureInvalid` for anything not provably from the gateway and
        `NotificationUnsupported` for signed events that are not about refunds.
        """
        ...


def refund_idempotency_key(rma_no: str, attempt_group: str = "refund") -> str:
    """The idempotency key for one refund of one return.

    Deterministic on purpose: it is derived from the return, not generated, so a
    process that crashed after submitting re-derives the same key and the gateway
    recognises the retry. Use a new `attempt_group` only for a deliberately separate
    payment (e.g. a second partial refund), never to "retry harder".
    """
    for name, value in (("rma_no", rma_no), ("attempt_group", attempt_group)):
        if not value or any(ch.isspace() for ch in value):
            raise ValueError(f"{name} must be non-empty and contain no whitespace")
    key = f"rf-{rma_no}-{attempt_group}"
    if len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise ValueError("idempotency key too long")
    return key


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup; frameworks hand us dicts with any casing."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None
