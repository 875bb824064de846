"""The demo's appeals, disputes and a lost parcel (issue 12), played after the stories.

The stories leave rejected requests and failed inspections; here some customers appeal
(`file_appeal`), agents overturn or uphold (`decide_appeal`); an overturned request
lives on through its story (`demo/stories.py`). After an upheld appeal some customers
open a dispute (`open_dispute`), merchants answer with evidence, mediators rule
(`rule_dispute`) or the worker's sweep rules against a silent merchant
(`settle_overdue`) at the deadline. A ruling's money and the lost parcel's refund are
paid the way the demo pays every refund: submitted to the sandbox, heard back a few
minutes later, then booked against the liable party (`liability.book_for`, what the
bus does after "refund.paid").
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from returnflow.app_context import AppContext
from returnflow.demo import catalog_grievances as words
from returnflow.demo import catalog_staff, grievance_money
from returnflow.demo.accounts import DEMO_ACCOUNTS
from returnflow.demo.catalog_grievances import Voices
from returnflow.demo.grievance_timelines import (
    FIRST,
    MORE,
    RECENT,
    Case,
    Timeline,
    appeal_only,
    dispute,
)
from returnflow.demo.journeys import World
from returnflow.demo.returns_plan import ReturnPlan
from returnflow.demo.stories import Story
from returnflow.domain.disputes import Party, Side
from returnflow.domain.kinds import RequestType
from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.returns import ReturnRequest
from returnflow.services import appeals, disputes
from returnflow.services.disputes import DisputeRules, RulingValues, customer_party
from returnflow.services.queries import ReturnFilter, list_returns
from returnflow.services.returns import get_return
from returnflow.services.unit_of_work import UnitOfWork

MEDIATORS = ("mediator:zhou.ting", "mediator:wu.lei")
MONEY_TYPES = frozenset({RequestType.REFUND, RequestType.REFUND_ONLY})
MAX_LISTED = 100_000
MAX_DISPUTES = 24
DEMO_MERCHANT = next(m for _, _, _, m in DEMO_ACCOUNTS if m)  # the merchant account's shop


@dataclass(frozen=True, slots=True)
class Plan:
    """One request's appeal, and its dispute when the appeal is upheld and contested."""

    rma_no: str
    line: Timeline
    overturn: bool
    case: Case | None = None


def play(
    context: AppContext,
    world: World,
    stories: dict[str, ReturnPlan],
    rng: random.Random,
    now: datetime,
) -> None:
    """Plan from what the stories left, then write each case in its own unit of work.

    `stories`: each request's plan by its order's number.
    """
    with context.uow(publish=False) as uow:
        cases = _plan(uow, rng, now)
        failed = _listed(uow, Status.INSPECTION_FAILED)
    settings = context.settings
    for case in sorted(cases, key=lambda c: (c.line.key, c.rma_no)):
        with context.uow(publish=False) as uow:
            Writer(uow, world, stories, rng, now, settings.appeal_window_days).case(case)
            uow.commit(now)
    with context.uow(publish=False) as uow:
        writer = Writer(uow, world, stories, rng, now, settings.appeal_window_days)
        for index, rma_no in enumerate(failed[:2]):
            writer.inspection_appeal(rma_no, overturn=index == 0)
        grievance_money.lost_parcel(uow, world, settings, rng, now, writer.carry_on)
        uow.commit(now)


def _listed(uow: UnitOfWork, status: Status) -> list[str]:
    page = list_returns(uow, ReturnFilter(status=status), 1, MAX_LISTED)
    return sorted(summary.rma_no for summary in page.items)


