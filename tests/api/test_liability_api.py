"""Who bears a ruling's money, end to end on both databases (issue 12, R8.4).

An award is paid through the request's refund (authority limits, the worker, the
gateway) and, once paid, booked once against the liable party: merchant receivable,
carrier claims, platform goodwill, or nothing for the customer's own error. The books
stay balanced; the handler, the worker's safety net and a repeated event book once.
Then the merchant's statement and the carrier-claims report show what each owes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from returnflow.app_context import AppContext
from returnflow.domain.access import Role
from returnflow.domain.awards import LOST_IN_TRANSIT, Liable
from returnflow.domain.events import DomainEvent
from returnflow.domain.ledger import Account, JournalEntry, trial_balance_is_zero
from returnflow.jobs import liability as liability_jobs
from returnflow.services import liability
from tests.support.clock import FakeClock
from tests.support.liability import filed, pay_award, shipped
from tests.support.refunds import pay_refunds

OrderPayload = Callable[..., dict[str, Any]]
Tokens = Callable[..., str]
REFUNDABLE = 8400  # one bottle: 89.00 less its 5.00 share of the discount
ACCOUNT_OF = {
    Liable.MERCHANT: (Account.MERCHANT_RECEIVABLE, "m-babycare"),
    Liable.CARRIER: (Account.CARRIER_CLAIMS, "sf"),
    Liable.PLATFORM: (Account.COMPENSATION, ""),
}


@pytest.fixture(autouse=True)
def settings(context: AppContext) -> None:
    """Money moves only because of the award: no instant refund, no refund by policy."""
    context.settings.instant_refund_enabled = False
    context.settings.refund_auto_request = False


def _order(client: TestClient, order_payload: OrderPayload, **changes: Any) -> None:
    assert client.post("/api/v1/orders", json=order_payload(**changes)).status_code == 201


def _liabilities(context: AppContext, rma: str) -> list[JournalEntry]:
    with context.uow() as uow:
        entries = uow.ledger.entries(rma_no=rma)
        assert trial_balance_is_zero(uow.ledger.postings())  # the whole book balances
    return [e for e in entries if e.key.startswith("liability:")]


def _party_balance(context: AppContext, account: Account, party: str) -> int:
    with context.uow() as uow:
        return uow.ledger.balances(by_party=True).of(account, "CNY", party).cents


def _book_again(context: AppContext, rma: str) -> None:
    """The event delivered again, and the worker's safety net after its grace."""
    now = context.clock()
    with context.uow() as uow:
        liability.book_liability(uow, DomainEvent("refund.paid", now, {"rma_no": rma}), now)
        uow.commit(now)
    assert liability_jobs.book_left_unbooked(context, now + liability.GRACE * 2) == 0


@pytest.mark.parametrize("outcome", ["customer", "split"])
@pytest.mark.parametrize("liable", list(Liable))
def test_every_ruling_books_its_money_against_the_liable_party_once(
    client: TestClient,
    context: AppContext,
    order_payload: OrderPayload,
    outcome: str,
    liable: Liable,
) -> None:
    _order(client, order_payload)
    rma = filed(client)
    shipped(client, rma)
    part = None if outcome == "customer" else REFUNDABLE // 2
    asked = pay_award(context, rma, liable, refund=part, compensation=300)
    paid = (part or REFUNDABLE) + 300
    assert asked == {"status": "requested", "amount": paid, "trigger": "ruling"}
    assert _liabilities(context, rma) == []  # nothing is booked before the money goes out
    pay_refunds(context)
    refund = client.get(f"/api/v1/refunds/{rma}").json()
    assert (refund["status"], refund["amount"]["amount"]) == ("succeeded", paid)
    assert client.get(f"/api/v1/returns/{rma}").json()["status"] in ("refunded", "completed")
    _book_again(context, rma)
    booked = _liabilities(context, rma)
    if liable is Liable.CUSTOMER:
        assert booked == []
        assert _party_balance(context, Account.COMPENSATION, "") == 0
        return
    (entry,) = booked
    assert entry.key == f"liability:{rma}:D202611200001"
    account, party = ACCOUNT_OF[liable]
    assert _party_balance(context, account, party) == paid
    # what the refund's "accepted" entry put in sales returns has moved to the party
    assert _party_balance(context, Account.SALES_RETURNS, "") == 0


