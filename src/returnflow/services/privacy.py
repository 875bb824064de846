"""Privacy use cases (R14.1): reading the access log, a customer's data export, and
anonymising customers whose last request closed long enough ago.

The API and the console page both read the access log through `read_access_log`, so
the two cannot disagree on what a filter means.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from returnflow.domain import input_bounds
from returnflow.domain.access import Principal
from returnflow.domain.paging import page_count
from returnflow.domain.text import DomainError, Text
from returnflow.services.errors import NotFound
from returnflow.services.unit_of_work import UnitOfWork
from returnflow.storage.photos import PhotoStore
from returnflow.storage.privacy import AccessEntry as AccessEntry
from returnflow.storage.privacy import AccessFilter as AccessFilter

# what the access log records: unmasked contact data, photos, addresses, data exports
KINDS = ("contact", "photo", "address", "export")
PAGE_SIZE = 50
MAX_PAGE = 100_000
LOCAL_ZONE = ZoneInfo("Asia/Shanghai")  # the console's days are China Standard Time days


@dataclass(frozen=True, slots=True)
class AccessLogPage:
    entries: list[AccessEntry]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.page_size)


def _invalid(field: str, message: Text) -> DomainError:
    return DomainError("invalid_filter", message, field=field)


def parse_day(value: str, field: str) -> date | None:
    """A YYYY-MM-DD day within the shared sane range (domain/input_bounds), or None."""
    return input_bounds.optional_day(value, field)


def parse_page(value: str) -> int:
    return input_bounds.whole_number(value.strip() or "1", "page", 1, MAX_PAGE)


def access_filter(
    *,
    actor: str = "",
    customer_id: str = "",
    what: str = "",
    date_from: str = "",
    date_to: str = "",
) -> AccessFilter:
    """The filter from form or query text; days are whole local days, both inclusive."""
    kind = what.strip()
    if kind and kind not in KINDS:
        raise _invalid("kind", Text("未知的访问类型", "Unknown kind of access"))
    start, end = parse_day(date_from, "from"), parse_day(date_to, "to")
    if start is not None and end is not None and end < start:
        raise _invalid("to", Text("结束日期早于开始日期", "The end date is before the start date"))
    return AccessFilter(
        actor=actor.strip()[:100],
        customer_id=customer_id.strip()[:64],
        what=kind,
        start=None if start is None else datetime.combine(start, time.min, tzinfo=LOCAL_ZONE),
        end=None
        if end is None
        else datetime.combine(end + timedelta(days=1), time.min, tzinfo=LOCAL_ZONE),
    )


def read_access_log(
    uow: UnitOfWork, wanted: AccessFilter, page: int, page_size: int = PAGE_SIZE
) -> AccessLogPage:
    entries, total = uow.privacy.access_page(wanted, offset=(page - 1) * page_size, limit=page_size)
    return AccessLogPage(entries, total, page, page_size)


def customer_not_found(customer_id: str) -> NotFound:
    return NotFound(
        "customer_not_found",
        Text("找不到客户 {id}", "Customer {id} was not found").format(id=customer_id),
    )


def export_customer(
    uow: UnitOfWork, customer_id: str, principal: Principal, now: datetime
) -> dict[str, Any]:
    """Everything held on the customer; the export itself is an access and is logged."""
    data = uow.privacy.export(customer_id)
    if data is None:
        raise customer_not_found(customer_id)
    uow.accounts.log_access(principal.actor, customer_id, "export", now, customer_id=customer_id)
    return {"generated_at": now.isoformat(), "generated_by": principal.actor, **data}


@dataclass(frozen=True, slots=True)
class ExportFile:
    """A customer's export as it is downloaded."""

    content: bytes
    media_type: str
    filename: str


def export_file(
    uow: UnitOfWork,
    customer_id: str,
    principal: Principal,
    now: datetime,
    form: Literal["json", "zip"],
    photos: PhotoStore,
) -> ExportFile:
    """The export as JSON, or as a ZIP of that JSON and the customer's photo files."""
    data = export_customer(uow, customer_id, principal, now)
    document = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
    stem = f"customer-{''.join(c for c in customer_id if c.isalnum() or c in '-_')[:64]}"
    if form != "zip":
        return ExportFile(document, "application/json", f"{stem}.json")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("customer.json", document)
        for name in photo_names(data):
            found = photos.read(name)
            if found is not None:
                archive.writestr(f"photos/{name}", found[0])
    return ExportFile(buffer.getvalue(), "application/zip", f"{stem}.zip")


@dataclass
class RetentionReport:
    """Customers anonymised (or, in a dry run, that would be) and photo files to delete."""

    customers: list[str]
    requests: int
    photos: list[str]


def anonymise_batch(
    uow: UnitOfWork, now: datetime, retention_days: int, *, limit: int, dry_run: bool = False
) -> RetentionReport:
    """One batch of customers due (last request closed `retention_days` ago or more)."""
    cutoff = now - timedelta(days=retention_days)
    due = uow.privacy.due_for_anonymising(cutoff, limit)
    report = RetentionReport(list(due), 0, [])
    if dry_run:
        return report
    for customer_id in due:
        cleared = uow.privacy.anonymise_customer(customer_id, now)
        report.requests += cleared.requests
        report.photos.extend(cleared.photos)
    return report


def photo_names(export: dict[str, Any]) -> list[str]:
    """Every photo an export names: the requests', the receipts' and the inspections'."""
    names: list[str] = []
    for request in export.get("requests", []):
        names += [str(name) for name in request.get("photos") or []]
    for receipt in export.get("receipts", []):
        for mismatch in receipt.get("mismatches", []):
            names += [str(name) for name in mismatch.get("photos") or []]
    for inspection in export.get("inspections", []):
        names += [str(name) for name in inspection.get("photos") or []]
    for message in export.get("conversations", []):  # issue 13: photos sent in a thread
        names += [str(attachment["name"]) for attachment in message.get("attachments", [])]
    return list(dict.fromkeys(names))


def log_photo_access(uow: UnitOfWork, actor: str, name: str, now: datetime) -> None:
    """R14.1: a photo shown to staff is logged like an unmasked contact."""
    subject = uow.privacy.photo_subject(name)
    if subject is not None:
        uow.accounts.log_access(actor, subject, "photo", now)


def log_address_access(uow: UnitOfWork, actor: str, rma_no: str, now: datetime) -> None:
    """R14.1: a customer's address shown to staff (the return label) is logged."""
    uow.accounts.log_access(actor, rma_no, "address", now)
