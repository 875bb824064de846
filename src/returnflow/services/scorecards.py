"""Merchant and staff scorecards (R11.2, R12.2): figures for a period, ranked, with a trend.

A period is whole local days (China Standard Time), both ends inclusive; none given: the
last 30 days. The trend compares with the period of the same length just before.

Merchants (every merchant with activity in the period): requests filed; each request's
first review decision taken in the period (approve or reject, automatic or by a person;
a later one answers an appeal) and the approval rate; time to answer = the median hours
from filing to those a person took (the merchant's reviewers or the platform's agents
on its behalf); overturns = appeals
decided for the customer in the period ÷ decisions; disputes opened ÷ requests filed;
rulings against = rulings and agreements in the period naming the merchant liable;
return rate = units in requests not rejected or cancelled ÷ units delivered, for orders
delivered in the period (the issue's definition), beside the platform's rate over the
same categories weighted by the merchant's own units; CSAT = the mean of the survey's
four 1–5 dimensions; charged back = fen booked to its receivable in the period. The
composite is documented in `domain/scorecards.py`. A merchant account sees only its
own card, with its rank among n.

Staff (platform people: agents, warehouse, finance, managers, admins, mediators), per
person ("role:username") and per team (the role; and the complaint teams, e.g. the
key-account team, for complaints): requests they changed, the median hours from filing
to their review decisions, complaints they resolved and the median hours from filing,
their decisions overturned on appeal, the CSAT of surveys naming them, inspections and
inspections per active hour (distinct local clock hours in which they inspected).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from returnflow.domain.input_bounds import day_range, optional_day, within_days
from returnflow.domain.scorecards import (
    MerchantCard,
    MerchantFigures,
    StaffFigures,
    Survey,
    rank_merchants,
    team_line,
)
from returnflow.services.liability_queries import ZONE, Period
from returnflow.services.merchants import merchant_names
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.scorecard_queries import Decision, Resolution

DEFAULT_DAYS = 30
MAX_DAYS = 366
STAFF_ROLES = ("agent", "warehouse", "finance", "manager", "admin", "mediator")
MANUAL = ("approve", "reject")


def period(date_from: str, date_to: str, now: datetime) -> Period:
    """The local days asked for (`YYYY-MM-DD`, both inclusive); none: the last 30 days."""
    today = now.astimezone(ZONE).date()
    first, last = day_range(
        optional_day(date_from, "from"), optional_day(date_to, "to"), today, DEFAULT_DAYS
    )
    first, last = within_days(first, last, MAX_DAYS)
    return Period(first, last)


def previous(when: Period) -> Period:
    length = timedelta(days=(when.end - when.start).days + 1)
    return Period(when.start - length, when.end - length)


@dataclass(frozen=True)
class MerchantBoard:
    period: Period
    cards: tuple[MerchantCard, ...]  # ranked; a merchant account: its own card only
    total: int  # merchants ranked
    names: dict[str, str]
    truncated: bool


@dataclass(frozen=True)
class StaffBoard:
    period: Period
    people: tuple[StaffFigures, ...]
    teams: tuple[StaffFigures, ...]
    truncated: bool


def merchant_figures(uow: UnitOfWork, since: datetime, until: datetime) -> list[MerchantFigures]:
    q = uow.scorecards
    requests = q.requests_filed(since, until)
    decisions: dict[str, list[Decision]] = defaultdict(list)
    for decision in q.decisions(since, until):
        decisions[decision.merchant_id].append(decision)
    overturned: dict[str, int] = defaultdict(int)
    for merchant_id, _actor in q.overturned(since, until):
        overturned[merchant_id] += 1
    disputes, against = q.disputes_opened(since, until), q.rulings_against(since, until)
    surveys, charged = q.surveys(since, until, "merchant"), q.charged_back(since, until)
    delivered: dict[str, dict[str, int]] = defaultdict(dict)
    returned: dict[str, int] = defaultdict(int)
    by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for units in q.units(since, until):
        delivered[units.merchant_id][units.category] = units.delivered
        returned[units.merchant_id] += units.returned
        by_category[units.category][0] += units.delivered
        by_category[units.category][1] += units.returned
    merchants = set(requests) | set(decisions) | set(overturned)
    merchants |= set(disputes) | set(against) | set(surveys) | set(delivered)
    merchants |= {m for m, fen in charged.items() if fen}
    merchants.discard("")

    def expected(merchant_id: str) -> float | None:
        mine = delivered.get(merchant_id, {})
        units = sum(mine.values())
        if not units:
            return None
        weighted = sum(n * by_category[c][1] / by_category[c][0] for c, n in mine.items() if n)
        return round(weighted / units, 4)

    def figures(merchant_id: str) -> MerchantFigures:
        own = decisions.get(merchant_id, [])
        answers, dimension_sum = surveys.get(merchant_id, (0, 0))
        return MerchantFigures(
            merchant_id=merchant_id,
            requests=requests.get(merchant_id, 0),
            decisions=len(own),
            approvals=sum(1 for d in own if d.action in ("approve", "auto_approve")),
            answer_hours=tuple(d.hours for d in own if d.action in MANUAL),
            overturned=overturned.get(merchant_id, 0),
            disputes=disputes.get(merchant_id, 0),
            rulings_against=against.get(merchant_id, 0),
            units_delivered=sum(delivered.get(merchant_id, {}).values()),
            units_returned=returned.get(merchant_id, 0),
            category_rate=expected(merchant_id),
            survey=Survey(answers, dimension_sum),
            charged_back=charged.get(merchant_id, 0),
        )

    return [figures(m) for m in sorted(merchants)]


def merchant_board(
    uow: UnitOfWork, when: Period, merchant_scope: str | None = None
) -> MerchantBoard:
    """Every merchant ranked for `when`, with the trend; a merchant: its own card only."""
    before = previous(when)
    earlier = {f.merchant_id: f.score for f in merchant_figures(uow, before.since, before.until)}
    cards = rank_merchants(merchant_figures(uow, when.since, when.until), earlier)
    total = len(cards)
    if merchant_scope is not None:
        cards = [c for c in cards if c.figures.merchant_id == merchant_scope]
    names = merchant_names(uow, [c.figures.merchant_id for c in cards])
    return MerchantBoard(when, tuple(cards), total, names, uow.scorecards.truncated)


def _local_hour(at: datetime) -> str:
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return aware.astimezone(ZONE).strftime("%Y-%m-%d %H")


def _role(actor: str) -> str:
    return actor.split(":", 1)[0] if ":" in actor else ""


def staff_board(uow: UnitOfWork, when: Period, team: str = "") -> StaffBoard:
    """Per person and per team for `when`; `team` (a role or a complaint team) narrows it."""
    q, since, until = uow.scorecards, when.since, when.until
    handled = q.requests_handled(since, until, STAFF_ROLES)
    reviews: dict[str, list[float]] = defaultdict(list)
    for decision in q.decisions(since, until):
        if decision.action in MANUAL:
            reviews[decision.actor].append(decision.hours)
    resolutions = q.resolutions(since, until)
    complaints: dict[str, list[float]] = defaultdict(list)
    for resolution in resolutions:
        complaints[resolution.actor].append(resolution.hours)
    overturned: dict[str, int] = defaultdict(int)
    for _merchant, actor in q.overturned(since, until):
        overturned[actor] += 1
    surveys = q.surveys(since, until, "agent")
    inspections: dict[str, int] = defaultdict(int)
    hours: dict[str, set[str]] = defaultdict(set)
    for who, at in q.inspections(since, until):
        inspections[who] += 1
        hours[who].add(_local_hour(at))
    people = set(handled) | set(reviews) | set(complaints) | set(overturned) | set(inspections)
    people |= set(surveys)
    people = {p for p in people if _role(p) in STAFF_ROLES}
    cards = [
        StaffFigures(
            key=person,
            team=_role(person),
            requests_handled=handled.get(person, 0),
            review_hours=tuple(reviews.get(person, ())),
            complaints_handled=len(complaints.get(person, ())),
            complaint_hours=tuple(complaints.get(person, ())),
            overturned=overturned.get(person, 0),
            survey=Survey(*surveys.get(person, (0, 0))),
            inspections=inspections.get(person, 0),
            inspection_hours=len(hours.get(person, ())),
        )
        for person in sorted(people)
    ]
    teams = _teams(cards, resolutions)
    if team:
        cards = [c for c in cards if c.team == team]
        teams = [t for t in teams if t.key == team]
    return StaffBoard(when, tuple(cards), tuple(teams), q.truncated)


def _teams(cards: list[StaffFigures], resolutions: list[Resolution]) -> list[StaffFigures]:
    roles = sorted({c.team for c in cards})
    teams = [team_line(role, [c for c in cards if c.team == role]) for role in roles]
    complaint_teams: dict[str, list[float]] = defaultdict(list)
    for resolution in resolutions:
        if resolution.team:
            complaint_teams[resolution.team].append(resolution.hours)
    for name in sorted(complaint_teams):
        durations = tuple(complaint_teams[name])
        teams.append(StaffFigures(name, name, 0, (), len(durations), durations, 0, Survey(), 0, 0))
    return teams


def home_board(uow: UnitOfWork, merchant_scope: str, now: datetime) -> MerchantBoard:
    """The merchant's own card over the last 30 days, for its console home."""
    return merchant_board(uow, period("", "", now), merchant_scope)
