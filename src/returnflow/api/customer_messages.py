"""A customer's in-app inbox for the app (issue 13, R1.3, R7.3).

Readable by those who may export the customer's data (the same permission as
`/customers/{id}/export`); reading here marks nothing read (the portal page does).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from returnflow.api.roles import Exporter
from returnflow.entrypoints.deps import Context
from returnflow.services import inbox as service

router = APIRouter(prefix="/api/v1", tags=["notices"])

CustomerId = Annotated[str, Path(min_length=1, max_length=64)]


class BilingualOut(BaseModel):
    zh: str
    en: str


class MessageOut(BaseModel):
    id: int
    topic: str
    rma_no: str
    subject: BilingualOut
    body: BilingualOut
    created_at: datetime
    read_at: datetime | None
    unread: bool


class MessagesOut(BaseModel):
    messages: list[MessageOut]
    total: int
    unread: int
    page: int
    page_size: int
    pages: int


@router.get("/customers/{customer_id}/messages", response_model=MessagesOut)
def messages(
    customer_id: CustomerId,
    context: Context,
    principal: Exporter,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> MessagesOut:
    """The customer's notices, newest first, each in both languages."""
    with context.uow() as uow:
        found = service.customer_messages(uow, customer_id, page, page_size)
    return MessagesOut(
        messages=[
            MessageOut(
                id=m.id,
                topic=m.topic,
                rma_no=m.rma_no,
                subject=BilingualOut(zh=m.subject.zh, en=m.subject.en),
                body=BilingualOut(zh=m.body.zh, en=m.body.en),
                created_at=m.created_at,
                read_at=m.read_at,
                unread=m.unread,
            )
            for m in found.messages
        ],
        total=found.total,
        unread=found.unread,
        page=found.page,
        page_size=found.page_size,
        pages=found.pages,
    )
