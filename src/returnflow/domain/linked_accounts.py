"""Linked accounts (R10.3): customers who share a phone, an address, a payment account
or a device, found by a union-find over (customer, identifier) pairs.

Identifiers are compared by their normalised form (`normalise`) and kept only as a
hash (`identifier_hash`): the table that links them holds no personal data in clear.
A customer A who shares a phone with B, where B shares an address with C, is linked
to C as well: the union-find joins the whole component, however it was reached.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from returnflow.domain.text import Text


class IdentifierKind(StrEnum):
    PHONE = "phone"
    ADDRESS = "address"
    PAYMENT = "payment"
    DEVICE = "device"

    @property
    def label(self) -> Text:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    IdentifierKind.PHONE: Text("手机号", "phone"),
    IdentifierKind.ADDRESS: Text("收货地址", "address"),
    IdentifierKind.PAYMENT: Text("支付账户", "payment account"),
    IdentifierKind.DEVICE: Text("设备", "device"),
}

_SPACES = re.compile(r"[\s,，.。#\-_/]+")


def normalise(kind: IdentifierKind, value: str) -> str:
    """The form two spellings of one identifier share; "" when there is nothing to link."""
    text = value.strip().lower()
    if kind is IdentifierKind.PHONE:
        digits = "".join(ch for ch in text if ch.isdigit())
        if digits.startswith("86") and len(digits) == 13:
            digits = digits[2:]  # +86 138… and 138… are the same mobile
        return digits if len(digits) >= 6 else ""
    return _SPACES.sub("", text)


def identifier_hash(kind: IdentifierKind, value: str) -> str:
    """SHA-256 of the kind and the normalised value ("" when there is nothing to link)."""
    normal = normalise(kind, value)
    if not normal:
        return ""
    return hashlib.sha256(f"returnflow-risk:{kind.value}:{normal}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Identifier:
    kind: IdentifierKind
    value_hash: str


@dataclass(frozen=True, slots=True)
class Links:
    """The other customers in a customer's component and the kinds that joined them."""

    customers: frozenset[str]
    kinds: frozenset[IdentifierKind]

    @property
    def count(self) -> int:
        return len(self.customers)


NO_LINKS = Links(frozenset(), frozenset())


class UnionFind:
    """Disjoint sets with path halving and union by size."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}
        self._size: dict[str, int] = {}

    def find(self, node: str) -> str:
        self._parent.setdefault(node, node)
        self._size.setdefault(node, 1)
        while self._parent[node] != node:
            self._parent[node] = self._parent[self._parent[node]]
            node = self._parent[node]
        return node

    def union(self, a: str, b: str) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return
        if self._size[root_a] < self._size[root_b]:
            root_a, root_b = root_b, root_a
        self._parent[root_b] = root_a
        self._size[root_a] += self._size[root_b]


def linked(customer_id: str, pairs: Iterable[tuple[str, Identifier]]) -> Links:
    """The customers joined to `customer_id` through shared identifiers, and how."""
    sets = UnionFind()
    holders: dict[Identifier, set[str]] = {}
    me = f"c:{customer_id}"
    sets.find(me)
    for customer, identifier in pairs:
        sets.union(f"c:{customer}", f"i:{identifier.kind.value}:{identifier.value_hash}")
        holders.setdefault(identifier, set()).add(customer)
    root = sets.find(me)
    others = {
        customer
        for members in holders.values()
        for customer in members
        if customer != customer_id and sets.find(f"c:{customer}") == root
    }
    kinds = {
        identifier.kind
        for identifier, members in holders.items()
        if len(members) > 1 and sets.find(f"c:{next(iter(members))}") == root
    }
    return Links(frozenset(others), frozenset(kinds))
