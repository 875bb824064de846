"""The return policy: a platform baseline, merchants' better terms, and versions.

The platform sets a baseline every merchant must meet, with rules per category
(R2.1, R2.3). A merchant may offer better terms for all its goods or for one
category, never worse. Policies are versioned snapshots: an order is judged under
the version in force when it was placed (R2.5), so publishing new terms never
changes the rules for goods already sold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from returnflow.domain.text import DomainError, Text


@dataclass(frozen=True, slots=True)
class Terms:
    """The terms for one category; larger numbers and True are more generous."""

    no_reason_days: int = 7
    quality_refund_days: int = 7
    quality_exchange_days: int = 15
    warranty_days: int = 90  # 0: this category has no repair service
    merchant_pays_no_reason_shipping: bool = False


TERM_FIELDS = tuple(f.name for f in fields(Terms))


@dataclass(frozen=True, slots=True)
class MerchantTerms:
    """A merchant's better terms, for all its goods (category None) or one category."""

    merchant_id: str
    category: str | None
    overrides: Mapping[str, int | bool]


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    version: int
    effective_from: datetime
    baseline: Terms = field(default_factory=Terms)
    categories: Mapping[str, Terms] = field(default_factory=dict)
    merchants: tuple[MerchantTerms, ...] = ()
    timezone: str = "Asia/Shanghai"
    # requests worth more than this (minor units, any currency) go to a human (R3.1)
    auto_approve_limit: int = 200_000
    # hours the platform gives itself to review a request by hand (R3.4)
    review_hours: int = 24
    # days an approved request may wait for the customer to ship it (R1.5)
    ship_within_days: int = 7
    # days the customer has to confirm the result before it confirms itself (R7.1)
    confirm_within_days: int = 7

    # Built once in __post_init__ from `merchants` (see `_MerchantIndex`): which
    # merchants improve on the platform, so a line is judged in the same time whether
    # the policy holds 4 merchant overrides or 10,000.
    _index: Mapping[str, _MerchantIndex] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    # the time zone, looked up on first use (every period of every line needs it)
    _zone: ZoneInfo | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        index: dict[str, _MerchantIndex] = {}
        for merchant in self.merchants:
            unknown = set(merchant.overrides) - set(TERM_FIELDS)
            if unknown:
                raise DomainError(
                    "unknown_policy_term",
                    Text("未知的政策条款：{names}", "Unknown policy terms: {names}").format(
                        names=", ".join(sorted(unknown))
                    ),
                    field="merchants",
                )
            base = self.category_terms(merchant.category) if merchant.category else self.baseline
            worse = sorted(
                name for name, value in merchant.overrides.items() if value < getattr(base, name)
            )
            if worse:
                raise DomainError(
                    "override_less_generous",
                    Text(
                        "商家 {merchant} 的条款低于平台底线：{names}",
                        "Merchant {merchant} offers less than the platform baseline: {names}",
                    ).format(merchant=merchant.merchant_id, names=", ".join(worse)),
                    field="merchants",
                )
            own = index.get(merchant.merchant_id)
            if own is None:
                own = index[merchant.merchant_id] = _MerchantIndex()
            own.add(merchant)
        object.__setattr__(self, "_index", index)

    @property
    def zone(self) -> ZoneInfo:
        zone = self._zone
        if zone is None:
            zone = ZoneInfo(self.timezone)
            object.__setattr__(self, "_zone", zone)
        return zone

    def category_terms(self, category: str) -> Terms:
        return self.categories.get(category, self.baseline)

    def terms_for(self, merchant_id: str, category: str) -> Terms:
        """The terms a line gets: the category baseline, improved by the merchant.

        One dictionary look-up for a merchant without terms of its own; a merchant's
        terms are worked out once per category and then remembered (`_MerchantIndex`).
        """
        own = self._index.get(merchant_id)
        if own is None:
            return self.categories.get(category, self.baseline)
        found = own.resolved.get(category)
        return found if found is not None else own.terms(self, category)

    def last_day(self, start: datetime, days: int) -> date:
        """The last calendar day of a period of `days` counted from the day after start.

        Delivered on day D (in the platform's time zone), a 7-day period ends on D+7.
        """
        zone = self._zone or self.zone
        if start.fold:  # see `_local_date`
            return start.astimezone(zone).date() + _ONE_DAY * days
        return _last_day(zone, start, days)

    def local_date(self, moment: datetime) -> date:
        """The calendar day of `moment` in the platform's time zone."""
        zone = self._zone or self.zone
        if moment.fold:  # see `_local_date`
            return moment.astimezone(zone).date()
        return _local_date(zone, moment)


