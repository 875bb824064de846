"""Disputes in the console (R8.3, R8.4): the queue, both sides, evidence and the ruling.

The queue lists disputes evidence-due soonest first, with the overdue ones marked; a
merchant account sees only its own (the read model's merchant scope), so a new dispute
on its request is on its queue at once. A dispute's page shows the customer's and the
merchant's sides next to each other, the carrier's records and the platform's notes,
the request's history and what policy says about its lines; whoever may add evidence
gets the form (a merchant for the merchant, an agent the customer's material or carrier
records), and a mediator (DISPUTES_RULE) gets the ruling form. Once ruled the page shows
the ruling, the refund it asked for (paid, or waiting for a manager) and who bears it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.access import Principal
from returnflow.domain.awards import Liable
from returnflow.domain.disputes import DisputeStatus, EvidenceKind, Outcome, Party, Ruling, Side
from returnflow.domain.paging import page_count
from returnflow.domain.text import Text
from returnflow.entrypoints import params
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.language import preferred_language
from returnflow.entrypoints.params import FormText, ShortFormText
from returnflow.entrypoints.steps import Refused, attempt, perform
from returnflow.services import appeal_queries, dispute_queries, liability
from returnflow.services import disputes as dispute_service
from returnflow.services.carrier_names import carrier_label
from returnflow.services.dispute_queries import DisputeDetail
from returnflow.services.errors import NotFound
from returnflow.services.history_words import actor_label
from returnflow.services.merchants import merchant_names
from returnflow.services.refunds import RefundRules
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.console_common import P
from returnflow.web.console_dispute_forms import (
    UPLOAD_LIMIT,
    EvidenceTyped,
    RulingTyped,
    StatementText,
    deadline_share,
    dispute_photos,
    evidence_kind,
    read_evidence_form,
    ruling_values,
    with_photos,
)
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.paging import pager
from returnflow.web.roles import DisputeParty, DisputeRuler, DisputeViewer
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)

PER_PAGE = 20
TABS = ("open", "under_review", "ruled", "agreed", "all")
_MAX_NO = 40
_NOTICES = {
    "evidence": Text("材料已提交", "The evidence was added"),
    "ruled": Text("裁决已记录", "The ruling was recorded"),
    "agreed": Text("和解已记录", "The agreement was recorded"),
    "opened": Text(
        "争议已发起，对方须在期限内举证",
        "The dispute was opened; the other side must answer by the deadline",
    ),
}


def dispute_url(dispute_no: str, done: str = "") -> str:
    url = f"/staff/disputes/{quote(dispute_no, safe='')}"
    return f"{url}?done={done}" if done else url


def _checked_no(dispute_no: str) -> str:
    if not dispute_no or len(dispute_no) > _MAX_NO or not dispute_no.isprintable():
        raise NotFound("dispute_not_found", Text("找不到该争议", "That dispute was not found"))
    return dispute_no


def evidence_kinds(principal: Principal) -> tuple[EvidenceKind, ...]:
    """What this reader may add: staff may also add the carrier's records."""
    own = (EvidenceKind.STATEMENT, EvidenceKind.DOCUMENT, EvidenceKind.PHOTO)
    party = dispute_service.party_for(principal)
    return (*own, EvidenceKind.CARRIER_RECORD) if party.staff else own


# --- the queue ---------------------------------------------------------------------------


@router.get("/staff/disputes")
def queue_page(
    request: Request,
    context: Context,
    session: DisputeViewer,
    status: str = "open",
    page: str = "1",
) -> Response:
    """Evidence due soonest first; a merchant sees only its own disputes."""
    tab = status if status in TABS else "open"
    number = params.digits(page, 1, params.MAX_PAGE) or 1
    scope = session.principal.merchant_scope

    def read(uow: UnitOfWork, now: datetime) -> tuple[Any, dict[str, int], Any, datetime]:
        found = dispute_queries.queue(uow, _status(tab), number, PER_PAGE, scope)
        counts = {
            name: dispute_queries.queue(uow, _status(name), 1, 1, scope).total for name in TABS
        }
        names = merchant_names(uow, (item.merchant_id for item in found.items))
        return found, counts, names, now

    found, counts, names, now = perform(context, read)
    pages = page_count(found.total, PER_PAGE)

    def page_url(target: int) -> str:
        return "/staff/disputes?" + urlencode({"status": tab, "page": str(target)})

    values = {
        "found": found,
        "counts": counts,
        "merchant_names": names,
        "tab": tab,
        "tabs": TABS,
        "now": now,
        "page": found.page,
        "pages": pages,
        "page_url": page_url,
        "pager": pager("/staff/disputes", found.total, found.page, {"status": tab}, PER_PAGE),
        "statuses": DisputeStatus,
    }
    return render_staff(request, session, "staff/disputes.html", values, section="disputes")