def test_compensation_over_the_mediators_authority_waits_for_a_manager(
    client: TestClient, context: AppContext, order_payload: OrderPayload, tokens: Tokens
) -> None:
    line = {
        "line_no": 1,
        "sku": "STROLLER-1",
        "title": "婴儿推车",
        "category": "baby",
        "unit_price": 300_000,
        "quantity": 2,
        "discount": 0,
        "flags": [],
    }
    _order(client, order_payload, lines=[line])
    over, within = filed(client), filed(client)
    # 1,000.00 back and 1,500.00 compensation: 2,500.00, over the mediator's 2,000.00
    waiting = pay_award(context, over, Liable.MERCHANT, refund=100_000, compensation=150_000)
    assert waiting["status"] == "awaiting_approval"
    straight = pay_award(context, within, Liable.MERCHANT, refund=100_000, compensation=50_000)
    assert straight["status"] == "requested"
    pay_refunds(context)
    assert client.get(f"/api/v1/refunds/{over}").json()["status"] == "awaiting_approval"
    assert _liabilities(context, over) == []
    assert [e.key for e in _liabilities(context, within)] == [f"liability:{within}:D202611200001"]
    (pending,) = client.get("/api/v1/finance/approvals").json()
    assert (pending["subject"], pending["amount"]["amount"]) == (over, 250_000)
    assert pending["requested_by"] == "mediator:zhou"
    manager = {"Authorization": f"Bearer {tokens(Role.MANAGER, username='wang.min')}"}
    approved = client.post(f"/api/v1/finance/approvals/{pending['id']}/approve", headers=manager)
    assert approved.status_code == 200, approved.text
    assert _liabilities(context, over) == []  # approved, not yet paid
    pay_refunds(context)
    refund = client.get(f"/api/v1/refunds/{over}").json()
    assert (refund["status"], refund["approved_by"]) == ("succeeded", "manager:wang.min")
    (entry,) = _liabilities(context, over)
    assert entry.key == f"liability:{over}:D202611200001"
    # the approved 2,500.00 and the 1,500.00 paid at once, both to the merchant
    assert _party_balance(context, Account.MERCHANT_RECEIVABLE, "m-babycare") == 400_000


def _inspect_merchant_fault(client: TestClient, tokens: Tokens, rma: str) -> None:
    assert client.post(f"/api/v1/returns/{rma}/receive").status_code == 200
    checklist = client.get(f"/api/v1/warehouse/returns/{rma}/checklist").json()
    checks = [{"check": c["check"], "mark": "pass"} for c in checklist["checks"]]
    body = {"checks": checks, "grade": "B", "responsibility": "merchant", "notes": "做工缺陷"}
    warehouse = {"Authorization": f"Bearer {tokens(Role.WAREHOUSE, username='wu.li')}"}
    done = client.post(f"/api/v1/warehouse/returns/{rma}/inspection", json=body, headers=warehouse)
    assert done.status_code == 201, done.text


def test_an_inspection_that_found_the_merchant_responsible_charges_the_merchant(
    client: TestClient, context: AppContext, order_payload: OrderPayload, tokens: Tokens
) -> None:
    context.settings.refund_auto_request = True  # policy pays after a passed inspection
    _order(client, order_payload)
    rma = filed(client)
    shipped(client, rma)
    _inspect_merchant_fault(client, tokens, rma)
    pay_refunds(context)
    assert client.get(f"/api/v1/refunds/{rma}").json()["status"] == "succeeded"
    _book_again(context, rma)
    (entry,) = _liabilities(context, rma)
    assert entry.key == f"liability:{rma}:inspection"
    assert _party_balance(context, Account.MERCHANT_RECEIVABLE, "m-babycare") == REFUNDABLE


def test_an_instant_refund_is_charged_when_inspection_later_blames_the_merchant(
    client: TestClient, context: AppContext, order_payload: OrderPayload, tokens: Tokens
) -> None:
    context.settings.instant_refund_enabled = True
    _order(client, order_payload)
    rma = filed(client)
    shipped(client, rma)
    pay_refunds(context)  # paid at the first scan, before the goods were judged
    assert client.get(f"/api/v1/refunds/{rma}").json()["trigger"] == "instant"
    assert _liabilities(context, rma) == []
    _inspect_merchant_fault(client, tokens, rma)  # "return.inspected" books it
    (entry,) = _liabilities(context, rma)
    assert entry.key == f"liability:{rma}:inspection"


