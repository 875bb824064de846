"""The inventory ledger: stock is the sum of movements and never negative (R5.4)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from returnflow.domain.inventory import (
    ARRIVAL,
    INSPECTION_AREA,
    SCRAPPED,
    SOLD,
    Movement,
    MovementKind,
    Stock,
    check_bin,
    is_outside,
    manual_movement,
    net_by_key,
)
from returnflow.domain.text import DomainError

AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
PLACES = [ARRIVAL, INSPECTION_AREA, "A-01-01", "B-02-03", SCRAPPED]


def _move(source: str, target: str, quantity: int, sku: str = "S1", grade: str = "A") -> Movement:
    return Movement(
        MovementKind.MOVE, sku, quantity, source, target, grade, grade, "warehouse:wang", AT
    )


def test_arrivals_add_and_leaving_removes() -> None:
    stock = Stock()
    stock.apply(_move(ARRIVAL, INSPECTION_AREA, 3))
    stock.apply(_move(INSPECTION_AREA, "A-01-01", 2))
    stock.apply(_move("A-01-01", SCRAPPED, 1))
    assert stock.levels == {("S1", INSPECTION_AREA, "A"): 1, ("S1", "A-01-01", "A"): 1}


def test_moving_more_than_is_there_is_refused_and_changes_nothing() -> None:
    stock = Stock.of([_move(ARRIVAL, "A-01-01", 1)])
    with pytest.raises(DomainError) as refused:
        stock.apply(_move("A-01-01", "B-02-03", 2))
    assert refused.value.code == "insufficient_stock"
    assert stock.levels == {("S1", "A-01-01", "A"): 1}


def test_bins_and_quantities_are_checked() -> None:
    assert check_bin(" a-01-03 ") == "A-01-03"
    with pytest.raises(DomainError):
        check_bin("A1")
    with pytest.raises(DomainError):
        _move(ARRIVAL, "A-01-01", 0)


movements = (
    st.tuples(
        st.sampled_from(PLACES),
        st.sampled_from(PLACES),
        st.integers(1, 5),
        st.sampled_from(["S1", "S2"]),
        st.sampled_from(["A", "B"]),
    )
    .filter(lambda t: t[0] != t[1])
    .map(lambda t: _move(*t))
)


@given(st.lists(movements, max_size=40))
def test_stock_never_negative_and_equals_the_sum_of_accepted_movements(
    attempts: list[Movement],
) -> None:
    stock = Stock()
    accepted: list[Movement] = []
    for movement in attempts:
        try:
            stock.apply(movement)
        except DomainError:
            continue
        accepted.append(movement)
    assert all(quantity > 0 for quantity in stock.levels.values())
    inside = {
        key: total
        for key, total in net_by_key(accepted).items()
        if not is_outside(key[1]) and total != 0
    }
    assert stock.levels == inside


def test_people_only_move_sell_or_scrap_goods_that_are_inside() -> None:
    def manual(kind: str, source: str = "a-01-01", target: str = "a-02-01") -> Movement:
        return manual_movement(
            kind,
            merchant_id="m-1",
            sku="S1",
            grade="A",
            quantity=1,
            from_location=source,
            to_location=target,
            actor="warehouse:wang",
            at=AT,
        )

    assert (manual("move").from_location, manual("move").to_location) == ("A-01-01", "A-02-01")
    assert manual("sell").to_location == SOLD and manual("scrap").to_location == SCRAPPED
    for kind, source, target, code in [
        ("receive", "A-01-01", "A-02-01", "movement_kind_invalid"),
        ("move", "@ARRIVAL", "A-02-01", "movement_source_invalid"),
        ("move", "A-01-01", "shelf 3", "bin_invalid"),
    ]:
        with pytest.raises(DomainError) as refused:
            manual(kind, source, target)
        assert refused.value.code == code
