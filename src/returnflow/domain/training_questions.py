"""Knowledge-check questions whose answers the product's own rules compute (issue 17, R16.8).

Every generator builds a small case from a random generator (delivery day, category,
price, discount, shipping fee), asks the policy engine (`rules.judge_line`), the refund
calculator (`refunds.estimate_refund`) or the inspection checklist
(`inspection.checklist_for`) for the answer, and derives the wrong choices from it: a
day either side, the price before the discount, the fee forgotten. Nobody types an
answer by hand, so a new policy version changes the answers with it.

Amounts stay `Money` here: a generator's `money` argument (the service passes Babel's
`notify/money_words.money_words`) words them in the prompt and the explanation, and
choices are worded by `services/training.choice_text`. The format never changes what
is asked or which choice is right.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from returnflow.domain.amount_words import MoneyWords, worded
from returnflow.domain.catalog import ItemFlag
from returnflow.domain.inspection import Check, checklist_for
from returnflow.domain.kinds import Outcome, Reason, RequestType, ShippingPayer
from returnflow.domain.money import Money
from returnflow.domain.orders import Customer, Order, OrderLine, Payment
from returnflow.domain.policy import PolicyVersion
from returnflow.domain.refunds import OrderHistory, estimate_refund
from returnflow.domain.rules import judge_line
from returnflow.domain.text import Text
from returnflow.domain.training_words import CATEGORY_WORDS, FLAG_WORDS, PAYER_WORDS, Q
from returnflow.domain.verdicts import LineClaim

# A choice is shown as text, money (formatted at the edge) or a calendar day.
Choice = Text | Money | date
CHOICES = 4
TRAINING_MERCHANT = "m-training"  # no merchant's better terms: the platform's rules
CATEGORIES = tuple(CATEGORY_WORDS)


@dataclass(frozen=True, slots=True)
class Question:
    kind: str  # the generator's name
    prompt: Text
    choices: tuple[Choice, ...]
    answer: int  # index of the correct choice
    explanation: Text


# the caller's money format (`amount_words.MoneyWords`) fills the amounts in the words
Generator = Callable[[random.Random, PolicyVersion, date, MoneyWords], Question]


def _shuffle(
    rng: random.Random, right: Choice, wrong: Sequence[Choice]
) -> tuple[tuple[Choice, ...], int]:
    """The right choice among up to three distinct wrong ones, in a random order."""
    picked: list[Choice] = [right]
    for choice in wrong:
        if choice not in picked and len(picked) < CHOICES:
            picked.append(choice)
    rng.shuffle(picked)
    return tuple(picked), picked.index(right)


def _delivered(rng: random.Random, policy: PolicyVersion, today: date) -> datetime:
    """A delivery some days before today, at a random hour of the platform's day."""
    day = today - timedelta(days=rng.randint(1, 20))
    local = datetime.combine(day, time(rng.randint(8, 21), rng.choice((0, 30))), policy.zone)
    return local.astimezone(policy.zone)


def _order(delivered: datetime, line: OrderLine, fee: int = 0, insured: bool = False) -> Order:
    return Order(
        order_no="TRAIN-1",
        merchant_id=TRAINING_MERCHANT,
        customer=Customer("c-training", "学员", "", ""),
        currency="CNY",
        placed_at=delivered - timedelta(days=3),
        delivered_at=delivered,
        shipping_fee=Money(fee),
        return_shipping_insurance=insured,
        payment=Payment("training", "t-1"),
        lines=(line,),
    )


def _line(
    category: str,
    price: int = 9_900,
    quantity: int = 1,
    discount: int = 0,
    flags: frozenset[ItemFlag] = frozenset(),
) -> OrderLine:
    return OrderLine(
        1, "SKU-T", "训练商品", category, Money(price), quantity, Money(discount), flags
    )


