"""Where one returned line went (R5.4): the `LineDisposition` aggregate.

A line is disposed once: the rules' suggestion unless someone chose otherwise, and a
scrap above the rule book's value only by someone who may approve it (they are named).
What follows moves the goods through the inventory ledger: scrapped goods leave at
once; goods for the vendor are picked into the merchant's open batch; kept goods
(restock, discount, refurbish) wait in the inspection area until they are put away to
a bin of their disposition's zone, once.

(`disposition.Disposition` names the five destinations; this is the record of one
line's decision, hence the longer name.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from returnflow.domain.disposition import Disposition, Item, RuleBook, Suggestion
from returnflow.domain.events import DomainEvent
from returnflow.domain.inventory import INSPECTION_AREA, SCRAPPED, Movement, MovementKind, check_bin
from returnflow.domain.rtv import RtvBatch, RtvItem
from returnflow.domain.text import DomainError, Text


@dataclass(frozen=True, slots=True)
class DisposableLine:
    """One inspected line as the rules see it, with their suggestion."""

    line_no: int
    sku: str
    category: str
    quantity: int
    item: Item
    suggestion: Suggestion


@dataclass
class LineDisposition:
    rma_no: str
    line_no: int
    merchant_id: str
    sku: str
    category: str
    grade: str
    quantity: int
    value: int  # cents the customer paid for these units
    suggested: Disposition
    rule_id: str
    rules_version: int
    chosen: Disposition
    decided_at: datetime
    decided_by: str
    approved_by: str | None = None
    bin: str | None = None
    rtv_batch_id: int | None = None
    put_away_at: datetime | None = None
    put_away_by: str | None = None
    # movements booked and events raised since loading, for the repository
    moves: list[Movement] = field(default_factory=list, repr=False)
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @classmethod
    def decide(
        cls,
        *,
        rma_no: str,
        merchant_id: str,
        line: DisposableLine,
        book: RuleBook,
        chosen: Disposition | None,
        may_approve: bool,
        actor: str,
        now: datetime,
    ) -> LineDisposition:
        """The suggestion unless `chosen`; a costly scrap needs someone who may approve it."""
        target = chosen or line.suggestion.disposition
        approved_by: str | None = None
        if target is Disposition.SCRAP and book.scrap_needs_approval(line.item):
            if not may_approve:
                raise DomainError(
                    "scrap_needs_approval",
                    Text(
                        "高价值商品报废须经理批准", "Scrapping goods of this value needs a manager"
                    ),
                    field="disposition",
                )
            approved_by = actor
        decided = cls(
            rma_no=rma_no,
            line_no=line.line_no,
            merchant_id=merchant_id,
            sku=line.sku,
            category=line.category,
            grade=line.item.grade.value,
            quantity=line.quantity,
            value=line.item.value,
            suggested=line.suggestion.disposition,
            rule_id=line.suggestion.rule_id,
            rules_version=line.suggestion.version,
            chosen=target,
            decided_at=now,
            decided_by=actor,
            approved_by=approved_by,
        )
        if target is Disposition.SCRAP:
            decided._move(MovementKind.SCRAP, SCRAPPED, actor, now)
        decided.events.append(
            DomainEvent(
                "disposition.decided",
                now,
                {"rma_no": rma_no, "line_no": line.line_no, "chosen": target.value},
            )
        )
        return decided

    @property
    def waits_for_bin(self) -> bool:
        """Kept goods not yet put away."""
        return self.chosen.goes_to_bin and self.put_away_at is None and self.bin is None

    @property
    def waits_for_batch(self) -> bool:
        return self.chosen is Disposition.RETURN_TO_VENDOR and self.rtv_batch_id is None

    def pick_for_vendor(self, batch: RtvBatch, actor: str, now: datetime) -> None:
        """Into the merchant's open batch: the goods move to its staging area."""
        if not self.waits_for_batch or batch.merchant_id != self.merchant_id:
            raise DomainError(
                "not_for_this_batch",
                Text("该行商品不能放入这个退供批次", "This line's goods do not go in this batch"),
            )
        self._move(MovementKind.RTV_PICK, batch.location, actor, now)
        batch.add(
            RtvItem(
                self.rma_no,
                self.line_no,
                self.sku,
                self.grade,
                self.quantity,
                self.value,
                now,
                actor,
            )
        )
        self.rtv_batch_id = batch.id

    def put_away(self, bin_code: str, actor: str, now: datetime) -> None:
        """Kept goods into a bin of their disposition's zone, once."""
        if not self.waits_for_bin:
            raise DomainError(
                "nothing_to_put_away",
                Text("该行没有待上架的商品", "Nothing of this line waits to be put away"),
            )
        code = check_bin(bin_code)
        zone = self.chosen.zone
        if not code.startswith(f"{zone}-"):
            raise DomainError(
                "bin_wrong_zone",
                Text(
                    "“{d_zh}”的商品应放在 {zone} 区的库位",
                    "Goods to {d_en} belong in a bin of zone {zone}",
                ).format(d_zh=self.chosen.label.zh, d_en=self.chosen.label.en, zone=zone),
                field="bin",
            )
        self._move(MovementKind.PUT_AWAY, code, actor, now)
        self.bin = code
        self.put_away_at = now
        self.put_away_by = actor
        self.events.append(
            DomainEvent(
                "disposition.put_away",
                now,
                {"rma_no": self.rma_no, "line_no": self.line_no, "bin": code},
            )
        )

    def _move(self, kind: MovementKind, target: str, actor: str, now: datetime) -> None:
        """The line's goods out of the inspection area, their grade unchanged."""
        self.moves.append(
            Movement(
                kind,
                sku=self.sku,
                quantity=self.quantity,
                from_location=INSPECTION_AREA,
                to_location=target,
                from_grade=self.grade,
                to_grade=self.grade,
                actor=actor,
                at=now,
                rma_no=self.rma_no,
                merchant_id=self.merchant_id,
            )
        )
