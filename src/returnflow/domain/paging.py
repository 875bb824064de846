"""How many pages a list has: every paged answer and page says it the same way."""

from __future__ import annotations


def page_count(total: int, page_size: int) -> int:
    """At least one page (an empty list is one empty page); the last may be partial."""
    return max(1, -(-total // page_size))