def _plan(uow: UnitOfWork, rng: random.Random, now: datetime) -> list[Plan]:
    """Which rejected requests are appealed, overturned, upheld and disputed, and when."""
    page = list_returns(uow, ReturnFilter(status=Status.REJECTED), 1, MAX_LISTED)
    rejected: dict[str, datetime] = {}
    money: list[tuple[str, str]] = []  # (rma_no, merchant_id) of requests that pay money
    for summary in sorted(page.items, key=lambda s: s.rma_no):
        rejected[summary.rma_no] = appeals.decided_at(get_return(uow, summary.rma_no))
        if summary.request_type in MONEY_TYPES and summary.refund_total.cents > 0:
            money.append((summary.rma_no, summary.merchant_id))
    money.sort(key=lambda item: (rejected[item[0]], item[0]))
    plans = _disputes(rng, money, rejected, now)
    taken = {plan.rma_no for plan in plans}
    decided = 0
    for rma_no, at in rejected.items():
        if rma_no in taken or rng.random() < 0.35:
            continue  # many customers accept a rejection
        line = appeal_only(rng, at, now)
        if line is not None:
            # one overturned and one upheld first, whatever the draw; then either
            overturn = decided == 0 or (decided > 1 and rng.random() < 0.5)
            decided += line.decided <= now
            plans.append(Plan(rma_no, line, overturn=overturn))
    return _one_waiting(plans, now)


def _one_waiting(plans: list[Plan], now: datetime) -> list[Plan]:
    """The latest appeal filed in the last two days still waits for an agent at `now`, so
    the appeals queue is not empty (unless some other appeal already waits)."""
    plain = [p for p in plans if p.case is None and p.line.appeal > now - timedelta(days=2)]
    if not plain or any(p.line.decided > now for p in plans):
        return plans
    latest = max(plain, key=lambda p: (p.line.appeal, p.rma_no))
    others = {
        p.overturn for p in plans if p.case is None and p is not latest and p.line.decided <= now
    }
    if others != {True, False}:
        return plans  # it is the only overturned or upheld one: decided it stays
    waiting = replace(latest, line=replace(latest.line, decided=now + timedelta(hours=6)))
    return [waiting if p is latest else p for p in plans]


