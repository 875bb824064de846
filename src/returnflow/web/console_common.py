"""What every console page module of the returns desk shares: permissions and links.

Each page states its permission with one of these aliases (tests/test_page_permissions
holds the whole table); the request page and its actions also apply the merchant
scope, so another merchant's request is a 404 page, exactly as through the API (R11.1).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import Depends

from returnflow.domain.access import Permission
from returnflow.web.guards import StaffPage, StaffSession

P = Permission
Viewer = Annotated[StaffSession, Depends(StaffPage(P.RETURNS_VIEW))]
Reviewer = Annotated[StaffSession, Depends(StaffPage(P.RETURNS_REVIEW))]
Canceller = Annotated[StaffSession, Depends(StaffPage(P.RETURNS_CANCEL))]
Filer = Annotated[StaffSession, Depends(StaffPage(P.RETURNS_FILE))]


def rma_url(rma_no: str, **query: str) -> str:
    """The request page, with `done=…` or other query values when given."""
    url = f"/staff/returns/{quote(rma_no, safe='')}"
    return f"{url}?{urlencode(query)}" if query else url
