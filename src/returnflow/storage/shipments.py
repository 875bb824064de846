"""Shipments, return-method settings and the reverse-logistics cost report (R4.1, R4.5).

The repository hands out `Shipment` aggregates (`domain/shipment.py`) and writes them
back on commit; `uow.tracking` loads the same aggregates through the same map
(`storage/shipment_rows.py`), so the two never hold two copies of one parcel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from returnflow.domain.events import DomainEvent
from returnflow.domain.shipment import ACTIVE, Shipment
from returnflow.domain.shipment_tasks import ShipmentView
from returnflow.domain.shipping import (
    WAREHOUSE_FIELDS,
    Adjustment,
    MethodChange,
    PickupHours,
    ReturnMethod,
    Warehouse,
)
from returnflow.domain.text import Text
from returnflow.storage.schema import ReturnMethodSettingRow, ReturnRow, ShipmentRow
from returnflow.storage.shipment_rows import ShipmentMap

# statuses whose costs count: a waybill voided before use costs nothing
NOT_COSTED = ("cancelled", "cancelling", "failed", "requested")


@dataclass(frozen=True, slots=True)
class CostRow:
    """One group of the cost report; money in minor units of `currency`."""

    key: str
    currency: str
    shipments: int
    label_cost: int
    pickup_cost: int
    insurance_cost: int
    customer_fees: int

    @property
    def carrier_cost(self) -> int:
        return self.label_cost + self.pickup_cost

    @property
    def net_cost(self) -> int:
        """What returns cost the platform and merchants after customers and insurers paid."""
        return self.carrier_cost - self.customer_fees - self.insurance_cost


class Shipments:
    """Shipments as the arranging code sees them: `Shipment` aggregates in and out."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.map = ShipmentMap.of(session)

    def add(self, shipment: Shipment) -> Shipment:
        """Store a new shipment; it has its id afterwards."""
        self.map.add(shipment)
        return shipment

    def get(self, shipment_id: int, *, for_update: bool = False) -> Shipment | None:
        query = select(ShipmentRow).where(ShipmentRow.id == shipment_id)
        return self.map.one(query, for_update=for_update)

    def for_rma(self, rma_no: str) -> list[Shipment]:
        query = select(ShipmentRow).where(ShipmentRow.rma_no == rma_no).order_by(ShipmentRow.id)
        return self.map.load(self.session.scalars(query).all())

    def views(self, rma_no: str) -> list[ShipmentView]:
        return [shipment.view() for shipment in self.for_rma(rma_no)]

    def active_return(self, rma_no: str, *, for_update: bool = False) -> Shipment | None:
        """The request's return parcel being arranged or travelling, if any."""
        self.map.sync()  # a parcel cancelled in this unit of work is not active any more
        query = select(ShipmentRow).where(
            ShipmentRow.rma_no == rma_no,
            ShipmentRow.direction == "return",
            ShipmentRow.status.in_(ACTIVE),
        )
        return self.map.one(query, for_update=for_update)

    def holder_of(self, carrier: str, waybill_no: str) -> str | None:
        """The RMA a waybill is already recorded on, if any."""
        query = select(ShipmentRow.rma_no).where(
            ShipmentRow.carrier == carrier, ShipmentRow.waybill_no == waybill_no
        )
        return self.session.scalars(query).first()

    def show_waybill_on_request(
        self, rma_no: str, carrier_name: str | None, waybill_no: str | None
    ) -> None:
        """Put the waybill on the request row so every existing view shows it.

        A plain UPDATE, not the aggregate: the request's status does not change, and
        leaving its version alone means a customer acting at the same moment is not
        refused because the carrier answered.
        """
        self.session.execute(
            update(ReturnRow)
            .where(ReturnRow.rma_no == rma_no)
            .values(carrier=carrier_name, tracking_no=waybill_no)
            .execution_options(synchronize_session=False)
        )

    def flush_changes(self) -> list[DomainEvent]:
        """Write loaded shipments back; hand over their new events, once."""
        return self.map.flush_changes()

    # --- settings --------------------------------------------------------------

    def adjustments(self) -> list[Adjustment]:
        rows = self.session.scalars(select(ReturnMethodSettingRow)).all()
        return [adjustment_from_json(r.merchant_id, r.province, r.document) for r in rows]

    def put_adjustment(self, adjustment: Adjustment, now: datetime, by: str) -> None:
        key = (adjustment.merchant_id, adjustment.province)
        row = self.session.get(ReturnMethodSettingRow, key)
        if row is None:
            row = ReturnMethodSettingRow(merchant_id=key[0], province=key[1])
            self.session.add(row)
        row.document = adjustment_to_json(adjustment)
        row.updated_at = now
        row.updated_by = by
        self.session.flush()

    def remove_adjustment(self, merchant_id: str, province: str) -> bool:
        row = self.session.get(ReturnMethodSettingRow, (merchant_id, province))
        if row is None:
            return False
        self.session.delete(row)
        self.session.flush()
        return True

    # --- cost report (R4.5) ------------------------------------------------------

    def costs(
        self,
        by: str,
        *,
        merchant_id: str | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
    ) -> list[CostRow]:
        """Costs grouped by "carrier" or "merchant", biggest net cost first."""
        self.map.sync()
        key = ShipmentRow.carrier if by == "carrier" else ReturnRow.merchant_id
        query = (
            select(
                key,
                ShipmentRow.currency,
                func.count(ShipmentRow.id),
                func.coalesce(func.sum(ShipmentRow.label_cost), 0),
                func.coalesce(func.sum(ShipmentRow.pickup_cost), 0),
                func.coalesce(func.sum(ShipmentRow.insurance_cost), 0),
                func.coalesce(func.sum(ShipmentRow.customer_fee), 0),
            )
            .join(ReturnRow, ReturnRow.rma_no == ShipmentRow.rma_no)
            .where(ShipmentRow.status.not_in(NOT_COSTED))
            .group_by(key, ShipmentRow.currency)
        )
        if merchant_id is not None:
            query = query.where(ReturnRow.merchant_id == merchant_id)
        if created_from is not None:
            query = query.where(ShipmentRow.created_at >= created_from)
        if created_to is not None:
            query = query.where(ShipmentRow.created_at < created_to)
        rows = [
            CostRow(str(k), cur, int(n), int(lc), int(pc), int(ic), int(cf))
            for k, cur, n, lc, pc, ic, cf in self.session.execute(query).all()
        ]
        return sorted(rows, key=lambda r: (-r.net_cost, r.key))


