"""The demo's complaints, appeals, disputes and remedies (issue 12), after the stories.

Complaints are filed through `file_complaint` with the real classifier's suggestion
(asked for before any unit of work is open: it reads the agents' corrections in one of
its own), then handled at their own moments: an agent confirms or corrects the
category and answers, resolves, the customer rates; when nobody answers in time the
worker's sweep (`flag_breaches`) runs at the moment the clock ran out, so breaches
and escalations are the ones the worker would have made. Appeals, disputes and the
lost parcel are in `demo/grievance_cases.py`.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from returnflow.app_context import AppContext
from returnflow.demo import catalog_grievances as words
from returnflow.demo import catalog_staff, grievance_cases
from returnflow.demo.grievance_plan import ComplaintPlan, Fate, plan_complaints
from returnflow.demo.journeys import MANAGER, World
from returnflow.demo.marketplace import Book
from returnflow.demo.timing import AGENT_HOURS, CUSTOMER_HOURS, open_hours
from returnflow.domain.complaints import Complaint
from returnflow.domain.lifecycle import Status
from returnflow.services import complaints
from returnflow.services.classifying import ComplaintClassifier
from returnflow.services.complaints import ComplaintFiling, ComplaintRules
from returnflow.services.orders import import_order
from returnflow.services.queries import ReturnFilter, list_returns
from returnflow.services.unit_of_work import UnitOfWork

BATCH = 50  # complaints per unit of work: the breach sweep writes back what one holds


def play(
    context: AppContext,
    world: World,
    book: Book,
    now: datetime,
    by_status: Counter[str] | None = None,
) -> None:
    """Complaints, then appeals, disputes and the lost parcel; all at their own moments.

    `by_status` (requests per status, the generator's summary) is counted again after:
    an overturned appeal or a ruling moves a request on.
    """
    if not book.briefs:
        return
    rng = random.Random(f"grievances:{book.count}:{book.briefs[0].order_no}")
    planned, key_accounts = plan_complaints(rng, book, now)
    classifier = context.complaint_classifier  # before any unit of work is open
    rules = ComplaintRules.from_settings(context.settings)
    with context.uow(publish=False) as uow:
        _tell_key_accounts(uow, book, key_accounts)
        uow.commit(now)
    for start in range(0, len(planned), BATCH):
        with context.uow(publish=False) as uow:
            for plan in planned[start : start + BATCH]:
                Handling(uow, plan, rules, now).play(classifier)
            uow.commit(now)
    with context.uow(publish=False) as uow:
        corrections = complaints.training_corrections(uow)
    classifier.learn(corrections)  # this process suggests with what its agents corrected
    grievance_cases.play(context, world, book.stories, random.Random(rng.getrandbits(64)), now)
    if by_status is not None:
        with context.uow(publish=False) as uow:
            counts = {
                s.value: list_returns(uow, ReturnFilter(status=s), 1, 1).total for s in Status
            }
        by_status.clear()
        by_status.update({status: count for status, count in counts.items() if count})


def _tell_key_accounts(uow: UnitOfWork, book: Book, customers: Sequence[str]) -> None:
    """The order system reports each key-account customer's first order again, now
    saying they are one (R8.5): their complaints go to the key-account team."""
    for customer_id in customers:
        order = uow.orders.get(book.first_order_of(customer_id))
        assert order is not None  # written by the stories' batches
        flagged = replace(order, customer=replace(order.customer, key_account=True))
        import_order(uow, flagged, order.delivered_at or order.paid_at or order.placed_at)


class Handling:
    """One complaint after filing: each step at its own moment, none after `now`."""

    def __init__(
        self, uow: UnitOfWork, plan: ComplaintPlan, rules: ComplaintRules, now: datetime
    ) -> None:
        self.uow, self.plan, self.rules, self.now = uow, plan, rules, now
        self.rng = random.Random(plan.seed)
        self.agent = plan.filed_by if plan.channel == "hotline" else self.rng.choice(_AGENTS)
        self.at = plan.filed_at
        self.no = ""

    @property
    def complaint(self) -> Complaint:
        return complaints.get_complaint(self.uow, self.no)

    def play(self, classifier: ComplaintClassifier) -> None:
        plan = self.plan
        email = plan.channel == "email"
        filing = ComplaintFiling(
            channel=plan.channel,
            text=plan.wording.text,
            order_no=plan.order_no,
            customer_id=None if email else plan.customer_id,
            contact_email=plan.email if email else "",
            subject=(plan.wording.subject or words.SUBJECTS[plan.wording.category])
            if email
            else "",
        )
        filed = complaints.file_complaint(
            self.uow, filing, plan.filed_by, plan.filed_at, classifier, self.rules
        )
        self.no = filed.complaint_no
        _FATES[plan.fate](self)
        self.reach(self.now)  # the worker's sweeps up to now

    # --- the clock ----------------------------------------------------------------

    def reach(self, at: datetime) -> bool:
        """Move to `at` if it has come, running the worker's sweep where a clock ran out."""
        at = at.replace(microsecond=0)
        if at > self.now:
            self._sweep(self.now)
            return False
        self._sweep(at)
        self.at = at
        return True

    def _sweep(self, until: datetime) -> None:
        c = self.complaint
        running = []
        if c.first_responded_at is None and c.first_response_breached_at is None:
            running.append(c.first_response_due_at)
        if c.resolved_at is None and c.resolve_breached_at is None:
            running.append(c.resolve_due_at)
        for due in sorted(running):
            tick = due + timedelta(seconds=self.rng.randint(5, 60))  # the worker's next tick
            if tick <= until:
                self.uow.complaints.sync()  # the sweep reads the rows
                complaints.flag_breaches(self.uow, tick)

    def in_time(self, due: datetime, hours: bool = True) -> datetime:
        """A moment well before `due`, in working hours when that still beats it."""
        start = self.at
        if due <= start + timedelta(minutes=10):  # hardly any time left: at once
            return start + timedelta(minutes=self.rng.randint(1, 5))
        moment = start + (due - start) * self.rng.uniform(0.08, 0.7)
        late = open_hours(moment, self.rng, AGENT_HOURS) if hours else moment
        return late if late < due - timedelta(minutes=5) else moment

    def late(self, due: datetime, low: float, high: float) -> datetime:
        moment = max(due, self.at) + timedelta(hours=self.rng.uniform(low, high))
        return open_hours(moment, self.rng, AGENT_HOURS)

    # --- the steps ----------------------------------------------------------------

    def answer(self, at: datetime) -> bool:
        if not self.reach(at):
            return False
        at, c, wording = self.at, self.complaint, self.plan.wording
        wrong = (c.category.value, c.urgency.value) != (wording.category, wording.urgency)
        if self.rng.random() < (0.9 if wrong else 0.4):  # confirmed or corrected: kept
            complaints.classify(
                self.uow, self.no, wording.category, wording.urgency, self.agent, at,
                rules=self.rules,
            )  # fmt: skip
        message = self.rng.choice(words.RESPONSES[wording.category])
        complaints.respond(self.uow, self.no, message, self.agent, at)
        return True

    def answer_in_time(self) -> bool:
        return self.answer(self.in_time(self.complaint.first_response_due_at))

    def resolve(self, at: datetime, actor: str | None = None) -> bool:
        if not self.reach(at):
            return False
        text = self.rng.choice(words.RESOLUTIONS[self.plan.wording.category])
        complaints.resolve(self.uow, self.no, text, actor or self.agent, self.at)
        return True

    def resolve_in_time(self, actor: str | None = None) -> bool:
        due = self.complaint.resolve_due_at
        at = self.in_time(due) if due > self.at else self.late(due, 1, 20)
        return self.resolve(at, actor)

    def rate(self, ratings: tuple[tuple[int, str], ...], odds: float) -> None:
        customer = self.complaint.customer_id
        if customer is None or self.rng.random() >= odds:
            return
        at = open_hours(self.at + timedelta(hours=self.rng.uniform(0.3, 30)), self.rng, _DAY)
        if self.reach(at):
            score, comment = self.rng.choice(ratings)
            complaints.rate(self.uow, self.no, score, comment, customer, self.at)


def _answered(h: Handling) -> None:
    h.answer_in_time()


def _prompt(h: Handling) -> None:
    if h.answer_in_time() and h.resolve_in_time():
        h.rate(words.RATINGS, 0.85)


def _slow_response(h: Handling) -> None:
    if h.answer(h.late(h.complaint.first_response_due_at, 0.5, 8)) and h.resolve_in_time(MANAGER):
        h.rate(words.POOR_RATINGS, 0.8)


def _slow_resolution(h: Handling) -> None:
    if h.answer_in_time() and h.resolve(h.late(h.complaint.resolve_due_at, 2, 30), MANAGER):
        h.rate(words.POOR_RATINGS, 0.8)


def _escalated(h: Handling) -> None:
    if not h.answer_in_time():
        return
    at = h.at + timedelta(hours=h.rng.uniform(0.5, 4))
    if not h.reach(at):
        return
    if h.complaint.status.value != "escalated":
        reason = h.rng.choice(words.ESCALATIONS)
        complaints.escalate(h.uow, h.no, reason, h.agent, h.at)
    if h.resolve_in_time(MANAGER):
        h.rate(words.RATINGS, 0.7)


def _reopened(h: Handling) -> None:
    if not (h.answer_in_time() and h.resolve_in_time()):
        return
    customer = h.complaint.customer_id
    at = open_hours(h.at + timedelta(hours=h.rng.uniform(4, 40)), h.rng, _DAY)
    if customer is None or not h.reach(at):
        return
    reason = h.rng.choice(words.REOPEN_REASONS)
    complaints.reopen(h.uow, h.no, reason, f"customer:{customer}", h.at, rules=h.rules,
                      customer_id=customer)  # fmt: skip
    if h.reach(h.in_time(h.at + timedelta(hours=4))):
        message = "非常抱歉，已重新跟进，今天内给您结果。"
        complaints.respond(h.uow, h.no, message, h.agent, h.at)
        if h.resolve_in_time(MANAGER):
            h.rate(((4, "第二次处理得不错。"), (3, "")), 0.9)


def _flagged(h: Handling) -> None:
    if not h.answer_in_time():
        return
    flag = h.plan.flag
    if flag is not None:
        complaints.flag(h.uow, h.no, flag[0], flag[1], h.agent, h.at)
    if h.rng.random() < 0.5:
        h.resolve_in_time(MANAGER)


def _waiting(h: Handling) -> None:
    return None


_AGENTS = catalog_staff.AGENTS
_DAY = CUSTOMER_HOURS
_FATES = {
    Fate.WAITING: _waiting,
    Fate.ANSWERED: _answered,
    Fate.PROMPT: _prompt,
    Fate.SLOW_RESPONSE: _slow_response,
    Fate.SLOW_RESOLUTION: _slow_resolution,
    Fate.ESCALATED: _escalated,
    Fate.REOPENED: _reopened,
    Fate.FLAGGED: _flagged,
}
