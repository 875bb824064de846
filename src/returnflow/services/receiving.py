"""Receiving parcels at the warehouse (R5.1): scan, count, record, and the unmatched ones.

A scan finds the request by RMA number or waybill and lists what should be in the
box. Recording the receipt moves the request to RECEIVED in the same transaction,
so a receipt exists exactly when the request says it was received; the receipt's
unique RMA number turns a double Enter or two workers into one receipt and a clear
"already received" for the other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from returnflow.domain.lifecycle import Action, Status, allowed_actions
from returnflow.domain.receiving import (
    CodeMatch,
    ExpectedLine,
    Mismatch,
    ParcelLabel,
    ParcelState,
    Receipt,
    UnidentifiedParcel,
    normalise_code,
)
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.text import DomainError, Text
from returnflow.services import merchant_desk
from returnflow.services.errors import Conflict, NotFound, return_not_found
from returnflow.services.returns import get_return
from returnflow.services.unit_of_work import ConcurrentUpdate, UnitOfWork

WAREHOUSE_ACTOR = "warehouse"
DISCREPANCY_TOPIC = "return.receipt_discrepancy"


@dataclass(frozen=True)
class Expected:
    """What a scan found: the request, what should be in the box, and whether it can be taken in."""

    code: str
    match: CodeMatch
    request: ReturnRequest
    lines: tuple[ExpectedLine, ...]
    receipt: Receipt | None

    @property
    def rma_no(self) -> str:
        return self.request.rma_no

    @property
    def receivable(self) -> bool:
        return self.receipt is None and _can_receive(self.request)

    @property
    def refusal(self) -> Text | None:
        """Why this parcel cannot be received now, in words for the worker."""
        if self.receipt is not None:
            return already_received(self.receipt).message
        if not _can_receive(self.request):
            status = self.request.status.label
            return Text(
                "申请 {rma} 当前为“{zh}”，不能收货",
                "Request {rma} is {en}: it cannot be received",
            ).format(rma=self.rma_no, zh=status.zh, en=status.en)
        return None


def _can_receive(request: ReturnRequest) -> bool:
    allowed = allowed_actions(request.status, request.request_type)
    return Action.RECEIVE in allowed or (
        request.status is Status.APPROVED and Action.SHIP in allowed
    )


def nothing_matches(code: str) -> NotFound:
    return NotFound(
        "nothing_matches",
        Text(
            "没有与 {code} 对应的退货申请或运单", "Nothing matches {code}: no RMA or waybill"
        ).format(code=code),
        field="code",
    )


class AlreadyReceived(Conflict):
    """The parcel has its receipt; carries it, so a page can tell who and when."""

    def __init__(self, code: str, message: Text, receipt: Receipt) -> None:
        super().__init__(code, message)
        self.receipt = receipt


def already_received(receipt: Receipt) -> AlreadyReceived:
    return AlreadyReceived(
        "already_received",
        Text(
            "{rma} 已于 {at} 由 {by} 收货，无需重复收货",
            "{rma} was already received by {by} at {at}",
        ).format(
            rma=receipt.rma_no,
            by=receipt.received_by,
            at=receipt.received_at.strftime("%Y-%m-%d %H:%M UTC"),
        ),
        receipt,
    )


def expected_lines(uow: UnitOfWork, request: ReturnRequest) -> tuple[ExpectedLine, ...]:
    """The request's lines with the SKU and title the order gave them."""
    order = uow.orders.get(request.order_no)
    lines = []
    for line in request.lines:
        ordered = order.line(line.line_no) if order is not None else None
        lines.append(
            ExpectedLine(
                line.line_no,
                ordered.sku if ordered else "",
                ordered.title if ordered else "",
                line.quantity,
            )
        )
    return tuple(lines)


