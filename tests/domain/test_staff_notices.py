"""Which events notify which staff or merchant audience, in both languages (issue 13)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from returnflow.domain.access import Permission, Principal, Role
from returnflow.domain.staff_notice_words import drafts_for, review_due_soon
from returnflow.domain.staff_notices import (
    Audience,
    AudienceKind,
    Kind,
    audiences_of,
    checked_email,
    review_warning_due,
    roles_holding,
)
from returnflow.domain.text import DomainError

AT = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
FILED = {
    "rma_no": "RMA202612070001",
    "order_no": "SO-1",
    "merchant_id": "m-babycare",
    "customer_id": "c-1",
    "status": "pending_review",
    "occurred_at": AT.isoformat(),
}


def test_a_request_waiting_for_review_tells_its_merchant_in_both_languages() -> None:
    [draft] = drafts_for("return.created", FILED)
    assert draft.kind is Kind.REQUEST_FILED
    assert draft.audience == Audience(AudienceKind.MERCHANT, "m-babycare")
    assert draft.subject.zh == "新退货申请 RMA202612070001 待您审核"
    assert draft.subject.en == "New request RMA202612070001 is waiting for your review"
    assert "SO-1" in draft.body.zh and "SO-1" in draft.body.en
    assert draft.path == "/staff/returns/RMA202612070001"
    assert draft.dedupe_key == "request_filed:RMA202612070001|merchant:m-babycare"


def test_a_request_handled_by_policy_is_news_but_not_waiting() -> None:
    [draft] = drafts_for("return.created", {**FILED, "status": "approved"})
    assert "waiting" not in draft.subject.en and "待您审核" not in draft.subject.zh
    assert drafts_for("return.created", {**FILED, "merchant_id": ""}) == []


def test_a_dispute_tells_the_merchant_unless_the_merchant_opened_it() -> None:
    data = {
        "dispute_no": "DP-1",
        "rma_no": "RMA-1",
        "merchant_id": "m-1",
        "side": "customer",
        "evidence_due_at": (AT + timedelta(days=3)).isoformat(),
    }
    [draft] = drafts_for("dispute.opened", data)
    assert draft.audience == Audience.merchant("m-1")
    assert draft.path == "/staff/disputes/DP-1"
    assert "2026-12-10 12:00" in draft.body.zh and "2026-12-10 12:00" in draft.body.en
    assert drafts_for("dispute.opened", {**data, "side": "merchant"}) == []


def test_complaints_reach_the_merchant_and_the_managers() -> None:
    complaint = {"complaint_no": "CP-1", "merchant_id": "m-1", "occurred_at": AT.isoformat()}
    [filed] = drafts_for("complaint.filed", complaint)
    assert filed.audience == Audience.merchant("m-1") and filed.path == "/staff/complaints/CP-1"
    assert drafts_for("complaint.filed", {**complaint, "merchant_id": None}) == []
    managers = Audience.role(Role.MANAGER)
    [breached] = drafts_for("complaint.breached", {**complaint, "deadline": "respond"})
    [escalated] = drafts_for("complaint.escalated", {**complaint, "to": "manager"})
    [flagged] = drafts_for("complaint.flagged", {**complaint, "flag": "fraud"})
    assert {breached.audience, escalated.audience, flagged.audience} == {managers}
    # a breach escalates at the same instant: the managers hear it once, as a breach
    assert breached.dedupe_key == escalated.dedupe_key != flagged.dedupe_key
    later = {**complaint, "to": "manager", "occurred_at": (AT + timedelta(hours=1)).isoformat()}
    assert drafts_for("complaint.escalated", later)[0].dedupe_key != breached.dedupe_key
    assert breached.kind is Kind.COMPLAINT_BREACHED and "超时" in breached.subject.zh


def test_appeals_reach_agents_and_amount_approvals_whoever_approves_amounts() -> None:
    [appeal] = drafts_for("appeal.filed", {"rma_no": "RMA-1", "subject": "rejection"})
    assert appeal.audience == Audience.role(Role.AGENT)
    assert "申请被拒绝" in appeal.body.zh and "the rejection" in appeal.body.en
    assert appeal.path == "/staff/returns/RMA-1/appeal"
    approvals = drafts_for(
        "approval.requested",
        {"kind": "refund", "subject": "RMA-1", "requested_by": "agent:li"},
    )
    assert {d.audience for d in approvals} == {
        Audience.role(Role.MANAGER),
        Audience.role(Role.ADMIN),
    }
    assert all(d.path == "/staff/finance/approvals" and d.rma_no == "RMA-1" for d in approvals)
    assert roles_holding(Permission.AMOUNTS_APPROVE) == (Role.MANAGER, Role.ADMIN)


@pytest.mark.parametrize(
    ("author", "heard_by"),
    [
        ("customer", {Audience.merchant("m-1"), Audience.role(Role.AGENT)}),
        ("merchant", {Audience.role(Role.AGENT)}),
        ("agent", {Audience.merchant("m-1")}),
        ("system", set()),
    ],
)
def test_a_message_is_heard_by_the_other_sides(author: str, heard_by: set[Audience]) -> None:
    data = {
        "rma_no": "RMA-1",
        "merchant_id": "m-1",
        "author_kind": author,
        "author_name": "王小明",
        "message_id": 42,
    }
    drafts = drafts_for("conversation.posted", data)
    assert {d.audience for d in drafts} == heard_by
    for draft in drafts:
        assert draft.kind is Kind.MESSAGE and draft.dedupe_key.startswith("message:42|")
        assert "王小明" in draft.body.zh and "王小明" in draft.body.en
        assert draft.path == "/staff/returns/RMA-1#conversation"


def test_events_no_rule_names_make_nothing() -> None:
    assert drafts_for("return.approved", FILED) == []


def test_the_review_warning_runs_from_exactly_24_hours_before_the_deadline() -> None:
    due = AT + timedelta(days=5)
    tick = timedelta(microseconds=1)
    assert not review_warning_due(due, due - timedelta(hours=24) - tick)
    assert review_warning_due(due, due - timedelta(hours=24))
    assert review_warning_due(due, due - tick)
    assert not review_warning_due(due, due)  # approved by then: nothing to warn of
    draft = review_due_soon("RMA-1", "m-1", AT, due)
    assert draft.subject.zh == "请在 2026-12-12 12:00 前审核 RMA-1"
    assert draft.subject.en == "Answer RMA-1 by 2026-12-12 12:00"
    assert "approved automatically" in draft.body.en and "系统将自动通过" in draft.body.zh


def test_an_account_belongs_to_itself_its_role_and_its_merchant() -> None:
    merchant = Principal(7, "acme", "Acme", Role.MERCHANT, "m-1")
    assert audiences_of(merchant) == (
        Audience.user(7),
        Audience.role(Role.MERCHANT),
        Audience.merchant("m-1"),
    )
    agent = Principal(8, "li", "Li", Role.AGENT)
    assert audiences_of(agent) == (Audience.user(8), Audience.role(Role.AGENT))


def test_a_notification_address_is_checked() -> None:
    assert checked_email("  ops@acme.example ") == "ops@acme.example"
    assert checked_email("") is None and checked_email(None) is None
    with pytest.raises(DomainError) as refused:
        checked_email("not an address")
    assert refused.value.code == "invalid_email"
    assert refused.value.message.zh and refused.value.message.en
