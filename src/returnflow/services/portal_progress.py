"""Where a customer's request stands, as a stepper, and the one thing they must do next.

Issue 16: the portal's request page opens on a progress bar fitted to the request type
(submitted → approved → shipped back → received → refunded/done; nothing to send back
skips two steps) and one "next step" card. This reads the request and its parcel panel
only; the words are the portal's catalog's (`portal/_progress.html`).
"""

from __future__ import annotations

from dataclasses import dataclass

from returnflow.domain.kinds import RequestType
from returnflow.domain.lifecycle import Action, Status, allowed_actions
from returnflow.domain.returns import ReturnRequest
from returnflow.services.inspection import OfferView
from returnflow.services.shipping import Options

_WITH_PARCEL = ("submitted", "approved", "shipped", "received", "done")
_WITHOUT_PARCEL = ("submitted", "approved", "done")
_REACHED = {
    Status.REQUESTED: "submitted",
    Status.PENDING_REVIEW: "submitted",
    Status.REJECTED: "submitted",
    Status.CANCELLED: "submitted",
    Status.APPROVED: "approved",
    Status.CLOSED: "approved",
    Status.IN_TRANSIT: "shipped",
    Status.RECEIVED: "received",
    Status.INSPECTED: "received",
    Status.INSPECTION_FAILED: "received",
}
_STOPPED = frozenset({Status.REJECTED, Status.CANCELLED, Status.CLOSED, Status.INSPECTION_FAILED})


@dataclass(frozen=True)
class Step:
    key: str  # submitted | approved | shipped | received | done | stopped
    state: str  # done | now | todo | failed


@dataclass(frozen=True)
class Progress:
    request_type: RequestType
    steps: tuple[Step, ...]
    next_action: str  # the key of the "next step" card


def _steps(request: ReturnRequest) -> tuple[Step, ...]:
    keys = _WITH_PARCEL if request.request_type.ships_back else _WITHOUT_PARCEL
    reached = _REACHED.get(request.status, "done")
    if reached not in keys:  # shipped or received on a request with nothing to send
        reached = "approved"
    at = keys.index(reached)
    steps = [Step(key, "done") for key in keys[: at + 1]]
    if request.status in _STOPPED:
        return (*steps, Step("stopped", "failed"))
    if reached != "done":
        steps.append(Step(keys[at + 1], "now"))
        steps.extend(Step(key, "todo") for key in keys[at + 2 :])
    return tuple(steps)


def _approved_action(request: ReturnRequest, shipping: Options | None) -> str:
    if not request.request_type.ships_back:
        return "wait_result"
    if shipping is None:
        return "ship"
    if shipping.can_choose:
        return "choose_method"
    current = shipping.current
    if current is None:
        return "ship" if not shipping.quotes else "choose_method"
    return {"pickup": "wait_pickup", "dropoff": "dropoff"}.get(current.method, "ship_self")


def next_action(request: ReturnRequest, shipping: Options | None, offer: OfferView | None) -> str:
    """The one thing the customer does (or waits for) now."""
    status = request.status
    actions = allowed_actions(status, request.request_type)
    if Action.CONFIRM in actions:
        return "confirm"
    if status in (Status.REQUESTED, Status.PENDING_REVIEW):
        return "wait_review"
    if status is Status.APPROVED:
        return _approved_action(request, shipping)
    if status is Status.IN_TRANSIT:
        return "wait_arrival"
    if status in (Status.RECEIVED, Status.INSPECTED):
        return "wait_result"
    if status is Status.INSPECTION_FAILED:
        return "answer_offer" if offer is not None and offer.status == "offered" else "appeal"
    if status in (Status.EXCHANGED, Status.REPAIRED, Status.REISSUED):
        return "wait_delivery"  # the replacement, the repaired item or the parts come back
    if status is Status.REJECTED:
        return "rejected"
    if status in (Status.CANCELLED, Status.CLOSED):
        return "ended"
    return "done"


def progress(request: ReturnRequest, shipping: Options | None, offer: OfferView | None) -> Progress:
    return Progress(request.request_type, _steps(request), next_action(request, shipping, offer))
