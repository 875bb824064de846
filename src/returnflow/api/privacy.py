"""Privacy routes (R14.1): the access log for admins, a customer's data export.

Also the middleware that remembers which route a request came in on (its path with
portal tokens redacted), so every access-log row says where the data was seen.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from returnflow.api.roles import Auditor, Exporter
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.files import attachment
from returnflow.entrypoints.steps import perform
from returnflow.log_privacy import current_route, redact
from returnflow.services import privacy as service

router = APIRouter(prefix="/api/v1", tags=["privacy"])

CustomerId = Annotated[str, Path(min_length=1, max_length=64)]
Filter = Annotated[str, Query(max_length=100)]


class RouteForAccessLog:
    """Puts "METHOD /path" (tokens redacted) into `current_route` for the request's life."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = current_route.set(f"{scope.get('method', '')} {redact(scope.get('path', ''))}")
        try:
            await self.app(scope, receive, send)
        finally:
            current_route.reset(token)


class AccessEntryOut(BaseModel):
    at: datetime
    actor: str
    customer_id: str | None
    subject: str
    kind: str
    route: str


class AccessLogOut(BaseModel):
    entries: list[AccessEntryOut]
    total: int
    page: int
    page_size: int
    pages: int


@router.get("/access-log", response_model=AccessLogOut)
def access_log(
    context: Context,
    principal: Auditor,
    actor: Filter = "",
    customer_id: Filter = "",
    kind: Filter = "",
    date_from: Annotated[str, Query(alias="from", max_length=10)] = "",
    date_to: Annotated[str, Query(alias="to", max_length=10)] = "",
    page: Annotated[str, Query(max_length=6)] = "1",
) -> AccessLogOut:
    """Who looked at which customer's contact data, photos or address, or exported it;
    newest first, 50 a page. `from` and `to` are local (China Standard Time) days."""
    wanted = service.access_filter(
        actor=actor, customer_id=customer_id, what=kind, date_from=date_from, date_to=date_to
    )
    number = service.parse_page(page)
    with context.uow() as uow:
        found = service.read_access_log(uow, wanted, number)
    return AccessLogOut(
        entries=[
            AccessEntryOut(
                at=e.at,
                actor=e.actor,
                customer_id=e.customer_id,
                subject=e.subject,
                kind=e.what,
                route=e.route,
            )
            for e in found.entries
        ],
        total=found.total,
        page=found.page,
        page_size=found.page_size,
        pages=found.pages,
    )


@router.get(
    "/customers/{customer_id}/export",
    response_class=Response,
    responses={200: {"content": {"application/json": {}, "application/zip": {}}}},
)
def export(
    customer_id: CustomerId,
    context: Context,
    principal: Exporter,
    format: Annotated[Literal["json", "zip"], Query()] = "json",
) -> Response:
    """Everything held on the customer (orders, requests with their timelines, refunds,
    parcels, inspections, store credit, ratings, notices) on their request; the export is
    itself recorded in the access log. `format=zip` adds the photo files."""
    found = perform(
        context,
        lambda uow, now: service.export_file(
            uow, customer_id, principal, now, format, context.photos
        ),
    )
    return attachment(found.content, found.media_type, found.filename)
