"""Scorecards through the API on SQLite and PostgreSQL (R11.2, R12.2), over planted rows.

The rows are written straight to the tables so that every figure can be counted by
hand (the period is March 2026, local days; the previous period is 29 Jan – 28 Feb):

m-a (Alpha): orders delivered 2 toys + 3 books; R-A1 (1 toy) approved by agent:li.na
12 h after filing; R-A2 (3 books) rejected by agent:wang 36 h after filing, appealed and
overturned by manager:chen; a dispute ruled against it; one survey 5+4+5+4; 5,000 fen
booked to its receivable. Toys' platform rate 3/6, books' 3/3, so its category rate is
(2 × 0.5 + 3 × 1) / 5 = 0.8 and its own 4/5 = 0.8. Score parts: speed (median 24 h) 1,
overturns 1 − 1/2, rulings 1 − (1/2)/0.1 → 0, returns 2 − 0.8/0.8 → 1, CSAT 4.5 → 0.875:
67.5. In February it had one survey 5+5+5+5 only: one part is too little for a score, so
it has no trend (domain/scorecards.py MIN_PARTS).
m-b (Beta): 4 toys delivered; R-B1 auto-rejected (not a return), R-B2 (2 toys)
auto-approved; a dispute still open; one survey 3+3+3+3. No person decided (no speed
part); overturns 1, rulings 1, returns 2 − 0.5/0.5 → 1, CSAT 3 → 0.5: 87.5, ranked first.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.storage.schema.appeals import AppealRow
from returnflow.storage.schema.complaints import ComplaintEntryRow, ComplaintRow
from returnflow.storage.schema.disputes import DisputeRow
from returnflow.storage.schema.orders import CustomerRow, MerchantRow, OrderLineRow, OrderRow
from returnflow.storage.schema.refunds import LedgerEntryRow, LedgerPostingRow
from returnflow.storage.schema.returns import ReturnEventRow, ReturnLineRow, ReturnRow
from returnflow.storage.schema.surveys import SurveyRow
from returnflow.storage.schema.warehouse import InspectionRow
from tests.support.apps import shared_app

MARCH = "from=2026-03-01&to=2026-03-31"


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def _order(no: str, merchant: str, lines: list[tuple[str, int]]) -> OrderRow:
    order = OrderRow(
        order_no=no, merchant_id=merchant, customer_id="c-1", currency="CNY",
        placed_at=at(2, 25), paid_at=at(2, 25), delivered_at=at(3, 2), shipping_fee=0,
        return_shipping_insurance=False, payment_method="alipay",
        payment_transaction_id=f"T-{no}", ship_to=None, imported_at=at(2, 25),
        updated_at=at(2, 25),
    )  # fmt: skip
    order.lines = [
        OrderLineRow(line_no=i + 1, sku=f"{category}-{i}", title=category, category=category,
                     unit_price=1000, quantity=quantity, discount=0, flags=[])
        for i, (category, quantity) in enumerate(lines)
    ]  # fmt: skip
    return order


def _request(
    rma: str, order: OrderRow, line: int, qty: int, status: str, filed: datetime,
    events: list[tuple[str, str, datetime]],
) -> ReturnRow:  # fmt: skip
    row = ReturnRow(
        rma_no=rma, order_id=order.id, order_no=order.order_no, merchant_id=order.merchant_id,
        customer_id="c-1", request_type="refund", channel="app", status=status, currency="CNY",
        shipping_payer="merchant", estimate={}, refund_total=0, goods_value=0, decision=None,
        contact={}, photos=[], created_at=filed, updated_at=filed,
    )  # fmt: skip
    row.lines = [ReturnLineRow(line_no=line, quantity=qty, reason_code="quality")]
    row.history = [
        ReturnEventRow(seq=seq, at=when, actor=actor, action=action, from_status=None,
                       to_status=status)
        for seq, (action, actor, when) in enumerate(events, start=1)
    ]  # fmt: skip
    return row


def _survey(
    rma: str, merchant: str, agent: str, dims: tuple[int, int, int, int], when: datetime
) -> SurveyRow:
    speed, attitude, effectiveness, process = dims
    return SurveyRow(
        rma_no=rma, merchant_id=merchant, customer_id="c-1", agent=agent, speed=speed,
        attitude=attitude, effectiveness=effectiveness, process=process, nps=9, comment="",
        answered_by="customer:c-1", answered_at=when,
    )  # fmt: skip


def _dispute(no: str, rma: str, merchant: str, status: str, ruled: datetime | None) -> DisputeRow:
    return DisputeRow(
        dispute_no=no, rma_no=rma, order_no="O", customer_id="c-1", merchant_id=merchant,
        opened_by="customer:c-1", opener="customer", statement="s", status=status,
        opened_at=at(3, 9), evidence_due_at=at(3, 12), outcome="customer" if ruled else None,
        liable="merchant" if ruled else None, ruled_by="mediator:he" if ruled else None,
        ruled_at=ruled, updated_at=at(3, 12),
    )  # fmt: skip


def _inspection(rma: str, when: datetime) -> InspectionRow:
    return InspectionRow(
        rma_no=rma, passed=True, grade="A", responsibility="customer", checks=[], photos=[],
        reasons=[], inspected_at=when, inspected_by="warehouse:zhao",
    )  # fmt: skip


def _complaint(resolved: datetime) -> tuple[ComplaintRow, ComplaintEntryRow]:
    filed = at(3, 3)
    row = ComplaintRow(
        complaint_no="C-1", channel="app", subject="s", text="t", contact_email="a@b.cn",
        category="service", category_confidence=1.0, suggestion_confidence=0.0,
        category_confirmed_by="", urgency="normal", status="resolved", team="key_accounts",
        routed_to="agent", filed_at=filed, resolve_started_at=filed,
        first_response_due_at=filed, resolve_due_at=filed, escalated_to="",
        satisfaction_comment="", updated_at=resolved, resolved_at=resolved,
    )  # fmt: skip
    row_entry = ComplaintEntryRow(at=resolved, actor="agent:li.na", action="resolve", note="")
    return row, row_entry


def plant(context: AppContext) -> None:
    """The two merchants' month (see the module's docstring)."""
    with context.session_factory() as session:
        session.add_all([MerchantRow(id="m-a", name="Alpha Store", created_at=at(1, 1)),
                         MerchantRow(id="m-b", name="Beta Shop", created_at=at(1, 1))])  # fmt: skip
        session.add(CustomerRow(id="c-1", name="王小明", phone="13800138000", email="x@y.cn"))
        session.flush()
        oa = _order("O-A1", "m-a", [("toys", 2), ("books", 3)])
        ob = _order("O-B1", "m-b", [("toys", 4)])
        session.add_all([oa, ob])
        session.flush()
        reject_at = at(3, 7, 12)
        session.add_all([
            _request("R-A1", oa, 1, 1, "completed", at(3, 5, 10),
                     [("submit", "customer:c-1", at(3, 5, 10)), ("refer", "system", at(3, 5, 10)),
                      ("approve", "agent:li.na", at(3, 5, 22))]),
            _request("R-A2", oa, 2, 3, "approved", at(3, 6),
                     [("submit", "customer:c-1", at(3, 6)), ("reject", "agent:wang", reject_at),
                      ("appeal", "customer:c-1", at(3, 7, 14)),
                      ("approve", "manager:chen", at(3, 8))]),
            _request("R-B1", ob, 1, 1, "rejected", at(3, 5),
                     [("submit", "customer:c-1", at(3, 5)), ("auto_reject", "system", at(3, 5))]),
            _request("R-B2", ob, 1, 2, "completed", at(3, 10),
                     [("submit", "customer:c-1", at(3, 10)),
                      ("auto_approve", "system", at(3, 10))]),
        ])  # fmt: skip
        session.add(AppealRow(
            rma_no="R-A2", merchant_id="m-a", customer_id="c-1", subject="rejection",
            statement="s", photos=[], filed_by="customer:c-1", filed_at=at(3, 7, 14),
            appealed_decision_at=reject_at, status="overturned", decided_by="manager:chen",
            decided_at=at(3, 8), reason="r",
        ))  # fmt: skip
        session.add_all([_dispute("D-1", "R-A2", "m-a", "ruled", at(3, 12)),
                         _dispute("D-2", "R-B2", "m-b", "open", None)])  # fmt: skip
        session.add_all([
            _survey("R-A1", "m-a", "agent:li.na", (5, 4, 5, 4), at(3, 15)),
            _survey("R-B2", "m-b", "", (3, 3, 3, 3), at(3, 16)),
            _survey("R-A0", "m-a", "agent:li.na", (5, 5, 5, 5), at(2, 20)),  # February
        ])  # fmt: skip
        entry = LedgerEntryRow(key="charge-R-A2", at=at(3, 12), memo="ruling", rma_no="R-A2")
        entry.postings = [
            LedgerPostingRow(account="merchant_receivable", party="m-a", currency="CNY",
                             debit=5000, credit=0),
            LedgerPostingRow(account="refund_clearing", party="", currency="CNY", debit=0,
                             credit=5000),
        ]  # fmt: skip
        session.add(entry)
        session.add_all([_inspection("R-A1", at(3, 6, 2, 10)), _inspection("R-B2", at(3, 6, 2, 40)),
                         _inspection("R-A2", at(3, 6, 3, 5))])  # fmt: skip
        complaint, resolution = _complaint(at(3, 3, 6))
        session.add(complaint)
        session.flush()
        resolution.complaint_id = complaint.id
        session.add(resolution)
        session.commit()


@pytest.fixture
def as_role(context: AppContext, tokens: Any) -> Any:
    def build(role: Role, merchant_id: str | None = None) -> TestClient:
        client = TestClient(shared_app(context))
        client.headers["Authorization"] = f"Bearer {tokens(role, merchant_id=merchant_id)}"
        return client

    return build


def test_merchant_cards_are_counted_by_hand(context: AppContext, client: TestClient) -> None:
    plant(context)
    body = client.get(f"/api/v1/scorecards/merchants?{MARCH}").json()
    assert (body["start"], body["end"], body["merchants"]) == ("2026-03-01", "2026-03-31", 2)
    assert (body["previous_start"], body["previous_end"]) == ("2026-01-29", "2026-02-28")
    beta, alpha = body["cards"]
    assert (beta["merchant_id"], beta["rank"], beta["score"]) == ("m-b", 1, 87.5)
    assert (alpha["merchant_id"], alpha["rank"], alpha["name"]) == ("m-a", 2, "Alpha Store")
    assert alpha["score"] == 67.5 and alpha["previous_score"] is None and alpha["trend"] is None
    assert {k: alpha[k] for k in ("requests", "decisions", "approval_rate")} == {
        "requests": 2, "decisions": 2, "approval_rate": 0.5,
    }  # fmt: skip
    assert (alpha["median_answer_hours"], alpha["overturned"], alpha["overturn_rate"]) == (
        24.0, 1, 0.5,
    )  # fmt: skip
    assert (alpha["disputes"], alpha["dispute_rate"], alpha["rulings_against"]) == (1, 0.5, 1)
    assert (alpha["units_delivered"], alpha["units_returned"], alpha["return_rate"]) == (5, 4, 0.8)
    assert alpha["category_return_rate"] == 0.8
    assert (alpha["survey_answers"], alpha["csat"], alpha["charged_back"]) == (1, 4.5, 5000)
    assert (beta["median_answer_hours"], beta["approval_rate"], beta["return_rate"]) == (
        None, 0.5, 0.5,
    )  # fmt: skip
    assert (beta["csat"], beta["charged_back"], beta["trend"]) == (3.0, 0, None)


def test_a_merchant_sees_its_own_card_and_rank_only(context: AppContext, as_role: Any) -> None:
    plant(context)
    merchant = as_role(Role.MERCHANT, merchant_id="m-a")
    response = merchant.get(f"/api/v1/scorecards/merchants?{MARCH}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["merchants"] == 2
    assert [(c["merchant_id"], c["rank"]) for c in body["cards"]] == [("m-a", 2)]
    assert "m-b" not in response.text and "Beta" not in response.text
    assert merchant.get("/api/v1/scorecards/staff").status_code == 403


def test_staff_cards_per_person_and_team(context: AppContext, client: TestClient) -> None:
    plant(context)
    body = client.get(f"/api/v1/scorecards/staff?{MARCH}").json()
    people = {line["key"]: line for line in body["people"]}
    assert sorted(people) == ["agent:li.na", "agent:wang", "manager:chen", "warehouse:zhao"]
    li = people["agent:li.na"]
    assert (li["requests_handled"], li["median_review_hours"], li["overturned"]) == (1, 12.0, 0)
    assert (li["complaints_handled"], li["median_complaint_hours"], li["csat"]) == (1, 6.0, 4.5)
    wang = people["agent:wang"]
    assert (wang["requests_handled"], wang["median_review_hours"], wang["overturned"]) == (
        1, 36.0, 1,
    )  # fmt: skip
    zhao = people["warehouse:zhao"]
    assert (zhao["inspections"], zhao["inspection_hours"], zhao["inspections_per_hour"]) == (
        3, 2, 1.5,
    )  # fmt: skip
    teams = {line["key"]: line for line in body["teams"]}
    assert sorted(teams) == ["agent", "key_accounts", "manager", "warehouse"]
    agents = teams["agent"]
    assert (agents["requests_handled"], agents["median_review_hours"], agents["overturned"]) == (
        2, 24.0, 1,
    )  # fmt: skip
    assert (teams["key_accounts"]["complaints_handled"], teams["manager"]["requests_handled"]) == (
        1, 1,
    )  # fmt: skip
    narrowed = client.get(f"/api/v1/scorecards/staff?{MARCH}&team=warehouse").json()
    assert [p["key"] for p in narrowed["people"]] == ["warehouse:zhao"]
    assert [t["key"] for t in narrowed["teams"]] == ["warehouse"]


def test_who_may_read_which_scorecard(as_role: Any) -> None:
    agent, finance, manager = (as_role(r) for r in (Role.AGENT, Role.FINANCE, Role.MANAGER))
    assert agent.get("/api/v1/scorecards/merchants").status_code == 403
    assert agent.get("/api/v1/scorecards/staff").status_code == 403
    assert finance.get("/api/v1/scorecards/merchants").status_code == 200
    assert finance.get("/api/v1/scorecards/staff").status_code == 403
    assert manager.get("/api/v1/scorecards/staff").status_code == 200


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("from=2026-03-31&to=2026-03-01", "date_range_reversed"),
        ("from=2026-13-01", "date_invalid"),
        ("from=2024-01-01&to=2026-03-01", "date_range_too_long"),
    ],
)
def test_bad_periods_are_problems(client: TestClient, query: str, code: str | None) -> None:
    for path in ("merchants", "staff"):
        response = client.get(f"/api/v1/scorecards/{path}?{query}")
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        if code:
            assert response.json()["code"] == code
