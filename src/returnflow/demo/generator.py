"""The demo marketplace: months of orders and the after-sales stories that followed them.

Everything goes through the services (`import_order`, `file_return`, `perform`) at the
simulated moment each step happened, so demo data obeys the same policy, transition
table and refund arithmetic as real traffic. The automated review, not the generator,
decides what is approved, referred or refused; the generator only plays the people:
customers who file late or forget photos, agents who review, warehouse staff who
inspect, finance who pay. A run depends on nothing but its seed and `now`.

Planning and writing are separate: the whole marketplace is drawn from one
`random.Random(seed)` first, then written in the order things happened, so RMA
numbers rise with their filing dates and each request's story runs up to `now`.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

from returnflow.app_context import AppContext
from returnflow.demo import catalog
from returnflow.demo.addresses import address_for
from returnflow.demo.catalog import Merchant, Product, Scenario
from returnflow.demo.journeys import World
from returnflow.domain.catalog import ItemFlag
from returnflow.domain.kinds import Channel, Reason, RequestType
from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.money import Money
from returnflow.domain.orders import Customer, Order, OrderLine, Payment
from returnflow.domain.returns import ReturnLine, ReturnRequest
from returnflow.services import inspection, replacements, shipping
from returnflow.services.orders import import_order
from returnflow.services.returns import NewReturn, file_return, perform
from returnflow.storage.catalogue import PriceUpdate
from returnflow.storage.refunds import RefundStore
from returnflow.storage.uow import UnitOfWork

SHANGHAI = ZoneInfo("Asia/Shanghai")
Hours = tuple[int, int]  # local opening and closing hour

# people act in their own waking or working hours, Shanghai time
CUSTOMER_HOURS: Hours = (8, 23)
AGENT_HOURS: Hours = (9, 22)
WAREHOUSE_HOURS: Hours = (9, 18)
FINANCE_HOURS: Hours = (9, 18)

BATCH_ORDERS = 200  # orders per unit of work: big enough to be fast, small enough to lock briefly
ORDERS_PER_DAY = 80
MAX_DAYS = 120
MIN_DAYS = 14
CUSTOMERS_MAX = 2_000
LOST_SHARE = 0.006  # parcels that never arrive
LATE_SHARE = 0.08  # customers who file after the no-reason window

# local hour of day → relative share of orders: lunch and late-evening peaks
_HOUR_WEIGHTS = (3, 2, 1, 1, 1, 1, 1, 2, 4, 6, 7, 8, 9, 8, 7, 7, 7, 7, 8, 10, 12, 13, 12, 7)


@dataclass(frozen=True)
class DemoSummary:
    """What was loaded, for the CLI to report."""

    merchants: int
    customers: int
    orders: int
    returns: int
    by_status: dict[str, int]


@dataclass(frozen=True, slots=True)
class Shopper:
    customer: Customer
    weight: float  # how often this customer orders, relative to others
    serial: bool  # returns far more than anyone else (R10.3)


@dataclass(frozen=True, slots=True)
class ReturnPlan:
    filed_at: datetime
    new: NewReturn
    filed_by: str
    shopper: Shopper
    category: str
    seed: int  # the story's own random stream, so it does not depend on write order


@dataclass(frozen=True, slots=True)
class OrderPlan:
    order: Order
    ret: ReturnPlan | None


def generate(
    context: AppContext,
    *,
    orders: int = 10_000,
    seed: int = 7,
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Fill an empty, migrated database with a marketplace whose history ends at `now`."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if orders < 1:
        raise ValueError("orders must be at least 1")
    now = now.astimezone(UTC)
    plans = plan_marketplace(random.Random(seed), orders, now)
    by_status = _write(context, plans, now, progress or _quiet)
    return DemoSummary(
        merchants=len({plan.order.merchant_id for plan in plans}),
        customers=len({plan.order.customer.id for plan in plans}),
        orders=len(plans),
        returns=sum(by_status.values()),
        by_status=dict(sorted(by_status.items())),
    )


def _quiet(done: int, total: int) -> None:
    return None


# --- planning: who bought what, when, and who asked for what back --------------------


def plan_marketplace(rng: random.Random, orders: int, now: datetime) -> list[OrderPlan]:
    """Every order and return request, drawn in order-placement order (pure, no I/O)."""
    shoppers = _shoppers(rng, min(CUSTOMERS_MAX, max(20, orders // 5)))
    shopper_weights = list(accumulate(s.weight for s in shoppers))
    merchant_weights = list(accumulate(m.weight for m in catalog.MERCHANTS))
    plans = []
    for index, placed_at in enumerate(_order_moments(rng, orders, now)):
        merchant = rng.choices(catalog.MERCHANTS, cum_weights=merchant_weights)[0]
        shopper = rng.choices(shoppers, cum_weights=shopper_weights)[0]
        order = _order(rng, index, placed_at, merchant, shopper.customer, now)
        plans.append(_with_return(rng, order, merchant.category, shopper, now))
    return plans


def _span_days(orders: int) -> int:
    """A small demo is a shorter history of the same busy shop, not a quiet one.

    At a steady ~80 orders a day the queues at `now` look like a live shop's;
    spreading 300 orders over 120 days would leave them all but empty.
    """
    return max(MIN_DAYS, min(MAX_DAYS, round(orders / ORDERS_PER_DAY)))


def _order_moments(rng: random.Random, orders: int, now: datetime) -> list[datetime]:
    """Placement times: a growing shop, busier at weekends, lunch and late evening."""
    span = _span_days(orders)
    today = now.astimezone(SHANGHAI).date()
    days = [today - timedelta(days=ago) for ago in range(span)]
    day_weights = list(accumulate(_day_weight(day, ago, span) for ago, day in enumerate(days)))
    hour_weights = list(accumulate(_HOUR_WEIGHTS))
    moments: list[datetime] = []
    while len(moments) < orders:
        day = rng.choices(days, cum_weights=day_weights)[0]
        hour = rng.choices(range(24), cum_weights=hour_weights)[0]
        moment = _local(day, hour, rng.randrange(60), rng.randrange(60))
        if moment < now:
            moments.append(moment)
    return sorted(moments)


def _day_weight(day: date, days_ago: int, span: int) -> float:
    """A growing shop, busier at weekends, with a surge on festival days."""
    growth = 1.0 + 0.8 * (1 - days_ago / span)
    weekend = 1.2 if day.weekday() >= 5 else 1.0
    return growth * weekend * _festival_boost(day)


def _festival_boost(day: date) -> float:
    for month, day_of_month in catalog.FESTIVALS:
        after = (day - date(day.year, month, day_of_month)).days
        if after == 0:
            return 5.0
        if after == 1:
            return 1.6
    return 1.0


def _local(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), SHANGHAI).astimezone(UTC)


def _shoppers(rng: random.Random, count: int) -> list[Shopper]:
    serial = set(rng.sample(range(count), max(1, count // 200)))
    return [_shopper(rng, number, number in serial) for number in range(count)]


def _shopper(rng: random.Random, number: int, serial: bool) -> Shopper:
    surname, surname_py, _ = rng.choices(catalog.SURNAMES, [s[2] for s in catalog.SURNAMES])[0]
    parts = rng.sample(catalog.GIVEN_NAME_PARTS, 2 if rng.random() < 0.75 else 1)
    given, given_py = "".join(p[0] for p in parts), "".join(p[1] for p in parts)
    phone = rng.choice(catalog.PHONE_PREFIXES) + _digits(rng, 8)
    customer = Customer(
        f"c-{number + 1:05d}", surname + given, phone, _email(rng, surname_py, given_py)
    )
    weight = min(rng.paretovariate(1.4), 25.0) * (4.0 if serial else 1.0)
    return Shopper(customer, weight, serial)


def _email(rng: random.Random, surname: str, given: str) -> str:
    style = rng.randrange(4)
    if style == 0:
        local = f"{given}.{surname}"
    elif style == 1:
        local = f"{surname}{given}{rng.randint(1970, 2006)}"
    elif style == 2:
        local = f"{surname}_{given}{rng.randint(1, 99)}"
    else:
        local = str(rng.randint(10_000_000, 3_999_999_999))  # a QQ-number style address
    return f"{local}@{rng.choice(catalog.EMAIL_DOMAINS)}"


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choices("0123456789", k=count))


def _order(
    rng: random.Random,
    index: int,
    placed_at: datetime,
    merchant: Merchant,
    customer: Customer,
    now: datetime,
) -> Order:
    lines = _order_lines(rng, merchant)
    digital_only = all(ItemFlag.DIGITAL_DOWNLOAD in line.flags for line in lines)
    goods = sum(line.paid.cents for line in lines)
    paid_at = min(placed_at + timedelta(seconds=rng.randint(10, 900)), now)
    return Order(
        order_no=f"{placed_at.astimezone(SHANGHAI):%Y%m%d}{_digits(rng, 4)}{index + 1:06d}",
        merchant_id=merchant.id,
        customer=customer,
        currency="CNY",
        placed_at=placed_at,
        paid_at=paid_at,
        delivered_at=_delivered_at(rng, paid_at, merchant.category, digital_only, now),
        shipping_fee=Money(_shipping_fee(rng, merchant.category, goods, digital_only)),
        return_shipping_insurance=not digital_only
        and rng.random() < (0.45 if merchant.category == "apparel" else 0.25),
        payment=_payment(rng, paid_at),
        lines=lines,
        ship_to=address_for(customer),
    )


def _order_lines(rng: random.Random, merchant: Merchant) -> tuple[OrderLine, ...]:
    """1–4 products; the order's discount is shared out over the lines to the fen."""
    products = _pick_products(rng, merchant.products)
    quantities = [_quantity_bought(rng, product) for product in products]
    grosses = [p.price * q for p, q in zip(products, quantities, strict=True)]
    shares = Money(_discount(rng, sum(grosses))).allocate(grosses)
    return tuple(
        OrderLine(
            line_no=number,
            sku=product.sku,
            title=product.title,
            category=merchant.category,
            unit_price=Money(product.price),
            quantity=quantity,
            discount=share,
            flags=product.flags,
        )
        for number, (product, quantity, share) in enumerate(
            zip(products, quantities, shares, strict=True), start=1
        )
    )