def _status(tab: str) -> str | None:
    return None if tab == "all" else tab


@dataclass(frozen=True)
class Waiting:
    """The console home's disputes tile: what waits, and the next evidence deadline."""

    open: int
    under_review: int
    next_due: datetime | None
    now: datetime


def waiting_disputes(context: AppContext, principal: Principal) -> Waiting | None:
    """For the home page: a merchant sees a new dispute on its requests at once."""
    if not principal.can(P.DISPUTES_VIEW):
        return None
    scope = principal.merchant_scope

    def read(uow: UnitOfWork, now: datetime) -> Waiting:
        waiting = dispute_queries.queue(uow, "open", 1, 1, scope)
        review = dispute_queries.queue(uow, "under_review", 1, 1, scope)
        first = waiting.items[0].evidence_due_at if waiting.items else None
        return Waiting(waiting.total, review.total, first, now)

    return perform(context, read)


# --- one dispute -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Read:
    detail: DisputeDetail
    merchant_name: str
    booked_to: Text | None  # the merchant or carrier a ruling's cost is booked against
    now: datetime


def _booked_to(
    context: AppContext, decided: Ruling | None, party: str, merchant: str
) -> Text | None:
    """The liable merchant by name, the carrier by its display name."""
    if decided is None or not party:
        return None
    if decided.liable is Liable.MERCHANT:
        return Text(merchant or party, merchant or party)
    return carrier_label(party, context.carrier_registry())


def _labels(names: dict[str, str]) -> Callable[[str], Text]:
    """Who added evidence or ruled: a merchant account named by its merchant id, by name."""
    return lambda actor: actor_label(actor, names)


def _read(context: AppContext, dispute_no: str, scope: str | None, language: str) -> _Read:
    """The dispute, its merchant's name and who a ruling's cost is booked to: one read."""

    def read(uow: UnitOfWork, now: datetime) -> _Read:
        found = dispute_queries.detail(uow, _checked_no(dispute_no), scope, now, language)
        decided = found.dispute.ruling
        name = merchant_names(uow, [found.dispute.merchant_id]).get(found.dispute.merchant_id, "")
        booked = liability.party_of(uow, found.dispute.rma_no, decided.liable) if decided else ""
        return _Read(found, name, _booked_to(context, decided, booked, name), now)

    return perform(context, read)


def page_response(
    request: Request,
    context: AppContext,
    session: StaffSession,
    dispute_no: str,
    *,
    status_code: int = 200,
    error: Text | None = None,
    evidence: EvidenceTyped | None = None,
    ruling: RulingTyped | None = None,
    failed: str = "",
) -> Response:
    """The dispute as this reader may see it, with a refused form's reason and words."""
    principal = session.principal
    language = preferred_language(request)
    got = _read(context, dispute_no, principal.merchant_scope, language)
    dispute = got.detail.dispute
    party = dispute_service.party_for(principal)
    done = request.query_params.get("done", "")
    values = {
        "d": got.detail,
        "dispute": dispute,
        "rma": got.detail.request,
        "now": got.now,
        "share": deadline_share(dispute, got.now),
        "booked_to": got.booked_to,
        "merchant_name": got.merchant_name,
        "actor_label": _labels({dispute.merchant_id: got.merchant_name}),
        "party": party,
        "kinds": evidence_kinds(principal),
        "can_add": principal.can(P.DISPUTES_EVIDENCE)
        and (dispute.accepts_evidence(got.now) or failed == "evidence"),
        "can_rule": principal.can(P.DISPUTES_RULE)
        and (not dispute.is_closed or failed == "ruling"),
        "evidence_typed": evidence or EvidenceTyped(),
        "ruling_typed": ruling or RulingTyped(),
        "outcomes": list(Outcome),
        "liables": list(Liable),
        "sides": Side,
        "error": error,
        "failed": failed,
    }
    notice = _NOTICES.get(done) if error is None else None
    return render_staff(
        request,
        session,
        "staff/disputes_detail.html",
        values,
        section="disputes",
        status_code=status_code,
        notice=notice.in_language(language) if notice else None,
    )


