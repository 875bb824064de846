"""The demo's after-sales steps told through the issue-4/5 services, not the bare lifecycle.

Parcels are arranged with the simulated carrier and scanned by it, the dock records
receipts, inspectors fill checklists, goods are disposed and put away, and money moves
only through the refund life settled by the sandbox gateway, so every screen (tracking,
exceptions, receiving, inventory, RTV, finance, ledger, reconciliation) has a history.

Outside systems (carrier, gateway) run on a `DemoClock` set to each step's simulated
moment; afterwards it follows the real clock again, so a gateway handed to the app
context keeps working for live traffic in the same process.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from returnflow.app_context import AppContext
from returnflow.domain.exchanges import ExchangeStatus
from returnflow.domain.inspection import Check, CheckResult, Grade, Mark, Responsibility
from returnflow.domain.money import Money
from returnflow.domain.receiving import Mismatch, MismatchKind, ParcelLabel
from returnflow.domain.returns import ReturnRequest
from returnflow.domain.scans import TrackingStatus
from returnflow.domain.shipment_alerts import Thresholds
from returnflow.domain.shipping import ReturnMethod
from returnflow.logistics.carriers import Carrier
from returnflow.logistics.registry import carriers_from_settings
from returnflow.payments.sandbox import SandboxGateway, settlement_records
from returnflow.payments.sandbox_store import state_path
from returnflow.services import (
    exchanges,
    inspection,
    receiving,
    reconciliation,
    refund_gateway,
    refunds,
    repairs,
    shipment_requests,
    shipping,
    store_credit,
    tracking,
    warehouse,
)
from returnflow.services.approvals import decide
from returnflow.services.replacements import Wanted
from returnflow.services.returns import get_return, policy_for
from returnflow.services.unit_of_work import UnitOfWork

MANAGER = "manager:mona"


@dataclass
class DemoClock:
    """A clock the generator sets to each step's moment; unset, it is the real one."""

    fallback: Callable[[], datetime]
    moment: datetime | None = None

    def __call__(self) -> datetime:
        return self.moment if self.moment is not None else self.fallback()


