"""The return policy's versions: reading the book, publishing the next version (R2.1, R2.5).

A new version starts as a copy of the latest with the draft's changes; the domain
refuses a merchant's terms that are worse than the baseline. Orders placed before
`effective_from` keep the terms of their own day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from returnflow.domain.policy import MerchantTerms, PolicyBook, PolicyVersion, Terms
from returnflow.services.repositories import ReturnsWork

_SETTINGS = ("auto_approve_limit", "review_hours", "ship_within_days", "confirm_within_days")


@dataclass(frozen=True)
class PolicyDraft:
    """A new version: what is left as None is copied from the latest version."""

    effective_from: datetime
    baseline: Terms | None = None
    categories: Mapping[str, Terms] | None = None
    merchants: tuple[MerchantTerms, ...] | None = None
    auto_approve_limit: int | None = None
    review_hours: int | None = None
    ship_within_days: int | None = None
    confirm_within_days: int | None = None


def policy_book(uow: ReturnsWork) -> PolicyBook:
    """Every published version (the built-in version 1 while nothing was published)."""
    return uow.policies.book()


def publish_version(
    uow: ReturnsWork, draft: PolicyDraft, now: datetime, actor: str
) -> PolicyVersion:
    """Store the next version; the built-in first version is stored too the first time."""
    book = uow.policies.book()
    latest = book.latest()
    changes: dict[str, Any] = {
        "version": book.next_version_number(),
        "effective_from": draft.effective_from,
    }
    if draft.baseline is not None:
        changes["baseline"] = draft.baseline
    if draft.categories is not None:
        changes["categories"] = dict(draft.categories)
    if draft.merchants is not None:
        changes["merchants"] = draft.merchants
    for name in _SETTINGS:
        value = getattr(draft, name)
        if value is not None:
            changes[name] = value
    version = replace(latest, **changes)  # the domain refuses worse merchant terms here
    if not uow.policies.has_any():
        # the built-in version 1 becomes a stored record, so history is complete
        uow.policies.add(latest, now, "system")
    uow.policies.add(version, now, actor)
    return version
