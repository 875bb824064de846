"""A merchant's own return terms and after-sales profile (issue 15, R11.1, R2.1).

A merchant offers better terms than the platform's, for all its goods or one category;
each change publishes the next policy version through `policies.publish_version`, so the
version history records who and when, and orders placed before keep their terms (R2.5).
A merchant's change only ever replaces its own `MerchantTerms`: the baseline, the
categories and every other merchant's terms are copied from the latest version.

The profile (return methods accepted, warehouse, help-centre note) is stored in
`merchant_profiles` and also written as the merchant's all-provinces adjustment of the
return-method book (`domain/shipping.py`), so the shipping choice offers only the
accepted methods and labels name the merchant's warehouse.

Merchant accounts reach only their own merchant: any other id is "not found".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from returnflow.domain.analyses import PRODUCT_CATEGORIES
from returnflow.domain.merchant_profiles import MerchantProfile
from returnflow.domain.policy import TERM_FIELDS, MerchantTerms, PolicyVersion
from returnflow.domain.shipping import ANY, Adjustment, MethodChange, ReturnMethod
from returnflow.domain.text import DomainError, Text
from returnflow.services import policies
from returnflow.services.errors import NotFound
from returnflow.services.policy_words import DAY_LIMITS, TERM_LABELS, Scope, scope
from returnflow.services.unit_of_work import UnitOfWork

Overrides = Mapping[str, int | bool]


@dataclass(frozen=True, slots=True)
class Change:
    """A published version that changed this merchant's terms."""

    version: int
    effective_from: datetime
    published_at: datetime
    published_by: str
    entries: tuple[MerchantTerms, ...]


@dataclass(frozen=True, slots=True)
class TermsView:
    merchant_id: str
    name: str
    policy: PolicyVersion
    scopes: tuple[Scope, ...]
    profile: MerchantProfile
    history: tuple[Change, ...]


def merchant_not_found(merchant_id: str) -> NotFound:
    return NotFound(
        "merchant_not_found",
        Text("找不到商家 {id}", "Merchant {id} was not found").format(id=merchant_id),
    )


def checked_merchant(uow: UnitOfWork, merchant_id: str, merchant_scope: str | None) -> str:
    """The merchant's name; not found for an unknown id or another merchant's account."""
    name = uow.merchant_profiles.merchant_name(merchant_id)
    if name is None or (merchant_scope is not None and merchant_scope != merchant_id):
        raise merchant_not_found(merchant_id)
    return name


def merchants(uow: UnitOfWork) -> list[tuple[str, str]]:
    """(id, name) of the merchants a manager may pick."""
    return uow.merchant_profiles.merchants()


def profile_of(uow: UnitOfWork, merchant_id: str) -> MerchantProfile:
    return uow.merchant_profiles.get(merchant_id) or MerchantProfile(merchant_id)


def scopes_of(uow: UnitOfWork, policy: PolicyVersion, merchant_id: str) -> tuple[Scope, ...]:
    """All goods, then every category the platform names, the merchant sells or improved."""
    named = set(policy.categories) | set(uow.merchant_profiles.categories(merchant_id))
    named |= {m.category for m in policy.merchants if m.merchant_id == merchant_id and m.category}
    return tuple(scope(policy, merchant_id, c) for c in (None, *sorted(named)))


def terms_view(
    uow: UnitOfWork, merchant_id: str, now: datetime, *, merchant_scope: str | None = None
) -> TermsView:
    name = checked_merchant(uow, merchant_id, merchant_scope)
    policy = policies.policy_book(uow).in_force_at(now)
    return TermsView(
        merchant_id,
        name,
        policy,
        scopes_of(uow, policy, merchant_id),
        profile_of(uow, merchant_id),
        _history(uow, merchant_id),
    )


def _history(uow: UnitOfWork, merchant_id: str) -> tuple[Change, ...]:
    """Newest first: the versions whose entries for this merchant differ from the one before."""
    published = list(reversed(uow.merchant_profiles.published()))
    changes: list[Change] = []
    before: tuple[MerchantTerms, ...] = ()
    for item in published:
        mine = tuple(m for m in item.policy.merchants if m.merchant_id == merchant_id)
        if _key(mine) != _key(before):
            changes.append(
                Change(
                    item.policy.version,
                    item.policy.effective_from,
                    item.published_at,
                    item.published_by,
                    mine,
                )
            )
        before = mine
    return tuple(reversed(changes))


def _key(entries: tuple[MerchantTerms, ...]) -> list[tuple[str, list[tuple[str, int | bool]]]]:
    return sorted((m.category or "", sorted(m.overrides.items())) for m in entries)


def _known_category(
    uow: UnitOfWork, policy: PolicyVersion, merchant_id: str, category: str
) -> None:
    known = {s.category for s in scopes_of(uow, policy, merchant_id)} | set(PRODUCT_CATEGORIES)
    if category not in known:
        raise DomainError(
            "category_not_found",
            Text("没有这个商品类目：{c}", "No such product category: {c}").format(c=category),
            field="category",
        )


