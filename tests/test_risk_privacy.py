"""Risk at intake and privacy (issue 15, R10.3, R14.1), SQLite and PostgreSQL:
anonymising a customer forgets their identifier hashes and the free text staff wrote
about them while scores and counts stay; their data export explains their scores; and
the one-statement history read counts findings exactly (planted rows, hand counts)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.storage.schema import InspectionRow, ReceiptMismatchRow, ReceiptRow
from returnflow.storage.schema.risk import (
    CustomerIdentifierRow,
    RiskAssessmentRow,
    RiskFeedbackRow,
    WatchListRow,
)
from tests.api.test_risk_api import _file, _order
from tests.support.clock import FakeClock

OrderPayload = Callable[..., dict[str, Any]]
PHONE = "13800138000"
REASON = f"called from {PHONE}, same address as c-2"


def _watched_and_judged(
    client: TestClient, order_payload: OrderPayload, context: AppContext, clock: FakeClock
) -> list[str]:
    """c-1 shares a phone with c-2, is watch-listed with a reason quoting the phone,
    files again (the score quotes the reason) and gets a verdict with a note."""
    _order(client, order_payload, "SO-2", customer="c-2")
    _file(client, "SO-2")
    _order(client, order_payload, "SO-1")
    first = _file(client, "SO-1", device_id="phone-app-1")
    with context.uow() as uow:
        entry = uow.risk.watch("c-1", REASON, None, "manager:zhao", clock.now)
        uow.commit(clock.now)
    clock.advance(days=1)
    _order(client, order_payload, "SO-3")
    second = _file(client, "SO-3")
    assert {s["code"] for s in second["risk"]["signals"]} >= {"watch_listed", "linked_accounts"}
    assert any(PHONE in s["message"] for s in second["risk"]["signals"])
    with context.uow() as uow:  # off the list, so the fraud verdict lists c-1 again
        assert uow.risk.unwatch(entry, "manager:zhao", clock.now)
        uow.commit(clock.now)
    judged = client.post(
        f"/api/v1/returns/{second['rma_no']}/risk/feedback",
        json={"verdict": "fraud", "note": f"rang {PHONE} twice"},
    )
    assert judged.status_code == 200, judged.text
    return [first["rma_no"], second["rma_no"]]


def test_anonymising_forgets_identifiers_and_staff_text_but_keeps_scores(
    client: TestClient, order_payload: OrderPayload, context: AppContext, clock: FakeClock
) -> None:
    rmas = _watched_and_judged(client, order_payload, context, clock)
    with context.session_factory() as session:
        scores = session.execute(
            select(RiskAssessmentRow.rma_no, RiskAssessmentRow.score, RiskAssessmentRow.level)
        ).all()
        held = session.scalars(select(CustomerIdentifierRow.customer_id)).all()
        assert sorted(held) == ["c-1", "c-1", "c-2"]  # c-1: phone, device; c-2: phone
    with context.uow() as uow:
        uow.privacy.anonymise_customer("c-1", clock.now)
        uow.commit(clock.now)
    with context.session_factory() as session:
        owners = session.scalars(select(CustomerIdentifierRow.customer_id)).all()
        assert owners == ["c-2"]  # c-2's own phone stays
        watch = session.scalars(select(WatchListRow).order_by(WatchListRow.id)).all()
        # the manager's entry (removed) and the fraud verdict's, which quoted the note
        assert [(w.customer_id, w.reason, w.added_by) for w in watch] == [
            ("c-1", "", "manager:zhao"),
            ("c-1", "", "admin:root"),
        ]
        assert watch[0].removed_at is not None and watch[1].removed_at is None
        (verdict,) = session.scalars(select(RiskFeedbackRow)).all()
        assert (verdict.verdict, verdict.note, verdict.rma_no) == ("fraud", "", rmas[1])
        assert (
            session.execute(
                select(RiskAssessmentRow.rma_no, RiskAssessmentRow.score, RiskAssessmentRow.level)
            ).all()
            == scores
        )
        signals = session.scalars(
            select(RiskAssessmentRow.signals).where(RiskAssessmentRow.rma_no == rmas[1])
        ).one()
        watched = [s for s in signals if s["code"] == "watch_listed"]
        assert watched == [
            {"code": "watch_listed", "points": 30, "zh": "在观察名单上", "en": "On the watch list"}
        ]
        stored = str(session.scalars(select(RiskAssessmentRow.signals)).all())
        assert PHONE not in stored and "c-2" not in stored
    # the next filing of c-2 no longer finds c-1 by the shared phone
    _order(client, order_payload, "SO-4", customer="c-2")
    again = _file(client, "SO-4")
    assert "linked_accounts" not in {s["code"] for s in again["risk"]["signals"]}


def test_the_export_explains_the_scores_without_staff_names_or_notes(
    client: TestClient, order_payload: OrderPayload, context: AppContext, clock: FakeClock
) -> None:
    rmas = _watched_and_judged(client, order_payload, context, clock)
    data = client.get("/api/v1/customers/c-1/export").json()
    assessed = data["risk_assessments"]
    assert [a["rma_no"] for a in assessed] == rmas
    assert [a["score"] for a in assessed] == [25, 55]  # linked 25; + watch list 30
    second = {s["code"]: s["points"] for s in assessed[1]["signals"]}
    assert second == {"linked_accounts": 25, "watch_listed": 30}
    assert assessed[1]["level"] == "medium" and "review" in assessed[1]["actions"]
    assert all(set(s) == {"code", "points", "zh", "en"} for s in assessed[1]["signals"])
    assert data["risk_verdicts"] == [
        {
            "rma_no": rmas[1],
            "verdict": "fraud",
            "score": 55,
            "level": "medium",
            "at": clock.now.isoformat(),
        }
    ]
    reasons = [entry["reason"] for entry in data["watch_list"]]
    assert reasons == [REASON, f"fraud at {rmas[1]}: rang {PHONE} twice"]
    assert data["watch_list"][0]["removed_at"] is not None
    assert data["watch_list"][1]["expires_at"] is not None
    assert "manager:zhao" not in str(data["watch_list"])
    assert "rang" not in str(data["risk_verdicts"]) and "root" not in str(data["risk_verdicts"])
    assert "value_hash" not in str(data)
    other = client.get("/api/v1/customers/c-2/export").json()
    assert [a["rma_no"] for a in other["risk_assessments"]] != rmas
    assert other["risk_verdicts"] == [] and other["watch_list"] == []


def _plant_findings(
    context: AppContext, findings: dict[str, tuple[list[str], bool | None]], clock: FakeClock
) -> None:
    """Per request: the receipt's mismatch kinds and the inspection's serial match
    (None: not inspected)."""
    with context.session_factory() as session:
        for rma, (kinds, serial_matches) in findings.items():
            receipt = ReceiptRow(
                rma_no=rma,
                scanned_code=rma,
                lines=[],
                clean=not kinds,
                received_by="wh",
                received_at=clock.now,
            )
            receipt.mismatches = [ReceiptMismatchRow(kind=k, photos=[]) for k in kinds]
            session.add(receipt)
            if serial_matches is not None:
                session.add(
                    InspectionRow(
                        rma_no=rma,
                        passed=serial_matches,
                        grade="C",
                        responsibility="customer",
                        checks=[],
                        serial_matches=serial_matches,
                        photos=[],
                        reasons=[],
                        inspected_at=clock.now,
                        inspected_by="qc",
                    )
                )
        session.commit()


def test_history_counts_findings_on_every_earlier_request_exactly(
    client: TestClient, order_payload: OrderPayload, context: AppContext, clock: FakeClock
) -> None:
    """Findings have no window: one from 203 days ago counts; another customer's never."""
    rmas = []
    for n in range(4):  # filed at day 0, 100, 101, 102
        _order(client, order_payload, f"SO-{n}")
        rmas.append(_file(client, f"SO-{n}")["rma_no"])
        clock.advance(days=100 if n == 0 else 1)
    _order(client, order_payload, "SO-X", customer="c-9", phone="13900000009")
    other = _file(client, "SO-X")["rma_no"]
    _plant_findings(
        context,
        {
            rmas[0]: (["empty_box"], False),
            rmas[1]: (["empty_box", "wrong_item"], None),
            rmas[2]: ([], False),
            rmas[3]: ([], True),
            other: (["empty_box", "wrong_item"], False),
        },
        clock,
    )
    with context.uow() as uow:  # day 103
        at_filing = uow.risk.history("c-1", clock.now)
        later = uow.risk.history("c-1", clock.now + timedelta(days=100))
        first_timer = uow.risk.history("c-new", clock.now)
    assert (at_filing.empty_boxes, at_filing.wrong_items, at_filing.serial_swaps) == (2, 1, 2)
    assert (at_filing.returns_7, at_filing.returns_30, at_filing.returns_90) == (3, 3, 3)
    assert (at_filing.returns_180, at_filing.no_reason_30, at_filing.refunds_90) == (4, 3, 3)
    assert at_filing.refund_only_90 == 0
    assert (later.empty_boxes, later.wrong_items, later.serial_swaps) == (2, 1, 2)
    assert (later.returns_180, later.returns_30, later.no_reason_30) == (3, 0, 0)
    assert (first_timer.returns_180, first_timer.empty_boxes, first_timer.orders_90) == (0, 0, 0)
    assert first_timer.watch_reason is None and not first_timer.cleared
