"""One paging control for every console list (issue 16): "1–50 of 312", previous, next.

A page builds a `Pager` from its path, the total, the page asked for and the filters it
keeps; the template shows it with `staff/_pager.html` (`{% include %}` with `pager`
set; the portal's skin is `portal/_pager.html`, the same control). Links keep every
filter and sort; a page number past the last shows the last; a page that is not a number
(`PageAsked`, read with `page_number`) is the first. A list its read already bounds (a
statement's lines, the policy's versions, the incidents) pages in memory with `page_of`.
Tables show PAGE_SIZE rows, lists of cards CARDS_SIZE.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, TypeVar
from urllib.parse import urlencode

from fastapi import Query

from returnflow.domain.paging import page_count
from returnflow.entrypoints import params

PAGE_SIZE = 50  # rows of a table; a list of cards shows CARDS_SIZE
CARDS_SIZE = 20
T = TypeVar("T")
PageAsked = Annotated[str, Query(max_length=12)]  # a route's `page`, read with page_number


def page_number(value: str) -> int:
    """The page asked for; anything that is not a page number is the first page."""
    return params.digits(value or "1", 1, params.MAX_PAGE) or 1


@dataclass(frozen=True, slots=True)
class Pager:
    path: str
    total: int
    page: int
    size: int = PAGE_SIZE
    kept: Mapping[str, str] = field(default_factory=dict)  # the filters and sort, as asked

    @property
    def pages(self) -> int:
        return page_count(self.total, self.size)

    @property
    def first(self) -> int:
        """The 1-based position of the first row shown (0 on an empty list)."""
        return 0 if self.total == 0 else (self.page - 1) * self.size + 1

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.size)

    def url(self, number: int) -> str:
        """This list with the same filters on page `number`."""
        query = {key: value for key, value in self.kept.items() if value and key != "page"}
        if number > 1:
            query["page"] = str(number)
        return self.path + (f"?{urlencode(query)}" if query else "")

    @property
    def previous_url(self) -> str | None:
        return self.url(self.page - 1) if self.page > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.url(self.page + 1) if self.page < self.pages else None


def pager(
    path: str, total: int, page: int, kept: Mapping[str, str], size: int = PAGE_SIZE
) -> Pager:
    """The control for a list of `total` rows; `page` is brought within 1..pages."""
    last = page_count(total, size)
    return Pager(path, total, min(max(page, 1), last), size, dict(kept))


def page_of(
    path: str, items: Sequence[T], page: int, kept: Mapping[str, str], size: int = 0
) -> tuple[Sequence[T], Pager]:
    """A list its read bounds already (a statement, a policy's versions): one page of it
    (`size` rows, PAGE_SIZE unless given) and the control over it."""
    size = size or PAGE_SIZE
    control = pager(path, len(items), page, kept, size)
    start = (control.page - 1) * size
    return items[start : start + size], control
