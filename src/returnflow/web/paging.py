"""One paging control for every console list (issue 16): "1–50 of 312", previous, next.

A page builds a `Pager` from its path, the total, the page asked for and the filters it
keeps; the template shows it with `staff/_pager.html` (`{% include %}` with `pager`
set). Links keep every filter and sort; a page number past the last shows the last.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from returnflow.domain.paging import page_count
from returnflow.entrypoints import params

PAGE_SIZE = 50


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
