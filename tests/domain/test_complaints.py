"""Complaint rules (R8.1, R8.2, R8.5): deadlines at their boundaries, handling, satisfaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from returnflow.domain.complaints import (
    ACTIONS_OPEN,
    Category,
    Channel,
    Complaint,
    ComplaintStatus,
    DeadlineRules,
    Flag,
    Intake,
    Suggested,
    Urgency,
    parse,
)
from returnflow.domain.text import DomainError

T0 = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
TICK = timedelta(microseconds=1)
RULES = DeadlineRules(
    first_response_urgent=HOUR,
    first_response_ordinary=24 * HOUR,
    resolve_default=72 * HOUR,
    resolve_by_category={"logistics": 48 * HOUR, "account": 24 * HOUR},
)


def _file(
    *,
    category: Category | None = None,
    urgency: Urgency | None = None,
    suggested: Suggested = Suggested(Category.LOGISTICS, 0.8, Urgency.ORDINARY),
    text: str = "快递一直没到 / parcel never arrived",
) -> Complaint:
    return Complaint.file(
        "CP20261207-000001",
        Intake(Channel.HOTLINE, text, customer_id="c-1", merchant_id="m-1"),
        category=category,
        urgency=urgency,
        suggested=suggested,
        rules=RULES,
        actor="agent:li",
        now=T0,
    )


def _names(complaint: Complaint) -> list[str]:
    return [event.name for event in complaint.events]


# --- filing --------------------------------------------------------------------------


def test_the_suggestion_is_taken_when_nobody_chose() -> None:
    c = _file()
    assert (c.category, c.urgency, c.category_confidence) == (
        Category.LOGISTICS,
        Urgency.ORDINARY,
        0.8,
    )
    assert c.category_confirmed_by == ""
    assert c.first_response_due_at == T0 + 24 * HOUR
    assert c.resolve_due_at == T0 + 48 * HOUR  # logistics' own resolution time
    assert c.status is ComplaintStatus.OPEN
    assert _names(c) == ["complaint.filed"]
    assert c.history[0].action == "filed" and c.history[0].actor == "agent:li"


def test_a_given_category_and_urgency_win_and_the_suggestion_is_kept() -> None:
    c = _file(category=Category.ACCOUNT, urgency=Urgency.URGENT)
    assert (c.category, c.urgency, c.category_confidence) == (Category.ACCOUNT, Urgency.URGENT, 1.0)
    assert c.suggested == Suggested(Category.LOGISTICS, 0.8, Urgency.ORDINARY)
    assert c.category_confirmed_by == "agent:li"
    assert c.first_response_due_at == T0 + HOUR
    assert c.resolve_due_at == T0 + 24 * HOUR


def test_no_suggestion_and_no_choice_is_other_and_ordinary() -> None:
    c = _file(suggested=Suggested())
    assert (c.category, c.urgency, c.category_confidence) == (Category.OTHER, Urgency.ORDINARY, 0)
    assert c.resolve_due_at == T0 + 72 * HOUR  # the default


def test_empty_words_are_refused() -> None:
    with pytest.raises(DomainError) as refused:
        _file(text="   ")
    assert refused.value.code == "complaint_text_required"


def test_parse_names_the_field_in_both_languages() -> None:
    assert parse(Channel, "email", "channel") is Channel.EMAIL
    with pytest.raises(DomainError) as refused:
        parse(Category, "weather", "category")
    assert refused.value.code == "complaint_category_unknown"
    assert "weather" in refused.value.message.zh and "weather" in refused.value.message.en


def test_every_kind_has_words_in_both_languages() -> None:
    for kind in (Category, Urgency, Channel, ComplaintStatus, Flag):
        for member in kind:
            assert member.label.zh and member.label.en and member.label.zh != member.label.en


# --- deadlines at their boundaries --------------------------------------------------


@pytest.mark.parametrize(("urgency", "hours"), [(Urgency.URGENT, 1), (Urgency.ORDINARY, 24)])
def test_first_response_breaches_exactly_at_its_deadline(urgency: Urgency, hours: int) -> None:
    c = _file(urgency=urgency)
    due = T0 + hours * HOUR
    assert c.check_breaches(due - TICK) == []
    assert c.first_response_breached_at is None and c.status is ComplaintStatus.OPEN
    assert c.check_breaches(due) == ["first_response"]
    assert c.first_response_breached_at == due
    assert (c.status, c.escalated_to, c.escalated_at) == (ComplaintStatus.ESCALATED, "manager", due)
    assert _names(c)[-2:] == ["complaint.breached", "complaint.escalated"]
    assert c.check_breaches(due + HOUR) == []  # marked once


def test_an_answer_before_the_deadline_stops_the_first_clock() -> None:
    c = _file(urgency=Urgency.URGENT)
    c.respond("我们在查 / looking into it", "agent:li", T0 + HOUR - TICK)
    assert c.check_breaches(T0 + HOUR) == []
    assert c.first_response_breached_at is None
    assert c.next_due_at == c.resolve_due_at


@pytest.mark.parametrize(
    ("category", "hours"),
    [(Category.LOGISTICS, 48), (Category.ACCOUNT, 24), (Category.PRODUCT_QUALITY, 72)],
)
def test_resolution_breaches_exactly_at_its_category_deadline(
    category: Category, hours: int
) -> None:
    c = _file(category=category)
    c.respond("收到 / noted", "agent:li", T0 + TICK)
    due = T0 + hours * HOUR
    assert c.check_breaches(due - TICK) == []
    assert c.check_breaches(due) == ["resolve"]
    assert c.resolve_breached_at == due and c.status is ComplaintStatus.ESCALATED


def test_both_clocks_can_run_out_in_one_check() -> None:
    c = _file(category=Category.ACCOUNT, urgency=Urgency.ORDINARY)  # both due at +24 h
    assert c.check_breaches(T0 + 24 * HOUR) == ["first_response", "resolve"]
    assert c.breached and c.status is ComplaintStatus.ESCALATED
    assert [h.action for h in c.history].count("escalate") == 1


def test_a_resolved_complaint_never_breaches() -> None:
    c = _file(urgency=Urgency.URGENT)
    c.resolve("已退款 / refunded", "agent:li", T0 + TICK)
    assert c.check_breaches(T0 + 1000 * HOUR) == []
    assert c.next_due_at is None and c.time_left(T0) is None


def test_an_escalated_complaint_breaching_stays_with_its_manager() -> None:
    c = _file(urgency=Urgency.URGENT)
    c.escalate("VIP", "agent:li", T0 + TICK, to="manager:wang")
    assert c.check_breaches(T0 + HOUR) == ["first_response"]
    assert c.escalated_to == "manager:wang"


def test_time_left_runs_negative_once_overdue() -> None:
    c = _file(urgency=Urgency.URGENT)
    assert c.time_left(T0) == HOUR
    assert c.time_left(T0 + 2 * HOUR) == -HOUR


# --- handling -------------------------------------------------------------------------


def test_respond_escalate_resolve_each_leave_history_and_an_event() -> None:
    c = _file()
    c.respond("在处理 / on it", "agent:li", T0 + HOUR)
    assert (c.status, c.first_responded_at) == (ComplaintStatus.RESPONDED, T0 + HOUR)
    c.respond("还在查 / still on it", "agent:li", T0 + 2 * HOUR)
    assert c.first_responded_at == T0 + HOUR  # the first answer stays the first
    c.escalate("需要经理 / needs a manager", "agent:li", T0 + 3 * HOUR)
    c.respond("经理已接手 / manager here", "manager:wang", T0 + 4 * HOUR)
    assert c.status is ComplaintStatus.ESCALATED  # answering keeps it with the manager
    c.resolve("补发 / resent", "manager:wang", T0 + 5 * HOUR)
    assert (c.status, c.resolved_at) == (ComplaintStatus.RESOLVED, T0 + 5 * HOUR)
    assert _names(c) == [
        "complaint.filed",
        "complaint.responded",
        "complaint.responded",
        "complaint.escalated",
        "complaint.responded",
        "complaint.resolved",
    ]
    assert [h.action for h in c.history] == [
        "filed",
        "respond",
        "respond",
        "escalate",
        "respond",
        "resolve",
    ]


def test_resolving_unanswered_counts_as_the_first_response() -> None:
    c = _file()
    c.resolve("已处理 / done", "agent:li", T0 + HOUR)
    assert c.first_responded_at == T0 + HOUR


@pytest.mark.parametrize("step", ["respond", "escalate", "resolve"])
def test_handling_needs_words(step: str) -> None:
    c = _file()
    with pytest.raises(DomainError) as refused:
        getattr(c, step)("  ", "agent:li", T0)
    assert refused.value.code == "complaint_note_required"


def test_the_table_decides_what_each_status_allows() -> None:
    c = _file()
    c.resolve("done", "agent:li", T0)
    assert c.actions_open == ACTIONS_OPEN[ComplaintStatus.RESOLVED]
    for step in ("respond", "escalate", "resolve"):
        with pytest.raises(DomainError) as refused:
            getattr(c, step)("x", "agent:li", T0)
        assert refused.value.code == "complaint_step_not_allowed"
    c2 = _file()
    c2.escalate("x", "agent:li", T0)
    with pytest.raises(DomainError):
        c2.escalate("again", "agent:li", T0)
    with pytest.raises(DomainError):
        c2.reopen("not resolved", "agent:li", T0, RULES)


def test_reopen_starts_a_new_resolution_clock() -> None:
    c = _file(category=Category.LOGISTICS)
    c.respond("ok", "agent:li", T0)
    c.check_breaches(T0 + 48 * HOUR)
    assert c.resolve_breached_at is not None
    c.resolve("done", "agent:li", T0 + 50 * HOUR)
    reopened_at = T0 + 60 * HOUR
    c.reopen("还没好 / still broken", "customer:c-1", reopened_at, RULES)
    assert (c.status, c.resolved_at) == (ComplaintStatus.REOPENED, None)
    assert c.resolve_due_at == reopened_at + 48 * HOUR
    assert c.resolve_breached_at is None  # the old breach stays in the history
    assert "breach" in [h.action for h in c.history]
    assert c.check_breaches(reopened_at + 48 * HOUR - TICK) == []
    assert c.check_breaches(reopened_at + 48 * HOUR) == ["resolve"]
    assert _names(c)[-3:] == ["complaint.reopened", "complaint.breached", "complaint.escalated"]


def test_classify_confirms_or_corrects_and_moves_the_clocks() -> None:
    c = _file()  # suggested logistics/ordinary
    label = c.classify(Category.LOGISTICS, Urgency.ORDINARY, "agent:li", T0 + HOUR, RULES)
    assert not label.corrected and c.category_confidence == 1.0
    label = c.classify(Category.ACCOUNT, Urgency.URGENT, "agent:li", T0 + HOUR, RULES)
    assert label.corrected and (label.category, label.urgency) == ("account", "urgent")
    assert label.text == c.text and label.labelled_by == "agent:li"
    assert c.first_response_due_at == T0 + HOUR  # urgent, counted from filing
    assert c.resolve_due_at == T0 + 24 * HOUR
    assert c.category_confirmed_by == "agent:li"
    assert c.suggested.category is Category.LOGISTICS  # the suggestion is kept
    assert _names(c)[-1] == "complaint.classified"
    assert c.events[-1].data["corrected"] is True


def test_classify_after_the_first_answer_keeps_the_first_clock() -> None:
    c = _file()
    c.respond("ok", "agent:li", T0 + HOUR)
    before = c.first_response_due_at
    c.classify(Category.LOGISTICS, Urgency.URGENT, "agent:li", T0 + 2 * HOUR, RULES)
    assert c.first_response_due_at == before


def test_flag_routes_to_risk_once_per_flag() -> None:
    c = _file()
    c.mark(Flag.SUSPECTED_MALICIOUS_REVIEW, "同一IP多次 / same IP", "agent:li", T0)
    assert (c.flag, c.routed_to) == (Flag.SUSPECTED_MALICIOUS_REVIEW, "risk")
    assert c.events[-1].name == "complaint.flagged"
    with pytest.raises(DomainError) as refused:
        c.mark(Flag.SUSPECTED_MALICIOUS_REVIEW, "", "agent:li", T0)
    assert refused.value.code == "complaint_already_flagged"
    c.mark(Flag.ABNORMAL_ORDER, "", "agent:li", T0)
    assert c.flag is Flag.ABNORMAL_ORDER


# --- satisfaction ---------------------------------------------------------------------


def test_rating_only_after_resolution_and_once() -> None:
    c = _file()
    with pytest.raises(DomainError) as early:
        c.rate(5, "", "customer:c-1", T0)
    assert early.value.code == "complaint_not_resolved"
    c.resolve("done", "agent:li", T0)
    assert c.can_rate
    for score in (0, 6):
        with pytest.raises(DomainError) as bad:
            c.rate(score, "", "customer:c-1", T0)
        assert bad.value.code == "complaint_score_out_of_range"
    c.rate(4, " 还行 / fine ", "customer:c-1", T0 + HOUR)
    assert c.satisfaction is not None and (c.satisfaction.score, c.satisfaction.comment) == (
        4,
        "还行 / fine",
    )
    assert not c.can_rate and c.events[-1].name == "complaint.rated"
    with pytest.raises(DomainError) as twice:
        c.rate(1, "", "customer:c-1", T0 + HOUR)
    assert twice.value.code == "complaint_already_rated"


@pytest.mark.parametrize("score", [1, 5])
def test_the_score_boundaries_are_accepted(score: int) -> None:
    c = _file()
    c.resolve("done", "agent:li", T0)
    c.rate(score, "", "customer:c-1", T0)
    assert c.satisfaction is not None and c.satisfaction.score == score