def test_the_safety_net_books_what_the_bus_left(
    client: TestClient,
    context: AppContext,
    order_payload: OrderPayload,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _order(client, order_payload)
    rma = filed(client)
    pay_award(context, rma, Liable.PLATFORM)
    with monkeypatch.context() as lost:  # the handler fails: a crash after the commit
        lost.setattr(liability, "book_for", lambda *args: False)
        pay_refunds(context)
    assert _liabilities(context, rma) == []
    assert liability_jobs.book_left_unbooked(context, clock.now) == 0  # within the bus's grace
    later = clock.advance(minutes=11)
    assert liability_jobs.book_left_unbooked(context, later) == 1
    assert liability_jobs.book_left_unbooked(context, later) == 0
    (entry,) = _liabilities(context, rma)
    assert {p.account for p in entry.postings} == {Account.COMPENSATION, Account.SALES_RETURNS}
    assert _party_balance(context, Account.COMPENSATION, "") == REFUNDABLE


def _charges(client: TestClient, context: AppContext, order_payload: OrderPayload) -> list[str]:
    """A ruling against the merchant and a lost parcel claimed from SF, both paid."""
    _order(client, order_payload)
    _order(client, order_payload, order_no="SO-1002")
    ruled, lost = filed(client), filed(client, "SO-1002")
    shipped(client, lost)
    pay_award(context, ruled, Liable.MERCHANT, compensation=1000)
    pay_award(
        context, lost, Liable.CARRIER, source=LOST_IN_TRANSIT, reference="EX-7", compensation=0
    )
    pay_refunds(context)
    return [ruled, lost]


def test_the_merchant_statement_shows_the_charge(
    client: TestClient, context: AppContext, order_payload: OrderPayload, tokens: Tokens
) -> None:
    ruled, _ = _charges(client, context, order_payload)
    url = "/api/v1/finance/merchants/m-babycare/statement"
    statement = client.get(url, params={"from": "2026-11-01", "to": "2026-11-30"}).json()
    assert (statement["start"], statement["end"]) == ("2026-11-01", "2026-11-30")
    assert statement["opening"]["amount"] == 0
    (line,) = statement["lines"]
    assert (line["rma_no"], line["source"], line["reference"]) == (ruled, "ruling", "D202611200001")
    assert line["amount"]["amount"] == line["balance"]["amount"] == REFUNDABLE + 1000
    assert statement["closing"]["amount"] == statement["charged"]["amount"] == REFUNDABLE + 1000
    before = client.get(url, params={"from": "2026-10-01", "to": "2026-10-31"}).json()
    assert before["lines"] == [] and before["closing"]["amount"] == 0
    after = client.get(url, params={"from": "2026-12-01", "to": "2026-12-31"}).json()
    assert after["lines"] == [] and after["opening"]["amount"] == REFUNDABLE + 1000
    exported = client.get(url, params={"from": "2026-11-01", "format": "csv", "to": "2026-11-30"})
    assert exported.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0][:3] == ["date", "rma_no", "source"]
    assert [r[1] for r in rows[1:]] == ["", ruled, ""]
    xlsx = client.get(url, params={"format": "xlsx"})  # this month so far: November 2026
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and ruled in [c.value for c in sheet["B"]]


def test_a_merchant_reads_only_its_own_statement(
    client: TestClient, context: AppContext, order_payload: OrderPayload, tokens: Tokens
) -> None:
    ruled, _ = _charges(client, context, order_payload)
    mine = {"Authorization": f"Bearer {tokens(Role.MERCHANT, merchant_id='m-babycare')}"}
    theirs = {"Authorization": f"Bearer {tokens(Role.MERCHANT, merchant_id='m-other')}"}
    own = client.get("/api/v1/merchant/statement", headers=mine).json()
    assert own["merchant_id"] == "m-babycare" and [x["rma_no"] for x in own["lines"]] == [ruled]
    other = client.get("/api/v1/merchant/statement", headers=theirs).json()
    assert other["merchant_id"] == "m-other" and other["lines"] == []
    refused = client.get("/api/v1/finance/merchants/m-babycare/statement", headers=theirs)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    staff = client.get("/api/v1/merchant/statement")  # an administrator: no merchant
    assert (staff.status_code, staff.json()["code"]) == (404, "merchant_statement_not_found")


