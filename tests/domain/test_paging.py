"""Page counts: one rule for every paged list."""

from returnflow.domain.paging import page_count


def test_an_empty_list_is_one_page_and_a_partial_page_counts() -> None:
    assert [page_count(total, 20) for total in (0, 1, 20, 21, 40, 41)] == [1, 1, 1, 2, 2, 3]
