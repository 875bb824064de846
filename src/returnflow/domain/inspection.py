"""What the warehouse finds when it opens a returned parcel (R5.2, R5.3).

The inspector works through a checklist chosen by the items' categories, captures the
serial number of electronics, grades the goods A–D and says who is responsible for any
loss of value. Whether the inspection passes is not typed in but derived by `judge`, so
the same findings always give the same outcome and the inspector sees every reason:

1. A serial number that differs from the one the order shipped fails (swapped item),
   whoever the inspector names as responsible.
2. Merchant or carrier responsible: passes. The fault is not the customer's, so the
   customer gets the resolution they asked for; the goods go to disposition.
3. Nobody responsible: passes, but only if no check failed (a failed check with
   nobody to blame is a contradiction the inspector must resolve).
4. Customer responsible: fails, with every failed check's note and the grade as the
   reasons the customer reads. The goods go back, or (R5.3) a partial refund is
   offered where the warehouse rules allow it for the grade.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from returnflow.domain.catalog import ItemFlag
from returnflow.domain.refunds import Deduction
from returnflow.domain.text import DomainError, Text


class Check(StrEnum):
    APPEARANCE = "appearance"
    FUNCTION = "function"
    ACCESSORIES = "accessories"
    PACKAGING = "packaging"
    HYGIENE_SEAL = "hygiene_seal"
    SERIAL_NUMBER = "serial_number"

    @property
    def label(self) -> Text:
        return _CHECK_LABELS[self]


class Mark(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "na"


class Grade(StrEnum):
    A = "A"  # as new: sealed or unused, complete
    B = "B"  # opened or lightly used, complete, resellable at a discount
    C = "C"  # visible wear or missing parts: needs refurbishing
    D = "D"  # broken beyond reasonable repair

    @property
    def label(self) -> Text:
        return _GRADE_LABELS[self]


class Responsibility(StrEnum):
    CUSTOMER = "customer"
    MERCHANT = "merchant"
    CARRIER = "carrier"
    NONE = "none"

    @property
    def label(self) -> Text:
        return _RESPONSIBILITY_LABELS[self]


_BASE = (Check.APPEARANCE, Check.FUNCTION, Check.ACCESSORIES, Check.PACKAGING)
CATEGORY_CHECKS: Mapping[str, tuple[Check, ...]] = {
    "electronics": (*_BASE, Check.SERIAL_NUMBER),
    "home": _BASE,
    "baby": (Check.APPEARANCE, Check.ACCESSORIES, Check.PACKAGING, Check.HYGIENE_SEAL),
    "cosmetics": (Check.APPEARANCE, Check.PACKAGING, Check.HYGIENE_SEAL),
    "apparel": (Check.APPEARANCE, Check.ACCESSORIES, Check.PACKAGING),
    "books_media": (Check.APPEARANCE, Check.PACKAGING),
    "food": (Check.APPEARANCE, Check.PACKAGING, Check.HYGIENE_SEAL),
    "fresh_food": (Check.APPEARANCE, Check.PACKAGING, Check.HYGIENE_SEAL),
}


def checklist_for(category: str, flags: Iterable[ItemFlag] = ()) -> tuple[Check, ...]:
    """The checks for one item: its category's list, plus the seal for hygiene goods."""
    checks = list(CATEGORY_CHECKS.get(category, _BASE))
    if ItemFlag.HYGIENE_SEALED in set(flags) and Check.HYGIENE_SEAL not in checks:
        checks.append(Check.HYGIENE_SEAL)
    return tuple(checks)


def checklist_for_items(items: Iterable[tuple[str, Iterable[ItemFlag]]]) -> tuple[Check, ...]:
    """One checklist for a parcel: every check any of its items needs, in a fixed order."""
    wanted: set[Check] = set()
    for category, flags in items:
        wanted.update(checklist_for(category, flags))
    return tuple(check for check in Check if check in wanted)


@dataclass(frozen=True, slots=True)
class CheckResult:
    check: Check
    mark: Mark
    note: str = ""


@dataclass(frozen=True, slots=True)
class Findings:
    """Everything the inspector recorded; `judge` turns it into the outcome."""

    checks: tuple[CheckResult, ...]
    grade: Grade
    responsibility: Responsibility
    serial_no: str = ""
    expected_serial: str | None = None  # from the order, where the order system knows it
    photos: tuple[str, ...] = ()
    notes: str = ""


@dataclass(frozen=True, slots=True)
class Verdict:
    passed: bool
    reasons: tuple[Text, ...]  # why, in the words the inspector and customer read
    serial_matches: bool | None = None  # None: nothing to compare with

    def summary(self, language: str = "zh") -> str:
        joiner = "；" if language == "zh" else "; "
        return joiner.join(reason.in_language(language) for reason in self.reasons)


