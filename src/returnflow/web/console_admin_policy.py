"""Administration: the return policy's versions (issue 16, R2.1, R2.5), until now API-only.

The list of versions with their start, one version's rules in words (the help centre's
sentences, `services/policy_words.py`), and a form that publishes the next version as a
copy of the latest with the values changed (`services/policies.publish_version`, the
call behind `POST /api/v1/policy/versions`). Categories' and merchants' own terms are
copied unchanged. A start in the past is refused: orders placed since then were judged
by the old terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from returnflow.app_context import AppContext
from returnflow.domain.input_bounds import cents, digits, whole_number
from returnflow.domain.policy import PolicyVersion, Terms
from returnflow.domain.staff_notices import LOCAL_ZONE
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.deps import Context
from returnflow.entrypoints.steps import Refused, attempt
from returnflow.services import policies, policy_words
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.web.guards import StaffSession, check_csrf
from returnflow.web.paging import page_number, page_of
from returnflow.web.roles import Publisher
from returnflow.web.staff_page import render_staff

router = APIRouter(include_in_schema=False)
URL = "/staff/admin/policy"
DAYS = ("no_reason_days", "quality_refund_days", "quality_exchange_days", "warranty_days")
SETTINGS = {"review_hours": (1, 720), "ship_within_days": (1, 90), "confirm_within_days": (1, 90)}
FIELDS = (*DAYS, "merchant_pays_no_reason_shipping", "auto_approve_limit", *SETTINGS)
MAX_LIMIT = 100_000_000  # fen: one million yuan


@dataclass(frozen=True, slots=True)
class Scope:
    label: Text
    lines: tuple[policy_words.Line, ...]


def scopes(version: PolicyVersion) -> list[Scope]:
    """The version's rules in words: all goods first, then what each category changes."""
    base = _lines(version.baseline)
    found = [Scope(policy_words.ALL_GOODS, base)]
    for name, terms in sorted(version.categories.items()):
        differs = tuple(line for line in _lines(terms) if line not in base)
        if differs:  # a category says only where it differs from all goods
            found.append(Scope(policy_words.scope_label(name), differs))
    return found


def _lines(terms: Terms) -> tuple[policy_words.Line, ...]:
    return policy_words.term_lines(terms, terms)


def _typed_from(version: PolicyVersion, now: datetime) -> dict[str, str]:
    """The form's starting values: the latest version's, starting tomorrow 00:00."""
    start = (now.astimezone(LOCAL_ZONE) + timedelta(days=1)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    values = {name: str(getattr(version.baseline, name)) for name in DAYS}
    values["merchant_pays_no_reason_shipping"] = (
        "on" if version.baseline.merchant_pays_no_reason_shipping else ""
    )
    values["auto_approve_limit"] = f"{version.auto_approve_limit / 100:.2f}"
    values.update({name: str(getattr(version, name)) for name in SETTINGS})
    values["effective_from"] = start.strftime("%Y-%m-%dT%H:%M")
    return values


def _page(
    request: Request,
    context: AppContext,
    session: StaffSession,
    chosen: int | None,
    typed: dict[str, str] | None = None,
    refused: Refused | None = None,
) -> Response:
    now = context.clock()
    with context.uow() as uow:
        book = policies.policy_book(uow)
    in_force = book.in_force_at(now)
    shown = next((v for v in book.versions if v.version == chosen), in_force)
    newest = sorted(book.versions, key=lambda v: v.version, reverse=True)
    kept = {"version": str(chosen) if chosen else ""}
    asked = page_number(request.query_params.get("page", ""))
    versions, control = page_of(URL, newest, asked, kept)  # issue 16: every list pages
    values = {
        "versions": versions,
        "pager": control,
        "in_force": in_force,
        "shown": shown,
        "scopes": scopes(shown),
        "merchant_terms": len(shown.merchants),
        "typed": typed or _typed_from(book.latest(), now),
        "error": refused.message if refused else None,
        "published": request.query_params.get("published", ""),
    }
    status = refused.status if refused else 200
    return render_staff(
        request,
        session,
        "staff/admin_policy.html",
        values,
        section="admin-policy",
        status_code=status,
    )


@router.get(URL)
def policy_page(
    request: Request, context: Context, session: Publisher, version: str = ""
) -> Response:
    return _page(request, context, session, digits(version, 1, 100_000))


def _draft(typed: dict[str, str], now: datetime) -> policies.PolicyDraft:
    try:
        start = datetime.strptime(typed.get("effective_from", ""), "%Y-%m-%dT%H:%M")
    except ValueError:
        start = None
    if start is None or start.replace(tzinfo=LOCAL_ZONE) < now:
        raise DomainError(
            "effective_from_invalid",
            Text("生效时间须为现在或以后", "The start must be now or later"),
            field="effective_from",
        )
    days = {name: whole_number(typed.get(name, ""), name, 0, 3650) for name in DAYS}
    hours, ship, confirm = (
        whole_number(typed.get(name, ""), name, low, high) for name, (low, high) in SETTINGS.items()
    )
    return policies.PolicyDraft(
        effective_from=start.replace(tzinfo=LOCAL_ZONE),
        baseline=Terms(
            **days,
            merchant_pays_no_reason_shipping=bool(typed.get("merchant_pays_no_reason_shipping")),
        ),
        auto_approve_limit=cents(
            typed.get("auto_approve_limit", ""), "auto_approve_limit", 0, MAX_LIMIT
        ),
        review_hours=hours,
        ship_within_days=ship,
        confirm_within_days=confirm,
    )


@router.post(URL)
async def publish(request: Request, context: Context, session: Publisher) -> Response:
    """Publish the next version: the latest, with the values typed here."""
    form = await request.form(max_fields=30)
    check_csrf(session, str(form.get("csrf_token", "")))
    typed = {name: str(form.get(name, "")).strip()[:40] for name in (*FIELDS, "effective_from")}
    actor = session.principal.actor

    def step(uow: UnitOfWork, now: datetime) -> PolicyVersion:
        return policies.publish_version(uow, _draft(typed, now), now, actor)

    done = attempt(context, step)
    if isinstance(done, Refused):
        return _page(request, context, session, None, typed, done)
    return RedirectResponse(f"{URL}?version={done.version}&published=1", status_code=303)
