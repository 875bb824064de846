"""Read-side queries for lists and search: typed read models, never rows.

One question, one query: `list_returns` answers a page of requests with the total
count, as `ReturnSummary` read models the API and the pages render directly. The SQL
lives in `storage/return_queries.py`; this module is what entrypoints import.
"""

from __future__ import annotations

from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.return_queries import ReturnFilter, ReturnPage, ReturnSummary, ReviewQueue

__all__ = ["ReturnFilter", "ReturnPage", "ReturnSummary", "ReviewQueue", "list_returns"]


def list_returns(uow: UnitOfWork, where: ReturnFilter, page: int, page_size: int) -> ReturnPage:
    """Newest first; `page` counts from 1."""
    return uow.return_queries.page(where, page, page_size)