def _last_day(policy: PolicyVersion, order: Order, request: RequestType, reason: Reason) -> date:
    verdict = judge_line(
        order=order,
        line=order.lines[0],
        request_type=request,
        claim=LineClaim(1, 1, reason),
        already_requested=0,
        has_photos=True,
        now=order.delivered_at or order.placed_at,
        policy=policy,
    )
    assert verdict.last_day is not None
    return verdict.last_day


def _day_question(
    kind: str, reason: Reason, rng: random.Random, policy: PolicyVersion, today: date
) -> Question:
    category = rng.choice(CATEGORIES)
    delivered = _delivered(rng, policy, today)
    order = _order(delivered, _line(category))
    last = _last_day(policy, order, RequestType.REFUND, reason)
    on = policy.local_date(delivered)
    days = (last - on).days
    wrong = [last - timedelta(days=1), last + timedelta(days=1), on + timedelta(days=days + 2)]
    choices, answer = _shuffle(rng, last, wrong)
    values = {"on": on.isoformat(), "version": policy.version, "last": last.isoformat()}
    words = {"category_zh": CATEGORY_WORDS[category].zh, "category_en": CATEGORY_WORDS[category].en}
    return Question(
        kind,
        Q[f"{kind}.prompt"].format(**values, **words),
        choices,
        answer,
        Q[f"{kind}.why"].format(**values, **words, days=days),
    )


def no_reason_last_day(
    rng: random.Random, policy: PolicyVersion, today: date, money: MoneyWords
) -> Question:
    """Delivered on day D under version N: the last day to ask for a no-reason return."""
    return _day_question("no_reason_last_day", Reason.NO_REASON, rng, policy, today)


def quality_last_day(
    rng: random.Random, policy: PolicyVersion, today: date, money: MoneyWords
) -> Question:
    """Delivered on day D: the last day to ask for a refund of a faulty item."""
    return _day_question("quality_last_day", Reason.QUALITY, rng, policy, today)


