"""Who is on the other end: the socket peer, or what a configured proxy says it saw.

`X-Forwarded-For` is written by whoever sends the request, so it is believed only
when the peer is one of `RETURNFLOW_TRUSTED_PROXIES` (addresses or CIDR networks).
Then the list is read from the right, skipping our own proxies: the first address
that is not one of them is the client (anything further left the client could
have typed). Throttling keys and the https check both depend on this.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import cache

from starlette.requests import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_UNKNOWN = "unknown"


@cache
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in trusted)


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def _normalised(address: str) -> str:
    """One spelling per address (IPv6 written many ways would make many throttle keys)."""
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return _UNKNOWN


def client_address(request: Request, trusted: Sequence[str]) -> str:
    peer = request.client.host if request.client else ""
    networks = _networks(tuple(trusted))
    if not peer or not _is_trusted(peer, networks):
        return _normalised(peer) if peer else _UNKNOWN
    hops = [
        hop.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
    ]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            return _normalised(hop)
    return _normalised(peer)


def is_https(request: Request, trusted: Sequence[str]) -> bool:
    """https as the browser sees it: our scheme, or a trusted proxy's X-Forwarded-Proto."""
    if request.url.scheme == "https":
        return True
    peer = request.client.host if request.client else ""
    if peer and _is_trusted(peer, _networks(tuple(trusted))):
        forwarded = request.headers.get("x-forwarded-proto", "")
        return forwarded.split(",")[0].strip().lower() == "https"
    return False
