"""What the warehouse found in a returned parcel, against what the request expected (R5.1).

A receipt is written once per request: the lines with their expected and received
quantities, and the mismatches the worker saw. Short or surplus lines imply a
mismatch even when the worker ticked none, so a discrepancy can never hide behind a
forgotten checkbox; the rule in `Receipt.discrepancies` is the single place that
decides whether a parcel arrived clean. Parcels that match no request are kept as
`UnidentifiedParcel`s until someone matches them or lets them go, with a reason.

Both are aggregates: a receipt is made only by `Receipt.record` (never changed after),
a parcel changes only through `match` and `let_go`; each appends a `DomainEvent` that
the unit of work can hand on (the customer's discrepancy notice is still written to
the outbox by `services/receiving.py`, with the request's contact details).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from returnflow.domain.events import DomainEvent
from returnflow.domain.text import DomainError, Text

MAX_NOTE = 1000
MAX_PHOTOS_PER_MISMATCH = 9


def normalise_code(code: str) -> str:
    """What a scanner or a person typed, as stored codes are compared: trimmed, upper case.

    Scanners may add a trailing tab or carriage return; people type RMA numbers in
    lower case. Inner spaces are dropped, since neither waybills nor RMAs contain any.
    """
    return "".join(code.split()).upper()


@dataclass(frozen=True, slots=True)
class CodeMatch:
    """What a scanned code matched: a request by its RMA number or by a return waybill."""

    rma_no: str
    matched_by: str  # "rma" | "waybill"
    carrier: str = ""
    waybill_no: str = ""


class MismatchKind(StrEnum):
    WRONG_ITEM = "wrong_item"
    MISSING_ITEMS = "missing_items"
    EMPTY_BOX = "empty_box"
    EXTRA_ITEMS = "extra_items"

    @property
    def label(self) -> Text:
        return _KIND_LABELS[self]

    @property
    def tells_customer(self) -> bool:
        """Goods the customer said they sent are not here: they must hear it at once."""
        return self in (MismatchKind.MISSING_ITEMS, MismatchKind.EMPTY_BOX)


_KIND_LABELS = {
    MismatchKind.WRONG_ITEM: Text("商品不符（错件）", "Wrong item"),
    MismatchKind.MISSING_ITEMS: Text("少件", "Missing items"),
    MismatchKind.EMPTY_BOX: Text("空包裹", "Empty box"),
    MismatchKind.EXTRA_ITEMS: Text("多件", "Extra items"),
}


@dataclass(frozen=True, slots=True)
class ExpectedLine:
    """One request line as the warehouse should find it: the order line's SKU and title."""

    line_no: int
    sku: str
    title: str
    expected: int


@dataclass(frozen=True, slots=True)
class ReceivedLine:
    line_no: int
    sku: str
    title: str
    expected: int
    received: int

    @property
    def short(self) -> int:
        return max(0, self.expected - self.received)

    @property
    def surplus(self) -> int:
        return max(0, self.received - self.expected)


@dataclass(frozen=True, slots=True)
class Mismatch:
    kind: MismatchKind
    note: str = ""
    photos: tuple[str, ...] = ()
    implied: bool = False  # derived from the counts, not ticked by the worker


