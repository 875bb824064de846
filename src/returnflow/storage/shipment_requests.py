"""Shipment requests ⇄ rows: the parcels the order system is asked to send.

When a request is saved as shipped for the first time, the parcel is also recorded as
an outbound shipment (`shipments`, direction "outbound"), so its waybill counts as
taken and the tracking pages follow it like any parcel.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from returnflow.domain.money import Money
from returnflow.domain.shipment_requests import SHIPPED, Purpose, ShipmentRequest
from returnflow.storage.identity_map import TrackingRepository, one_row
from returnflow.storage.schema.resolutions import ShipmentRequestRow
from returnflow.storage.schema.shipping import ShipmentRow

MAX_LISTED = 500


class ShipmentRequests(TrackingRepository[int, ShipmentRequest, ShipmentRequestRow]):
    def __init__(self, session: Session) -> None:
        super().__init__(session, self._write)

    def add(self, request: ShipmentRequest) -> int:
        """Store a new request; its number is set on it and returned."""
        row = ShipmentRequestRow(
            rma_no=request.rma_no,
            purpose=request.purpose.value,
            merchant_id=request.merchant_id,
            customer_id=request.customer_id,
            order_no=request.order_no,
            items=[dict(item) for item in request.items],
            currency=request.currency,
            price=request.price.cents,
            status=request.status,
            created_at=request.created_at,
        )
        self.session.add(row)
        self.session.flush()
        request.request_id = row.id
        self._map.remember(row.id, request, row)
        return row.id

    def get(self, request_id: int, *, for_update: bool = False) -> ShipmentRequest | None:
        query = select(ShipmentRequestRow).where(ShipmentRequestRow.id == request_id)
        return self._map.recall_or_load(
            request_id, lambda: one_row(self.session, query, for_update=for_update), _request
        )

    def listing(
        self, *, status: str | None, merchant_scope: str | None, rma_no: str | None = None
    ) -> list[ShipmentRequest]:
        """Oldest first; at most `MAX_LISTED`. Read-only copies, not tracked."""
        query = select(ShipmentRequestRow).order_by(ShipmentRequestRow.id)
        if status:
            query = query.where(ShipmentRequestRow.status == status)
        if merchant_scope is not None:
            query = query.where(ShipmentRequestRow.merchant_id == merchant_scope)
        if rma_no is not None:
            query = query.where(ShipmentRequestRow.rma_no == rma_no)
        return [_request(row) for row in self.session.scalars(query.limit(MAX_LISTED))]

    def page(
        self, *, status: str | None, merchant_scope: str | None, offset: int, limit: int
    ) -> tuple[list[ShipmentRequest], int]:
        """One page, oldest first, and how many match (issue 16: the console's pager)."""
        query = select(ShipmentRequestRow)
        if status:
            query = query.where(ShipmentRequestRow.status == status)
        if merchant_scope is not None:
            query = query.where(ShipmentRequestRow.merchant_id == merchant_scope)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.scalars(
            query.order_by(ShipmentRequestRow.id).offset(offset).limit(limit)
        )
        return [_request(row) for row in rows], int(total)

    def waybill_taken(self, carrier: str, waybill_no: str) -> bool:
        """Whether any parcel, coming or going, already carries this waybill."""
        found = self.session.scalar(
            select(ShipmentRow.id).where(
                ShipmentRow.carrier == carrier, ShipmentRow.waybill_no == waybill_no
            )
        )
        return found is not None

    def save(self, request: ShipmentRequest) -> None:
        self._write(request, self._map.row_of(request.request_id))
        self.session.flush()

    def _write(self, request: ShipmentRequest, row: ShipmentRequestRow) -> None:
        if request.status == SHIPPED and row.shipment_id is None:
            row.shipment_id = self._outbound(request)
        row.status, row.carrier, row.waybill_no = (
            request.status,
            request.carrier,
            request.waybill_no,
        )
        row.shipped_at, row.shipped_by = request.shipped_at, request.shipped_by

    def _outbound(self, request: ShipmentRequest) -> int:
        """The parcel that left, as an outbound shipment carrying its waybill."""
        carrier, waybill_no, at = request.carrier, request.waybill_no, request.shipped_at
        assert carrier and waybill_no and at is not None
        shipment = ShipmentRow(
            rma_no=request.rma_no,
            direction="outbound",
            purpose=request.purpose.value,
            method="outbound",
            carrier=carrier,
            carrier_name=carrier,
            waybill_no=waybill_no,
            status="in_transit",
            requested_by=request.shipped_by or "",
            currency=request.currency,
            created_at=at,
            updated_at=at,
        )
        self.session.add(shipment)
        self.session.flush()
        return shipment.id


def _request(row: ShipmentRequestRow) -> ShipmentRequest:
    return ShipmentRequest(
        rma_no=row.rma_no,
        purpose=Purpose(row.purpose),
        merchant_id=row.merchant_id,
        customer_id=row.customer_id,
        order_no=row.order_no,
        items=tuple(dict(item) for item in row.items),
        price=Money(row.price, row.currency),
        created_at=row.created_at,
        status=row.status,
        carrier=row.carrier,
        waybill_no=row.waybill_no,
        shipped_at=row.shipped_at,
        shipped_by=row.shipped_by,
        request_id=row.id,
    )