def scan(uow: UnitOfWork, code: str, merchant_scope: str | None = None) -> Expected:
    """R5.1: a waybill or RMA number → the request and what should be in the box.

    A merchant at its own warehouse finds only its own requests: another merchant's
    code answers exactly like an unknown one.
    """
    merchant_desk.own_warehouse(uow, merchant_scope)
    wanted = normalise_code(code)
    if not wanted:
        raise DomainError(
            "code_required", Text("请扫描或输入单号", "Scan or type a code"), field="code"
        )
    match = uow.receipts.find_by_code(wanted[:64])
    request = uow.returns.get(match.rma_no) if match is not None else None
    if (
        match is None
        or request is None
        or not merchant_desk.mine(request.merchant_id, merchant_scope)
    ):
        raise nothing_matches(wanted[:64])
    return Expected(
        wanted,
        match,
        request,
        expected_lines(uow, request),
        uow.receipts.get(match.rma_no),
    )


def receipt_not_found(rma_no: str) -> NotFound:
    return NotFound(
        "receipt_not_found",
        Text("{rma} 尚未收货", "{rma} has not been received yet").format(rma=rma_no),
    )


def receipt_for(uow: UnitOfWork, rma_no: str, merchant_scope: str | None = None) -> Receipt | None:
    if merchant_scope is not None:
        request = uow.returns.get(rma_no)
        if request is None or request.merchant_id != merchant_scope:
            return None
    return uow.receipts.get(rma_no)


def record_receipt(
    uow: UnitOfWork,
    rma_no: str,
    *,
    received: Mapping[int, int] | None,
    mismatches: Iterable[Mismatch],
    actor: str,
    now: datetime,
    code: str = "",
    note: str = "",
    ship_if_approved: bool = True,
    parcel_id: int | None = None,
    merchant_scope: str | None = None,
) -> Receipt:
    """Store the receipt and move the request to RECEIVED; the caller commits.

    A parcel that reaches the dock while the request is still APPROVED (a drop-off or
    pickup the carrier never scanned) is first marked shipped by the warehouse, so the
    timeline shows both steps. `ship_if_approved=False` keeps the strict old
    `/receive` contract, where only a request in transit may be received.
    """
    receipts = uow.receipts
    merchant_desk.own_warehouse(uow, merchant_scope)
    if parcel_id is not None:
        merchant_desk.platform_only(merchant_scope)
    request = get_return(uow, rma_no, merchant_scope=merchant_scope, for_update=True)
    existing = receipts.get(request.rma_no)
    if existing is not None:
        raise already_received(existing)
    receipt = Receipt.record(
        rma_no=request.rma_no,
        expected=expected_lines(uow, request),
        received=received,
        mismatches=mismatches,
        received_by=actor,
        received_at=now,
        scanned_code=normalise_code(code) or request.rma_no,
    )
    if ship_if_approved and request.status is Status.APPROVED:
        carrier, waybill = receipts.return_waybill(request.rma_no) or ("unrecorded", "")
        request.ship(
            WAREHOUSE_ACTOR,
            now,
            carrier,
            waybill or receipt.scanned_code,
            note=f"到仓时尚无揽收记录 / arrived before any carrier scan ({carrier})",
        )
    summary = receipt.summary
    found = "" if receipt.is_clean else f"{summary.zh} / {summary.en}"
    request.receive(actor, now, " · ".join(part for part in (note.strip(), found) if part))
    receipts.add(receipt)
    if parcel_id is not None:
        parcel = uow.parcels.get(parcel_id, for_update=True)
        if parcel is None:
            raise parcel_not_found(parcel_id)
        parcel.match(request.rma_no, actor, now)
        uow.parcels.save(parcel)
    if receipt.tells_customer:
        _tell_customer(uow, request, receipt, now)
    return receipt


def _tell_customer(
    uow: UnitOfWork, request: ReturnRequest, receipt: Receipt, now: datetime
) -> None:
    """Missing items or an empty box: the customer hears it now, not after inspection."""
    reasons = []
    for mismatch in receipt.mismatches:
        if mismatch.kind.tells_customer:
            label = mismatch.kind.label
            extra = f"：{mismatch.note}" if mismatch.note else ""
            reasons.append(
                {
                    "code": mismatch.kind.value,
                    "zh": f"{label.zh}{extra}",
                    "en": f"{label.en}{': ' + mismatch.note if mismatch.note else ''}",
                }
            )
    payload = {
        "rma_no": request.rma_no,
        "order_no": request.order_no,
        "customer_id": request.customer_id,
        "merchant_id": request.merchant_id,
        "email": request.contact.get("email", ""),
        "request_type": request.request_type.value,
        "status": request.status.value,
        "reasons": reasons,
        "occurred_at": now.isoformat(),
    }
    uow.outbox.put(DISCREPANCY_TOPIC, payload, now)


