"""Risk at intake and a customer's privacy (R14.1, R10.3): what anonymising clears of
the risk records, and what of them a customer's data export shows.

Anonymising (`clear`, called by storage/anonymise.py):
- `customer_identifiers` rows go. They are SHA-256 hashes, but of a phone number, an
  address or a device id: a phone number has ~10^10 values, so its hash is found again
  by trying them all, and any hash still links the customer to other accounts.
  Afterwards the customer links to nobody and nobody to them (their past assessments
  keep the `linked_accounts` signal they had, with its count and kinds only).
- The watch list's reasons and the staff verdicts' notes are free text a person typed
  ("called from 139…, same address as …") and are emptied; the entries and verdicts
  stay (customer id, dates, expiry, who, the verdict), so the list and the tuning
  figures count the same.
- Stored assessments keep score, level, points, codes and actions; only the
  `watch_listed` signal's message, which quotes the watch-list reason, is rewritten
  without it.

The export (`export`, called by storage/customer_export.py) answers "why was my request
held?": every assessment with its score, level, signals (points and the zh/en message)
and the actions it took; the staff verdicts on them (verdict, the score at the time,
when) and the watch-list entries (reason, from, until, removed) — without staff names
or their internal notes. Identifier hashes are left out: they are hashes of the phone
and address the export already shows in clear.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from returnflow.storage.schema.risk import (
    CustomerIdentifierRow,
    RiskAssessmentRow,
    RiskFeedbackRow,
    WatchListRow,
)

WATCH_SIGNAL = "watch_listed"
WATCH_MESSAGE = {"zh": "在观察名单上", "en": "On the watch list"}  # without the reason


def clear(session: Session, customer_id: str) -> None:
    """Forget the customer's identifiers and the free text staff wrote about them."""
    session.execute(
        delete(CustomerIdentifierRow).where(CustomerIdentifierRow.customer_id == customer_id)
    )
    entries = select(WatchListRow).where(WatchListRow.customer_id == customer_id)
    for entry in session.scalars(entries):
        entry.reason = ""
    verdicts = select(RiskFeedbackRow).where(RiskFeedbackRow.customer_id == customer_id)
    for verdict in session.scalars(verdicts):
        verdict.note = ""
    assessments = select(RiskAssessmentRow).where(RiskAssessmentRow.customer_id == customer_id)
    for assessment in session.scalars(assessments):
        if any(signal.get("code") == WATCH_SIGNAL for signal in assessment.signals):
            assessment.signals = [
                {**signal, **WATCH_MESSAGE} if signal.get("code") == WATCH_SIGNAL else signal
                for signal in assessment.signals
            ]


def _iso(value: Any) -> Any:
    return None if value is None else value.isoformat()


def export(session: Session, customer_id: str) -> dict[str, list[dict[str, Any]]]:
    """The customer's risk records as plain JSON-ready dictionaries, oldest first."""
    assessed = select(RiskAssessmentRow).where(RiskAssessmentRow.customer_id == customer_id)
    judged = select(RiskFeedbackRow).where(RiskFeedbackRow.customer_id == customer_id)
    watched = select(WatchListRow).where(WatchListRow.customer_id == customer_id)
    return {
        "risk_assessments": [
            {
                "rma_no": row.rma_no,
                "score": row.score,
                "level": row.level,
                "signals": list(row.signals),
                "actions": list(row.actions),
                "thresholds_version": row.thresholds_version,
                "assessed_at": _iso(row.created_at),
            }
            for row in session.scalars(assessed.order_by(RiskAssessmentRow.id))
        ],
        "risk_verdicts": [
            {
                "rma_no": row.rma_no,
                "verdict": row.verdict,
                "score": row.score,
                "level": row.level,
                "at": _iso(row.at),
            }
            for row in session.scalars(judged.order_by(RiskFeedbackRow.id))
        ],
        "watch_list": [
            {
                "reason": row.reason,
                "added_at": _iso(row.added_at),
                "expires_at": _iso(row.expires_at),
                "removed_at": _iso(row.removed_at),
            }
            for row in session.scalars(watched.order_by(WatchListRow.id))
        ],
    }
