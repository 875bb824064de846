"""Shipment rows for tracking tests, written as the return-methods code writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from returnflow.app_context import AppContext
from returnflow.storage.schema import ShipmentRow


def add_shipment(
    context: AppContext, rma_no: str, at: datetime, waybill_no: str = "FX1000", **changes: Any
) -> int:
    values: dict[str, Any] = {
        "rma_no": rma_no,
        "direction": "return",
        "purpose": "return",
        "method": "pickup",
        "carrier": "fastex",
        "carrier_name": "FastEx",
        "waybill_no": waybill_no,
        "status": "arranged",
        "currency": "CNY",
        "created_at": at,
        "updated_at": at,
    }
    values.update(changes)
    with context.session_factory() as session:
        row = ShipmentRow(**values)
        session.add(row)
        session.commit()
        return row.id


def shipment_status(context: AppContext, shipment_id: int) -> str:
    with context.session_factory() as session:
        row = session.get(ShipmentRow, shipment_id)
        assert row is not None
        return row.status