def test_the_carrier_claims_report_shows_the_claim(
    client: TestClient, context: AppContext, order_payload: OrderPayload
) -> None:
    _, lost = _charges(client, context, order_payload)
    report = client.get("/api/v1/finance/carrier-claims").json()
    (group,) = report["carriers"]
    assert group["carrier"] == "sf" and group["total"]["amount"] == REFUNDABLE
    (claim,) = group["claims"]
    assert (claim["rma_no"], claim["reference"]) == (lost, "EX-7")
    assert claim["waybill"] == f"SF{lost[-12:]}"
    assert report["total"]["amount"] == REFUNDABLE
    only = client.get("/api/v1/finance/carrier-claims", params={"carrier": "zto"}).json()
    assert only["carriers"] == [] and only["total"]["amount"] == 0
    exported = client.get("/api/v1/finance/carrier-claims", params={"format": "csv"}).text
    assert f"SF{lost[-12:]}" in exported and "EX-7" in exported


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from": "2026-13-01"}, "date_invalid"),
        ({"from": "2026-11-30", "to": "2026-11-01"}, "date_range_reversed"),
        ({"to": "1999-12-31"}, "date_invalid"),
    ],
)
def test_a_bad_period_is_refused(client: TestClient, params: dict[str, str], code: str) -> None:
    for url in ("/api/v1/finance/carrier-claims", "/api/v1/finance/merchants/m-1/statement"):
        refused = client.get(url, params=params)
        assert (refused.status_code, refused.json()["code"]) == (422, code)
    long_id = client.get("/api/v1/finance/merchants/" + "m" * 65 + "/statement")
    assert long_id.status_code == 422


def test_the_safety_net_books_a_merchant_fault_the_bus_left(
    client: TestClient,
    context: AppContext,
    order_payload: OrderPayload,
    tokens: Tokens,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    context.settings.instant_refund_enabled = True
    _order(client, order_payload)
    rma = filed(client)
    shipped(client, rma)
    pay_refunds(context)  # an instant refund, paid before the goods were judged
    clock.advance(days=4)  # older than the safety net looks back for payments
    with monkeypatch.context() as lost:
        lost.setattr(liability, "book_for", lambda *args: False)
        _inspect_merchant_fault(client, tokens, rma)
    assert _liabilities(context, rma) == []
    later = clock.advance(minutes=11)  # paid four days ago, inspected just now
    assert liability_jobs.book_left_unbooked(context, later) == 1
    assert liability_jobs.book_left_unbooked(context, later) == 0
    (entry,) = _liabilities(context, rma)
    assert entry.key == f"liability:{rma}:inspection"


def test_a_silent_merchants_lost_dispute_shows_on_its_statement(
    client: TestClient,
    context: AppContext,
    order_payload: OrderPayload,
    tokens: Tokens,
    clock: FakeClock,
) -> None:
    """The issue's journey: rejected, appealed, upheld, disputed; the merchant says nothing,
    the deadline rules against it, the refund is paid once and charged to the merchant."""
    _order(client, order_payload)
    rma = filed(client, reason="quality", approve=False)  # a person reviews it
    for path, step in (
        ("reject", {"reason": "照片显示为人为损坏"}),
        ("appeal", {"statement": "收到时就是坏的"}),
        ("appeal/decision", {"decision": "uphold", "reason": "维持原判"}),
    ):
        answer = client.post(f"/api/v1/returns/{rma}/{path}", json=step)
        assert answer.status_code in (200, 201), answer.text
    agent = {"Authorization": f"Bearer {tokens(Role.AGENT, username='alice')}"}
    opened = client.post(
        f"/api/v1/returns/{rma}/disputes", json={"statement": "裂纹"}, headers=agent
    )
    assert opened.status_code == 201, opened.text
    dispute_no = opened.json()["dispute_no"]
    clock.advance(days=3)  # the evidence deadline passes in silence
    pay_refunds(context, ticks=3)  # the sweep rules, the refund is submitted and settles
    assert client.get(f"/api/v1/refunds/{rma}").json()["status"] == "succeeded"
    (entry,) = _liabilities(context, rma)
    assert entry.key == f"liability:{rma}:{dispute_no}"
    merchant = {"Authorization": f"Bearer {tokens(Role.MERCHANT, merchant_id='m-babycare')}"}
    statement = client.get("/api/v1/merchant/statement", headers=merchant).json()
    (line,) = statement["lines"]
    assert (line["rma_no"], line["source"], line["reference"]) == (rma, "ruling", dispute_no)
    assert statement["closing"]["amount"] == REFUNDABLE
