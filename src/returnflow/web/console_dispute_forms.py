"""What the dispute pages share (R8.3): their forms, the photos they carry, the deadline.

Both the console (`console_disputes`) and the portal (`portal_disputes`) take a side's
evidence as words and photos; photos are checked by content and saved before the step
runs, and thrown away again if the step is refused (as when applying). A ruling's
amounts are typed in yuan and parsed here (`cents`, never `float`); everything the
rules decide (a split without its refund, compensation above the refundable amount,
a ruling for the merchant that pays) is the service's to refuse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, TypeVar

from fastapi import Form
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from returnflow.app_context import AppContext
from returnflow.domain.awards import Liable
from returnflow.domain.disputes import STATEMENT_MAX, Dispute, EvidenceKind, Outcome
from returnflow.domain.input_bounds import MAX_AMOUNT, cents
from returnflow.domain.photos import MAX_BYTES, MAX_PHOTOS
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.steps import Refused, attempt
from returnflow.services.disputes import RulingValues
from returnflow.services.unit_of_work import UnitOfWork

T = TypeVar("T")
# an upload form: the photos and a few fields (more fields than this is not our form)
UPLOAD_LIMIT = (MAX_PHOTOS + 1) * MAX_BYTES + 1024 * 1024
_MAX_FIELDS = 20
MODES = ("ruling", "agreement")
# a statement or a reason: room above the domain's limit, so the domain's words refuse it
StatementText = Annotated[str, Form(max_length=STATEMENT_MAX + 1000)]


@dataclass
class EvidenceTyped:
    """What was typed into an evidence form, to show it again if it is refused."""

    kind: str = EvidenceKind.STATEMENT.value
    text: str = ""
    photo_count: int = 0
    csrf_token: str = ""


@dataclass
class RulingTyped:
    """What was typed into the ruling form."""

    mode: str = "ruling"
    outcome: str = ""
    liable: str = ""
    refund: str = ""
    compensation: str = ""
    reason: str = ""


def _field(form: FormData, name: str, limit: int = STATEMENT_MAX + 100) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


async def read_evidence_form(request: Request) -> tuple[EvidenceTyped, list[tuple[str, bytes]]]:
    """The words, the kind and the photos of an evidence (or opening) form."""
    form = await request.form(max_files=MAX_PHOTOS * 4, max_fields=_MAX_FIELDS)
    typed = EvidenceTyped(
        kind=_field(form, "kind", 40).strip() or EvidenceKind.STATEMENT.value,
        text=_field(form, "text"),
        csrf_token=_field(form, "csrf_token", 200),
    )
    uploads = [
        item
        for item in form.getlist("photos")
        if isinstance(item, UploadFile) and (item.filename or item.size)
    ]
    typed.photo_count = len(uploads)
    files: list[tuple[str, bytes]] = []
    for upload in uploads:
        # more than allowed are refused on their number alone, without reading them
        data = await upload.read(MAX_BYTES + 1) if len(uploads) <= MAX_PHOTOS else b""
        files.append((upload.filename or "photo", data))
    await form.close()
    return typed, files


def evidence_kind(typed: EvidenceTyped, allowed: tuple[EvidenceKind, ...], photos: int) -> str:
    """The kind asked for, if this reader may add it; photos alone are a photo."""
    kinds = {kind.value for kind in allowed}
    if typed.kind not in kinds:
        raise DomainError(
            "kind_unknown",
            Text("请选择材料类型", "Choose what kind of evidence this is"),
            field="kind",
        )
    if typed.kind == EvidenceKind.STATEMENT.value and not typed.text.strip() and photos:
        return EvidenceKind.PHOTO.value
    return typed.kind


def with_photos(
    context: AppContext,
    files: list[tuple[str, bytes]],
    step: Callable[[UnitOfWork, datetime, list[str]], T],
) -> T | Refused:
    """Check and save the photos, run the step with their names; refused: none are kept."""
    try:
        context.photos.check_all(files)
    except DomainError as refused:
        return Refused(422, refused.code, refused.message)
    saved: list[str] = []
    try:
        saved = context.photos.save_all(files) if files else []
        result = attempt(context, lambda uow, now: step(uow, now, saved))
    except BaseException:
        context.photos.discard(saved)
        raise
    if isinstance(result, Refused):
        context.photos.discard(saved)
    return result


def _amount(value: str, zh: str, en: str) -> int:
    try:
        return cents(value, "amount", 0, MAX_AMOUNT)
    except DomainError:
        raise DomainError(
            "amount_invalid",
            Text(
                f"{zh}须为金额（元），最多两位小数，例如 12.50",
                f"{en} must be an amount in yuan, at most two decimals, e.g. 12.50",
            ),
        ) from None


def ruling_values(typed: RulingTyped) -> RulingValues:
    """The ruling form as the service's values; its own mistakes are said here."""
    if typed.mode not in MODES:
        raise DomainError(
            "mode_unknown", Text("请选择和解或平台裁决", "Choose an agreement or a ruling")
        )
    if typed.outcome not in {outcome.value for outcome in Outcome}:
        raise DomainError("outcome_unknown", Text("请选择裁决结果", "Choose the outcome"))
    if typed.liable not in {liable.value for liable in Liable}:
        raise DomainError("liable_unknown", Text("请选择责任方", "Choose who is liable"))
    refund: int | None = None
    if typed.outcome == Outcome.SPLIT.value:
        if not typed.refund.strip():
            raise DomainError(
                "split_needs_refund",
                Text("部分支持的裁决须写明退款金额", "A split ruling must name its refund"),
            )
        refund = _amount(typed.refund, "退款金额", "The refund")
    compensation = (
        _amount(typed.compensation, "补偿金额", "The compensation")
        if typed.compensation.strip()
        else 0
    )
    return RulingValues(
        outcome=typed.outcome,
        liable=typed.liable,
        reason=typed.reason,
        refund_cents=refund,
        compensation_cents=compensation,
        agreement=typed.mode == "agreement",
    )


def deadline_share(dispute: Dispute, now: datetime) -> int:
    """How much of the evidence window has passed, in percent (for the progress bar)."""
    window = (dispute.evidence_due_at - dispute.opened_at).total_seconds()
    spent = (now - dispute.opened_at).total_seconds()
    if window <= 0:
        return 100
    return max(0, min(100, round(spent * 100 / window)))


def dispute_photos(dispute: Dispute) -> set[str]:
    return {name for item in dispute.evidence for name in item.photos}
