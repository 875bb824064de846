"""Lessons a new policy version makes stale (issue 17, R16.8): what each lesson teaches.

Each lesson declares the policy values it teaches (`LESSON_VALUES`, by lesson key
"skill:generator"); `policy_values` reads those values out of a version (every scope:
the baseline, each category, each merchant's better terms); `stale_lessons` compares
two versions and names the lessons whose values changed. Their certificate holders
must re-read them (services/training_stale.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from returnflow.domain.policy import PolicyVersion, Terms
from returnflow.domain.text import Text

NO_REASON_DAYS = "no_reason_days"
EXCLUSIONS = "exclusions"  # the categories without a no-reason period
FAULT_DAYS = "fault_days"
WARRANTY_DAYS = "warranty_days"
SHIPPING_PAYER = "shipping_payer"  # who pays a no-reason return's shipping
REFUND_RULES = "refund_rules"  # the amount above which a person decides (R3.1)

VALUE_WORDS: Mapping[str, Text] = {
    NO_REASON_DAYS: Text("无理由退货天数", "no-reason days"),
    EXCLUSIONS: Text("不适用无理由退货的品类", "categories excluded from no-reason returns"),
    FAULT_DAYS: Text("质量问题退换天数", "days for faults"),
    WARRANTY_DAYS: Text("保修天数", "warranty days"),
    SHIPPING_PAYER: Text("退货运费由谁承担", "who pays return shipping"),
    REFUND_RULES: Text("退款规则（人工审核金额）", "refund rules (the amount a person decides)"),
}

# lesson key → the policy values it teaches; a lesson teaching none never goes stale
LESSON_VALUES: Mapping[str, tuple[str, ...]] = {
    "inspection:inspection_check": (),
    "review:no_reason_last_day": (NO_REASON_DAYS,),
    "review:excluded_goods": (EXCLUSIONS,),
    "refund:refund_amount": (REFUND_RULES,),
    "refund:quality_last_day": (FAULT_DAYS,),
    "receiving:shipping_payer": (SHIPPING_PAYER,),
    "complaints:shipping_payer": (SHIPPING_PAYER, NO_REASON_DAYS, FAULT_DAYS),
}

_FIELDS: Mapping[str, tuple[str, ...]] = {
    NO_REASON_DAYS: ("no_reason_days",),
    FAULT_DAYS: ("quality_refund_days", "quality_exchange_days"),
    WARRANTY_DAYS: ("warranty_days",),
    SHIPPING_PAYER: ("merchant_pays_no_reason_shipping",),
}


def lesson_key(skill: str, generator: str) -> str:
    return f"{skill}:{generator}"


def _scopes(policy: PolicyVersion) -> list[tuple[str, Terms]]:
    found = [("baseline", policy.baseline)]
    found.extend((f"category:{name}", terms) for name, terms in sorted(policy.categories.items()))
    return found


def policy_values(policy: PolicyVersion) -> dict[str, tuple[object, ...]]:
    """The values lessons teach, in every scope, comparable between versions."""
    scopes = _scopes(policy)
    merchants = sorted(
        (m.merchant_id, m.category or "", tuple(sorted(m.overrides.items())))
        for m in policy.merchants
    )
    values: dict[str, tuple[object, ...]] = {}
    for value, names in _FIELDS.items():
        own = tuple((scope, tuple(getattr(t, n) for n in names)) for scope, t in scopes)
        better = tuple(
            (merchant, category, tuple(kv for kv in overrides if kv[0] in names))
            for merchant, category, overrides in merchants
            if any(kv[0] in names for kv in overrides)
        )
        values[value] = own + better
    values[EXCLUSIONS] = tuple(scope for scope, t in scopes if t.no_reason_days == 0)
    values[REFUND_RULES] = (policy.auto_approve_limit,)
    return values


def changed_values(old: PolicyVersion, new: PolicyVersion) -> frozenset[str]:
    before, after = policy_values(old), policy_values(new)
    return frozenset(name for name in after if before.get(name) != after[name])


@dataclass(frozen=True, slots=True)
class StaleLesson:
    skill: str
    lesson: str  # its key
    values: tuple[str, ...]  # what changed of what it teaches


def stale_lessons(old: PolicyVersion, new: PolicyVersion) -> list[StaleLesson]:
    """The lessons whose taught values differ between `old` and `new`, in lesson order."""
    changed = changed_values(old, new)
    found = []
    for key, taught in LESSON_VALUES.items():
        hit = tuple(value for value in taught if value in changed)
        if hit:
            found.append(StaleLesson(key.partition(":")[0], key, hit))
    return found


@dataclass(frozen=True, slots=True)
class Reread:
    """A person must re-read a lesson: the policy changed what it teaches."""

    username: str
    skill: str
    lesson: str
    policy_version: int
    marked_at: datetime
    cleared_at: datetime | None = None