def _disputes(
    rng: random.Random,
    money: list[tuple[str, str]],
    rejected: dict[str, datetime],
    now: datetime,
) -> list[Plan]:
    """Each case on a request whose history leaves it room, oldest first.

    The first ruling and the dispute still waiting for evidence go to the latest
    requests that fit, the demo merchant's first (the merchant account sees its own
    charge and its evidence due); the others are spread over the history.
    """
    wanted = list(FIRST) + list(MORE) * 4
    count = min(MAX_DISPUTES, max(len(FIRST), len(money) // 3))
    plans: list[Plan] = []
    for index, case in enumerate(wanted[:count]):
        if case in RECENT or index == 0:
            pool = sorted(reversed(money), key=lambda item: item[1] != DEMO_MERCHANT)
        else:
            pool = rng.sample(money, len(money))
        for item in pool:
            line = dispute(rng, case, rejected[item[0]], now)
            if line is not None:
                plans.append(Plan(item[0], line, overturn=False, case=case))
                money.remove(item)
                break
    return plans


class Writer:
    """Plays the customers, agents, merchants and mediators of one unit of work."""

    def __init__(
        self,
        uow: UnitOfWork,
        world: World,
        stories: dict[str, ReturnPlan],
        rng: random.Random,
        now: datetime,
        window: int,
    ) -> None:
        self.uow, self.world, self.stories, self.now = uow, world, stories, now
        self.rng, self.window = rng, window

    def case(self, plan: Plan) -> None:
        request = get_return(self.uow, plan.rma_no)
        line, voices = plan.line, _voices(request)
        statement = voices.appeal
        customer = f"customer:{request.customer_id}"
        appeals.file_appeal(self.uow, plan.rma_no, statement, (), customer, line.appeal,
                            self.window)  # fmt: skip
        if line.decided > self.now:
            return  # still with an agent at `now`
        agent = self.rng.choice(catalog_staff.AGENTS)
        reason = voices.overturn if plan.overturn else voices.uphold
        decision = "overturn" if plan.overturn else "uphold"
        appeals.decide_appeal(self.uow, plan.rma_no, decision, reason, agent, line.decided)
        if plan.overturn:
            self.carry_on(plan.rma_no, line.decided)
        elif plan.case is not None:
            self.dispute(request, plan.case, line, voices)

    def inspection_appeal(self, rma_no: str, *, overturn: bool) -> None:
        """A failed inspection appealed; overturned, the refund follows through the story."""
        request = get_return(self.uow, rma_no)
        at = appeals.decided_at(request) + timedelta(hours=self.rng.uniform(3, 30))
        decided = at + timedelta(hours=self.rng.uniform(2, 20))
        if decided > self.now or appeals.appealable(self.uow, request) is None:
            return  # too recent, or settled by an accepted offer
        statement = self.rng.choice(words.INSPECTION_APPEAL_STATEMENTS)
        customer = f"customer:{request.customer_id}"
        appeals.file_appeal(self.uow, rma_no, statement, (), customer, at, self.window)
        reason = words.INSPECTION_OVERTURN if overturn else words.INSPECTION_UPHOLD
        agent = self.rng.choice(catalog_staff.AGENTS)
        decision = "overturn" if overturn else "uphold"
        appeals.decide_appeal(self.uow, rma_no, decision, reason, agent, decided)
        if overturn:
            self.carry_on(rma_no, decided)

    def dispute(self, request: ReturnRequest, case: Case, line: Timeline, voices: Voices) -> None:
        assert line.opened is not None
        uow, rma_no = self.uow, request.rma_no
        statement = voices.dispute
        rules = DisputeRules.from_settings(self.world.context.settings)
        opened = disputes.open_dispute(
            uow, rma_no, statement, customer_party(request.customer_id), line.opened, rules
        )
        no = opened.dispute_no
        if line.heard is not None:
            merchant = Party(
                f"merchant:{request.merchant_id}", Side.MERCHANT,
                merchant_scope=request.merchant_id,
            )  # fmt: skip
            text = voices.merchant
            disputes.add_evidence(uow, no, None, "statement", text, (), merchant, line.heard)
            if self.rng.random() < 0.6:
                document = self.rng.choice(words.MERCHANT_DOCUMENTS)
                later = line.heard + timedelta(minutes=self.rng.randint(5, 90))
                disputes.add_evidence(uow, no, None, "document", document, (), merchant, later)
        if case is Case.DEFAULTED:
            at = opened.evidence_due_at + timedelta(seconds=self.rng.randint(5, 60))
            if at <= self.now and disputes.settle_overdue(uow, no, at, self.world.rules):
                self.pay(rma_no, at)
        elif line.ruled is not None and case not in (Case.UNDER_REVIEW, Case.EVIDENCE_DUE):
            values = _ruling(case, request.estimate.total.cents, self.rng)
            mediator = Party(self.rng.choice(MEDIATORS), Side.PLATFORM, staff=True)
            disputes.rule_dispute(uow, no, values, mediator, line.ruled, self.world.rules)
            if values.outcome != "merchant":
                self.pay(rma_no, line.ruled)

    def pay(self, rma_no: str, at: datetime) -> None:
        paid = grievance_money.pay_out(self.uow, self.world, rma_no, at, self.now, self.rng)
        if paid is not None:
            self.carry_on(rma_no, paid)

    def carry_on(self, rma_no: str, at: datetime) -> None:
        """The request lives on from `at` through its story, up to now."""
        request = get_return(self.uow, rma_no)
        plan = self.stories.get(request.order_no)
        if plan is None:
            return
        again = replace(plan, seed=plan.seed ^ 0x9E3779B97F4A7C15)  # its own stream after this
        story = Story(self.uow, self.world, request, again, self.now)
        story.at = at
        while story.next_step():
            pass


def _voices(request: ReturnRequest) -> Voices:
    """What the sides say, by the rule the request was last refused under."""
    for change in reversed(request.history):
        if change.action is Action.AUTO_REJECT:
            break
        if change.action is Action.REJECT:
            for code, note in catalog_staff.REJECTION_NOTES:
                if change.note == note:
                    return words.VOICES[code]
            break
    return words.VOICES["policy"]


def _ruling(case: Case, total: int, rng: random.Random) -> RulingValues:
    if case is Case.FOR_MERCHANT:
        return RulingValues("merchant", "customer", words.RULING_FOR_MERCHANT)
    if case in (Case.SPLIT, Case.AGREED):
        refund = max(100, total * rng.choice((40, 50, 60)) // 100 // 100 * 100)
        compensation = min(total, rng.choice((1_000, 2_000, 3_000)))
        agreed = case is Case.AGREED
        reason = words.AGREEMENT if agreed else words.RULING_SPLIT
        return RulingValues("split", "merchant", reason, refund, compensation, agreement=agreed)
    return RulingValues("customer", "merchant", words.RULING_FOR_CUSTOMER)