UowFactory = Callable[[], UnitOfWork]


def receive_once(
    new_uow: UowFactory,
    rma_no: str,
    *,
    received: Mapping[int, int] | None,
    mismatches: Iterable[Mismatch],
    actor: str,
    now: datetime,
    code: str = "",
    note: str = "",
    ship_if_approved: bool = True,
    parcel_id: int | None = None,
    merchant_scope: str | None = None,
) -> tuple[Receipt, ReturnRequest]:
    """Record and commit; a twin that won the race turns into "already received"."""
    try:
        with new_uow() as uow:
            receipt = record_receipt(
                uow,
                rma_no,
                received=received,
                mismatches=list(mismatches),
                actor=actor,
                now=now,
                code=code,
                note=note,
                ship_if_approved=ship_if_approved,
                parcel_id=parcel_id,
                merchant_scope=merchant_scope,
            )
            request = get_return(uow, rma_no)
            uow.commit(now)
    except ConcurrentUpdate:
        # the receipt's unique RMA number lost a race inside the block or at commit
        with new_uow() as uow:
            winner = uow.receipts.get(rma_no)
        if winner is not None:
            raise already_received(winner) from None
        raise
    return receipt, request


# --- unidentified parcels ------------------------------------------------------------


def parcel_not_found(parcel_id: int) -> NotFound:
    return NotFound(
        "parcel_not_found",
        Text("找不到无主包裹 {id}", "Unidentified parcel {id} was not found").format(id=parcel_id),
    )


def record_unidentified(
    uow: UnitOfWork,
    label: ParcelLabel,
    shelf: str,
    actor: str,
    now: datetime,
    photos: tuple[str, ...] = (),
) -> UnidentifiedParcel:
    parcel = UnidentifiedParcel.found(label, shelf, actor, now, photos)
    uow.parcels.add(parcel)
    return parcel


def unidentified(
    uow: UnitOfWork, state: ParcelState | None = ParcelState.OPEN
) -> list[UnidentifiedParcel]:
    return uow.parcels.listed(state)


def unidentified_page(
    uow: UnitOfWork, state: ParcelState | None, page: int, size: int
) -> tuple[list[UnidentifiedParcel], int]:
    """One page of `unidentified` for the console's pager (issue 16), and how many match."""
    return uow.parcels.listed_page(state, (page - 1) * size, size)


def get_parcel(uow: UnitOfWork, parcel_id: int) -> UnidentifiedParcel:
    parcel = uow.parcels.get(parcel_id)
    if parcel is None:
        raise parcel_not_found(parcel_id)
    return parcel


def check_match(uow: UnitOfWork, parcel_id: int, rma_no: str) -> Expected:
    """The parcel is still open and the RMA can be received: go on to count it."""
    parcel = get_parcel(uow, parcel_id)
    parcel.require_open()
    try:
        expected = scan(uow, rma_no)
    except NotFound:
        raise return_not_found(normalise_code(rma_no)) from None
    if expected.refusal is not None:
        raise Conflict("not_receivable", expected.refusal)
    return expected


def let_go(
    uow: UnitOfWork, parcel_id: int, state: ParcelState, reason: str, actor: str, now: datetime
) -> UnidentifiedParcel:
    parcel = uow.parcels.get(parcel_id, for_update=True)
    if parcel is None:
        raise parcel_not_found(parcel_id)
    parcel.let_go(state, reason, actor, now)
    uow.parcels.save(parcel)
    return parcel


def photo_visible(
    uow: UnitOfWork, name: str, *, merchant_scope: str | None, sees_parcels: bool
) -> bool:
    """A receipt's photo for anyone who may see its request; a parcel's for the warehouse."""
    owner = uow.receipts.photo_owner(name)
    if owner is not None:
        request = uow.returns.get(owner)
        return request is not None and (
            merchant_scope is None or request.merchant_id == merchant_scope
        )
    return sees_parcels and uow.parcels.photo_known(name)