@dataclass(frozen=True, slots=True)
class Receipt:
    """What arrived for one request; written once, so it has no methods that change it."""

    rma_no: str
    lines: tuple[ReceivedLine, ...]
    mismatches: tuple[Mismatch, ...]
    received_by: str
    received_at: datetime
    scanned_code: str = ""
    # events raised since it was recorded, for the unit of work to hand on
    events: list[DomainEvent] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def record(
        cls,
        *,
        rma_no: str,
        expected: Iterable[ExpectedLine],
        received: Mapping[int, int] | None,
        mismatches: Iterable[Mismatch],
        received_by: str,
        received_at: datetime,
        scanned_code: str = "",
    ) -> Receipt:
        """Check what the worker entered and add the mismatches the counts imply.

        `received` None means "as expected" (the scanner's scan, Enter, Enter); a line
        left out of a given mapping was not found in the box.
        """
        wanted = list(expected)
        counts = _checked_counts(wanted, received)
        lines = tuple(
            ReceivedLine(x.line_no, x.sku, x.title, x.expected, counts.get(x.line_no, 0))
            for x in wanted
        )
        ticked = _check_mismatches(mismatches)
        _check_empty_box(ticked, lines)
        receipt = cls(
            rma_no=rma_no,
            lines=lines,
            mismatches=(*ticked, *_implied(ticked, lines)),
            received_by=received_by,
            received_at=received_at,
            scanned_code=scanned_code,
        )
        receipt.events.append(
            DomainEvent(
                "receipt.recorded",
                received_at,
                {
                    "rma_no": rma_no,
                    "clean": receipt.is_clean,
                    "discrepancies": [kind.value for kind in receipt.discrepancies],
                    "received_by": received_by,
                },
            )
        )
        return receipt

    @property
    def discrepancies(self) -> tuple[MismatchKind, ...]:
        """Every kind of mismatch, ticked or implied, in a stable order."""
        kinds = {m.kind for m in self.mismatches}
        return tuple(kind for kind in MismatchKind if kind in kinds)

    @property
    def is_clean(self) -> bool:
        return not self.discrepancies

    @property
    def tells_customer(self) -> tuple[MismatchKind, ...]:
        return tuple(kind for kind in self.discrepancies if kind.tells_customer)

    @property
    def summary(self) -> Text:
        """One line for the timeline: clean, or the kinds found."""
        if self.is_clean:
            return Text("包裹完好，数量相符", "Parcel complete, quantities match")
        return Text(
            "收货异常：" + "、".join(kind.label.zh for kind in self.discrepancies),
            "Discrepancies: " + ", ".join(kind.label.en for kind in self.discrepancies),
        )


def _checked_counts(
    wanted: list[ExpectedLine], received: Mapping[int, int] | None
) -> dict[int, int]:
    """Counts per line: everything expected when none were given; unknown or negative refused."""
    if received is None:
        return {line.line_no: line.expected for line in wanted}
    known = {line.line_no for line in wanted}
    counts = dict(received)
    for line_no, count in counts.items():
        if line_no not in known:
            raise DomainError(
                "unknown_line",
                Text("申请中没有第 {n} 行", "The request has no line {n}").format(n=line_no),
                field="lines",
            )
        if count < 0:
            raise DomainError(
                "quantity_negative",
                Text("收货数量不能为负数", "A received quantity cannot be negative"),
                field="lines",
            )
    return counts


def _check_empty_box(ticked: tuple[Mismatch, ...], lines: tuple[ReceivedLine, ...]) -> None:
    if any(m.kind is MismatchKind.EMPTY_BOX for m in ticked) and any(x.received for x in lines):
        raise DomainError(
            "empty_box_with_items",
            Text(
                "登记为空包裹时收货数量必须为 0",
                "An empty box cannot have items counted in it",
            ),
            field="mismatches",
        )


def _implied(ticked: tuple[Mismatch, ...], lines: tuple[ReceivedLine, ...]) -> list[Mismatch]:
    """Short or surplus lines the worker did not tick: a discrepancy cannot hide."""
    kinds = {m.kind for m in ticked}
    implied: list[Mismatch] = []
    short = any(line.short for line in lines)
    if short and not kinds & {MismatchKind.MISSING_ITEMS, MismatchKind.EMPTY_BOX}:
        implied.append(Mismatch(MismatchKind.MISSING_ITEMS, _shortfall_note(lines), implied=True))
    if any(line.surplus for line in lines) and MismatchKind.EXTRA_ITEMS not in kinds:
        implied.append(Mismatch(MismatchKind.EXTRA_ITEMS, implied=True))
    return implied


def _check_mismatches(mismatches: Iterable[Mismatch]) -> tuple[Mismatch, ...]:
    seen: dict[MismatchKind, Mismatch] = {}
    for mismatch in mismatches:
        if mismatch.kind in seen:
            raise DomainError(
                "mismatch_repeated",
                Text("同一类异常只能登记一次", "Record each kind of mismatch once"),
                field="mismatches",
            )
        if len(mismatch.note) > MAX_NOTE:
            raise DomainError(
                "note_too_long",
                Text("说明最多 1000 字", "A note is at most 1000 characters"),
                field="mismatches",
            )
        if len(mismatch.photos) > MAX_PHOTOS_PER_MISMATCH:
            raise DomainError(
                "too_many_photos",
                Text("每类异常最多 9 张照片", "At most 9 photos per mismatch"),
                field="mismatches",
            )
        seen[mismatch.kind] = Mismatch(mismatch.kind, mismatch.note.strip(), mismatch.photos)
    return tuple(seen.values())


