"""What the receiving desk's pages share: who may use them, reading the scanner's
multipart forms, and rendering a page with what the worker typed kept on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from returnflow.domain.receiving import MismatchKind
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.language import preferred_language
from returnflow.services.receiving_photos import MAX_BYTES, MAX_PHOTOS
from returnflow.web.guards import StaffSession
from returnflow.web.staff_page import render_staff


@dataclass
class Typed:
    """What the worker entered, kept when the page comes back with a refusal."""

    quantities: dict[int, str] = field(default_factory=dict)
    ticked: set[str] = field(default_factory=set)
    notes: dict[str, str] = field(default_factory=dict)
    label: dict[str, str] = field(default_factory=dict)
    problem: DomainError | None = None  # a field the form never sends (`qty_²`)


def page(
    request: Request,
    session: StaffSession,
    template: str,
    values: dict[str, Any],
    *,
    status_code: int = 200,
    notice: str | None = None,
) -> Response:
    values = {"kinds": list(MismatchKind), **values}
    return render_staff(
        request,
        session,
        template,
        values,
        section="receiving",
        status_code=status_code,
        notice=notice,
    )


def in_language(request: Request, message: Text) -> str:
    return message.in_language(preferred_language(request))


def text_field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def files(form: FormData, name: str) -> list[tuple[str, bytes]]:
    """The uploads of one file field; beyond the limit none is read (the store refuses)."""
    uploads = [
        item
        for item in form.getlist(name)
        if isinstance(item, UploadFile) and (item.filename or item.size)
    ]
    found = []
    for upload in uploads:
        data = await upload.read(MAX_BYTES + 1) if len(uploads) <= MAX_PHOTOS else b""
        found.append((upload.filename or "photo", data))
    return found


def desk_url(**query: str) -> str:
    return "/staff/receiving" + (f"?{urlencode(query)}" if query else "")