# --- the settings document ------------------------------------------------------


def adjustment_to_json(adjustment: Adjustment) -> dict[str, Any]:
    document: dict[str, Any] = {}
    if adjustment.methods:
        document["methods"] = {
            method.value: _change_to_json(change) for method, change in adjustment.methods.items()
        }
    if adjustment.pickup_hours is not None:
        document["pickup_hours"] = _fields(adjustment.pickup_hours, PickupHours.__slots__)
    if adjustment.warehouse is not None:
        document["warehouse"] = _fields(adjustment.warehouse, WAREHOUSE_FIELDS)
    return document


def adjustment_from_json(
    merchant_id: str, province: str, document: Mapping[str, Any]
) -> Adjustment:
    methods = {
        ReturnMethod(name): _change_from_json(values)
        for name, values in document.get("methods", {}).items()
    }
    hours = document.get("pickup_hours")
    warehouse = document.get("warehouse")
    return Adjustment(
        merchant_id=merchant_id,
        province=province,
        methods=methods,
        pickup_hours=PickupHours(**hours) if hours else None,
        warehouse=Warehouse(**warehouse) if warehouse else None,
    )


def _fields(value: object, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(value, name) for name in names}


def _change_to_json(change: MethodChange) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in MethodChange.__slots__:
        value = getattr(change, name)
        if value is None:
            continue
        out[name] = {"zh": value.zh, "en": value.en} if isinstance(value, Text) else value
    return out


def _change_from_json(values: Mapping[str, Any]) -> MethodChange:
    fields = dict(values)
    if "instructions" in fields:
        fields["instructions"] = Text(fields["instructions"]["zh"], fields["instructions"]["en"])
    return MethodChange(**fields)
