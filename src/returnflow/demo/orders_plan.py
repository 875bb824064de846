"""Planning the orders: who the shoppers are, when they buy, what and for how much.

Pure: everything is drawn from the one `random.Random` the generator passes in, in
a fixed order, so the same seed always plans the same marketplace.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate

from returnflow.demo import catalog, catalog_people
from returnflow.demo.addresses import address_for
from returnflow.demo.catalog import Merchant, Product
from returnflow.demo.timing import SHANGHAI, digits, shanghai_moment
from returnflow.domain.catalog import ItemFlag
from returnflow.domain.money import Money
from returnflow.domain.orders import Customer, Order, OrderLine, Payment

ORDERS_PER_DAY = 80
MAX_DAYS = 120

MIN_DAYS = 14
CUSTOMERS_MAX = 2_000


# local hour of day → relative share of orders: lunch and late-evening peaks
_HOUR_WEIGHTS = (3, 2, 1, 1, 1, 1, 1, 2, 4, 6, 7, 8, 9, 8, 7, 7, 7, 7, 8, 10, 12, 13, 12, 7)


@dataclass(frozen=True, slots=True)
class Shopper:
    customer: Customer
    weight: float  # how often this customer orders, relative to others
    serial: bool  # returns far more than anyone else (R10.3)


def _span_days(orders: int) -> int:
    """A small demo is a shorter history of the same busy shop, not a quiet one.

    At a steady ~80 orders a day the queues at `now` look like a live shop's;
    spreading 300 orders over 120 days would leave them all but empty.
    """
    return max(MIN_DAYS, min(MAX_DAYS, round(orders / ORDERS_PER_DAY)))


def order_moments(rng: random.Random, orders: int, now: datetime) -> list[datetime]:
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
        moment = shanghai_moment(day, hour, rng.randrange(60), rng.randrange(60))
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


def draw_shoppers(rng: random.Random, count: int) -> list[Shopper]:
    serial = set(rng.sample(range(count), max(1, count // 200)))
    return [_shopper(rng, number, number in serial) for number in range(count)]


def _shopper(rng: random.Random, number: int, serial: bool) -> Shopper:
    surname, surname_py, _ = rng.choices(
        catalog_people.SURNAMES, [s[2] for s in catalog_people.SURNAMES]
    )[0]
    parts = rng.sample(catalog_people.GIVEN_NAME_PARTS, 2 if rng.random() < 0.75 else 1)
    given, given_py = "".join(p[0] for p in parts), "".join(p[1] for p in parts)
    phone = rng.choice(catalog_people.PHONE_PREFIXES) + digits(rng, 8)
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
    return f"{local}@{rng.choice(catalog_people.EMAIL_DOMAINS)}"


def plan_order(
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
        order_no=f"{placed_at.astimezone(SHANGHAI):%Y%m%d}{digits(rng, 4)}{index + 1:06d}",
        merchant_id=merchant.id,
        merchant_name=merchant.name,
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
            image_url=product.image_url,
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
        moment = shanghai_moment(day, rng.randint(9, 20), rng.randrange(60), rng.randrange(60))
    return moment if moment <= now else None


def _payment(rng: random.Random, paid_at: datetime) -> Payment:
    """Transaction ids shaped like each channel's own (28, 28 and 21 digits)."""
    method = rng.choices(("alipay", "wechat_pay", "unionpay"), (52, 38, 10))[0]
    local = paid_at.astimezone(SHANGHAI)
    if method == "alipay":
        reference = f"{local:%Y%m%d}22001{digits(rng, 15)}"
    elif method == "wechat_pay":
        reference = f"42000{digits(rng, 5)}{local:%Y%m%d}{digits(rng, 10)}"
    else:
        reference = f"{local:%y%m%d%H%M%S}{digits(rng, 9)}"
    return Payment(method, reference)