def refund_amount(
    rng: random.Random, policy: PolicyVersion, today: date, money: MoneyWords
) -> Question:
    """This line, this discount, this fee, these units: how much goes back?"""
    quantity = rng.randint(1, 3)
    price = rng.randint(20, 400) * 100 + rng.choice((0, 50, 90))
    discount = rng.randint(0, price * quantity // 500) * 100
    fee = rng.choice((0, 800, 1_000, 1_200))
    units = rng.randint(1, quantity)
    reason = rng.choice((Reason.QUALITY, Reason.NO_REASON))
    line = _line("home", price, quantity, discount)
    order = _order(_delivered(rng, policy, today), line, fee)
    estimate = estimate_refund(
        order, RequestType.REFUND, [LineClaim(1, units, reason)], OrderHistory()
    )
    right = estimate.total
    goods = estimate.lines[0].amount
    wrong = [
        Money(price * units),
        goods + Money(fee) if right == goods else goods,
        right - Money(discount // max(quantity, 1) or 100),
        right + Money(100),
    ]
    choices, answer = _shuffle(rng, right, [w for w in wrong if w.cents > 0])
    amounts = {
        "price": Money(price),
        "discount": Money(discount),
        "fee": Money(fee),
        "goods": goods,
        "total": right,
    }
    values = {"quantity": quantity, "units": units}
    why = "refund_amount.why_fee" if estimate.refunds_shipping else "refund_amount.why_no_fee"
    return Question(
        "refund_amount",
        worded(
            Q["refund_amount.prompt"],
            money,
            amounts,
            **values,
            reason_zh=reason.label.zh,
            reason_en=reason.label.en,
        ),
        choices,
        answer,
        worded(Q[why], money, amounts, **values),
    )


def excluded_goods(
    rng: random.Random, policy: PolicyVersion, today: date, money: MoneyWords
) -> Question:
    """An item with a legal flag, sealed or opened: may it go back without a reason?"""
    flag = rng.choice(tuple(FLAG_WORDS))
    opened = rng.choice((True, False))
    order = _order(_delivered(rng, policy, today), _line("home", flags=frozenset({flag})))
    verdict = judge_line(
        order=order,
        line=order.lines[0],
        request_type=RequestType.REFUND,
        claim=LineClaim(1, 1, Reason.NO_REASON, opened=opened),
        already_requested=0,
        has_photos=True,
        now=order.delivered_at or order.placed_at,
        policy=policy,
    )
    allowed = verdict.outcome is not Outcome.REJECTED
    right, other = (Q["yes"], Q["no"]) if allowed else (Q["no"], Q["yes"])
    choices, answer = _shuffle(rng, right, [other])
    state = Q["opened"] if opened else Q["sealed"]
    values = {
        "flag_zh": FLAG_WORDS[flag].zh,
        "flag_en": FLAG_WORDS[flag].en,
        "state_zh": state.zh,
        "state_en": state.en,
    }
    rules = [
        r for r in verdict.results if r.code.startswith("excluded_") or r.code == "sealed_only"
    ]
    why = rules[0].message if rules else right
    return Question(
        "excluded_goods", Q["excluded_goods.prompt"].format(**values), choices, answer, why
    )


def shipping_payer(
    rng: random.Random, policy: PolicyVersion, today: date, money: MoneyWords
) -> Question:
    """Who pays for the parcel back, by reason and insurance (R2.4)."""
    reason = rng.choice((Reason.NO_REASON, Reason.QUALITY, Reason.WRONG_ITEM))
    insured = rng.choice((True, False))
    order = _order(_delivered(rng, policy, today), _line(rng.choice(CATEGORIES)), insured=insured)
    verdict = judge_line(
        order=order,
        line=order.lines[0],
        request_type=RequestType.REFUND,
        claim=LineClaim(1, 1, reason),
        already_requested=0,
        has_photos=True,
        now=order.delivered_at or order.placed_at,
        policy=policy,
    )
    right = PAYER_WORDS[verdict.shipping_payer]
    wrong = [PAYER_WORDS[p] for p in ShippingPayer if p is not verdict.shipping_payer]
    choices, answer = _shuffle(rng, right, wrong)
    insurance = Q["insured"] if insured else Q["uninsured"]
    values = {
        "reason_zh": reason.label.zh,
        "reason_en": reason.label.en,
        "insurance_zh": insurance.zh,
        "insurance_en": insurance.en,
    }
    return Question(
        "shipping_payer",
        Q["shipping_payer.prompt"].format(**values),
        choices,
        answer,
        Q["shipping_payer.why"].format(payer_zh=right.zh, payer_en=right.en, **values),
    )


def inspection_check(
    rng: random.Random, policy: PolicyVersion, today: date, money: MoneyWords
) -> Question:
    """Which of these checks does this category's checklist require?"""
    category = rng.choice(CATEGORIES)
    required = checklist_for(category)
    right = rng.choice(required)
    wrong = [c.label for c in Check if c not in required]
    if len(wrong) < 1:  # every check applies: ask the other way round is not possible
        wrong = [Q["none_of_these"]]
    choices, answer = _shuffle(rng, right.label, wrong)
    words = {"category_zh": CATEGORY_WORDS[category].zh, "category_en": CATEGORY_WORDS[category].en}
    listed = Text("、".join(c.label.zh for c in required), ", ".join(c.label.en for c in required))
    return Question(
        "inspection_check",
        Q["inspection_check.prompt"].format(**words),
        choices,
        answer,
        Q["inspection_check.why"].format(**words, list_zh=listed.zh, list_en=listed.en),
    )


GENERATORS: dict[str, Generator] = {
    "no_reason_last_day": no_reason_last_day,
    "quality_last_day": quality_last_day,
    "refund_amount": refund_amount,
    "excluded_goods": excluded_goods,
    "shipping_payer": shipping_payer,
    "inspection_check": inspection_check,
}