@router.get("/staff/disputes/{dispute_no}")
def dispute_page(
    request: Request, dispute_no: str, context: Context, session: DisputeViewer
) -> Response:
    return page_response(request, context, session, dispute_no)


@router.post("/staff/disputes/{dispute_no}/evidence", max_body_size=UPLOAD_LIMIT)
async def add_evidence(
    request: Request, dispute_no: str, context: Context, session: DisputeParty
) -> Response:
    """A side's words, photos, document or carrier record, before the deadline."""
    typed, files = await read_evidence_form(request)
    return await run_in_threadpool(
        _add_evidence, request, context, session, dispute_no, typed, files
    )


def _add_evidence(
    request: Request,
    context: AppContext,
    session: StaffSession,
    dispute_no: str,
    typed: EvidenceTyped,
    files: list[tuple[str, bytes]],
) -> Response:
    check_csrf(session, typed.csrf_token)
    principal = session.principal
    party = dispute_service.party_for(principal)

    def step(uow: UnitOfWork, now: datetime, photos: list[str]) -> None:
        kind = evidence_kind(typed, evidence_kinds(principal), len(photos))
        side = Side.CARRIER.value if kind == EvidenceKind.CARRIER_RECORD.value else None
        dispute_service.add_evidence(
            uow, _checked_no(dispute_no), side, kind, typed.text, photos, party, now
        )

    result = with_photos(context, files, step)
    if isinstance(result, Refused):
        return page_response(
            request,
            context,
            session,
            dispute_no,
            status_code=result.status,
            error=result.message,
            evidence=typed,
            failed="evidence",
        )
    return RedirectResponse(dispute_url(dispute_no, "evidence") + "#evidence", status_code=303)


@router.post("/staff/disputes/{dispute_no}/ruling")
def rule(
    request: Request,
    dispute_no: str,
    context: Context,
    session: DisputeRuler,
    csrf_token: FormText = "",
    mode: ShortFormText = "ruling",
    outcome: ShortFormText = "",
    liable: ShortFormText = "",
    refund: ShortFormText = "",
    compensation: ShortFormText = "",
    reason: StatementText = "",
) -> Response:
    """An agreement or a platform ruling, once; its money moves with it."""
    check_csrf(session, csrf_token)
    typed = RulingTyped(mode, outcome, liable, refund, compensation, reason)
    party = dispute_service.party_for(session.principal)
    rules = RefundRules.from_settings(context.settings)

    def step(uow: UnitOfWork, now: datetime) -> None:
        values = ruling_values(typed)
        dispute_service.rule_dispute(uow, _checked_no(dispute_no), values, party, now, rules)

    result = attempt(context, step)
    if isinstance(result, Refused):
        return page_response(
            request,
            context,
            session,
            dispute_no,
            status_code=result.status,
            error=result.message,
            ruling=typed,
            failed="ruling",
        )
    done = "agreed" if typed.mode == "agreement" else "ruled"
    return RedirectResponse(dispute_url(dispute_no, done) + "#ruling", status_code=303)


@router.get("/staff/disputes/{dispute_no}/photos/{name}")
def photo(dispute_no: str, name: str, context: Context, session: DisputeViewer) -> Response:
    """A photo of this dispute's evidence, for someone who may see the dispute."""
    principal = session.principal

    def look(uow: UnitOfWork, now: datetime) -> bool:
        viewer = Party("", Side.PLATFORM, merchant_scope=principal.merchant_scope)
        dispute = dispute_service.get_dispute(uow, _checked_no(dispute_no), viewer)
        if name not in dispute_photos(dispute):
            return False
        appeal_queries.log_photo_access(uow, principal.actor, dispute.rma_no, now)  # R14.1
        return True

    found = context.photos.read(name) if perform(context, look) else None
    if found is None:
        raise NotFound("photo_not_found", Text("找不到该照片", "The photo was not found"))
    data, content_type = found
    return Response(
        data,
        media_type=content_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
