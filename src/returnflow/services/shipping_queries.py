"""What pages and the API read about a request's parcels: its shipments, the label, the
drop-off code and the reverse-logistics cost report (R4.1, R4.2, R4.5).

Read models only; nothing here changes a shipment. The label and the QR code are made
here, so the API and the customer pages hand out the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from returnflow.domain.shipment import Shipment
from returnflow.domain.shipment_tasks import DEAD, ShipmentView
from returnflow.domain.text import Text
from returnflow.logistics.counter_code import qr_png
from returnflow.services import privacy as privacy_service
from returnflow.services.errors import NotFound
from returnflow.services.returns import get_return, policy_for
from returnflow.services.shipping import book_for_order
from returnflow.services.shipping_carrier import sender_of
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.shipments import CostRow

if TYPE_CHECKING:
    from returnflow.logistics.labels import ReturnLabel

__all__ = ["CostRow", "ShipmentView"]

LABEL_MEDIA_TYPE = "application/pdf"


def shipments_of(
    uow: UnitOfWork, rma_no: str, *, merchant_scope: str | None = None
) -> list[ShipmentView]:
    """Every parcel of a request, oldest first."""
    get_return(uow, rma_no, merchant_scope=merchant_scope)
    return uow.shipments.views(rma_no)


# --- the label -------------------------------------------------------------------


def label_for(uow: UnitOfWork, rma_no: str, *, merchant_scope: str | None = None) -> ReturnLabel:
    """The label of the request's current return parcel, once it has a waybill."""
    # reportlab loads with the first label drawn, not with the API (issue 11: RSS)
    from returnflow.logistics.labels import ReturnLabel

    request = get_return(uow, rma_no, merchant_scope=merchant_scope)
    order, _ = policy_for(uow, request)
    shipment = _labelled(uow.shipments.for_rma(rma_no))
    if shipment is None or shipment.waybill_no is None:
        raise NotFound(
            "label_not_ready",
            Text(
                "面单尚未生成：快递公司确认后即可下载",
                "The label is not ready yet: it can be downloaded once the carrier confirms",
            ),
        )
    warehouse = shipment.return_to or book_for_order(uow, order).warehouse
    sender = sender_of(order, shipment)
    return ReturnLabel(
        rma_no=rma_no,
        waybill_no=shipment.waybill_no,
        carrier_name=shipment.carrier_name,
        sender_name=sender.name,
        sender_phone=sender.phone,
        sender_region=sender.address[0] if sender.address else "",
        return_address=warehouse.lines,
        warehouse_name=warehouse.name,
        warehouse_phone=warehouse.phone,
        reason="；".join(line.reason.label.zh for line in request.lines),
        created_at=shipment.created_at,
    )


def _labelled(shipments: list[Shipment]) -> Shipment | None:
    return next(
        (
            s
            for s in reversed(shipments)
            if s.direction == "return" and s.waybill_no and s.status not in DEAD
        ),
        None,
    )


def label_file_name(rma_no: str) -> str:
    return f"return-label-{rma_no}.pdf"


def label_pdf(uow: UnitOfWork, rma_no: str, *, merchant_scope: str | None = None) -> bytes:
    """The 100 × 150 mm label as a PDF (the customer's own download)."""
    from returnflow.logistics.labels import render_label  # see label_for

    return render_label(label_for(uow, rma_no, merchant_scope=merchant_scope))


def staff_label_pdf(
    uow: UnitOfWork, rma_no: str, actor: str, now: datetime, *, merchant_scope: str | None
) -> bytes:
    """The label for staff: it shows the customer's address, so the look is logged (R14.1)."""
    pdf = label_pdf(uow, rma_no, merchant_scope=merchant_scope)
    privacy_service.log_address_access(uow, actor, rma_no, now)
    return pdf


# --- the drop-off code -----------------------------------------------------------


def dropoff_code_of(uow: UnitOfWork, rma_no: str, merchant_scope: str | None = None) -> str:
    """The code to show at the counter, of the request's live drop-off parcel."""
    get_return(uow, rma_no, merchant_scope=merchant_scope)
    for shipment in reversed(uow.shipments.for_rma(rma_no)):
        if shipment.dropoff_code and shipment.status not in DEAD:
            return shipment.dropoff_code
    raise NotFound(
        "dropoff_code_not_found",
        Text("此申请没有寄件码", "This request has no drop-off code"),
    )


def dropoff_qr(uow: UnitOfWork, rma_no: str, merchant_scope: str | None = None) -> bytes:
    """The drop-off code as a QR image (PNG)."""
    return qr_png(dropoff_code_of(uow, rma_no, merchant_scope))


# --- cost report (R4.5) ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CostReport:
    """Return-shipping costs grouped by carrier or merchant, and the net total per currency."""

    by: str
    rows: list[CostRow]

    @property
    def totals(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for row in self.rows:
            totals[row.currency] = totals.get(row.currency, 0) + row.net_cost
        return totals


def cost_report(
    uow: UnitOfWork,
    by: str,
    *,
    merchant_scope: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> CostReport:
    """Label, pickup and insurance costs of return shipments (a merchant sees its own)."""
    rows = uow.shipments.costs(
        by, merchant_id=merchant_scope, created_from=created_from, created_to=created_to
    )
    return CostReport(by, rows)
