"""The policy shown before purchase (R2.1): the public help centre and the summary API.

Nothing here needs a sign-in: what the platform promises, what one merchant adds, and
what applies to one category or product, read from the version in force now (an order
placed now is judged by it, R2.5). `Summary.etag` changes whenever the answer can: a
new policy version, a changed merchant profile, or a changed product.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from returnflow.domain.analyses import PRODUCT_CATEGORIES
from returnflow.domain.merchant_profiles import MerchantProfile
from returnflow.domain.policy import PolicyVersion
from returnflow.domain.text import Text
from returnflow.services import policies
from returnflow.services.errors import NotFound
from returnflow.services.merchant_terms import merchant_not_found, profile_of
from returnflow.services.policy_words import FLAG_WORDS, Line, Scope, scope
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.merchant_profiles import Product

PLATFORM = ""  # the merchant id that offers nothing beyond the platform's terms


@dataclass(frozen=True, slots=True)
class PlatformHelp:
    policy: PolicyVersion
    scopes: tuple[Scope, ...]


@dataclass(frozen=True, slots=True)
class MerchantHelp:
    merchant_id: str
    name: str
    policy: PolicyVersion
    scopes: tuple[Scope, ...]
    profile: MerchantProfile


@dataclass(frozen=True, slots=True)
class Summary:
    policy: PolicyVersion
    merchant_id: str | None
    merchant_name: str | None
    product: Product | None
    scope: Scope
    profile: MerchantProfile | None
    etag: str

    @property
    def product_lines(self) -> tuple[Line, ...]:
        """What this product's own facts add (custom made, hygiene, …)."""
        flags = self.product.flags if self.product is not None else ()
        return tuple(Line(f"flag_{f}", FLAG_WORDS[f]) for f in flags if f in FLAG_WORDS)


def _policy(uow: UnitOfWork, now: datetime) -> PolicyVersion:
    return policies.policy_book(uow).in_force_at(now)


def platform_help(uow: UnitOfWork, now: datetime) -> PlatformHelp:
    policy = _policy(uow, now)
    named = sorted(set(policy.categories) | set(PRODUCT_CATEGORIES))
    return PlatformHelp(policy, tuple(scope(policy, PLATFORM, c) for c in (None, *named)))


def merchant_help(uow: UnitOfWork, merchant_id: str, now: datetime) -> MerchantHelp:
    name = uow.merchant_profiles.merchant_name(merchant_id)
    if name is None:
        raise merchant_not_found(merchant_id)
    policy = _policy(uow, now)
    named = set(policy.categories) | set(uow.merchant_profiles.categories(merchant_id))
    named |= {m.category for m in policy.merchants if m.merchant_id == merchant_id and m.category}
    return MerchantHelp(
        merchant_id,
        name,
        policy,
        tuple(scope(policy, merchant_id, c) for c in (None, *sorted(named))),
        profile_of(uow, merchant_id),
    )


def known_category(uow: UnitOfWork, policy: PolicyVersion, merchant_id: str, code: str) -> bool:
    if code in policy.categories or code in PRODUCT_CATEGORIES:
        return True
    return bool(merchant_id) and code in uow.merchant_profiles.categories(merchant_id)


def category_not_found(code: str) -> NotFound:
    return NotFound(
        "category_not_found",
        Text("没有这个商品类目：{c}", "No such product category: {c}").format(c=code),
        field="category",
    )


def product_not_found(sku: str) -> NotFound:
    return NotFound(
        "product_not_found",
        Text("找不到商品 {sku}", "Product {sku} was not found").format(sku=sku),
        field="sku",
    )


def summary(
    uow: UnitOfWork,
    merchant_id: str | None,
    sku: str | None,
    category: str | None,
    now: datetime,
) -> Summary:
    """The terms for a product (merchant + sku), a merchant's category or all its goods,
    or the platform's (no merchant)."""
    policy = _policy(uow, now)
    name = None
    if merchant_id is not None:
        name = uow.merchant_profiles.merchant_name(merchant_id)
        if name is None:
            raise merchant_not_found(merchant_id)
    product = None
    if sku is not None and merchant_id is not None:
        product = uow.merchant_profiles.product(merchant_id, sku)
        if product is None:
            raise product_not_found(sku)
        category = product.category
    elif category is not None and not known_category(uow, policy, merchant_id or "", category):
        raise category_not_found(category)
    profile = profile_of(uow, merchant_id) if merchant_id is not None else None
    chosen = scope(policy, merchant_id or PLATFORM, category)
    return Summary(
        policy, merchant_id, name, product, chosen, profile, _etag(policy, profile, product, chosen)
    )


def _etag(
    policy: PolicyVersion, profile: MerchantProfile | None, product: Product | None, chosen: Scope
) -> str:
    stamp = profile.updated_at.isoformat() if profile and profile.updated_at else "-"
    facts = repr((policy.version, stamp, product, chosen.category, chosen.terms))
    digest = hashlib.sha256(facts.encode()).hexdigest()[:16]
    return f'"p{policy.version}-{digest}"'