def judge(required: Sequence[Check], findings: Findings) -> Verdict:
    """Pass or fail by the rule in the module docstring; refuses incomplete findings."""
    failed = _failed_checks(required, findings)
    serial_matches = _serial_matches(required, findings)
    if serial_matches is False:
        return Verdict(
            False,
            (
                Text(
                    "序列号与订单不符（收到 {got}，应为 {want}）",
                    "The serial number differs from the order's (got {got}, expected {want})",
                ).format(got=findings.serial_no, want=findings.expected_serial),
            ),
            False,
        )
    who = findings.responsibility
    if who in (Responsibility.MERCHANT, Responsibility.CARRIER):
        return Verdict(
            True,
            (
                Text(
                    "问题由{zh}造成，退货照常处理", "Caused by the {en}: the return goes ahead"
                ).format(zh=who.label.zh, en=who.label.en),
            ),
            serial_matches,
        )
    if who is Responsibility.NONE:
        if failed:
            raise DomainError(
                "responsibility_required",
                Text("有未通过的检查项时须指明责任方", "A failed check needs someone responsible"),
                field="responsibility",
            )
        return Verdict(True, (Text("所有检查项通过", "Every check passed"),), serial_matches)
    return Verdict(False, _customer_reasons(failed, findings.grade), serial_matches)


def _failed_checks(required: Sequence[Check], findings: Findings) -> list[CheckResult]:
    """The failed checks; refuses a checklist with gaps or a failure without its note."""
    by_check = {result.check: result for result in findings.checks}
    missing = [check for check in required if check not in by_check]
    if missing:
        raise DomainError(
            "checklist_incomplete",
            Text("请完成所有检查项：{zh}", "Complete every check: {en}").format(
                zh="、".join(c.label.zh for c in missing), en=", ".join(c.label.en for c in missing)
            ),
            field="checks",
        )
    failed = [result for result in findings.checks if result.mark is Mark.FAIL]
    for result in failed:
        if not result.note.strip():
            raise DomainError(
                "check_note_required",
                Text("未通过的检查项“{zh}”须说明原因", "Say why “{en}” failed").format(
                    zh=result.check.label.zh, en=result.check.label.en
                ),
                field=f"checks.{result.check.value}",
            )
    return failed


def _customer_reasons(failed: list[CheckResult], grade: Grade) -> tuple[Text, ...]:
    """What the customer reads when the fault is theirs: each failed check, then the grade."""
    reasons = [
        Text("{zh}：{note}", "{en}: {note}").format(
            zh=r.check.label.zh, en=r.check.label.en, note=r.note.strip()
        )
        for r in failed
    ]
    reasons.append(
        Text("商品等级 {g}（{zh}），责任在顾客", "Grade {g} ({en}), caused by the customer").format(
            g=grade.value, zh=grade.label.zh, en=grade.label.en
        )
    )
    return tuple(reasons)


def _serial_matches(required: Sequence[Check], findings: Findings) -> bool | None:
    if Check.SERIAL_NUMBER not in required:
        return None
    serial = findings.serial_no.strip().upper()
    by_check = {result.check: result for result in findings.checks}
    marked_na = by_check[Check.SERIAL_NUMBER].mark is Mark.NOT_APPLICABLE
    if not serial and not marked_na:
        raise DomainError(
            "serial_required",
            Text("请录入电子产品的序列号", "Capture the electronics' serial number"),
            field="serial_no",
        )
    if not findings.expected_serial or not serial:
        return None
    return serial == findings.expected_serial.strip().upper()


def check_offer(offer: Deduction, refund_total_cents: int) -> None:
    """A partial refund keeps back a positive amount, less than the whole refund."""
    if offer.amount.cents <= 0 or offer.amount.cents >= refund_total_cents:
        raise DomainError(
            "deduction_out_of_range",
            Text(
                "扣减金额须大于 0 且小于退款金额",
                "The deduction must be above 0 and below the refund",
            ),
            field="deduction.amount",
        )
    if not offer.reason.zh.strip() and not offer.reason.en.strip():
        raise DomainError(
            "reason_required",
            Text(
                "请写明扣减原因，顾客会看到",
                "Give the reason for the deduction; the customer reads it",
            ),
            field="deduction.reason",
        )


_CHECK_LABELS = {
    Check.APPEARANCE: Text("外观", "Appearance"),
    Check.FUNCTION: Text("功能", "Function"),
    Check.ACCESSORIES: Text("配件", "Accessories"),
    Check.PACKAGING: Text("包装", "Packaging"),
    Check.HYGIENE_SEAL: Text("卫生封条", "Hygiene seal"),
    Check.SERIAL_NUMBER: Text("序列号", "Serial number"),
}
_GRADE_LABELS = {
    Grade.A: Text("全新", "as new"),
    Grade.B: Text("轻微使用", "lightly used"),
    Grade.C: Text("明显磨损或缺件", "worn or incomplete"),
    Grade.D: Text("损坏", "broken"),
}
_RESPONSIBILITY_LABELS = {
    Responsibility.CUSTOMER: Text("顾客", "customer"),
    Responsibility.MERCHANT: Text("商家", "merchant"),
    Responsibility.CARRIER: Text("承运商", "carrier"),
    Responsibility.NONE: Text("无", "nobody"),
}
