"""Plain helpers that build orders, claims and requests for the domain tests.

Import them as ``from tests.domain.builders import ...`` (``tests`` is a package and the
repository root is on ``sys.path``); `conftest.py` exposes the same helpers as fixtures.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from returnflow.domain.catalog import ItemFlag
from returnflow.domain.kinds import Channel, Reason, RequestType
from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.money import Money
from returnflow.domain.orders import Customer, Order, OrderLine, Payment
from returnflow.domain.policy import DEFAULT_POLICY, PolicyVersion
from returnflow.domain.refunds import HeldLine, OrderHistory, order_history
from returnflow.domain.returns import ReturnLine, ReturnRequest
from returnflow.domain.review import Assessment, assess
from returnflow.domain.rules import judge_line
from returnflow.domain.verdicts import LineClaim, LineVerdict, RuleResult

SHANGHAI = ZoneInfo("Asia/Shanghai")

# 2026-03-01 10:00 in Shanghai: the default delivery moment
DELIVERED_AT = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
PLACED_AT = datetime(2026, 2, 26, 4, 0, tzinfo=UTC)
DELIVERY_DAY = date(2026, 3, 1)  # local day D of DELIVERED_AT

CUSTOMER = Customer("c-1", "王小明", "13800138000", "xiaoming@example.com")
PAYMENT = Payment("alipay", "2026030122001")


def cny(cents: int) -> Money:
    return Money(cents, "CNY")


def local(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """A Shanghai wall-clock moment, as an aware UTC datetime."""
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI).astimezone(UTC)


def local_noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=SHANGHAI).astimezone(UTC)


def day_after_delivery(days: int, delivery_day: date = DELIVERY_DAY) -> datetime:
    """Noon in Shanghai on local day D+days."""
    return local_noon(delivery_day + timedelta(days=days))


def make_line(
    line_no: int = 1,
    *,
    unit_price: int = 10_000,
    quantity: int = 1,
    discount: int = 0,
    category: str = "apparel",
    flags: Iterable[ItemFlag] = (),
    currency: str = "CNY",
) -> OrderLine:
    return OrderLine(
        line_no=line_no,
        sku=f"SKU-{line_no}",
        title=f"商品 {line_no}",
        category=category,
        unit_price=Money(unit_price, currency),
        quantity=quantity,
        discount=Money(discount, currency),
        flags=frozenset(flags),
    )


_NOT_GIVEN = datetime.min.replace(tzinfo=UTC)


def make_order(
    *lines: OrderLine,
    order_no: str = "SO-1",
    merchant_id: str = "m-1",
    placed_at: datetime = PLACED_AT,
    delivered_at: datetime | None = _NOT_GIVEN,
    shipping_fee: int = 800,
    insurance: bool = False,
    currency: str = "CNY",
) -> Order:
    """An order; one default line when none is given, delivered at DELIVERED_AT by default."""
    return Order(
        order_no=order_no,
        merchant_id=merchant_id,
        customer=CUSTOMER,
        currency=currency,
        placed_at=placed_at,
        delivered_at=DELIVERED_AT if delivered_at is _NOT_GIVEN else delivered_at,
        shipping_fee=Money(shipping_fee, currency),
        return_shipping_insurance=insurance,
        payment=PAYMENT,
        lines=lines or (make_line(currency=currency),),
        paid_at=placed_at,
    )


def judge(
    order: Order,
    *,
    request_type: RequestType,
    reason: Reason,
    now: datetime,
    line_no: int = 1,
    quantity: int = 1,
    opened: bool = False,
    already_requested: int = 0,
    has_photos: bool = True,
    policy: PolicyVersion = DEFAULT_POLICY,
) -> LineVerdict:
    line = order.line(line_no)
    assert line is not None, f"order has no line {line_no}"
    return judge_line(
        order=order,
        line=line,
        request_type=request_type,
        claim=LineClaim(line_no, quantity, reason, opened),
        already_requested=already_requested,
        has_photos=has_photos,
        now=now,
        policy=policy,
    )


def codes(results: Iterable[RuleResult]) -> list[str]:
    return [result.code for result in results]


def is_live(request: ReturnRequest) -> bool:
    return request.status.holds_goods


def history_from(order: Order, requests: Sequence[ReturnRequest]) -> OrderHistory:
    """What the live requests hold, through the same domain function the repository uses."""
    held = [
        HeldLine(
            request_type=request.request_type,
            reason=line.reason,
            line_no=line.line_no,
            quantity=line.quantity,
            refund_amount=refund.amount,
            claims_shipping=not request.estimate.shipping_fee.is_zero,
        )
        for request in requests
        if request.order_no == order.order_no and is_live(request)
        for line, refund in zip(request.lines, request.estimate.lines, strict=True)
    ]
    return order_history(held, order.currency)


def assess_lines(
    order: Order,
    request_type: RequestType,
    lines: Sequence[ReturnLine],
    *,
    now: datetime,
    history: OrderHistory | None = None,
    has_photos: bool = True,
    policy: PolicyVersion = DEFAULT_POLICY,
) -> Assessment:
    return assess(
        order=order,
        request_type=request_type,
        claims=[line.claim for line in lines],
        history=history or OrderHistory(),
        has_photos=has_photos,
        now=now,
        policy=policy,
    )


def open_request(
    order: Order,
    request_type: RequestType,
    lines: Sequence[ReturnLine],
    *,
    now: datetime,
    existing: Sequence[ReturnRequest] = (),
    has_photos: bool = True,
    policy: PolicyVersion = DEFAULT_POLICY,
    rma_no: str | None = None,
    actor: str = "c-1",
) -> ReturnRequest:
    """File a request as the service does: history from the live requests, then assess."""
    assessment = assess_lines(
        order,
        request_type,
        lines,
        now=now,
        history=history_from(order, existing),
        has_photos=has_photos,
        policy=policy,
    )
    return ReturnRequest.open(
        rma_no=rma_no or f"RMA-{len(existing) + 1:04d}",
        order_no=order.order_no,
        merchant_id=order.merchant_id,
        customer_id=order.customer.id,
        request_type=request_type,
        channel=Channel.WEB,
        lines=tuple(lines),
        assessment=assessment,
        policy=policy,
        now=now,
        actor=actor,
        contact={"email": order.customer.email},
        photos=("photo-1.jpg",) if has_photos else (),
    )


# A reason every request type accepts, and a category where every type can be judged.
REASON_FOR_TYPE: dict[RequestType, Reason] = {
    RequestType.REFUND: Reason.QUALITY,
    RequestType.EXCHANGE: Reason.QUALITY,
    RequestType.REPAIR: Reason.QUALITY,
    RequestType.REISSUE: Reason.MISSING_PARTS,
    RequestType.REFUND_ONLY: Reason.QUALITY,
}


def request_of_type(
    request_type: RequestType,
    *,
    now: datetime,
    quantity: int = 1,
    order: Order | None = None,
) -> ReturnRequest:
    """An auto-approved or referred request of the type on a one-line electronics order."""
    order = order or make_order(
        make_line(unit_price=12_900, quantity=max(quantity, 2), category="electronics")
    )
    return open_request(
        order,
        request_type,
        [ReturnLine(1, quantity, REASON_FOR_TYPE[request_type])],
        now=now,
    )


def perform(
    request: ReturnRequest,
    action: Action,
    now: datetime,
    *,
    actor: str = "agent-1",
    policy: PolicyVersion = DEFAULT_POLICY,
) -> None:
    """Carry out an action through the aggregate's public method (valid inputs)."""
    if action is Action.APPROVE:
        request.approve(actor, now, policy)
    elif action is Action.REJECT:
        request.reject(actor, now, "照片显示商品完好")
    elif action is Action.SHIP:
        request.ship(actor, now, "SF", "SF1234567890")
    elif action is Action.RECEIVE:
        request.receive(actor, now)
    elif action is Action.INSPECT_PASS:
        request.inspect(actor, now, passed=True)
    elif action is Action.INSPECT_FAIL:
        request.inspect(actor, now, passed=False, notes="商品有使用痕迹")
    elif action is Action.REFUND:
        request.pay_refund(actor, now, "alipay", "2026030122001")
    elif action in (Action.EXCHANGE, Action.REPAIR, Action.REISSUE):
        request.resolve(action, actor, now)
    elif action is Action.COMPLETE:
        request.complete(actor, now, policy)
    elif action is Action.CONFIRM:
        request.confirm(actor, now)
    elif action is Action.CANCEL:
        request.cancel(actor, now)
    else:
        raise ValueError(f"{action} has no public method that raises")


# Actions with a public method that raises when the table refuses them.
METHOD_ACTIONS: tuple[Action, ...] = (
    Action.APPROVE,
    Action.REJECT,
    Action.SHIP,
    Action.RECEIVE,
    Action.INSPECT_PASS,
    Action.INSPECT_FAIL,
    Action.REFUND,
    Action.EXCHANGE,
    Action.REPAIR,
    Action.REISSUE,
    Action.COMPLETE,
    Action.CONFIRM,
    Action.CANCEL,
)


def force_status(request: ReturnRequest, status: Status) -> ReturnRequest:
    """Put a request in any status, as loading it from storage would."""
    request.status = status
    return request
