"""Photo references: a record may carry only photos that belong to its own request.

Photo names are issued by the server when bytes are uploaded (`PhotoStore.save_all`),
but two API bodies take names rather than bytes: filing a return and the checklist
inspection. Without a check an agent could copy a name from one merchant's request
onto another merchant's, and that merchant could then open the customer's photo.

Ownership is derived from what is already stored, so no new column is needed: a name
recorded nowhere yet is a fresh upload of this very call (names are 128 random bits,
so nobody can name a file they were not given); a name already recorded must be
recorded on the same scope — for a new request, requests of the same customer with
the same merchant (re-using the customer's own photo, which that merchant has already
seen); for an inspection, the same request
(its own photos, its receipt's, its earlier inspection's). Anything else is refused
exactly like a name that does not exist, so the answer reveals nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from returnflow.domain.photos import is_photo_name
from returnflow.domain.text import DomainError, Text


class PhotoRecords(Protocol):
    """Where photo names are already recorded (`storage/photo_records.py`)."""

    def where_recorded(self, name: str) -> dict[str, list[str]]: ...

    def request_parties(self, rma_nos: Iterable[str]) -> set[tuple[str, str]]: ...


class PhotoWork(Protocol):
    """The slice of a unit of work these checks read: `uow.photo_records`."""

    @property
    def photo_records(self) -> PhotoRecords: ...


def _refused(name: str) -> DomainError:
    return DomainError(
        "photo_not_found",
        Text(
            "照片 {name} 不属于这个申请，请重新上传",
            "The photo {name} does not belong to this request: upload it again",
        ).format(name=name[:80]),
        field="photos",
    )


def check_for_new_request(
    uow: PhotoWork, names: Iterable[str], *, merchant_id: str, customer_id: str
) -> None:
    """Refuse a photo that is neither fresh nor on this customer's requests to this merchant."""
    for name in names:
        if not is_photo_name(name):
            raise _refused(name)
        recorded = uow.photo_records.where_recorded(name)
        if not recorded:
            continue
        if not set(recorded) <= {"request", "conversation"}:
            raise _refused(name)
        on = recorded.get("request", []) + recorded.get("conversation", [])
        parties = uow.photo_records.request_parties(on)
        if any(party != (merchant_id, customer_id) for party in parties):
            raise _refused(name)


def check_for_request(uow: PhotoWork, names: Iterable[str], *, rma_no: str) -> None:
    """Refuse a photo that is neither fresh nor already on the request `rma_no`."""
    for name in names:
        if not is_photo_name(name):
            raise _refused(name)
        recorded = uow.photo_records.where_recorded(name)
        if "parcel" in recorded:
            raise _refused(name)
        if any(key != rma_no for keys in recorded.values() for key in keys):
            raise _refused(name)