def _pick_products(rng: random.Random, products: Sequence[Product]) -> list[Product]:
    """Distinct products, cheap everyday goods more often than big-ticket ones."""
    count = min(rng.choices((1, 2, 3, 4), (55, 28, 12, 5))[0], len(products))
    pool = list(products)
    chosen = []
    for _ in range(count):
        pick = rng.choices(pool, [_popularity(p) for p in pool])[0]
        pool.remove(pick)
        chosen.append(pick)
    return chosen


def _popularity(product: Product) -> int:
    for limit, weight in ((10_000, 4), (30_000, 3), (100_000, 2)):
        if product.price < limit:
            return weight
    return 1


def _quantity_bought(rng: random.Random, product: Product) -> int:
    if product.price >= 100_000 or ItemFlag.DIGITAL_DOWNLOAD in product.flags:
        return 1
    return rng.choices((1, 2, 3, 4), (76, 17, 5, 2))[0]


def _discount(rng: random.Random, gross: int) -> int:
    """Full-reduction offers, shop coupons or a member's 5% off; never above a third."""
    roll = rng.random()
    amount = 0
    if roll < 0.25:
        tiers = ((59_900, 6_000), (29_900, 3_000), (19_900, 2_000), (9_900, 1_000))
        amount = next((off for floor, off in tiers if gross >= floor), 0)
    elif roll < 0.40:
        coupon = rng.choice((300, 500, 1_000, 2_000))
        amount = coupon if gross >= 2 * coupon else 0
    elif roll < 0.48:
        amount = gross * 5 // 100
    return min(amount, gross // 3)


def _shipping_fee(rng: random.Random, category: str, goods: int, digital_only: bool) -> int:
    if digital_only:
        return 0
    if category == "fresh_food":
        return 0 if goods >= 9_900 else 1_200  # cold chain
    if goods >= 9_900 or rng.random() < 0.5:
        return 0
    return rng.choice((600, 800, 1_000, 1_200))


def _delivered_at(
    rng: random.Random, paid_at: datetime, category: str, digital_only: bool, now: datetime
) -> datetime | None:
    """Codes arrive minutes after payment, parcels 1–4 days later (fresh food by cold chain)."""
    if digital_only:
        moment = paid_at + timedelta(seconds=rng.randint(30, 600))
    else:
        odds = (70, 30, 0, 0) if category == "fresh_food" else (30, 35, 25, 10)
        day = paid_at.astimezone(SHANGHAI).date() + timedelta(
            days=rng.choices((1, 2, 3, 4), odds)[0]
        )
        moment = _local(day, rng.randint(9, 20), rng.randrange(60), rng.randrange(60))
    return moment if moment <= now else None


def _payment(rng: random.Random, paid_at: datetime) -> Payment:
    """Transaction ids shaped like each channel's own (28, 28 and 21 digits)."""
    method = rng.choices(("alipay", "wechat_pay", "unionpay"), (52, 38, 10))[0]
    local = paid_at.astimezone(SHANGHAI)
    if method == "alipay":
        reference = f"{local:%Y%m%d}22001{_digits(rng, 15)}"
    elif method == "wechat_pay":
        reference = f"42000{_digits(rng, 5)}{local:%Y%m%d}{_digits(rng, 10)}"
    else:
        reference = f"{local:%y%m%d%H%M%S}{_digits(rng, 9)}"
    return Payment(method, reference)


def _with_return(
    rng: random.Random, order: Order, category: str, shopper: Shopper, now: datetime
) -> OrderPlan:
    """The order as the order system reports it, and the request that followed, if any."""
    digital_only = all(ItemFlag.DIGITAL_DOWNLOAD in line.flags for line in order.lines)
    if order.delivered_at is not None and not digital_only and rng.random() < LOST_SHARE:
        lost = replace(order, delivered_at=None)
        return OrderPlan(lost, _plan_not_delivered(rng, lost, shopper, category, 72, 192, now))
    if order.delivered_at is None:
        wants_out = rng.random() < 0.03  # still on its way: some ask to stop it
        ret = _plan_not_delivered(rng, order, shopper, category, 4, 40, now) if wants_out else None
        return OrderPlan(order, ret)
    return OrderPlan(order, _plan_return(rng, order, category, shopper, now))


def _plan_not_delivered(
    rng: random.Random,
    order: Order,
    shopper: Shopper,
    category: str,
    low_hours: int,
    high_hours: int,
    now: datetime,
) -> ReturnPlan | None:
    after = order.placed_at + timedelta(hours=rng.randint(low_hours, high_hours))
    claim = _claim(rng, list(order.lines), catalog.NOT_DELIVERED, shopper.serial, whole=True)
    return _return_plan(rng, order, catalog.NOT_DELIVERED, claim, after, shopper, category, now)


def _plan_return(
    rng: random.Random, order: Order, category: str, shopper: Shopper, now: datetime
) -> ReturnPlan | None:
    assert order.delivered_at is not None
    rate = catalog.RETURN_RATES.get(category, 0.08) * (3.5 if shopper.serial else 1.0)
    if rng.random() >= min(rate, 0.8):
        return None
    goods = [line for line in order.lines if ItemFlag.DIGITAL_DOWNLOAD not in line.flags]
    scenario = _pick_scenario(rng, category) if goods else catalog.DIGITAL_ONLY
    whole = scenario.reason is Reason.NOT_DELIVERED
    claim = _claim(rng, goods or list(order.lines), scenario, shopper.serial, whole=whole)
    after = order.delivered_at + timedelta(days=_filing_delay_days(rng, scenario, category))
    return _return_plan(rng, order, scenario, claim, after, shopper, category, now)


def _pick_scenario(rng: random.Random, category: str) -> Scenario:
    if rng.random() < 0.03:
        return catalog.DISPUTED_DELIVERY
    scenarios = catalog.SCENARIOS[category]
    return rng.choices(scenarios, [s.weight for s in scenarios])[0]


def _filing_delay_days(rng: random.Random, scenario: Scenario, category: str) -> int:
    """Days from delivery to the request: mostly within the week, some too late."""
    if scenario.request_type is RequestType.REPAIR:
        return rng.randint(8, 75)  # faults that show with use, inside the warranty
    if category == "fresh_food" and scenario.reason is not Reason.NO_REASON:
        return rng.choices(range(5), (55, 30, 7, 5, 3))[0]  # fresh faults: 2 days to report
    if rng.random() < LATE_SHARE:
        return rng.randint(8, 16)
    return rng.choices(range(7), (8, 22, 20, 16, 13, 11, 10))[0]


def _claim(
    rng: random.Random,
    lines: Sequence[OrderLine],
    scenario: Scenario,
    serial: bool,
    *,
    whole: bool = False,
) -> tuple[ReturnLine, ...]:
    """Usually one line, sometimes the lot; all units or just one of them."""
    several = whole or (len(lines) > 1 and rng.random() < 0.2)
    chosen = list(lines) if several else [rng.choice(lines)]
    text = rng.choice(scenario.texts)
    return tuple(
        ReturnLine(
            line.line_no,
            line.quantity if whole or rng.random() < 0.7 else 1,
            scenario.reason,
            text,
            _opened(rng, line, scenario.reason, serial),
        )
        for line in chosen
    )


def _opened(rng: random.Random, line: OrderLine, reason: Reason, serial: bool) -> bool:
    """Faults are found by using things; sealed goods are sometimes opened anyway."""
    if reason is not Reason.NO_REASON:
        return rng.random() < 0.8
    if line.flags & {ItemFlag.HYGIENE_SEALED, ItemFlag.SEALED_MEDIA}:
        return rng.random() < (0.6 if serial else 0.25)
    return rng.random() < 0.4


def _return_plan(
    rng: random.Random,
    order: Order,
    scenario: Scenario,
    claim: tuple[ReturnLine, ...],
    after: datetime,
    shopper: Shopper,
    category: str,
    now: datetime,
) -> ReturnPlan | None:
    """Who files, when, through which channel; None if it would be after `now`."""
    channel = rng.choices((Channel.WEB, Channel.APP, Channel.HOTLINE), (55, 35, 10))[0]
    hotline = channel is Channel.HOTLINE
    delay = timedelta(seconds=rng.randint(1_800, 36_000))
    filed_at = _open_hours(after + delay, rng, AGENT_HOURS if hotline else CUSTOMER_HOURS)
    if filed_at > now:
        return None
    new = NewReturn(
        order_no=order.order_no,
        request_type=scenario.request_type,
        channel=channel,
        lines=claim,
        photos=_photos(rng, order.order_no, claim, scenario.reason, 0.5 if hotline else 0.8),
    )
    filed_by = rng.choice(catalog.AGENTS) if hotline else _customer_actor(shopper)
    return ReturnPlan(filed_at, new, filed_by, shopper, category, rng.getrandbits(64))


def _photos(
    rng: random.Random,
    order_no: str,
    claim: tuple[ReturnLine, ...],
    reason: Reason,
    odds: float,
) -> tuple[str, ...]:
    """Fault claims mostly come with photos; the ones without go to a person (R1.2).

    Callers on the hotline often cannot send any. Named after the order and line, not
    the RMA: the number does not exist until `file_return` issues it.
    """
    if not reason.needs_photos or rng.random() >= odds:
        return ()
    line_no = claim[0].line_no
    return tuple(  # shaped like the photo store's names, which are all a request may carry
        hashlib.md5(f"{order_no}-{line_no}-{n}".encode()).hexdigest() + ".jpg"
        for n in range(1, rng.randint(1, 3) + 1)
    )


def _customer_actor(shopper: Shopper) -> str:
    return f"customer:{shopper.customer.id}"


def _open_hours(moment: datetime, rng: random.Random, hours: Hours) -> datetime:
    """The moment, or the next opening time (plus a little queue) if it falls outside."""
    opens, closes = hours
    local = moment.astimezone(SHANGHAI)
    if opens <= local.hour < closes:
        return moment
    day = local.date() if local.hour < opens else local.date() + timedelta(days=1)
    return _local(day, opens) + timedelta(seconds=rng.randint(0, 5_400))


DEMO_STOCK = 100_000  # units of every product the demo order system reports on hand

# --- writing: the history replayed in the order it happened --------------------------


def _write(
    context: AppContext, plans: list[OrderPlan], now: datetime, progress: Callable[[int, int], None]
) -> Counter[str]:
    total, done = len(plans), 0
    by_status: Counter[str] = Counter()
    world = World.for_context(context)
    with context.uow() as uow:  # the order system's price feed: replacements are priced here
        for merchant in catalog.MERCHANTS:
            prices = [
                PriceUpdate(p.sku, p.title, p.price, "CNY", DEMO_STOCK) for p in merchant.products
            ]
            replacements.feed(uow, merchant.id, prices, "integration:demo", now)
        uow.commit(now)
    progress(0, total)
    with world.gateway.saves_deferred():  # its state file once, not once per refund
        for batch in _batches(_timeline(plans)):
            with context.uow() as uow:
                for item in batch:
                    if isinstance(item, OrderPlan):
                        import_order(uow, item.order, _known_at(item.order))
                        done += 1
                    else:
                        by_status[_play(uow, world, item, now).value] += 1
                uow.commit(now)
            progress(done, total)
        world.finish(context, now, random.Random(total))
    return by_status


def _known_at(order: Order) -> datetime:
    """The order system reports an order once it knows its last fact."""
    return order.delivered_at or order.paid_at or order.placed_at


def _timeline(plans: list[OrderPlan]) -> list[OrderPlan | ReturnPlan]:
    """Orders at placement and requests at filing, interleaved by time.

    Filing in time order makes RMA numbers (date + global sequence) rise with their dates.
    """
    moments: list[tuple[datetime, int, OrderPlan | ReturnPlan]] = []
    for index, plan in enumerate(plans):
        moments.append((plan.order.placed_at, index, plan))
        if plan.ret is not None:
            moments.append((plan.ret.filed_at, index, plan.ret))
    moments.sort(key=lambda m: (m[0], m[1]))
    return [item for _, _, item in moments]


def _batches(items: list[OrderPlan | ReturnPlan]) -> Iterator[list[OrderPlan | ReturnPlan]]:
    batch: list[OrderPlan | ReturnPlan] = []
    orders = 0
    for item in items:
        batch.append(item)
        orders += isinstance(item, OrderPlan)
        if orders == BATCH_ORDERS:
            yield batch
            batch, orders = [], 0
    if batch:
        yield batch


def _play(uow: UnitOfWork, world: World, plan: ReturnPlan, now: datetime) -> Status:
    """File the request, then live its life step by step until the story reaches now."""
    request = file_return(uow, plan.new, plan.filed_at, plan.filed_by)
    story = Story(uow, world, request, plan, now)
    while story.next_step():
        pass
    return story.request.status


class Story:
    """One request after filing: each step at its own moment, none after `now`."""

    def __init__(
        self, uow: UnitOfWork, world: World, request: ReturnRequest, plan: ReturnPlan, now: datetime
    ) -> None:
        self.uow = uow
        self.world = world
        self.waybill: str | None = None  # the simulated carrier's number, once arranged
        self.silent = False  # the carrier never scanned it: the dock is the first to know
        self.request = request
        self.plan = plan
        self.now = now
        self.rng = random.Random(plan.seed)
        self.at = plan.filed_at

    @property
    def customer(self) -> str:
        return _customer_actor(self.plan.shopper)

    def next_step(self) -> bool:
        step = _STEPS.get(self.request.status)
        return step is not None and step(self)

    def later(self, low_hours: float, high_hours: float, hours: Hours) -> datetime:
        """A moment some hours on, moved into the actor's opening hours."""
        seconds = self.rng.randint(int(low_hours * 3_600), int(high_hours * 3_600))
        return _open_hours(self.at + timedelta(seconds=seconds), self.rng, hours)

    def act(
        self,
        at: datetime,
        action: Action,
        actor: str,
        *,
        note: str = "",
        carrier: str = "",
        tracking_no: str = "",
    ) -> bool:
        """Perform the step if its moment has come; False leaves the story where it is."""
        if at > self.now:
            return False
        self.request = perform(
            self.uow,
            self.request.rma_no,
            action,
            actor,
            at,
            note=note,
            carrier=carrier,
            tracking_no=tracking_no,
        )
        self.at = at
        return True

    def moved(self, at: datetime) -> bool:
        """A service moved the story on at `at`."""
        self.at = at
        return True

    def cancel(self, low_hours: float, high_hours: float) -> bool:
        note = self.rng.choice(catalog.CANCEL_NOTES)
        at = self.later(low_hours, high_hours, CUSTOMER_HOURS)
        return self.act(at, Action.CANCEL, self.customer, note=note)


def _review(story: Story) -> bool:
    rng = story.rng
    if rng.random() < 0.05:
        return story.cancel(1, 12)
    decision = story.request.decision
    codes = {r.code for r in decision.reasons} if decision else set()
    at = _review_moment(story, codes)
    agent = rng.choice(catalog.AGENTS)
    odds = min((catalog.APPROVAL_ODDS.get(code, 0.85) for code in codes), default=0.85)
    if rng.random() < odds * (0.5 if story.plan.shopper.serial else 1.0):
        return story.act(at, Action.APPROVE, agent, note=rng.choice(catalog.APPROVAL_NOTES))
    return story.act(at, Action.REJECT, agent, note=_rejection_note(codes))


def _review_moment(story: Story, codes: set[str]) -> datetime:
    """Most reviews take hours; some wait days for photos or run past the deadline (R3.4)."""
    roll = story.rng.random()
    if "evidence_missing" in codes and roll < 0.5:
        return story.later(24, 72, AGENT_HOURS)  # asked for photos over chat, waiting
    if roll < 0.4:
        return story.later(0.3, 4, AGENT_HOURS)
    if roll < 0.8:
        return story.later(4, 20, AGENT_HOURS)
    return story.later(24, 56, AGENT_HOURS)


def _rejection_note(codes: set[str]) -> str:
    for code, note in catalog.REJECTION_NOTES:
        if code in codes:
            return note
    return catalog.DEFAULT_REJECTION


def _approved(story: Story) -> bool:
    rng = story.rng
    if story.waybill is not None:
        return _first_scan(story)
    match story.request.request_type:
        case RequestType.REFUND_ONLY:
            return _refund_only(story)
        case RequestType.REISSUE:
            carrier, tracking_no = _waybill(rng)
            at = story.later(2, 36, WAREHOUSE_HOURS)
            note = f"配件已补发：{carrier} {tracking_no}"
            return story.act(at, Action.REISSUE, rng.choice(catalog.WAREHOUSE_STAFF), note=note)
        case _:
            return _ship_back(story)


def _refund_only(story: Story) -> bool:
    """The approving agent's refund; above their limit it waits for a manager (R12.3)."""
    rma_no = story.request.rma_no
    row = RefundStore(story.uow.session).for_rma(rma_no)
    if row is None:
        at = story.later(0.1, 2, AGENT_HOURS)
        if at > story.now:
            return False
        agent = next(
            (c.actor for c in reversed(story.request.history) if c.action is Action.APPROVE),
            story.rng.choice(catalog.AGENTS),
        )
        story.world.pay(story.uow, rma_no, agent, at, "approval", story.now)
        return story.moved(at) and story.request.status is not Status.APPROVED
    if row.status != "awaiting_approval":
        return False
    at = story.later(2, 30, FINANCE_HOURS)
    if at > story.now or not story.world.approve_waiting(story.uow, rma_no, at, story.now):
        return False
    return story.moved(at) and story.request.status is not Status.APPROVED


def _ship_back(story: Story) -> bool:
    """Most customers send the goods within three days; some cancel, some never ship.

    The never-shipped stay approved: the worker closes them when ship_by passes (R1.5).
    A pickup or drop-off is booked with the (simulated) carrier; self-shippers type
    their own carrier's number.
    """
    roll = story.rng.random()
    if roll < 0.04:
        return story.cancel(2, 48)
    if roll < 0.12:
        return False
    at = story.later(0.5, 72, CUSTOMER_HOURS)
    if at > story.now:
        return False
    rma_no = story.request.rma_no
    world = story.world
    story.waybill = world.arrange(story.uow, rma_no, story.rng, at, story.customer)
    if story.waybill is None:
        carrier, tracking_no = _waybill(story.rng)
        shipping.record_tracking(
            story.uow, rma_no, carrier, tracking_no, at, story.customer, world.carriers
        )
    else:
        story.silent = story.rng.random() < 0.12
    return story.moved(at)


def _first_scan(story: Story) -> bool:
    """The carrier's first scans put the request in transit (R4.3)."""
    if story.silent:
        return _in_transit(story)
    assert story.waybill is not None
    at = story.at + timedelta(hours=story.rng.uniform(4, 20))
    if at > story.now:
        return False
    story.world.scan(story.uow, story.waybill, at)
    return story.moved(at) and story.request.status is Status.IN_TRANSIT


def _in_transit(story: Story) -> bool:
    """Parcels reach the dock; a few go missing or stall: exceptions to chase (R4.4)."""
    rng = story.rng
    if story.waybill is None and rng.random() < 0.015:
        return False
    carried = story.waybill is not None
    at = story.later(50, 96, WAREHOUSE_HOURS) if carried else story.later(20, 72, WAREHOUSE_HOURS)
    if at > story.now:
        return False
    worker = rng.choice(catalog.WAREHOUSE_STAFF)
    troubled = story.waybill is not None and not story.silent
    if troubled and story.world.scan(story.uow, story.waybill or "", at):
        if rng.random() < 0.3:
            return False  # still missing: an open exception in the queue
        story.world.resolve_exceptions(story.uow, story.request.rma_no, worker, at)
    story.world.receive(story.uow, story.request, rng, worker, at)
    return story.moved(at)


def _received(story: Story) -> bool:
    """The checklist inspection; passed goods are disposed and put away soon after."""
    rng = story.rng
    serial = story.plan.shopper.serial
    at = story.later(1, 20, WAREHOUSE_HOURS)
    if at > story.now:
        return False
    inspector = rng.choice(catalog.WAREHOUSE_STAFF)
    failure = None
    if rng.random() < (0.3 if serial else 0.05):
        failure = rng.choice(_failure_notes(story.plan.category, serial))
    route = story.world.inspect(story.uow, story.request, rng, inspector, at, failure)
    story.moved(at)
    if route == "passed":
        later = at + timedelta(minutes=rng.randint(20, 300))
        if later <= story.now:
            story.world.dispose(story.uow, story.request, inspector, later)
            story.moved(later)
    return True


def _failure_notes(category: str, serial: bool) -> tuple[str, ...]:
    if serial:
        return catalog.ABUSE_FINDINGS
    return catalog.INSPECTION_FAILURES.get(category, catalog.DEFAULT_INSPECTION_FAILURES)


def _inspected(story: Story) -> bool:
    rng = story.rng
    world, uow, rma_no = story.world, story.uow, story.request.rma_no
    match story.request.request_type:
        case RequestType.REFUND:
            if RefundStore(uow.session).for_rma(rma_no) is not None:
                return False  # paid, failing or escalated: finance's queue now
            at = story.later(1, 24, FINANCE_HOURS)
            if at > story.now:
                return False
            if rng.random() < 0.1:
                world.at(at)
                world.take_credit(uow, rma_no, at)
            else:
                world.pay(
                    uow, rma_no, rng.choice(catalog.FINANCE_STAFF), at, "inspection", story.now
                )
            return story.moved(at) and story.request.status is not Status.INSPECTED
        case RequestType.EXCHANGE:
            at = story.later(2, 36, WAREHOUSE_HOURS)
            if at > story.now:
                return False
            world.exchange(uow, story.request, rng.choice(catalog.AGENTS), at, _waybill(rng))
            return story.moved(at) and story.request.status is not Status.INSPECTED
        case RequestType.REPAIR:
            at = story.later(72, 240, WAREHOUSE_HOURS)
            if at > story.now:
                return False
            note = rng.choice(catalog.REPAIR_NOTES)
            staff = rng.choice(catalog.WAREHOUSE_STAFF)
            world.repair(uow, rma_no, staff, at, note, _waybill(rng))
            return story.moved(at) and story.request.status is not Status.INSPECTED
        case _:
            return False


def _resolved(story: Story) -> bool:
    """Done once the money lands (bank cards take days) or the parcel is signed for."""
    refund = story.request.refund
    if refund is None:
        low, high, note = 48.0, 96.0, "买家已签收"
    elif refund.method == "unionpay":
        low, high, note = 24.0, 72.0, "银行卡退款已到账"
    else:
        low, high, note = 12.0, 30.0, "退款已原路退回"
    at = story.later(low, high, AGENT_HOURS)
    return story.act(at, Action.COMPLETE, story.rng.choice(catalog.AGENTS), note=note)


def _inspection_failed(story: Story) -> bool:
    """R5.3: a partial-refund offer is answered, or the goods go back and the request ends."""
    uow, rma_no, rng = story.uow, story.request.rma_no, story.rng
    offer = uow.warehouse.offer(rma_no)
    if offer is not None and offer.status == "offered":
        at = story.later(2, 48, CUSTOMER_HOURS)
        if at > story.now:
            return False
        inspection.answer_offer(uow, rma_no, rng.random() < 0.7, story.customer, at)
        return story.moved(at)
    if offer is not None and offer.status == "accepted":
        if RefundStore(uow.session).for_rma(rma_no) is not None:
            return False
        at = story.later(1, 24, FINANCE_HOURS)
        if at > story.now:
            return False
        story.world.pay(uow, rma_no, rng.choice(catalog.FINANCE_STAFF), at, "inspection", story.now)
        return story.moved(at) and story.request.status is not Status.INSPECTION_FAILED
    carrier, tracking_no = _waybill(rng)
    at = story.later(4, 72, WAREHOUSE_HOURS)
    note = f"验收未通过，商品已寄回买家：{carrier} {tracking_no}"
    return story.act(at, Action.COMPLETE, rng.choice(catalog.WAREHOUSE_STAFF), note=note)


def _completed(story: Story) -> bool:
    """Half the customers confirm; the rest let the window confirm it for them (R7.1)."""
    if story.rng.random() >= 0.5:
        return False
    return story.act(story.later(2, 120, CUSTOMER_HOURS), Action.CONFIRM, story.customer)


def _waybill(rng: random.Random) -> tuple[str, str]:
    carriers = catalog.CARRIERS
    name, prefix, digits, _ = rng.choices(carriers, [c[3] for c in carriers])[0]
    return name, prefix + _digits(rng, digits)


_STEPS: dict[Status, Callable[[Story], bool]] = {
    Status.PENDING_REVIEW: _review,
    Status.APPROVED: _approved,
    Status.IN_TRANSIT: _in_transit,
    Status.RECEIVED: _received,
    Status.INSPECTED: _inspected,
    Status.INSPECTION_FAILED: _inspection_failed,
    Status.REFUNDED: _resolved,
    Status.EXCHANGED: _resolved,
    Status.REPAIRED: _resolved,
    Status.REISSUED: _resolved,
    Status.COMPLETED: _completed,
}