def _shortfall_note(lines: tuple[ReceivedLine, ...]) -> str:
    return "; ".join(f"{line.sku} −{line.short}" for line in lines if line.short)


# --- parcels that match nothing --------------------------------------------------


class ParcelState(StrEnum):
    OPEN = "open"
    MATCHED = "matched"
    DISPOSED = "disposed"
    RETURNED = "returned"  # sent back to the sender

    @property
    def label(self) -> Text:
        return _STATE_LABELS[self]


_STATE_LABELS = {
    ParcelState.OPEN: Text("待认领", "Waiting to be matched"),
    ParcelState.MATCHED: Text("已匹配", "Matched"),
    ParcelState.DISPOSED: Text("已处置", "Disposed"),
    ParcelState.RETURNED: Text("已退回寄件人", "Returned to sender"),
}


@dataclass(frozen=True, slots=True)
class ParcelLabel:
    """What the label says, as the worker read it."""

    carrier: str = ""
    waybill_no: str = ""
    sender_name: str = ""
    sender_phone: str = ""
    text: str = ""

    def checked(self) -> ParcelLabel:
        label = ParcelLabel(
            self.carrier.strip()[:64],
            normalise_code(self.waybill_no)[:64],
            self.sender_name.strip()[:200],
            self.sender_phone.strip()[:40],
            self.text.strip()[:MAX_NOTE],
        )
        if not (label.waybill_no or label.sender_name or label.sender_phone or label.text):
            raise DomainError(
                "label_required",
                Text(
                    "请至少记录运单号、寄件人或面单上的文字之一",
                    "Record at least the waybill, the sender or some text from the label",
                ),
                field="waybill_no",
            )
        return label


@dataclass
class UnidentifiedParcel:
    label: ParcelLabel
    shelf: str
    found_by: str
    found_at: datetime
    photos: tuple[str, ...] = ()
    id: int | None = None
    state: ParcelState = ParcelState.OPEN
    matched_rma: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    resolution_note: str = ""
    events: list[DomainEvent] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def found(
        cls,
        label: ParcelLabel,
        shelf: str,
        found_by: str,
        now: datetime,
        photos: tuple[str, ...] = (),
    ) -> UnidentifiedParcel:
        spot = shelf.strip()[:32]
        if not spot:
            raise DomainError(
                "shelf_required",
                Text("请填写存放货位", "Say on which shelf the parcel waits"),
                field="shelf",
            )
        return cls(label.checked(), spot, found_by, now, photos)

    def match(self, rma_no: str, by: str, now: datetime) -> None:
        self._resolve(ParcelState.MATCHED, by, now, rma_no)
        self.matched_rma = rma_no
        self._raise("parcel.matched", now, rma_no=rma_no)

    def let_go(self, state: ParcelState, reason: str, by: str, now: datetime) -> None:
        """Disposed or returned to the sender: never without the reason."""
        if state not in (ParcelState.DISPOSED, ParcelState.RETURNED):
            raise DomainError(
                "state_not_allowed",
                Text("只能选择处置或退回寄件人", "Choose disposed or returned to sender"),
                field="outcome",
            )
        if not reason.strip():
            raise DomainError(
                "reason_required",
                Text("请说明原因", "Give the reason"),
                field="reason",
            )
        self._resolve(state, by, now, reason.strip()[:MAX_NOTE])
        self._raise("parcel.let_go", now, state=state.value)

    def require_open(self) -> None:
        if self.state is not ParcelState.OPEN:
            raise DomainError(
                "parcel_already_resolved",
                Text("该包裹已处理（{zh}）", "This parcel was already dealt with ({en})").format(
                    zh=self.state.label.zh, en=self.state.label.en
                ),
            )

    def _resolve(self, state: ParcelState, by: str, now: datetime, note: str) -> None:
        self.require_open()
        self.state = state
        self.resolved_by = by
        self.resolved_at = now
        self.resolution_note = note

    def _raise(self, name: str, now: datetime, **data: str) -> None:
        self.events.append(DomainEvent(name, now, {"parcel_id": self.id, **data}))
