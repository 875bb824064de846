"""Work done once per idempotency key; retries get the first answer (on the fake unit of work)."""

from __future__ import annotations

from typing import Any

import pytest

from returnflow.domain.text import DomainError, Text
from returnflow.services import idempotency
from tests.services.conftest import NOW, Shop

SCOPE = "returns.create"


class Counter:
    """A piece of work that counts how often it ran."""

    def __init__(self) -> None:
        self.runs = 0

    def __call__(self) -> tuple[int, dict[str, Any]]:
        self.runs += 1
        return 201, {"run": self.runs}


def test_a_retry_replays_the_first_answer_without_working_again(shop: Shop) -> None:
    work = Counter()
    first = shop.run(lambda uow: idempotency.once(uow, SCOPE, "k-1", "h", NOW, work))
    again = shop.run(lambda uow: idempotency.once(uow, SCOPE, "k-1", "h", NOW, work))
    assert (first.status_code, first.body, first.replayed) == (201, {"run": 1}, False)
    assert (again.status_code, again.body, again.replayed) == (201, {"run": 1}, True)
    assert work.runs == 1


def test_the_same_key_for_another_request_is_refused(shop: Shop) -> None:
    shop.run(lambda uow: idempotency.once(uow, SCOPE, "k-1", "h-1", NOW, Counter()))
    with pytest.raises(DomainError) as refused:
        shop.run(lambda uow: idempotency.once(uow, SCOPE, "k-1", "h-2", NOW, Counter()))
    assert (refused.value.code, refused.value.field) == (
        "idempotency_key_reused",
        "Idempotency-Key",
    )


def test_a_twin_arriving_while_the_first_is_at_work_is_told_to_wait(shop: Shop) -> None:
    with shop.uow() as first:
        first.idempotency.claim(SCOPE, "k-1", "h", NOW)  # claimed, no answer stored yet
        first.commit(NOW)
    work = Counter()
    with pytest.raises(DomainError) as refused:
        shop.run(lambda uow: idempotency.once(uow, SCOPE, "k-1", "h", NOW, work))
    assert refused.value.code == "idempotency_in_progress"
    assert work.runs == 0


def test_keys_are_separate_per_scope(shop: Shop) -> None:
    work = Counter()
    shop.run(lambda uow: idempotency.once(uow, SCOPE, "k-1", "h", NOW, work))
    other = shop.run(lambda uow: idempotency.once(uow, "hotline", "k-1", "h", NOW, work))
    assert (other.replayed, work.runs) == (False, 2)


def test_work_that_fails_leaves_the_key_free(shop: Shop) -> None:
    def refused() -> tuple[int, dict[str, Any]]:
        raise DomainError("order_not_found", Text("找不到订单", "Order not found"))

    with pytest.raises(DomainError):
        shop.run(lambda uow: idempotency.once(uow, SCOPE, "k-1", "h", NOW, refused))
    assert shop.db.idempotency == {}
    answer = shop.run(lambda uow: idempotency.once(uow, SCOPE, "k-1", "h", NOW, Counter()))
    assert answer.replayed is False
