"""The receipt rules: what counts as clean, what the counts imply, what is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from returnflow.domain.receiving import (
    ExpectedLine,
    Mismatch,
    MismatchKind,
    ParcelLabel,
    ParcelState,
    Receipt,
    UnidentifiedParcel,
    normalise_code,
)
from returnflow.domain.text import DomainError

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
K = MismatchKind
EXPECTED = (ExpectedLine(1, "BOTTLE-240", "奶瓶", 2), ExpectedLine(2, "BIB-3", "围兜", 1))


def record(received: dict[int, int] | None = None, *mismatches: Mismatch) -> Receipt:
    return Receipt.record(
        rma_no="RMA1",
        expected=EXPECTED,
        received=received,
        mismatches=mismatches,
        received_by="warehouse:wang",
        received_at=NOW,
        scanned_code="SF1",
    )


def test_as_expected_is_clean_and_counts_everything() -> None:
    receipt = record()
    assert receipt.is_clean
    assert [line.received for line in receipt.lines] == [2, 1]
    assert receipt.summary.en == "Parcel complete, quantities match"
    assert receipt.tells_customer == ()


def test_a_short_line_implies_missing_items_even_if_nobody_ticked_it() -> None:
    receipt = record({1: 1, 2: 1})
    assert receipt.discrepancies == (K.MISSING_ITEMS,)
    implied = receipt.mismatches[0]
    assert implied.implied and implied.note == "BOTTLE-240 −1"
    assert receipt.tells_customer == (K.MISSING_ITEMS,)


def test_a_line_left_out_of_the_counts_was_not_in_the_box() -> None:
    assert record({1: 2}).discrepancies == (K.MISSING_ITEMS,)


def test_surplus_implies_extra_items_which_the_customer_is_not_told_about() -> None:
    receipt = record({1: 3, 2: 1})
    assert receipt.discrepancies == (K.EXTRA_ITEMS,)
    assert receipt.tells_customer == ()


def test_wrong_item_is_a_discrepancy_with_matching_counts() -> None:
    receipt = record(None, Mismatch(K.WRONG_ITEM, " 收到的是 240ml 塑料瓶 ", ("a.jpg",)))
    assert not receipt.is_clean
    assert receipt.mismatches == (Mismatch(K.WRONG_ITEM, "收到的是 240ml 塑料瓶", ("a.jpg",)),)
    assert receipt.summary.zh == "收货异常：商品不符（错件）"


def test_empty_box_needs_zero_counts_and_is_told_to_the_customer() -> None:
    receipt = record({1: 0, 2: 0}, Mismatch(K.EMPTY_BOX))
    assert receipt.discrepancies == (K.EMPTY_BOX,)  # no implied "missing" on top
    assert receipt.tells_customer == (K.EMPTY_BOX,)
    with pytest.raises(DomainError) as refused:
        record(None, Mismatch(K.EMPTY_BOX))
    assert refused.value.code == "empty_box_with_items"


def test_ticked_missing_items_keeps_the_workers_note_instead_of_an_implied_one() -> None:
    receipt = record({1: 1, 2: 1}, Mismatch(K.MISSING_ITEMS, "少一个奶嘴"))
    assert receipt.mismatches == (Mismatch(K.MISSING_ITEMS, "少一个奶嘴"),)


@pytest.mark.parametrize(
    ("received", "mismatches", "code"),
    [
        ({3: 1}, (), "unknown_line"),
        ({1: -1}, (), "quantity_negative"),
        (None, (Mismatch(K.WRONG_ITEM), Mismatch(K.WRONG_ITEM)), "mismatch_repeated"),
        (None, (Mismatch(K.WRONG_ITEM, "x" * 1001),), "note_too_long"),
        (None, (Mismatch(K.WRONG_ITEM, photos=tuple("abcdefghij")),), "too_many_photos"),
    ],
)
def test_refusals(
    received: dict[int, int] | None, mismatches: tuple[Mismatch, ...], code: str
) -> None:
    with pytest.raises(DomainError) as refused:
        record(received, *mismatches)
    assert refused.value.code == code


def test_every_kind_has_both_labels() -> None:
    for kind in MismatchKind:
        assert kind.label.zh and kind.label.en and kind.label.zh != kind.label.en


@given(st.integers(0, 5), st.integers(0, 5))
def test_clean_exactly_when_counts_match_and_nothing_is_ticked(first: int, second: int) -> None:
    receipt = record({1: first, 2: second})
    assert receipt.is_clean == ((first, second) == (2, 1))
    short = first < 2 or second < 1
    assert (K.MISSING_ITEMS in receipt.discrepancies) == short
    assert (K.EXTRA_ITEMS in receipt.discrepancies) == (first > 2 or second > 1)


def test_codes_are_compared_trimmed_and_upper_case() -> None:
    assert normalise_code(" rma2026 1120\t\r\n") == "RMA20261120"


def test_unidentified_parcel_needs_something_from_the_label_and_a_shelf() -> None:
    with pytest.raises(DomainError) as refused:
        UnidentifiedParcel.found(ParcelLabel(carrier="SF"), "A-1", "w", NOW)
    assert refused.value.code == "label_required"
    with pytest.raises(DomainError) as no_shelf:
        UnidentifiedParcel.found(ParcelLabel(waybill_no="sf9"), " ", "w", NOW)
    assert no_shelf.value.code == "shelf_required"
    parcel = UnidentifiedParcel.found(ParcelLabel(waybill_no=" sf9 "), "A-1", "w", NOW)
    assert parcel.label.waybill_no == "SF9" and parcel.state is ParcelState.OPEN


def test_unidentified_parcel_is_dealt_with_once_and_let_go_only_with_a_reason() -> None:
    parcel = UnidentifiedParcel.found(ParcelLabel(sender_name="张三"), "A-1", "w", NOW)
    with pytest.raises(DomainError) as no_reason:
        parcel.let_go(ParcelState.DISPOSED, "  ", "w", NOW)
    assert no_reason.value.code == "reason_required"
    with pytest.raises(DomainError):
        parcel.let_go(ParcelState.MATCHED, "because", "w", NOW)
    parcel.let_go(ParcelState.RETURNED, "拒收，退回寄件人", "w", NOW)
    assert (parcel.state, parcel.resolution_note) == (ParcelState.RETURNED, "拒收，退回寄件人")
    with pytest.raises(DomainError) as again:
        parcel.match("RMA1", "w", NOW)
    assert again.value.code == "parcel_already_resolved"
    assert [event.name for event in parcel.events] == ["parcel.let_go"]


def test_a_receipt_records_what_was_found_as_an_event() -> None:
    receipt = record({1: 1, 2: 1})
    (event,) = receipt.events
    assert event.name == "receipt.recorded" and event.occurred_at == NOW
    assert event.data == {
        "rma_no": "RMA1",
        "clean": False,
        "discrepancies": ["missing_items"],
        "received_by": "warehouse:wang",
    }
    assert receipt == record({1: 1, 2: 1})  # events are not part of what a receipt says
