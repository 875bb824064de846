"""Publishing policy versions through the service, on the in-memory unit of work (R2.1, R2.5)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from returnflow.domain.policy import DEFAULT_POLICY, MerchantTerms, Terms
from returnflow.domain.text import DomainError
from returnflow.services import policies
from tests.services.conftest import NOW, Shop


def test_the_first_publication_stores_the_built_in_version_too(shop: Shop) -> None:
    draft = policies.PolicyDraft(effective_from=NOW, review_hours=12)
    published = shop.run(lambda uow: policies.publish_version(uow, draft, NOW, "admin:root"))
    assert published.version == 2
    assert [(p.policy.version, p.published_by) for p in shop.db.policies] == [
        (1, "system"),
        (2, "admin:root"),
    ]
    second = policies.PolicyDraft(effective_from=NOW + timedelta(days=1), review_hours=6)
    shop.run(lambda uow: policies.publish_version(uow, second, NOW, "admin:root"))
    assert [p.policy.version for p in shop.db.policies] == [1, 2, 3]


def test_what_a_draft_leaves_out_is_copied_from_the_latest_version(shop: Shop) -> None:
    first = policies.PolicyDraft(effective_from=NOW, baseline=Terms(no_reason_days=10))
    shop.run(lambda uow: policies.publish_version(uow, first, NOW, "admin:root"))
    second = policies.PolicyDraft(effective_from=NOW + timedelta(days=1), ship_within_days=3)
    published = shop.run(lambda uow: policies.publish_version(uow, second, NOW, "admin:root"))
    assert published.baseline.no_reason_days == 10
    assert published.ship_within_days == 3
    assert published.categories == DEFAULT_POLICY.categories


def test_merchant_terms_worse_than_the_baseline_are_refused(shop: Shop) -> None:
    worse = policies.PolicyDraft(
        effective_from=NOW, merchants=(MerchantTerms("m-1", None, {"no_reason_days": 3}),)
    )
    with pytest.raises(DomainError) as refused:
        shop.run(lambda uow: policies.publish_version(uow, worse, NOW, "admin:root"))
    assert refused.value.code == "override_less_generous"
    assert shop.db.policies == []


def test_the_book_answers_the_version_in_force(shop: Shop) -> None:
    draft = policies.PolicyDraft(effective_from=NOW, review_hours=12)
    shop.run(lambda uow: policies.publish_version(uow, draft, NOW, "admin:root"))
    with shop.uow() as uow:
        book = policies.policy_book(uow)
    assert book.in_force_at(NOW - timedelta(seconds=1)).version == 1
    assert book.in_force_at(NOW).review_hours == 12
