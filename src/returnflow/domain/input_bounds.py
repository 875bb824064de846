"""One parsing layer for numbers, days and free text in page forms and query strings.

Why not `int()` and `date.fromisoformat()` where a value is read: input comes from
strangers, and Python's converters are generous. `str.isdigit()` is true for `²` and
`٣`, `int()` turns `٣` into 3 and refuses (ValueError) thousands of digits only after
reading them, a 14-digit id overflows a 32-bit column, and `date.fromisoformat()` takes
week dates and `0001-01-03`, from which one `timedelta` reaches an OverflowError. So
every page and query value goes through here: numbers are 1–18 ASCII digits within a
stated range, days are `YYYY-MM-DD` in ASCII between `FIRST_DAY` and `LAST_DAY` (a
century either way of any date arithmetic the platform does), and a bad value is a
`DomainError` with a code, a bilingual message and the field: a 422 problem in the API,
the form shown again (or the error page) on pages. Pydantic bodies use the same bounds
(`RowId`, `schemas.OrderIn`).
"""

from __future__ import annotations

import re
from datetime import date

from returnflow.domain.text import DomainError, Text

MAX_ROW_ID = 2**31 - 1  # a table's INTEGER primary key
MAX_LINE_NO = 10_000  # schemas.OrderLineIn.line_no
MAX_QUANTITY = 100_000  # schemas.OrderLineIn.quantity
MAX_PAGE = 100_000
MAX_AMOUNT = 10**13  # minor units: the largest order total (api/schemas.py MAX_ORDER_TOTAL)
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)

_DIGITS = re.compile(r"[0-9]{1,18}", re.ASCII)
_AMOUNT = re.compile(r"([0-9]{1,13})(?:\.([0-9]{1,2}))?", re.ASCII)
_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)


def digits(value: str, low: int, high: int) -> int | None:
    """The number written in ASCII digits within [low, high], or None for anything else."""
    text = value.strip()
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if low <= number <= high else None


def whole_number(value: str, field: str, low: int, high: int) -> int:
    """An ASCII whole number within [low, high], or a refusal naming the field."""
    number = digits(value, low, high)
    if number is None:
        raise DomainError(
            "number_invalid",
            Text(
                "“{field}”须为 {low} 到 {high} 之间的整数",
                "“{field}” must be a whole number from {low} to {high}",
            ).format(field=field[:40], low=low, high=high),
            field=field[:40],
        )
    return number


def row_id(value: str, field: str) -> int:
    """A table row's number typed into a form or a link."""
    return whole_number(value, field, 1, MAX_ROW_ID)


def optional_row_id(value: str, field: str) -> int | None:
    """A row number that may be left out (blank is None)."""
    return row_id(value, field) if value.strip() else None


def quantity(value: str, field: str) -> int:
    """A count of items; blank counts as 0."""
    return whole_number(value, field, 0, MAX_QUANTITY) if value.strip() else 0


def line_no(value: str, field: str) -> int:
    return whole_number(value, field, 1, MAX_LINE_NO)


def numbered_field(key: str, prefix: str) -> int | None:
    """The line number in a field named `<prefix><n>` (e.g. `qty_3`); None for other fields.

    A field that starts with the prefix but does not end in a line number (`qty_²`,
    `qty_99999999999`) is refused rather than ignored, so a tampered form is noticed.
    """
    if not key.startswith(prefix):
        return None
    return line_no(key[len(prefix) :], key)


def cents(value: str, field: str, low: int, high: int) -> int:
    """An amount typed in yuan (`12`, `12.5`, `12.50`) as minor units within [low, high].

    Not `float()`: it takes `inf`, `nan` and `1e300`, and rounds binary fractions.
    """
    found = _AMOUNT.fullmatch(value.strip())
    amount = None
    if found:
        whole, fraction = found.groups()
        amount = int(whole) * 100 + int((fraction or "0").ljust(2, "0"))
    if amount is None or not low <= amount <= high:
        raise DomainError(
            "amount_invalid",
            Text(
                "“{field}”须为 {low} 到 {high} 元之间的金额，最多两位小数",
                "“{field}” must be an amount from {low} to {high} yuan, at most two decimals",
            ).format(field=field[:40], low=_yuan(low), high=_yuan(high)),
            field=field[:40],
        )
    return amount


def _yuan(amount: int) -> str:
    return f"{amount // 100}.{amount % 100:02d}"


def day(value: str, field: str) -> date:
    """A day written `YYYY-MM-DD` within FIRST_DAY..LAST_DAY."""
    found = _DAY.fullmatch(value.strip())
    parsed: date | None = None
    if found:
        try:
            parsed = date(*(int(part) for part in found.groups()))
        except ValueError:
            parsed = None
    if parsed is None or not FIRST_DAY <= parsed <= LAST_DAY:
        raise _day_refused(field)
    return parsed


def _day_refused(field: str) -> DomainError:
    return DomainError(
        "date_invalid",
        Text(
            "日期格式应为 年-月-日，介于 {first} 与 {last} 之间（{field}）",
            "Dates are written year-month-day, from {first} to {last} ({field})",
        ).format(field=field[:40], first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat()),
        field=field[:40],
    )


def optional_day(value: str, field: str) -> date | None:
    return day(value, field) if value.strip() else None


def day_range(start: date | None, end: date | None, today: date, days: int) -> tuple[date, date]:
    """A reporting window: `days` days ending `end` (default today), never before FIRST_DAY.

    Both ends are inside the sane range and start <= end, so the caller's arithmetic
    (end + 1 day, start − N days) cannot overflow; a reversed window is refused.
    """
    for name, given in (("start", start), ("end", end)):
        if given is not None and not FIRST_DAY <= given <= LAST_DAY:
            raise _day_refused(name)
    last = end or min(max(today, FIRST_DAY), LAST_DAY)
    first = start or max(FIRST_DAY, date.fromordinal(last.toordinal() - (days - 1)))
    if first > last:
        raise DomainError(
            "date_range_reversed",
            Text("开始日期不能晚于结束日期", "The start date cannot be after the end date"),
            field="start",
        )
    return first, last


MAX_PERIOD_DAYS = 366  # a report, export or analysis covers at most a year (leap years too)


def within_days(first: date, last: date, days: int = MAX_PERIOD_DAYS) -> tuple[date, date]:
    """A period of at most `days` days, both ends counted; a longer one is refused."""
    if (last - first).days + 1 > days:
        raise DomainError(
            "date_range_too_long",
            Text("一次最多覆盖 {days} 天", "A period covers at most {days} days").format(days=days),
            field="to",
        )
    return first, last


def required_days(date_from: str, date_to: str, days: int = MAX_PERIOD_DAYS) -> tuple[date, date]:
    """Both days given (`YYYY-MM-DD`), `from` ≤ `to`, at most `days` days."""
    first, last = day(date_from, "from"), day(date_to, "to")
    if first > last:
        raise DomainError(
            "date_range_reversed",
            Text("开始日期不能晚于结束日期", "The start date cannot be after the end date"),
            field="from",
        )
    return within_days(first, last, days)