@dataclass
class World:
    """The outside systems and rules the demo's stories share."""

    context: AppContext
    clock: DemoClock
    carriers: Mapping[str, Carrier]
    gateway: SandboxGateway
    rules: refunds.RefundRules
    limits: Thresholds
    shipments: int = 0
    failing_left: int = 2
    unidentified: list[datetime] = field(default_factory=list)

    @classmethod
    def for_context(cls, context: AppContext) -> World:
        clock = DemoClock(context.clock)
        settings = context.settings
        gateway = SandboxGateway(
            clock,
            settle_after=timedelta(seconds=settings.sandbox_settle_seconds),
            webhook_secret=settings.sandbox_webhook_secret,
            state_file=state_path(settings),  # the server, in whatever process, sees it
        )
        gateway.forget_all()  # generate() runs on an empty database: no earlier refunds
        if context.gateway is None and settings.payment_gateway == "sandbox":
            context.gateway = gateway  # the app in this process reconciles against it
        rules = refunds.RefundRules.from_settings(settings)
        return cls(
            context,
            clock,
            carriers_from_settings(settings, clock),
            gateway,
            refunds.RefundRules(**{**rules.__dict__, "gateway": "sandbox"})
            if rules.gateway != "sandbox"
            else rules,
            tracking.thresholds(settings),
        )

    def at(self, moment: datetime) -> None:
        self.clock.moment = moment

    # --- shipping back ------------------------------------------------------------

    def arrange(
        self, uow: UnitOfWork, rma_no: str, rng: random.Random, at: datetime, actor: str
    ) -> str | None:
        """Pickup, drop-off or self-ship; returns the simulated waybill, None for self-ship."""
        self.at(at)
        roll = rng.random()
        if roll >= 0.7:
            return None  # ships it themselves: no need to ask what is offered
        options = shipping.options(uow, rma_no, at, self.carriers)
        offered = {quote.method for quote in options.quotes}
        method = ReturnMethod.PICKUP if roll < 0.35 else ReturnMethod.DROPOFF
        if method not in offered or (method is ReturnMethod.PICKUP and not options.slots):
            return None
        slot = options.slots[0].key if method is ReturnMethod.PICKUP else ""
        shipment = shipping.choose(
            uow, rma_no, shipping.Choice(method, slot=slot), at, actor, self.carriers
        )
        moment = at + timedelta(minutes=2)
        self.at(moment)
        while shipping.arrange_step(uow, shipment.id, moment, self.carriers):
            pass
        self.shipments += 1
        return shipment.waybill_no

    def scan(self, uow: UnitOfWork, waybill_no: str, at: datetime) -> bool:
        """Poll the carrier as the worker would; True if the parcel is in trouble."""
        self.at(at)
        events = self.carriers["simulated"].fetch_tracking(waybill_no)
        if events:
            heard = tracking.ingest(
                uow, "simulated", waybill_no, events, at, source="poll", limits=self.limits
            )
            if heard.pickup is not None:  # the worker's follow-up, played at once (the past)
                tracking.ship_after_pickup(uow, heard.pickup)
        statuses = {event.status for event in events}
        return TrackingStatus.EXCEPTION in statuses and TrackingStatus.DELIVERED not in statuses

    def resolve_exceptions(self, uow: UnitOfWork, rma_no: str, actor: str, at: datetime) -> None:
        for task in uow.tracking.tasks_for(rma_no):
            if task.is_open:
                tracking.resolve_task(uow, task.id, actor, "包裹已到仓 / parcel reached us", at)

    # --- the dock and the inspection bench ------------------------------------------

    def receive(
        self, uow: UnitOfWork, request: ReturnRequest, rng: random.Random, actor: str, at: datetime
    ) -> None:
        mismatches: list[Mismatch] = []
        received: dict[int, int] | None = None
        roll = rng.random()
        if roll < 0.02 and any(line.quantity > 1 for line in request.lines):
            received = {line.line_no: max(line.quantity - 1, 0) for line in request.lines}
            mismatches.append(Mismatch(MismatchKind.MISSING_ITEMS, "少了一件 / one unit short"))
        elif roll < 0.035:
            mismatches.append(
                Mismatch(MismatchKind.WRONG_ITEM, "寄回的颜色与订单不符 / another colour")
            )
        receiving.record_receipt(
            uow, request.rma_no, received=received, mismatches=mismatches, actor=actor, now=at
        )
        if rng.random() < 0.004:
            self.unidentified.append(at + timedelta(minutes=rng.randint(5, 90)))

    def inspect(
        self,
        uow: UnitOfWork,
        request: ReturnRequest,
        rng: random.Random,
        actor: str,
        at: datetime,
        failure: str | None,
    ) -> str:
        required = inspection.checklist(uow, request)
        checks = [CheckResult(check, Mark.PASS) for check in required]
        serial = f"SN{request.rma_no[-8:]}" if Check.SERIAL_NUMBER in required else ""
        if failure is None:
            given = inspection.InspectionInput(
                tuple(checks),
                rng.choice((Grade.A, Grade.A, Grade.B)),
                Responsibility.NONE,
                serial_no=serial,
            )
        else:
            checks = [
                CheckResult(c.check, Mark.FAIL, failure) if c.check is Check.APPEARANCE else c
                for c in checks
            ]
            if not any(c.mark is Mark.FAIL for c in checks):
                checks.append(CheckResult(Check.APPEARANCE, Mark.FAIL, failure))
            offer = None
            if request.request_type.value == "refund" and rng.random() < 0.5:
                total = request.estimate.total.cents
                amount = total * rng.choice((20, 30, 40)) // 100
                if 0 < amount < total:
                    offer = inspection.Proposal(amount, failure)
            given = inspection.InspectionInput(
                tuple(checks),
                Grade.C,
                Responsibility.CUSTOMER,
                serial_no=serial,
                notes=failure,
                deduction=offer,
            )
        return inspection.inspect(uow, request.rma_no, given, actor, at).route

    def dispose(self, uow: UnitOfWork, request: ReturnRequest, actor: str, at: datetime) -> None:
        for line in warehouse.lines_to_dispose(uow, request):
            if line.row is not None:
                continue
            target = line.suggestion.disposition
            bin_code = ""
            if target.goes_to_bin:
                number = sum(map(ord, line.order_line.sku))
                bin_code = f"{target.zone}-{number % 20 + 1:02d}-{number % 7 + 1:02d}"
            warehouse.dispose(
                uow, request.rma_no, line.line_no, actor, at, bin_code=bin_code, may_approve=True
            )

    # --- money ---------------------------------------------------------------------

    def pay(
        self, uow: UnitOfWork, rma_no: str, actor: str, at: datetime, trigger: str, now: datetime
    ) -> None:
        """Owe the refund, submit it to the sandbox, hear back a few minutes later."""
        self.at(at)
        refund = refunds.request_refund(uow, rma_no, actor, at, self.rules, trigger=trigger)
        if refund.status != "requested":
            return  # awaiting approval, or nothing left to pay
        assert refund.id is not None  # stored: storage gave it its id
        self._submit(uow, refund.id, refund.reference, at, now)

    def approve_waiting(self, uow: UnitOfWork, rma_no: str, at: datetime, now: datetime) -> bool:
        approval = uow.approvals.pending_for("refund", rma_no)
        if approval is None or approval.id is None:
            return False
        self.at(at)
        decide(uow, approval.id, True, MANAGER, at, "金额核对无误 / amount checked")
        refunds.release_decided(uow, approval.id, at)  # the bus would, after the commit
        refund = uow.refunds.for_rma(rma_no)
        assert refund is not None and refund.id is not None
        if refund.status == "requested":
            self._submit(uow, refund.id, refund.reference, at, now)
        return True

    def _submit(
        self, uow: UnitOfWork, refund_id: int, reference: str, at: datetime, now: datetime
    ) -> None:
        if self.failing_left and now - at < timedelta(days=5):
            # a closed card near the end of the story: finance sees it escalated
            self.gateway.fail_payment_reference(reference)
            self.failing_left -= 1
        refund_gateway.submit(uow, refund_id, self.gateway, at, self.rules)
        later = at + timedelta(minutes=5)
        if later <= now:
            self.at(later)
            refund_gateway.poll(uow, refund_id, self.gateway, later, self.rules)

    def take_credit(self, uow: UnitOfWork, rma_no: str, at: datetime) -> None:
        store_credit.refund_as_credit(
            uow, self.context.settings, rma_no, rma_no_customer(uow, rma_no), at
        )

    # --- other resolutions -----------------------------------------------------------

    def exchange(
        self,
        uow: UnitOfWork,
        request: ReturnRequest,
        actor: str,
        at: datetime,
        waybill: tuple[str, str],
    ) -> None:
        order, _ = policy_for(uow, request)
        items = []
        for line in request.lines:
            bought = order.line(line.line_no)
            assert bought is not None
            items.append(Wanted(line.line_no, bought.sku, line.quantity))  # catalogue-priced
        chosen = exchanges.choose(
            uow,
            self.context.settings,
            request.rma_no,
            exchanges.ExchangeChoice(tuple(items)),
            actor,
            at,
        )
        if chosen.status is ExchangeStatus.RESERVED:
            exchanges.release(uow, request.rma_no, actor, at)
        self._ship_request(uow, request.rma_no, actor, at, waybill)

    def repair(
        self,
        uow: UnitOfWork,
        rma_no: str,
        actor: str,
        at: datetime,
        note: str,
        waybill: tuple[str, str],
    ) -> None:
        repairs.open_repair(uow, rma_no, actor, at)
        repairs.step(uow, rma_no, "diagnose", actor, at, note=note)
        repairs.step(uow, rma_no, "repaired", actor, at, note=note)
        repairs.step(uow, rma_no, "ship_back", actor, at)
        self._ship_request(uow, rma_no, actor, at, waybill)

    def _ship_request(
        self, uow: UnitOfWork, rma_no: str, actor: str, at: datetime, waybill: tuple[str, str]
    ) -> None:
        pending = shipment_requests.listing(
            uow, status="pending", merchant_scope=None, rma_no=rma_no
        )
        for outbound in pending:
            shipment_requests.mark_shipped(uow, outbound.id, waybill[0], waybill[1], actor, at)

    # --- after the stories ---------------------------------------------------------

    def finish(self, context: AppContext, now: datetime, rng: random.Random) -> None:
        """Unidentified parcels, shipped RTV batches (all but one), settled gateway money."""
        with context.uow() as uow:
            for number, moment in enumerate(self.unidentified):
                if moment > now:
                    continue
                label = ParcelLabel(
                    carrier="中通快递",
                    waybill_no=f"7{rng.randrange(10**11, 10**12)}",
                    sender_name=rng.choice(("王*", "李*", "张*", "")),
                    text="面单模糊，无退货单号 / label smudged, no RMA",
                )
                receiving.record_unidentified(
                    uow, label, f"U-01-{number % 20 + 1:02d}", "warehouse:sun.hao", moment
                )
            batches = uow.warehouse.batches("open", limit=10_000)
            for batch in batches[1:]:
                warehouse.ship_batch(
                    uow,
                    batch.id,
                    "warehouse:zhou.qiang",
                    now - timedelta(hours=2),
                    carrier="德邦快递",
                    waybill_no=f"DPK{batch.id:010d}",
                )
            records = [
                reconciliation.SettlementRecord(
                    str(r["gateway_refund_id"]),
                    Money(int(r["amount"]), str(r["currency"])),
                    str(r.get("reference", "")),
                )
                for r in settlement_records(self.gateway)
            ]
            report = reconciliation.reconcile(
                reconciliation.paid_refunds(uow, "sandbox"), records, "sandbox"
            )
            reconciliation.settle_matched(uow, report, now)
            uow.commit(now)
        self.clock.moment = None


def rma_no_customer(uow: UnitOfWork, rma_no: str) -> str:
    return f"customer:{get_return(uow, rma_no).customer_id}"
