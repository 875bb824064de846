"""GET /api/v1/returns/{rma_no}/evidence.zip: the request's evidence bundle (R14.2)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import Response

from returnflow.domain.access import Permission, Principal
from returnflow.entrypoints.deps import Allowed, Context, Language
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
    principal: Annotated[Principal, Depends(Allowed(Permission.RETURNS_VIEW))],
) -> Response:
    """Everything a legal dispute needs about one request, with every file's SHA-256.

    Whoever may see the request may take its evidence; a merchant only its own.
    The customer's photos are in it, so the look is logged like one at the photos.
    """
    now = context.clock()
    with context.uow() as uow:
        records = evidence.collect(uow, rma_no, merchant_scope=principal.merchant_scope)
        if any(records.photos.values()):
            uow.accounts.log_access(principal.actor, rma_no, "photo", now)  # R14.1
        uow.commit(now)
    data = evidence.bundle(
        records,
        Path(context.settings.upload_dir),
        language=language,
        actor=principal.actor,
        now=now,
    )
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="evidence-{rma_no}.zip"'},
    )
