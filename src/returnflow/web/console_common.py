"""What every console page module of the returns desk shares: links to a request.

Each page states its permission with an alias from web/roles.py (tests/test_page_permissions
holds the whole table); the request page and its actions also apply the merchant
scope, so another merchant's request is a 404 page, exactly as through the API (R11.1).
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from returnflow.domain.access import Permission

P = Permission


def rma_url(rma_no: str, **query: str) -> str:
    """The request page, with `done=…` or other query values when given."""
    url = f"/staff/returns/{quote(rma_no, safe='')}"
    return f"{url}?{urlencode(query)}" if query else url
