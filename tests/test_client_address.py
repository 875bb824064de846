"""Which address a request comes from: forwarded headers only from configured proxies."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from returnflow.config import Settings
from returnflow.entrypoints.client_address import client_address, is_https


def _request(peer: str, *headers: tuple[str, str], scheme: str = "http") -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/",
            "scheme": scheme,
            "headers": [(name.lower().encode(), value.encode()) for name, value in headers],
            "client": (peer, 50000),
            "server": ("testserver", 80),
        }
    )


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("127.0.0.1", "192.0.2.9", [], "127.0.0.1"),  # a local client is not a proxy
        ("198.51.100.7", "192.0.2.9", [], "198.51.100.7"),
        ("10.0.0.2", "192.0.2.9", ["10.0.0.0/24"], "192.0.2.9"),
        # made-up hops to the left of what our proxy saw are ignored
        ("10.0.0.2", "1.1.1.1, 192.0.2.9", ["10.0.0.0/24"], "192.0.2.9"),
        # two proxies of ours in a row: the first address that is not ours
        ("10.0.0.2", "192.0.2.9, 10.0.0.3", ["10.0.0.0/24"], "192.0.2.9"),
        ("10.0.0.2", "not-an-address", ["10.0.0.0/24"], "unknown"),
        ("10.0.0.2", "", ["10.0.0.0/24"], "10.0.0.2"),
        ("::ffff:0:0", "", [], "::ffff:0:0"),
        ("2001:db8:0:0::1", "", [], "2001:db8::1"),  # one spelling per address
    ],
)
def test_client_address(peer: str, forwarded: str, trusted: list[str], expected: str) -> None:
    headers = [("X-Forwarded-For", forwarded)] if forwarded else []
    assert client_address(_request(peer, *headers), trusted) == expected


def test_https_is_believed_from_trusted_proxies_only() -> None:
    header = ("X-Forwarded-Proto", "https")
    assert is_https(_request("10.0.0.2", header), ["10.0.0.2"])
    assert not is_https(_request("198.51.100.7", header), ["10.0.0.2"])
    assert is_https(_request("198.51.100.7", scheme="https"), [])


def test_a_malformed_proxy_setting_refuses_to_start() -> None:
    with pytest.raises(ValueError, match="trusted_proxies"):
        Settings(trusted_proxies=["10.0.0.300/8"])
    with pytest.raises(ValueError, match="unknown roles"):
        Settings(totp_required_roles=["root"])
