"""The scan vocabulary: what a parcel's journey looks like once a carrier has spoken.

Carriers (logistics/) translate their own codes into these types; the domain's tracking
and alert rules reason over them. They live in the domain so that the rules import
nothing from the adapters around them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class TrackingStatus(StrEnum):
    """The few states a parcel is in, whichever carrier reports them.

    Alerts (R4.4) and the customer's timeline key on these, never on a carrier's own
    codes, so a new carrier only has to map into this set.
    """

    ACCEPTED = "accepted"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    RETURNED_TO_SENDER = "returned_to_sender"


class TrackingProblem(StrEnum):
    """What went wrong, for an `EXCEPTION` event: the alert rules (R4.4) key on it."""

    LOST = "lost"
    DAMAGED = "damaged"
    DELAYED = "delayed"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class TrackingEvent:
    """One scan or status change from a carrier's feed, already normalised."""

    at: datetime
    status: TrackingStatus
    description: str
    location: str = ""
    problem: TrackingProblem | None = None  # set only for EXCEPTION events
