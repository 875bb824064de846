"""Order import from the order system, and the per-line eligibility view (R2.1)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from starlette.responses import JSONResponse

from returnflow.api import schemas, views
from returnflow.api.roles import Feeder, OrderViewer
from returnflow.domain.money import Money
from returnflow.domain.orders import Address, Customer, Order, OrderLine, Payment
from returnflow.domain.product_images import check_image_url
from returnflow.domain.text import DomainError, Text
from returnflow.entrypoints.deps import Context, Language
from returnflow.entrypoints.steps import perform
from returnflow.services import orders as order_service
from returnflow.services import product_images
from returnflow.services.unit_of_work import ConcurrentUpdate, UnitOfWork

router = APIRouter(prefix="/api/v1/orders", tags=["orders"])
_IMPORT_ATTEMPTS = 3


def to_domain(body: schemas.OrderIn) -> Order:
    def money(cents: int) -> Money:
        return Money(cents, body.currency)

    return Order(
        order_no=body.order_no,
        merchant_id=body.merchant_id,
        merchant_name=body.merchant_name,
        customer=Customer(
            body.customer.id,
            body.customer.name,
            body.customer.phone,
            str(body.customer.email),
            key_account=body.customer.key_account,
        ),
        currency=body.currency,
        placed_at=body.placed_at,
        paid_at=body.paid_at,
        delivered_at=body.delivered_at,
        shipping_fee=money(body.shipping_fee),
        return_shipping_insurance=body.return_shipping_insurance,
        payment=Payment(body.payment.method, body.payment.transaction_id),
        ship_to=Address(**body.ship_to.model_dump()) if body.ship_to else None,
        lines=tuple(
            OrderLine(
                line_no=line.line_no,
                sku=line.sku,
                title=line.title,
                category=line.category,
                unit_price=money(line.unit_price),
                quantity=line.quantity,
                discount=money(line.discount),
                flags=frozenset(line.flags),
                image_url=line.image_url,
            )
            for line in body.lines
        ),
    )


@router.post(
    "",
    response_model=schemas.OrderOut,
    responses={
        200: {"description": "Updated", "model": schemas.OrderOut},
        201: {"description": "Created", "model": schemas.OrderOut},
    },
)
def put_order(
    body: schemas.OrderIn,
    context: Context,
    _: Feeder,
) -> JSONResponse:
    """Create or update an order; idempotent on `order_no` (201 when new, 200 when updated)."""
    _check_order(body)
    order = to_domain(body)
    for attempt in range(_IMPORT_ATTEMPTS):
        try:
            created = perform(context, lambda uow, now: _import(uow, order, now))
            break
        except ConcurrentUpdate:
            # a concurrent import inserted the same order, merchant, customer or SKU
            # first; once more, it is an update of what that one stored
            if attempt == _IMPORT_ATTEMPTS - 1:
                raise
    out = schemas.OrderOut(order_no=body.order_no, created=created)
    return JSONResponse(out.model_dump(), status_code=201 if created else 200)


def _import(uow: UnitOfWork, order: Order, now: datetime) -> bool:
    """The order, and a fetch job for each picture URL not seen before (issue 16)."""
    created = order_service.import_order(uow, order, now)
    product_images.request_images(uow, order, now)
    return created


def _check_order(body: schemas.OrderIn) -> None:
    """Consistency the schema alone cannot express; refused before anything is stored."""
    seen: set[int] = set()
    for index, line in enumerate(body.lines):
        if line.line_no in seen:
            raise DomainError(
                "duplicate_line",
                Text("第 {line} 行重复出现", "Line {line} appears twice").format(line=line.line_no),
                field=f"lines.{index}.line_no",
            )
        seen.add(line.line_no)
        if line.image_url is not None:
            check_image_url(line.image_url, f"lines.{index}.image_url")
        if line.discount > line.unit_price * line.quantity:
            raise DomainError(
                "discount_exceeds_price",
                Text(
                    "第 {line} 行的优惠超过了商品金额",
                    "The discount on line {line} exceeds its price",
                ).format(line=line.line_no),
                field=f"lines.{index}.discount",
            )
    if body.delivered_at is not None and body.delivered_at < body.placed_at:
        raise DomainError(
            "delivered_before_placed",
            Text("签收时间早于下单时间", "Delivered before the order was placed"),
            field="delivered_at",
        )


@router.get("/{order_no}/eligibility", response_model=schemas.EligibilityOut)
def get_eligibility(
    order_no: str,
    context: Context,
    language: Language,
    principal: OrderViewer,
) -> schemas.EligibilityOut:
    """Per line: the request types allowed, until when, who pays return shipping, and why."""
    now = context.clock()
    with context.uow() as uow:
        order, policy, lines = order_service.eligibility(
            uow, order_no, now, merchant_scope=principal.merchant_scope
        )
    return views.eligibility(order, policy.version, lines, order.is_delivered(now), language)
