"""An in-memory gateway for the demo and for tests of the code that drives refunds.

It behaves like a real gateway in the ways that matter to correctness: it honours
idempotency keys (one key, one refund, ever), settles asynchronously (a refund is
`pending` until `settle_after` has passed on the injected clock), sends signed
settlement notifications, and can be told to fail or to be unreachable so the demo can
show what happens when money does not move.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from returnflow.domain.money import Money
from returnflow.payments.gateway import (
    GatewayRefund,
    GatewayRejected,
    GatewayResponseInvalid,
    GatewayUnavailable,
    NotificationUnsupported,
    RefundReason,
    RefundStatus,
    RefundSubmission,
    SignatureInvalid,
    header_value,
)
from returnflow.payments.sandbox_store import StateFile

SIGNATURE_HEADER = "Sandbox-Signature"
FORCED_FAILURE = "sandbox_forced_failure"


@dataclass(slots=True)
class _Record:
    refund_id: str
    submission: RefundSubmission
    created_at: datetime
    fails_with: str | None
    notified: bool = False
    metadata: dict[str, str] = field(default_factory=dict)


class SandboxGateway:
    """`PaymentGateway` kept in a dict; nothing leaves the machine.

    With a `state_file` its refunds live in that file as a real gateway's live on its
    servers: a new instance (after a restart, or in the server while the demo ran in
    another process) sees every refund and settlement made before. The test switches
    (fail, unavailable) stay with the instance they were given to.
    """

    def __init__(
        self,
        clock: Callable[[], datetime],
        *,
        settle_after: timedelta = timedelta(seconds=30),
        webhook_secret: str | None = None,  # None: a random key only this instance knows
        state_file: Path | None = None,
    ) -> None:
        self._clock = clock
        self._settle_after = settle_after
        self._secret = (webhook_secret or secrets.token_urlsafe(32)).encode()
        self._lock = threading.Lock()
        self._records: dict[str, _Record] = {}
        self._by_key: dict[str, str] = {}
        self._fail_next = 0
        self._failing_references: set[str] = set()
        self._unavailable_next = 0
        self._unavailable_after_recording = False
        self._state = None if state_file is None else StateFile(state_file)
        self._deferred = False  # saves wait for the end of `saves_deferred`
        self._unsaved = False
        self._refresh()

    # --- switches for the demo and tests -------------------------------------------

    def fail_next(self, n: int = 1) -> None:
        """The next `n` new refunds are accepted but settle as `failed`."""
        with self._lock:
            self._fail_next += n

    def fail_payment_reference(self, payment_reference: str) -> None:
        """Every new refund against this payment settles as `failed` (e.g. closed card)."""
        with self._lock:
            self._failing_references.add(payment_reference)

    def unavailable_next(self, n: int = 1, *, after_recording: bool = False) -> None:
        """The next `n` calls raise `GatewayUnavailable`.

        With `after_recording`, a submission is recorded before the error is raised:
        the "timed out, but the money was sent" case that idempotency keys exist for.
        """
        with self._lock:
            self._unavailable_next += n
            self._unavailable_after_recording = after_recording

    def forget_all(self) -> None:
        """Start the books afresh: the demo loads an empty database, so refunds kept
        from an earlier one would only be settlements nobody here asked for."""
        with self._books():
            self._records, self._by_key = {}, {}
            self._save_all()

    @contextmanager
    def saves_deferred(self) -> Iterator[None]:
        """Write the state file once at the end instead of after every change.

        Each save rewrites every refund, so the demo's hundreds of refunds took
        quadratic time. While deferred, the file is neither read nor written. A writer
        in another process in that time loses to this one, as in any race of two writers.
        """
        with self._lock:
            self._deferred = True
        try:
            yield
        finally:
            with self._lock:
                self._deferred = False
                if self._unsaved:
                    self._save_all()

    @property
    def refund_count(self) -> int:
        """How many distinct refunds exist: the number a double payment would inflate."""
        with self._books():
            self._refresh()
            return len(self._records)

    # --- PaymentGateway ------------------------------------------------------------

    def submit_refund(self, request: RefundSubmission) -> GatewayRefund:
        with self._books():
            self._refresh()
            if self._unavailable_next and not self._unavailable_after_recording:
                self._unavailable_next -= 1
                raise GatewayUnavailable("sandbox told to be unavailable")
            existing_id = self._by_key.get(request.idempotency_key)
            if existing_id is not None:
                record = self._records[existing_id]
                if (
                    record.submission.amount != request.amount
                    or record.submission.payment_reference != request.payment_reference
                ):
                    raise GatewayRejected(
                        "idempotency_mismatch",
                        "this idempotency key was used for a different refund",
                    )
            else:
                record = self._create(request)
                self._save([record])
            if self._unavailable_next:
                self._unavailable_next -= 1
                raise GatewayUnavailable("sandbox recorded the refund, then dropped the answer")
            return self._view(record)

    def refund_status(self, gateway_refund_id: str) -> GatewayRefund:
        with self._books():
            self._refresh()
            if self._unavailable_next:
                self._unavailable_next -= 1
                raise GatewayUnavailable("sandbox told to be unavailable")
            record = self._records.get(gateway_refund_id)
            if record is None:
                raise GatewayRejected(
                    "resource_missing", f"no such refund: {gateway_refund_id}", http_status=404
                )
            return self._view(record)

    def find_refund(
        self, idempotency_key: str, payment_reference: str, gateway_refund_id: str | None = None
    ) -> GatewayRefund | None:
        with self._books():
            self._refresh()
            if self._unavailable_next and not self._unavailable_after_recording:
                self._unavailable_next -= 1
                raise GatewayUnavailable("sandbox told to be unavailable")
            refund_id = self._by_key.get(idempotency_key) or gateway_refund_id
            record = self._records.get(refund_id) if refund_id else None
            return None if record is None else self._view(record)

    def parse_notification(self, body: bytes, headers: Mapping[str, str]) -> GatewayRefund:
        signature = header_value(headers, SIGNATURE_HEADER)
        if not signature or not hmac.compare_digest(signature, self._sign(body)):
            raise SignatureInvalid("sandbox signature does not match")
        try:
            event = json.loads(body)
            if event.get("type") != "refund.settled":
                raise NotificationUnsupported(f"event type {event.get('type')!r}")
            refund = event["refund"]
            return GatewayRefund(
                gateway_refund_id=str(refund["id"]),
                status=RefundStatus(refund["status"]),
                amount=Money(int(refund["amount"]), str(refund["currency"])),
                failure_reason=refund.get("failure_reason"),
                metadata=dict(refund.get("metadata") or {}),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise GatewayResponseInvalid("malformed sandbox notification") from exc

    # --- asynchronous settlement ---------------------------------------------------

    def due_notifications(self) -> list[tuple[bytes, dict[str, str]]]:
        """Signed notifications for refunds that settled since the last call, each once.

        The demo worker calls this and feeds each `(body, headers)` to the same webhook
        handler a real gateway would call.
        """
        out: list[tuple[bytes, dict[str, str]]] = []
        notified: list[_Record] = []
        with self._books():
            self._refresh()
            for record in self._records.values():
                view = self._view(record)
                if record.notified or not view.status.is_final:
                    continue
                record.notified = True
                notified.append(record)
                body = json.dumps(
                    {
                        "type": "refund.settled",
                        "refund": {
                            "id": view.gateway_refund_id,
                            "status": view.status.value,
                            "amount": view.amount.cents,
                            "currency": view.amount.currency,
                            "failure_reason": view.failure_reason,
                            "metadata": dict(view.metadata),
                        },
                    },
                    sort_keys=True,
                ).encode()
                out.append((body, {SIGNATURE_HEADER: self._sign(body)}))
            if notified:
                self._save(notified)
        return out

    # --- internals (call with the lock held) ---------------------------------------

    @contextmanager
    def _books(self) -> Iterator[None]:
        """This instance's lock and, with a state file, the file's across processes, so
        refresh, change and save are one step however many processes pay (issue 11)."""
        with self._lock:
            if self._state is None or self._deferred:
                yield
                return
            with self._state.locked():
                yield

    def _create(self, request: RefundSubmission) -> _Record:
        fails_with: str | None = None
        if request.payment_reference in self._failing_references:
            fails_with = FORCED_FAILURE
        elif self._fail_next:
            self._fail_next -= 1
            fails_with = FORCED_FAILURE
        refund_id = f"sbx_re_{len(self._records) + 1:06d}"
        record = _Record(
            refund_id=refund_id,
            submission=request,
            created_at=self._clock(),
            fails_with=fails_with,
            metadata=dict(request.metadata),
        )
        self._records[refund_id] = record
        self._by_key[request.idempotency_key] = refund_id
        return record

    def _view(self, record: _Record) -> GatewayRefund:
        settled = self._clock() >= record.created_at + self._settle_after
        if not settled:
            status, reason = RefundStatus.PENDING, None
        elif record.fails_with is not None:
            status, reason = RefundStatus.FAILED, record.fails_with
        else:
            status, reason = RefundStatus.SUCCEEDED, None
        return GatewayRefund(
            gateway_refund_id=record.refund_id,
            status=status,
            amount=record.submission.amount,
            failure_reason=reason,
            metadata=record.metadata,
        )

    def _refresh(self) -> None:
        """Take up refunds another instance wrote since this one last read or wrote."""
        if self._state is None or self._deferred:
            return
        afresh, found = self._state.read_new()
        if afresh:
            self._records, self._by_key = {}, {}
        for item in found:
            record = _record_from_json(item)
            self._records[record.refund_id] = record
            self._by_key[record.submission.idempotency_key] = record.refund_id

    def _save(self, changed: list[_Record]) -> None:
        """Append the records just made or changed (a later line replaces an earlier)."""
        if self._deferred:
            self._unsaved = True
        elif self._state is not None:
            self._state.append(_record_to_json(record) for record in changed)

    def _save_all(self) -> None:
        self._unsaved = self._deferred
        if self._state is not None and not self._deferred:
            self._state.write(_record_to_json(record) for record in self._records.values())

    def _sign(self, body: bytes) -> str:
        return hmac.new(self._secret, body, hashlib.sha256).hexdigest()


def settlement_records(gateway: SandboxGateway) -> list[dict[str, str | int]]:
    """The sandbox's settlement list: every refund that has settled as paid.

    What a real gateway's settlement report (or balance-transaction export) gives
    finance to reconcile against: one row per refund, its id, amount and reference.
    """
    rows: list[dict[str, str | int]] = []
    with gateway._books():  # not half of a line another process is appending
        gateway._refresh()
        for record in gateway._records.values():
            view = gateway._view(record)
            if view.status is not RefundStatus.SUCCEEDED:
                continue
            rows.append(
                {
                    "gateway_refund_id": view.gateway_refund_id,
                    "amount": view.amount.cents,
                    "currency": view.amount.currency,
                    "reference": view.metadata.get("rma_no", ""),
                }
            )
    return rows


def _record_to_json(record: _Record) -> dict[str, Any]:
    submission = record.submission
    return {
        "id": record.refund_id,
        "idempotency_key": submission.idempotency_key,
        "payment_reference": submission.payment_reference,
        "amount": submission.amount.cents,
        "currency": submission.amount.currency,
        "reason": submission.reason.value,
        "submitted_metadata": dict(submission.metadata),
        "created_at": record.created_at.isoformat(),
        "fails_with": record.fails_with,
        "notified": record.notified,
        "metadata": dict(record.metadata),
    }


def _record_from_json(item: dict[str, Any]) -> _Record:
    submission = RefundSubmission(
        idempotency_key=str(item["idempotency_key"]),
        payment_reference=str(item["payment_reference"]),
        amount=Money(int(item["amount"]), str(item["currency"])),
        reason=RefundReason(item["reason"]),
        metadata=dict(item.get("submitted_metadata") or {}),
    )
    return _Record(
        refund_id=str(item["id"]),
        submission=submission,
        created_at=datetime.fromisoformat(item["created_at"]),
        fails_with=item.get("fails_with"),
        notified=bool(item.get("notified")),
        metadata=dict(item.get("metadata") or {}),
    )
