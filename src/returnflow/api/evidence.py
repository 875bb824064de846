"""GET /api/v1/returns/{rma_no}/evidence.zip: the request's evidence bundle (R14.2)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from starlette.responses import Response

from returnflow.api.roles import Viewer
from returnflow.entrypoints.deps import Context, Language
from returnflow.entrypoints.files import attachment
from returnflow.entrypoints.steps import perform
from returnflow.services import evidence

router = APIRouter(prefix="/api/v1/returns", tags=["returns"])


@router.get(
    "/{rma_no}/evidence.zip",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
def evidence_zip(
    rma_no: str,
    context: Context,
    language: Language,
    principal: Viewer,
) -> Response:
    """Everything a legal dispute needs about one request, with every file's SHA-256.

    Whoever may see the request may take its evidence; a merchant only its own.
    The customer's photos are in it, so the look is logged like one at the photos.
    """
    now = context.clock()
    records = perform(context, lambda uow, _: evidence.collect_for(uow, rma_no, principal, now))
    data = evidence.bundle(
        records,
        Path(context.settings.upload_dir),
        language=language,
        actor=principal.actor,
        now=now,
    )
    return attachment(data, "application/zip", f"evidence-{rma_no}.zip")
