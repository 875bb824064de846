"""Appeals (R3.2): what may be appealed, the window, once decided, and the request's moves."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from returnflow.domain.appeals import (
    Appeal,
    AppealStatus,
    AppealSubject,
    Outcome,
    subject_for,
)
from returnflow.domain.kinds import RequestType
from returnflow.domain.lifecycle import Action, Status
from returnflow.domain.policy import DEFAULT_POLICY
from returnflow.domain.text import DomainError
from tests.domain.builders import day_after_delivery, force_status, perform, request_of_type

NOW = day_after_delivery(1)
DECIDED = NOW - timedelta(days=2)
PHOTO = "0" * 32 + ".jpg"


def _file(
    now: datetime = NOW,
    *,
    statement: str = "包装完好，是质量问题",
    photos: tuple[str, ...] = (PHOTO,),
    window: int = 15,
) -> Appeal:
    return Appeal.file(
        rma_no="RMA-1",
        merchant_id="m-1",
        customer_id="c-1",
        subject=AppealSubject.REJECTION,
        statement=statement,
        photos=photos,
        decision_at=DECIDED,
        window_days=window,
        actor="customer:c-1",
        now=now,
    )


@pytest.mark.parametrize(
    ("status", "offer", "subject"),
    [
        (Status.REJECTED, None, AppealSubject.REJECTION),
        (Status.INSPECTION_FAILED, None, AppealSubject.INSPECTION),
        (Status.INSPECTION_FAILED, "declined", AppealSubject.INSPECTION),
        (Status.INSPECTION_FAILED, "offered", AppealSubject.PARTIAL_OFFER),
        (Status.INSPECTION_FAILED, "accepted", None),
        (Status.APPROVED, None, None),
        (Status.PENDING_REVIEW, None, None),
        (Status.INSPECTED, None, None),
        (Status.CANCELLED, None, None),
    ],
)
def test_the_subject_follows_the_state(
    status: Status, offer: str | None, subject: AppealSubject | None
) -> None:
    assert subject_for(status, offer) is subject


def test_filing_records_the_words_photos_and_an_event() -> None:
    appeal = _file(statement="  包装完好  ")
    assert (appeal.statement, appeal.photos, appeal.status) == ("包装完好", (PHOTO,), "open")
    assert appeal.filed_at == NOW and appeal.appealed_decision_at == DECIDED
    assert [e.name for e in appeal.events] == ["appeal.filed"]
    assert appeal.events[0].data["subject"] == "rejection"


def test_the_window_ends_exactly_window_days_after_the_decision() -> None:
    last = DECIDED + timedelta(days=15)
    assert _file(last).is_open  # the last moment still counts
    with pytest.raises(DomainError) as late:
        _file(last + timedelta(seconds=1))
    assert late.value.code == "appeal_window_closed"
    with pytest.raises(DomainError):
        _file(DECIDED + timedelta(days=4), window=3)


@pytest.mark.parametrize(
    ("statement", "photos", "code"),
    [
        ("   ", (), "reason_required"),
        ("x" * 2001, (), "text_too_long"),
        ("ok", tuple(f"{i:032x}.jpg" for i in range(10)), "too_many_photos"),
    ],
)
def test_bad_filings_are_refused(statement: str, photos: tuple[str, ...], code: str) -> None:
    with pytest.raises(DomainError) as refused:
        _file(statement=statement, photos=photos)
    assert refused.value.code == code


def test_an_appeal_is_decided_once_with_a_reason() -> None:
    appeal = _file()
    with pytest.raises(DomainError) as no_reason:
        appeal.decide(Outcome.OVERTURN, "agent-1", NOW, " ")
    assert no_reason.value.code == "reason_required" and appeal.is_open
    appeal.decide(Outcome.OVERTURN, "agent-1", NOW, "照片可见做工问题")
    assert appeal.status is AppealStatus.OVERTURNED
    assert (appeal.decided_by, appeal.decided_at, appeal.reason) == (
        "agent-1",
        NOW,
        "照片可见做工问题",
    )
    assert appeal.events[-1].name == "appeal.decided"
    assert appeal.events[-1].data["outcome"] == "overturned"
    with pytest.raises(DomainError) as again:
        appeal.decide(Outcome.UPHOLD, "agent-2", NOW, "no")
    assert again.value.code == "appeal_decided"
    upheld = _file()
    upheld.decide(Outcome.UPHOLD, "agent-1", NOW, "维持")
    assert upheld.status == "upheld"


def test_appealing_a_rejection_sends_it_back_to_review() -> None:
    request = request_of_type(RequestType.REFUND, now=NOW)
    force_status(request, Status.PENDING_REVIEW)
    perform(request, Action.REJECT, NOW)
    due = NOW + timedelta(hours=24)
    request.appeal("customer:c-1", NOW, "不同意", review_due=due)
    assert request.status is Status.PENDING_REVIEW and request.review_due_at == due
    last = request.history[-1]
    assert (last.action, last.from_status, last.note) == (Action.APPEAL, Status.REJECTED, "不同意")
    assert request.events[-1].name == "return.pending_review"


def test_appealing_a_failed_inspection_keeps_the_status_and_records_an_event() -> None:
    request = force_status(request_of_type(RequestType.REFUND, now=NOW), Status.INSPECTION_FAILED)
    before = list(request.history)
    request.appeal("customer:c-1", NOW, "没有使用痕迹")
    assert request.status is Status.INSPECTION_FAILED and request.history == before
    assert request.events[-1].name == "return.appealed"


@pytest.mark.parametrize("status", [Status.APPROVED, Status.IN_TRANSIT, Status.COMPLETED])
def test_nothing_else_is_appealed(status: Status) -> None:
    request = force_status(request_of_type(RequestType.REFUND, now=NOW), status)
    with pytest.raises(DomainError) as refused:
        request.appeal("customer:c-1", NOW, "x")
    assert refused.value.code == "transition_not_allowed"


def test_overturning_a_rejection_approves_with_the_shipping_clock() -> None:
    request = force_status(request_of_type(RequestType.REFUND, now=NOW), Status.REJECTED)
    with pytest.raises(DomainError) as no_reason:
        request.overturn("agent-1", NOW, "  ", DEFAULT_POLICY)
    assert no_reason.value.code == "reason_required"
    assert request.status.value == "rejected"
    request.overturn("agent-1", NOW, "规则误判", DEFAULT_POLICY)
    assert request.status.value == "approved"
    assert request.ship_by == NOW + timedelta(days=DEFAULT_POLICY.ship_within_days)
    assert request.decision is not None and request.decision.decided_by == "agent-1"
    assert request.decision.outcome.value == "approved"
    assert request.history[-1].action.value == "overturn"
    assert request.history[-1].note == "规则误判"
    assert request.events[-1].name == "return.approved"


def test_overturning_a_failed_inspection_passes_it() -> None:
    request = force_status(request_of_type(RequestType.REFUND, now=NOW), Status.INSPECTION_FAILED)
    request.overturn("agent-1", NOW, "复检无问题", DEFAULT_POLICY)
    assert request.status is Status.INSPECTED
    assert request.events[-1].name == "return.inspected"
    assert request.events[-1].data["action"] == "overturn"