def checked_overrides(policy: PolicyVersion, category: str | None, values: Overrides) -> Overrides:
    """Only what beats the platform; anything worse is refused beside its field."""
    base = policy.baseline if category is None else policy.category_terms(category)
    kept: dict[str, int | bool] = {}
    for name, value in values.items():
        if name not in TERM_FIELDS:
            raise DomainError(
                "unknown_policy_term",
                Text("未知的政策条款：{n}", "Unknown policy term: {n}").format(n=name),
                field=name,
            )
        if name not in DAY_LIMITS and not isinstance(value, bool):
            raise DomainError(
                "term_not_yes_or_no",
                Text("此项只能选择是或否", "This term is yes or no"),
                field=name,
            )
        limit = DAY_LIMITS.get(name)
        if limit is not None and (isinstance(value, bool) or not 0 <= value <= limit):
            raise DomainError(
                "term_out_of_range",
                Text("请填写 0 到 {n} 之间的天数", "Enter a number of days from 0 to {n}").format(
                    n=limit
                ),
                field=name,
            )
        platform = getattr(base, name)
        if value < platform:
            raise _less_generous(name, platform)
        if value > platform:
            kept[name] = value
    return kept


def _less_generous(name: str, platform: int | bool) -> DomainError:
    label = TERM_LABELS[name]
    if isinstance(platform, bool):
        message = Text(
            "平台规定由商家承担，不能改为买家承担", "The platform has the merchant pay: keep it"
        )
    else:
        message = Text(
            f"{label.zh}不能低于平台的 {platform} 天",
            f"{label.en}: at least the platform's {platform} days",
        )
    return DomainError("override_less_generous", message, field=name)


def set_scope(
    uow: UnitOfWork,
    merchant_id: str,
    category: str | None,
    values: Overrides,
    actor: str,
    now: datetime,
    *,
    merchant_scope: str | None = None,
) -> PolicyVersion:
    """Replace the merchant's terms for one scope (all goods or a category) and publish."""
    checked_merchant(uow, merchant_id, merchant_scope)
    latest = policies.policy_book(uow).latest()
    if category is not None:
        _known_category(uow, latest, merchant_id, category)
    kept = checked_overrides(latest, category, values)
    others = tuple(
        m for m in latest.merchants if not (m.merchant_id == merchant_id and m.category == category)
    )
    mine = (MerchantTerms(merchant_id, category, kept),) if kept else ()
    return _publish(uow, others + mine, actor, now)


def replace_terms(
    uow: UnitOfWork,
    merchant_id: str,
    scopes: Mapping[str | None, Overrides],
    actor: str,
    now: datetime,
    *,
    merchant_scope: str | None = None,
) -> PolicyVersion:
    """Replace every one of the merchant's scopes at once (the API's PUT) and publish."""
    checked_merchant(uow, merchant_id, merchant_scope)
    latest = policies.policy_book(uow).latest()
    others = tuple(m for m in latest.merchants if m.merchant_id != merchant_id)
    mine = []
    for category, values in scopes.items():
        if category is not None:
            _known_category(uow, latest, merchant_id, category)
        kept = checked_overrides(latest, category, values)
        if kept:
            mine.append(MerchantTerms(merchant_id, category, kept))
    return _publish(uow, others + tuple(mine), actor, now)


def _publish(
    uow: UnitOfWork, entries: tuple[MerchantTerms, ...], actor: str, now: datetime
) -> PolicyVersion:
    """The next version: the latest with only the merchants' entries replaced."""
    draft = policies.PolicyDraft(effective_from=now, merchants=entries)
    return policies.publish_version(uow, draft, now, actor)


def save_profile(
    uow: UnitOfWork,
    profile: MerchantProfile,
    actor: str,
    now: datetime,
    *,
    merchant_scope: str | None = None,
) -> MerchantProfile:
    """Store the profile and make the return-method book follow it (all provinces)."""
    checked_merchant(uow, profile.merchant_id, merchant_scope)
    profile.check()
    uow.merchant_profiles.save(profile, now, actor)
    _follow_in_method_book(uow, profile, actor, now)
    return profile_of(uow, profile.merchant_id)


def _follow_in_method_book(
    uow: UnitOfWork, profile: MerchantProfile, actor: str, now: datetime
) -> None:
    existing = next(
        (
            a
            for a in uow.shipments.adjustments()
            if a.merchant_id == profile.merchant_id and a.province == ANY
        ),
        None,
    )
    methods = dict(existing.methods) if existing is not None else {}
    for method in ReturnMethod:
        change = methods.get(method, MethodChange())
        methods[method] = replace(change, enabled=profile.accepts(method))
    adjustment = Adjustment(
        profile.merchant_id,
        ANY,
        methods,
        existing.pickup_hours if existing is not None else None,
        profile.warehouse or (existing.warehouse if existing is not None else None),
    )
    adjustment.check()
    uow.shipments.put_adjustment(adjustment, now, actor)
