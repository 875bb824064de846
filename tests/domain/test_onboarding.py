"""A merchant application's lifecycle (issue 15): every allowed move, every refused one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from returnflow.domain.onboarding import (
    TRANSITIONS,
    Application,
    Details,
    Document,
    Status,
    checked_details,
)
from returnflow.domain.onboarding_words import CHECKS, CURRENT_AGREEMENT, current_agreement
from returnflow.domain.text import DomainError

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
DETAILS = Details(
    company_name="杭州小熊母婴用品有限公司",
    shop_name="小熊母婴旗舰店",
    licence_no="91330100MA2XXXXX1Y",
    categories=("baby",),
    brands="小熊, BearCare",
    contact_name="王芳",
    after_sales_phone="+86 571 8888 6666",
    after_sales_email="service@bearcare.example",
    return_address="浙江省杭州市余杭区文一西路 100 号 3 号仓",
    staff_count=6,
    service_hours="周一至周六 9:00–18:00",
    username="bearcare",
)


def _doc(kind: str, n: int = 0) -> Document:
    return Document(kind, f"{n:032x}.pdf", f"{kind}.pdf", "application/pdf", 10, "0" * 64, NOW)


def _fresh(documents: bool = True) -> Application:
    docs = [_doc("business_licence", 1), _doc("brand_authorisation", 2)] if documents else []
    made = Application.submit(DETAILS, CURRENT_AGREEMENT, docs, NOW)
    made.id, made.reference = 1, "MA000001"
    return made


def _tick_all(made: Application) -> None:
    for code in CHECKS:
        made.tick(code, True, "manager", NOW)


def test_submitting_records_the_step_and_the_agreement_accepted() -> None:
    made = _fresh()
    assert made.status is Status.SUBMITTED
    assert [s.action for s in made.steps] == ["submitted"]
    assert made.agreement_digest == current_agreement().digest and len(made.agreement_digest) == 64


def test_an_old_agreement_version_is_refused() -> None:
    with pytest.raises(DomainError) as refused:
        Application.submit(DETAILS, "2020-01", [], NOW)
    assert refused.value.code == "agreement_not_current"


def test_approve_needs_every_check_and_both_required_documents() -> None:
    made = _fresh(documents=False)
    _tick_all(made)
    with pytest.raises(DomainError) as refused:
        made.approve("manager", "m-bearcare", "", NOW)
    assert refused.value.code == "documents_missing"
    made = _fresh()
    made.tick("licence_valid", True, "manager", NOW)
    with pytest.raises(DomainError) as refused:
        made.approve("manager", "m-bearcare", "", NOW)
    assert refused.value.code == "checks_incomplete"
    _tick_all(made)
    made.approve("manager", "m-bearcare", "ok", NOW + timedelta(minutes=5))
    assert made.status is Status.APPROVED and made.merchant_id == "m-bearcare"
    actions = [s.action for s in made.steps]
    assert actions[0] == "submitted" and actions[1] == "review_started"
    assert actions[-1] == "approved" and actions.count("check") == len(CHECKS)


def test_a_second_approval_is_refused_with_409s_code() -> None:
    made = _fresh()
    _tick_all(made)
    made.approve("manager", "m-bearcare", "", NOW)
    with pytest.raises(DomainError) as refused:
        made.approve("manager", "m-bearcare", "", NOW)
    assert refused.value.code == "transition_not_allowed"
    assert [s.action for s in made.steps].count("approved") == 1


def test_ask_for_more_then_answer_then_approve() -> None:
    made = _fresh()
    made.ask_for_more("manager", "Please upload the 2026 brand authorisation", NOW)
    assert made.status is Status.MORE_INFO_REQUESTED and made.question
    with pytest.raises(DomainError) as refused:  # nothing to decide while waiting
        made.approve("manager", "m-bearcare", "", NOW)
    assert refused.value.code == "transition_not_allowed"
    with pytest.raises(DomainError):
        made.answer("", [], NOW)  # neither words nor documents
    made.answer("Here it is", [_doc("brand_authorisation", 3)], NOW)
    assert made.status.value == "resubmitted" and made.question == ""
    _tick_all(made)  # ticking starts the review again
    assert made.status.value == "under_review"
    made.approve("manager", "m-bearcare", "", NOW)
    assert [s.status for s in made.steps if s.action not in ("check", "document_added")] == [
        Status.SUBMITTED,
        Status.UNDER_REVIEW,
        Status.MORE_INFO_REQUESTED,
        Status.RESUBMITTED,
        Status.UNDER_REVIEW,
        Status.APPROVED,
    ]


@pytest.mark.parametrize("final", [Status.APPROVED, Status.REJECTED, Status.WITHDRAWN])
def test_nothing_moves_after_the_end(final: Status) -> None:
    made = _fresh()
    if final is Status.APPROVED:
        _tick_all(made)
        made.approve("manager", "m-x", "", NOW)
    elif final is Status.REJECTED:
        made.reject("manager", "licence expired", NOW)
    else:
        made.withdraw(NOW)
    assert TRANSITIONS[final] == frozenset()
    moves: list[Callable[[], object]] = [
        lambda: made.reject("manager", "no", NOW),
        lambda: made.ask_for_more("manager", "why", NOW),
        lambda: made.withdraw(NOW),
        lambda: made.answer("x", [], NOW),
        lambda: made.tick("licence_valid", True, "manager", NOW),
    ]
    for move in moves:
        with pytest.raises(DomainError) as refused:
            move()
        assert refused.value.code == "transition_not_allowed"


def test_the_transition_table_matches_the_lifecycle() -> None:
    allowed = {(a.value, b.value) for a, targets in TRANSITIONS.items() for b in targets}
    assert allowed == {
        ("submitted", "under_review"),
        ("submitted", "withdrawn"),
        ("under_review", "more_info_requested"),
        ("under_review", "approved"),
        ("under_review", "rejected"),
        ("under_review", "withdrawn"),
        ("more_info_requested", "resubmitted"),
        ("more_info_requested", "withdrawn"),
        ("resubmitted", "under_review"),
        ("resubmitted", "withdrawn"),
    }


def test_reject_and_ask_need_their_words() -> None:
    made = _fresh()
    with pytest.raises(DomainError) as refused:
        made.reject("manager", "  ", NOW)
    assert refused.value.field == "reason"
    with pytest.raises(DomainError) as refused:
        made.ask_for_more("manager", "", NOW)
    assert refused.value.field == "question"
    assert made.status is Status.SUBMITTED


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"licence_no": "12-34"}, "licence_no"),
        ({"after_sales_phone": "call me"}, "after_sales_phone"),
        ({"after_sales_email": "not-an-email"}, "after_sales_email"),
        ({"categories": ("weapons",)}, "categories"),
        ({"categories": ()}, "categories"),
        ({"staff_count": 0}, "staff_count"),
        ({"username": "Bad Name"}, "username"),
        ({"shop_name": " "}, "shop_name"),
    ],
)
def test_details_are_checked_field_by_field(change: dict[str, object], field: str) -> None:
    values = {name: getattr(DETAILS, name) for name in DETAILS.__dataclass_fields__}
    values.update(change)
    with pytest.raises(DomainError) as refused:
        checked_details(Details(**values), frozenset({"baby", "apparel"}))
    assert refused.value.field == field
