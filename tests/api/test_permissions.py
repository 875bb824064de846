"""Every API route × every role, from one table: a new route without a rule fails here.

Also: no token is 401, merchants see only their own data, contact data is masked for
roles that do not need it and each unmasked look is logged, cookie writes need CSRF.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from returnflow.app_context import AppContext
from returnflow.asgi import create_app
from returnflow.domain.access import ROLE_PERMISSIONS, Permission, Role
from returnflow.services import accounts
from returnflow.storage.schema import AccessLogRow
from tests.support.apps import shared_app

P = Permission
RULES: dict[tuple[str, str], Permission | None] = {
    ("GET", "/healthz"): None,
    ("POST", "/api/v1/orders"): P.ORDERS_IMPORT,
    ("GET", "/api/v1/orders/{order_no}/eligibility"): P.ORDERS_VIEW,
    ("POST", "/api/v1/returns"): P.RETURNS_FILE,
    ("GET", "/api/v1/returns"): P.RETURNS_VIEW,
    ("GET", "/api/v1/returns/{rma_no}"): P.RETURNS_VIEW,
    ("POST", "/api/v1/returns/{rma_no}/approve"): P.RETURNS_REVIEW,
    ("POST", "/api/v1/returns/{rma_no}/reject"): P.RETURNS_REVIEW,
    ("GET", "/api/v1/review-queue"): P.RETURNS_REVIEW,  # issue 16
    ("POST", "/api/v1/returns/{rma_no}/take"): P.RETURNS_REVIEW,
    ("POST", "/api/v1/returns/{rma_no}/assign"): P.RETURNS_ASSIGN,
    ("POST", "/api/v1/returns/{rma_no}/ship"): P.RETURNS_SHIP,
    ("POST", "/api/v1/returns/{rma_no}/receive"): P.WAREHOUSE_RECEIVE,
    ("POST", "/api/v1/returns/{rma_no}/receipt"): P.WAREHOUSE_RECEIVE,
    ("GET", "/api/v1/returns/{rma_no}/receipt"): P.RETURNS_VIEW,
    ("POST", "/api/v1/receiving/scan"): P.WAREHOUSE_RECEIVE,
    ("GET", "/api/v1/receiving/unidentified"): P.WAREHOUSE_RECEIVE,
    ("POST", "/api/v1/receiving/unidentified"): P.WAREHOUSE_RECEIVE,
    ("POST", "/api/v1/receiving/unidentified/{parcel_id}/match"): P.WAREHOUSE_RECEIVE,
    ("POST", "/api/v1/receiving/unidentified/{parcel_id}/close"): P.WAREHOUSE_RECEIVE,
    ("POST", "/api/v1/returns/{rma_no}/inspect"): P.WAREHOUSE_INSPECT,
    ("POST", "/api/v1/returns/{rma_no}/refund"): P.REFUNDS_PAY,
    ("GET", "/api/v1/refunds/{rma_no}"): P.RETURNS_VIEW,
    ("POST", "/api/v1/refunds/{rma_no}/reopen"): P.REFUNDS_PAY,
    ("POST", "/api/v1/payments/{gateway}/notifications"): None,
    ("GET", "/api/v1/finance/refunds"): P.FINANCE_RECONCILE,
    ("GET", "/api/v1/finance/approvals"): P.AMOUNTS_APPROVE,
    ("POST", "/api/v1/finance/approvals/{approval_id}/approve"): P.AMOUNTS_APPROVE,
    ("POST", "/api/v1/finance/approvals/{approval_id}/decline"): P.AMOUNTS_APPROVE,
    ("GET", "/api/v1/finance/recoveries"): P.FINANCE_RECONCILE,
    ("POST", "/api/v1/finance/recoveries/{rma_no}/resolve"): P.FINANCE_RECONCILE,
    ("GET", "/api/v1/finance/ledger/balances"): P.FINANCE_RECONCILE,
    ("GET", "/api/v1/finance/reconciliation"): P.FINANCE_RECONCILE,
    ("POST", "/api/v1/finance/reconciliation"): P.FINANCE_RECONCILE,
    ("GET", "/api/v1/finance/journal"): P.FINANCE_RECONCILE,  # R15.1: the journal export
    # who bears a ruling's money (issue 12, R8.4): statements and claims
    ("GET", "/api/v1/finance/merchants/{merchant_id}/statement"): P.REPORTS_VIEW,
    ("GET", "/api/v1/finance/carrier-claims"): P.REPORTS_VIEW,
    ("GET", "/api/v1/reports"): P.REPORTS_VIEW,  # issue 14: periodic reports (R9.3)
    ("GET", "/api/v1/reports/{report_id}.pdf"): P.REPORTS_VIEW,
    ("GET", "/api/v1/reports/{report_id}.xlsx"): P.REPORTS_VIEW,
    ("GET", "/api/v1/merchant/statement"): P.RETURNS_VIEW,  # a merchant's own; staff: 404
    ("POST", "/api/v1/returns/{rma_no}/exchange"): P.RETURNS_RESOLVE,
    ("POST", "/api/v1/returns/{rma_no}/repair"): P.RETURNS_RESOLVE,
    ("POST", "/api/v1/returns/{rma_no}/reissue"): P.RETURNS_RESOLVE,
    ("POST", "/api/v1/returns/{rma_no}/complete"): P.RETURNS_RESOLVE,
    ("POST", "/api/v1/returns/{rma_no}/confirm"): P.RETURNS_CONFIRM,
    ("POST", "/api/v1/returns/{rma_no}/cancel"): P.RETURNS_CANCEL,
    ("GET", "/api/v1/policy"): P.POLICY_VIEW,
    # return methods, shipments, labels, costs (issue 4, R4.1–R4.2, R4.5)
    ("GET", "/api/v1/returns/{rma_no}/shipping-options"): P.RETURNS_VIEW,
    ("GET", "/api/v1/returns/{rma_no}/shipments"): P.RETURNS_VIEW,
    ("POST", "/api/v1/returns/{rma_no}/shipments"): P.RETURNS_SHIP,
    ("POST", "/api/v1/returns/{rma_no}/shipments/{shipment_id}/cancel"): P.RETURNS_SHIP,
    ("GET", "/api/v1/returns/{rma_no}/label.pdf"): P.RETURNS_VIEW,
    ("GET", "/api/v1/returns/{rma_no}/dropoff.png"): P.RETURNS_VIEW,
    ("GET", "/api/v1/returns/{rma_no}/evidence.zip"): P.RETURNS_VIEW,
    ("GET", "/api/v1/shipping/methods"): P.POLICY_VIEW,
    ("PUT", "/api/v1/shipping/methods/{merchant_id}/{province}"): P.POLICY_PUBLISH,
    ("DELETE", "/api/v1/shipping/methods/{merchant_id}/{province}"): P.POLICY_PUBLISH,
    ("GET", "/api/v1/reports/return-shipping-costs"): P.REPORTS_VIEW,
    # resolutions (issue 5): exchanges, repairs, reissues, credit refunds, shipment requests
    ("GET", "/api/v1/returns/{rma_no}/resolution"): P.RETURNS_VIEW,
    ("POST", "/api/v1/returns/{rma_no}/exchange-order"): P.RETURNS_RESOLVE,
    ("POST", "/api/v1/returns/{rma_no}/exchange-order/release"): P.RETURNS_RESOLVE,
    ("POST", "/api/v1/returns/{rma_no}/repair-order"): P.RETURNS_RESOLVE,
    ("POST", "/api/v1/returns/{rma_no}/repair-order/diagnose"): P.RETURNS_RESOLVE,
    ("POST", "/api/v1/returns/{rma_no}/repair-order/cost-answer"): P.RETURNS_RESOLVE,
    ("POST", "/api/v1/returns/{rma_no}/repair-order/repaired"): P.RETURNS_RESOLVE,
    ("POST", "/api/v1/returns/{rma_no}/repair-order/ship-back"): P.RETURNS_RESOLVE,
    ("POST", "/api/v1/returns/{rma_no}/reissue-order"): P.RETURNS_RESOLVE,
    ("POST", "/api/v1/returns/{rma_no}/store-credit"): P.REFUNDS_PAY,
    ("GET", "/api/v1/shipment-requests"): P.RETURNS_VIEW,
    ("POST", "/api/v1/shipment-requests/{request_id}/shipped"): P.RETURNS_RESOLVE,
    # the order system's catalogue price feed (issue 9): exchanges are priced from it
    ("PUT", "/api/v1/catalog/items"): P.ORDERS_IMPORT,
    ("GET", "/api/v1/catalog/items"): P.ORDERS_VIEW,
    ("GET", "/api/v1/store-credit/{customer_id}"): P.CREDIT_MANAGE,
    ("POST", "/api/v1/store-credit/{customer_id}/spend"): P.CREDIT_MANAGE,
    ("POST", "/api/v1/policy/versions"): P.POLICY_PUBLISH,
    # warehouse: inspection, disposition, inventory, RTV, rules, figures (issue 4)
    ("GET", "/api/v1/warehouse/returns/{rma_no}/checklist"): P.WAREHOUSE_INSPECT,
    ("GET", "/api/v1/warehouse/returns/{rma_no}"): P.RETURNS_VIEW,
    ("POST", "/api/v1/warehouse/returns/{rma_no}/inspection"): P.WAREHOUSE_INSPECT,
    ("POST", "/api/v1/warehouse/returns/{rma_no}/offer"): P.RETURNS_CONFIRM,
    ("POST", "/api/v1/warehouse/returns/{rma_no}/dispositions"): P.WAREHOUSE_DISPOSE,
    ("POST", "/api/v1/warehouse/returns/{rma_no}/put-away"): P.WAREHOUSE_DISPOSE,
    ("GET", "/api/v1/warehouse/stock"): P.INVENTORY_VIEW,
    ("GET", "/api/v1/warehouse/ledger"): P.INVENTORY_VIEW,
    ("POST", "/api/v1/warehouse/movements"): P.WAREHOUSE_DISPOSE,
    ("GET", "/api/v1/warehouse/rtv-batches"): P.INVENTORY_VIEW,
    ("GET", "/api/v1/warehouse/rtv-batches/{batch_id}"): P.INVENTORY_VIEW,
    ("POST", "/api/v1/warehouse/rtv-batches/{batch_id}/ship"): P.WAREHOUSE_DISPOSE,
    ("GET", "/api/v1/warehouse/rules"): P.POLICY_VIEW,
    ("POST", "/api/v1/warehouse/rules"): P.POLICY_PUBLISH,
    ("GET", "/api/v1/warehouse/figures"): P.REPORTS_VIEW,
    ("GET", "/api/v1/warehouse/bins/{bin_code}/label.pdf"): P.WAREHOUSE_DISPOSE,
    # tracking (issue 4): the carrier's signature is the webhook's authentication
    ("POST", "/api/v1/carriers/{carrier}/webhook"): None,
    ("GET", "/api/v1/returns/{rma_no}/tracking"): P.RETURNS_VIEW,
    ("GET", "/api/v1/logistics/exceptions"): P.LOGISTICS_EXCEPTIONS,
    ("POST", "/api/v1/logistics/exceptions/{task_id}/resolve"): P.LOGISTICS_EXCEPTIONS,
    # staff accounts (issue 9, R12.1)
    ("GET", "/api/v1/users"): P.USERS_MANAGE,
    ("POST", "/api/v1/users"): P.USERS_MANAGE,
    ("POST", "/api/v1/users/{user_id}/role"): P.USERS_MANAGE,
    ("POST", "/api/v1/users/{user_id}/deactivate"): P.USERS_MANAGE,
    ("POST", "/api/v1/users/{user_id}/activate"): P.USERS_MANAGE,
    ("POST", "/api/v1/users/{user_id}/reset-password"): P.USERS_MANAGE,
    ("POST", "/api/v1/users/{user_id}/reset-totp"): P.USERS_MANAGE,
    # outbound webhooks (issue 13, R15.1): administrators only
    ("POST", "/api/v1/webhooks/subscriptions"): P.USERS_MANAGE,
    ("GET", "/api/v1/webhooks/subscriptions"): P.USERS_MANAGE,
    ("GET", "/api/v1/webhooks/subscriptions/{subscription_id}"): P.USERS_MANAGE,
    ("PATCH", "/api/v1/webhooks/subscriptions/{subscription_id}"): P.USERS_MANAGE,
    ("DELETE", "/api/v1/webhooks/subscriptions/{subscription_id}"): P.USERS_MANAGE,
    ("GET", "/api/v1/webhooks/deliveries"): P.USERS_MANAGE,
    ("POST", "/api/v1/webhooks/deliveries/{delivery_id}/replay"): P.USERS_MANAGE,
    # privacy (issue 9, R14.1): the access log, a customer's data export
    ("GET", "/api/v1/access-log"): P.ACCESS_LOG_VIEW,
    ("GET", "/api/v1/customers/{customer_id}/export"): P.CUSTOMERS_EXPORT,
    ("GET", "/api/v1/customers/{customer_id}/messages"): P.CUSTOMERS_EXPORT,  # issue 13
    # complaints (issue 12, R8.1, R8.2, R8.5)
    ("POST", "/api/v1/complaints"): P.COMPLAINTS_FILE,
    ("GET", "/api/v1/complaints"): P.COMPLAINTS_VIEW,
    ("GET", "/api/v1/complaints/{complaint_no}"): P.COMPLAINTS_VIEW,
    ("POST", "/api/v1/complaints/{complaint_no}/respond"): P.COMPLAINTS_HANDLE,
    ("POST", "/api/v1/complaints/{complaint_no}/escalate"): P.COMPLAINTS_HANDLE,
    ("POST", "/api/v1/complaints/{complaint_no}/resolve"): P.COMPLAINTS_HANDLE,
    ("POST", "/api/v1/complaints/{complaint_no}/reopen"): P.COMPLAINTS_HANDLE,
    ("POST", "/api/v1/complaints/{complaint_no}/classify"): P.COMPLAINTS_HANDLE,
    ("POST", "/api/v1/complaints/{complaint_no}/flag"): P.COMPLAINTS_HANDLE,
    ("POST", "/api/v1/complaints/{complaint_no}/satisfaction"): P.COMPLAINTS_HANDLE,
    # appeals and overturns (issue 12, R3.2)
    ("POST", "/api/v1/returns/{rma_no}/appeal"): P.RETURNS_FILE,
    ("POST", "/api/v1/returns/{rma_no}/survey"): P.RETURNS_FILE,  # R7.2
    ("GET", "/api/v1/reports/satisfaction"): P.REPORTS_VIEW,
    ("GET", "/api/v1/scorecards/merchants"): P.ANALYTICS_VIEW,  # issue 14: R11.2
    ("GET", "/api/v1/scorecards/staff"): P.STAFF_SCORECARDS,  # R12.2
    # monitors, incidents, playbooks, drills (issue 14, R13.1): managers and admins
    ("GET", "/api/v1/monitors"): P.INCIDENTS_MANAGE,
    ("PUT", "/api/v1/monitors/{monitor_id}"): P.INCIDENTS_MANAGE,
    ("POST", "/api/v1/monitors/evaluate"): P.INCIDENTS_MANAGE,
    ("GET", "/api/v1/incidents"): P.INCIDENTS_MANAGE,
    ("GET", "/api/v1/incidents/{incident_id}"): P.INCIDENTS_MANAGE,
    ("POST", "/api/v1/incidents/{incident_id}/actions"): P.INCIDENTS_MANAGE,
    ("POST", "/api/v1/incidents/drills"): P.INCIDENTS_MANAGE,
    ("GET", "/api/v1/incidents/on-call"): P.INCIDENTS_MANAGE,  # the on-call rota
    ("POST", "/api/v1/incidents/on-call"): P.INCIDENTS_MANAGE,
    ("DELETE", "/api/v1/incidents/on-call/{shift_id}"): P.INCIDENTS_MANAGE,
    ("GET", "/api/v1/playbooks"): P.INCIDENTS_MANAGE,
    ("PUT", "/api/v1/playbooks/{kind}"): P.INCIDENTS_MANAGE,
    # issue 15: risk at intake (R10.3): a request's score, staff's verdict, the watch list
    ("GET", "/api/v1/returns/{rma_no}/risk"): P.RISK_VIEW,
    ("POST", "/api/v1/returns/{rma_no}/risk/feedback"): P.RISK_JUDGE,
    ("GET", "/api/v1/risk/watch-list"): P.RISK_MANAGE,
    ("POST", "/api/v1/risk/watch-list"): P.RISK_MANAGE,
    ("DELETE", "/api/v1/risk/watch-list/{entry_id}"): P.RISK_MANAGE,
    # issue 15: the risk register (R10.1, R10.2) and frequent-returner care (R10.4)
    ("GET", "/api/v1/risk/register"): P.RISK_VIEW,
    ("PUT", "/api/v1/risk/register/{code}"): P.RISK_MANAGE,
    ("GET", "/api/v1/risk/register/{code}/history"): P.RISK_VIEW,
    ("GET", "/api/v1/risk/care"): P.RISK_JUDGE,
    ("GET", "/api/v1/risk/care/{customer_id}"): P.RISK_JUDGE,
    ("POST", "/api/v1/risk/care/{customer_id}/outreach"): P.RISK_JUDGE,
    ("PUT", "/api/v1/risk/care/{customer_id}/outreach/{outreach_id}"): P.RISK_JUDGE,
    # issue 14: analyses and problem products (R9.2, R9.5)
    ("GET", "/api/v1/analytics/return-rates"): P.ANALYTICS_VIEW,  # issue 14: R9.1, R9.4
    ("GET", "/api/v1/analytics/kpis"): P.ANALYTICS_VIEW,
    ("GET", "/api/v1/analytics/reasons"): P.ANALYTICS_VIEW,
    ("GET", "/api/v1/analytics/segments"): P.ANALYTICS_VIEW,
    ("GET", "/api/v1/analytics/correlations"): P.ANALYTICS_VIEW,
    ("GET", "/api/v1/analytics/forecast"): P.ANALYTICS_VIEW,
    ("GET", "/api/v1/analytics/problem-products"): P.ANALYTICS_VIEW,
    ("GET", "/api/v1/returns/{rma_no}/appeal"): P.RETURNS_VIEW,
    ("POST", "/api/v1/returns/{rma_no}/appeal/decision"): P.RETURNS_REVIEW,
    ("POST", "/api/v1/returns/{rma_no}/overturn"): P.RETURNS_REVIEW,
    ("GET", "/api/v1/appeals"): P.RETURNS_VIEW,
    # disputes (issue 12, R8.3, R8.4)
    ("POST", "/api/v1/returns/{rma_no}/disputes"): P.DISPUTES_EVIDENCE,
    ("POST", "/api/v1/disputes/{dispute_no}/evidence"): P.DISPUTES_EVIDENCE,
    ("POST", "/api/v1/disputes/{dispute_no}/ruling"): P.DISPUTES_RULE,
    ("GET", "/api/v1/disputes"): P.DISPUTES_VIEW,
    ("GET", "/api/v1/disputes/{dispute_no}"): P.DISPUTES_VIEW,
    # staff and merchant notifications (issue 13): every staff role, its own only
    ("GET", "/api/v1/notifications"): P.NOTIFICATIONS_VIEW,
    ("POST", "/api/v1/notifications/{notification_id}/read"): P.NOTIFICATIONS_VIEW,
    ("POST", "/api/v1/notifications/read-all"): P.NOTIFICATIONS_VIEW,
    # a conversation per request (issue 13, R11.1)
    ("GET", "/api/v1/returns/{rma_no}/messages"): P.RETURNS_VIEW,
    ("POST", "/api/v1/returns/{rma_no}/messages"): P.RETURNS_MESSAGE,
    ("GET", "/api/v1/canned-replies"): P.RETURNS_MESSAGE,
    # merchants' applications (issue 15): applying and the status token are public
    ("POST", "/api/v1/merchant-applications"): None,
    ("GET", "/api/v1/merchant-applications/status/{token}"): None,
    ("POST", "/api/v1/merchant-applications/status/{token}/documents"): None,
    ("GET", "/api/v1/merchant-applications"): P.MERCHANTS_ONBOARD,
    ("GET", "/api/v1/merchant-applications/{application_id}"): P.MERCHANTS_ONBOARD,
    ("POST", "/api/v1/merchant-applications/{application_id}/checks"): P.MERCHANTS_ONBOARD,
    ("POST", "/api/v1/merchant-applications/{application_id}/decision"): P.MERCHANTS_ONBOARD,
    # issue 15: a merchant's own terms and profile (R11.1); the public policy summary (R2.1)
    ("GET", "/api/v1/merchants/{merchant_id}/terms"): P.MERCHANT_TERMS,
    ("PUT", "/api/v1/merchants/{merchant_id}/terms"): P.MERCHANT_TERMS,
    ("GET", "/api/v1/merchants/{merchant_id}/profile"): P.MERCHANT_TERMS,
    ("PUT", "/api/v1/merchants/{merchant_id}/profile"): P.MERCHANT_TERMS,
    ("GET", "/api/v1/policy/summary"): None,
    # issue 17: training, every staff role; waivers by administrators (R16.8)
    ("GET", "/api/v1/training/skills"): P.TRAINING,
    ("POST", "/api/v1/training/attempts"): P.TRAINING,
    ("POST", "/api/v1/training/attempts/{attempt_id}/answers"): P.TRAINING,
    ("POST", "/api/v1/training/waivers"): P.USERS_MANAGE,
    ("GET", "/api/v1/training/team"): P.STAFF_SCORECARDS,
    ("GET", "/api/v1/training/upkeep"): P.TRAINING,  # re-reads and assessments due
    ("POST", "/api/v1/training/rereads"): P.TRAINING,
    ("POST", "/api/v1/training/assessments"): P.STAFF_SCORECARDS,
    ("GET", "/api/v1/training/practice"): P.STAFF_SCORECARDS,  # skill records (issue 17)
    ("POST", "/api/v1/training/practicals"): P.STAFF_SCORECARDS,
    ("POST", "/api/v1/training/recognitions"): P.STAFF_SCORECARDS,
    ("GET", "/api/v1/training/recognitions"): P.TRAINING,
    ("GET", "/api/v1/training/second-grades"): P.WAREHOUSE_INSPECT,  # a second inspector
    ("POST", "/api/v1/training/second-grades"): P.WAREHOUSE_INSPECT,
    ("GET", "/api/v1/training/due"): P.STAFF_SCORECARDS,  # who is due
    ("GET", "/api/v1/training/people/{user_id}"): P.TRAINING,  # one's own; managers anyone's
    # issue 17: improvement proposals, any staff proposes; managers triage and close (R16.11)
    ("GET", "/api/v1/proposals"): P.IMPROVEMENTS_PROPOSE,
    ("POST", "/api/v1/proposals"): P.IMPROVEMENTS_PROPOSE,
    ("POST", "/api/v1/proposals/{proposal_id}/triage"): P.IMPROVEMENTS_MANAGE,
    ("POST", "/api/v1/proposals/{proposal_id}/start"): P.IMPROVEMENTS_MANAGE,
    ("POST", "/api/v1/proposals/{proposal_id}/close"): P.IMPROVEMENTS_MANAGE,
}


def _api_routes(context: AppContext) -> list[tuple[str, str]]:
    """Every operation the app serves, read from its own OpenAPI document."""
    paths = create_app(context).openapi()["paths"]
    return [(method.upper(), path) for path, operations in paths.items() for method in operations]


def test_every_route_has_a_rule(context: AppContext) -> None:
    routes = _api_routes(context)
    missing = [route for route in routes if route not in RULES]
    assert missing == [], f"routes without a permission rule: {missing}"
    assert sorted(RULES) == sorted(routes)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_exactly_its_permissions(
    context: AppContext, tokens: Callable[..., str], role: Role
) -> None:
    token = tokens(role, merchant_id="m-babycare" if role is Role.MERCHANT else None)
    held = ROLE_PERMISSIONS[role]
    with TestClient(shared_app(context)) as client:
        for (method, path), permission in RULES.items():
            url = path.replace("{order_no}", "SO-X").replace("{rma_no}", "RMA-X")
            response = client.request(
                method, url, headers={"Authorization": f"Bearer {token}"}, json={}
            )
            if permission is None or permission in held:
                assert response.status_code not in (401, 403), (role, method, path, response.text)
            else:
                assert response.status_code == 403, (role, method, path, response.status_code)
                assert response.json()["code"] == "forbidden"


def test_no_or_bad_token_is_401(context: AppContext) -> None:
    with TestClient(shared_app(context)) as client:
        for (method, path), permission in RULES.items():
            if permission is None:
                continue
            url = path.replace("{order_no}", "SO-X").replace("{rma_no}", "RMA-X")
            for headers in ({}, {"Authorization": "Bearer rf_forged"}):
                response = client.request(method, url, headers=headers)
                assert response.status_code == 401, (method, path, headers)
                assert response.json()["code"] == "unauthenticated"


def _file_return(client: TestClient, order_no: str) -> str:
    body = {
        "order_no": order_no,
        "type": "refund",
        "lines": [{"line_no": 1, "quantity": 1, "reason_code": "no_reason"}],
    }
    rma: str = client.post("/api/v1/returns", json=body).json()["rma_no"]
    return rma


def test_merchants_see_only_their_own(
    client: TestClient, tokens: Callable[..., str], order_payload: Callable[..., dict[str, Any]]
) -> None:
    client.post("/api/v1/orders", json=order_payload(order_no="A-1", merchant_id="m-a"))
    client.post("/api/v1/orders", json=order_payload(order_no="B-1", merchant_id="m-b"))
    mine, theirs = _file_return(client, "A-1"), _file_return(client, "B-1")
    merchant = {"Authorization": f"Bearer {tokens(Role.MERCHANT, merchant_id='m-a')}"}
    assert client.get(f"/api/v1/returns/{mine}", headers=merchant).status_code == 200
    other = client.get(f"/api/v1/returns/{theirs}", headers=merchant)
    assert (other.status_code, other.json()["code"]) == (404, "return_not_found")
    listed = client.get("/api/v1/returns", params={"merchant_id": "m-b"}, headers=merchant).json()
    assert [item["rma_no"] for item in listed["items"]] == [mine]
    assert client.get("/api/v1/orders/B-1/eligibility", headers=merchant).status_code == 404
    assert client.post(f"/api/v1/returns/{theirs}/cancel", headers=merchant).status_code == 403
    approve_other = client.post(f"/api/v1/returns/{theirs}/approve", headers=merchant)
    assert approve_other.status_code == 404


def test_contact_is_masked_unless_needed_and_looks_are_logged(
    client: TestClient,
    context: AppContext,
    tokens: Callable[..., str],
    order_payload: Callable[..., dict[str, Any]],
) -> None:
    client.post("/api/v1/orders", json=order_payload())
    rma = _file_return(client, "SO-1001")
    warehouse = {"Authorization": f"Bearer {tokens(Role.WAREHOUSE)}"}
    masked = client.get(f"/api/v1/returns/{rma}", headers=warehouse).json()["contact"]
    assert masked == {"name": "王小明", "phone": "138****8000", "email": "x***@example.com"}
    agent = {"Authorization": f"Bearer {tokens(Role.AGENT, username='li.na')}"}
    shown = client.get(f"/api/v1/returns/{rma}", headers=agent).json()["contact"]
    assert shown["phone"] == "13800138000"
    with context.session_factory() as session:
        actors = session.scalars(
            select(AccessLogRow.actor).where(AccessLogRow.subject == rma)
        ).all()
    assert "agent:li.na" in actors
    assert "warehouse:warehouse-staff" not in actors


def test_session_cookie_writes_need_the_csrf_token(
    context: AppContext, tokens: Callable[..., str], order_payload: Callable[..., dict[str, Any]]
) -> None:
    tokens(Role.MANAGER, username="wang.min")
    now = context.clock()
    with context.uow() as uow:
        signed = accounts.sign_in(uow, "wang.min", "correct horse battery", now)
        assert accounts.sign_in(uow, "wang.min", "wrong password!", now) is None
        assert accounts.sign_in(uow, "nobody", "correct horse battery", now) is None
        uow.commit(now)
    assert signed is not None
    with TestClient(shared_app(context)) as client:
        client.cookies.set("rf_session", signed.token)
        assert client.get("/api/v1/returns").status_code == 200
        refused = client.post("/api/v1/orders", json=order_payload())
        assert (refused.status_code, refused.json()["code"]) == (403, "csrf_failed")
        accepted = client.post(
            "/api/v1/orders", json=order_payload(), headers={"X-CSRF-Token": signed.csrf_token}
        )
        assert accepted.status_code == 201