_ONE_DAY = timedelta(days=1)


# Every line and rule of a request asks for the same few days (the order's delivery,
# the request's now): a time-zone conversion costs more than the rest of a rule, so
# each is worked out once (issue 11). Equal instants are equal keys whatever their
# zone, and give the same day; the zone object is part of the key. Two moments with
# one tzinfo compare by wall time, so the second of a repeated hour (`fold=1`) would
# find the first's entry: such moments are converted without the cache.
@lru_cache(maxsize=4096)
def _local_date(zone: tzinfo, moment: datetime) -> date:
    return moment.astimezone(zone).date()


@lru_cache(maxsize=4096)
def _last_day(zone: tzinfo, start: datetime, days: int) -> date:
    return _local_date(zone, start) + _ONE_DAY * days


class _MerchantIndex:
    """One merchant's better terms, merged per scope, and the terms they give per category.

    Applying a merchant's entries one after another, each field taken only where it is
    larger, leaves the largest of the category's value and every entry's: the first
    largest on ties, as `max` keeps. So the entries of a scope merge into one mapping,
    and a line's terms are the largest of the category, the merchant-wide and the
    category's merged values. They are remembered per category in `resolved`: a pure
    answer of the policy's own entries, at most one per category the policy names, the
    merchant's own categories and the baseline (any category the policy does not name).
    """

    __slots__ = ("by_category", "general", "resolved")

    def __init__(self) -> None:
        self.general: dict[str, int | bool] = {}
        self.by_category: dict[str, dict[str, int | bool]] = {}
        # terms per category asked for; None stands for every category the policy
        # does not name (they all get the baseline), so the keys stay bounded
        self.resolved: dict[str | None, Terms] = {}

    def add(self, merchant: MerchantTerms) -> None:
        if merchant.category is None:
            merged = self.general
        else:
            merged = self.by_category.setdefault(merchant.category, {})
        for name, value in merchant.overrides.items():
            if name not in merged or value > merged[name]:
                merged[name] = value

    def terms(self, policy: PolicyVersion, category: str) -> Terms:
        known = category in policy.categories or category in self.by_category
        key = category if known else None
        found = self.resolved.get(key)
        if found is None:
            found = self.resolved[key] = self._resolve(
                policy.categories.get(category, policy.baseline), self.by_category.get(category)
            )
        return found

    def _resolve(self, base: Terms, scoped: Mapping[str, int | bool] | None) -> Terms:
        values: dict[str, int | bool] = {}
        for name in TERM_FIELDS:
            value: int | bool = getattr(base, name)
            for merged in (self.general, scoped or {}):
                if name in merged and merged[name] > value:
                    value = merged[name]
            values[name] = value
        return Terms(**values)  # type: ignore[arg-type]


EPOCH = datetime(2000, 1, 1, tzinfo=UTC)

# R2.3: categories whose goods behave differently from the baseline.
DEFAULT_CATEGORIES: dict[str, Terms] = {
    # fresh goods are checked on arrival: faults are reported within 48 hours
    "fresh_food": Terms(quality_refund_days=2, quality_exchange_days=2, warranty_days=0),
    "food": Terms(warranty_days=0),
    "cosmetics": Terms(warranty_days=0),
    "books_media": Terms(warranty_days=0),
    # 3C electronics: the national three-guarantees warranty of one year
    "electronics": Terms(warranty_days=365),
    "home": Terms(warranty_days=365),
}

DEFAULT_POLICY = PolicyVersion(version=1, effective_from=EPOCH, categories=DEFAULT_CATEGORIES)


class PolicyBook:
    """All published policy versions; answers which one judged a given order."""

    def __init__(self, versions: Sequence[PolicyVersion]) -> None:
        ordered = sorted(versions, key=lambda v: (v.effective_from, v.version))
        self.versions: tuple[PolicyVersion, ...] = tuple(ordered) or (DEFAULT_POLICY,)

    def in_force_at(self, moment: datetime) -> PolicyVersion:
        """The version in force at `moment`; orders older than all versions get the first."""
        chosen = self.versions[0]
        for version in self.versions:
            if version.effective_from <= moment:
                chosen = version
        return chosen

    def latest(self) -> PolicyVersion:
        return max(self.versions, key=lambda v: v.version)

    def next_version_number(self) -> int:
        return self.latest().version + 1
