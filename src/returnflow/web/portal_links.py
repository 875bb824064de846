"""Signed, expiring links that let a customer back into one order without a password.

A link carries the order number and the customer's id, signed with the process's
secret key; it lasts three days. Anyone holding the link sees that order, so it is
only ever handed out after a look-up with the order number and the phone or email
on the order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from returnflow.domain.text import Text

MAX_AGE = timedelta(days=3)
_SALT = "portal"


@dataclass(frozen=True, slots=True)
class PortalAccess:
    order_no: str
    customer_id: str


class LinkRefused(Exception):
    """The link is forged, damaged or too old; the portal offers a new look-up."""

    def __init__(self, code: str, status: int, message: Text) -> None:
        super().__init__(message.en)
        self.code = code
        self.status = status
        self.message = message


def link_expired() -> LinkRefused:
    return LinkRefused(
        "link_expired",
        403,
        Text(
            "此链接已过期（链接有效期为 3 天），请重新查找您的订单",
            "This link has expired (links last 3 days): look your order up again",
        ),
    )


def link_invalid() -> LinkRefused:
    return LinkRefused(
        "link_invalid",
        404,
        Text(
            "此链接无效，可能不完整或已被修改，请重新查找您的订单",
            "This link is not valid: it may be incomplete or changed. Look your order up again",
        ),
    )


class _ClockSigner(TimestampSigner):
    """Stamps and checks ages with the application's clock, not the system's."""

    def __init__(self, *args: Any, now: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._now = now

    def get_timestamp(self) -> int:
        return int(self._now.timestamp())


def _serializer(secret_key: str, now: datetime) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        secret_key, salt=_SALT, signer=_ClockSigner, signer_kwargs={"now": now}
    )


def make_token(secret_key: str, access: PortalAccess, now: datetime) -> str:
    return _serializer(secret_key, now).dumps({"o": access.order_no, "c": access.customer_id})


def read_token(secret_key: str, token: str, now: datetime) -> PortalAccess:
    """The order and customer a link opens, or `LinkRefused`."""
    try:
        payload = _serializer(secret_key, now).loads(token, max_age=int(MAX_AGE.total_seconds()))
    except SignatureExpired as error:
        raise link_expired() from error
    except BadSignature as error:  # forged, damaged, or not a link at all
        raise link_invalid() from error
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("o"), str)
        or not isinstance(payload.get("c"), str)
    ):
        raise link_invalid()
    return PortalAccess(payload["o"], payload["c"])
