"""Every page route × every role, from one table: a new page without a rule fails here.

The table is compared with the routes the app really serves (walked through the
included routers), so adding a page means deciding who may open it. Each role gets
the page or a 403 page exactly as `ROLE_PERMISSIONS` says; signed out, every staff
page sends the browser to sign in and brings it back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute

from returnflow.app_context import AppContext
from returnflow.asgi import create_app
from returnflow.domain.access import ROLE_PERMISSIONS, Permission, Role
from tests.support.apps import shared_app
from tests.support.staff import post_login
from tests.test_console_pages import PASSWORD, csrf_of_session

P = Permission
PUBLIC = None
PAGES: dict[tuple[str, str], Permission | None] = {
    ("GET", "/"): PUBLIC,
    ("GET", "/lang"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/favicon.ico"): PUBLIC,
    ("GET", "/staff/login"): PUBLIC,
    ("POST", "/staff/login"): PUBLIC,
    ("GET", "/staff"): P.RETURNS_VIEW,
    ("GET", "/staff/review"): P.RETURNS_REVIEW,
    ("POST", "/staff/review/{rma_no}/take"): P.RETURNS_REVIEW,  # issue 16
    ("POST", "/staff/review/{rma_no}/assign"): P.RETURNS_ASSIGN,
    ("POST", "/staff/review/bulk"): P.RETURNS_REVIEW,
    ("GET", "/staff/returns"): P.RETURNS_VIEW,
    ("GET", "/staff/returns/{rma_no}"): P.RETURNS_VIEW,
    ("POST", "/staff/returns/{rma_no}/approve"): P.RETURNS_REVIEW,
    ("POST", "/staff/returns/{rma_no}/reject"): P.RETURNS_REVIEW,
    ("POST", "/staff/returns/{rma_no}/cancel"): P.RETURNS_CANCEL,
    ("POST", "/staff/returns/{rma_no}/complete"): P.RETURNS_RESOLVE,
    ("POST", "/staff/returns/{rma_no}/confirm"): P.RETURNS_CONFIRM,
    ("POST", "/staff/returns/{rma_no}/refund"): P.REFUNDS_PAY,
    ("GET", "/staff/finance"): P.FINANCE_RECONCILE,
    ("GET", "/staff/finance/approvals"): P.AMOUNTS_APPROVE,
    ("POST", "/staff/finance/approvals/{approval_id}/{decision}"): P.AMOUNTS_APPROVE,
    ("GET", "/staff/finance/reconciliation"): P.FINANCE_RECONCILE,
    ("GET", "/staff/finance/journal"): P.FINANCE_RECONCILE,  # R15.1: the journal download
    ("GET", "/staff/finance/journal/download"): P.FINANCE_RECONCILE,
    ("POST", "/staff/finance/recoveries/{rma_no}/resolve"): P.FINANCE_RECONCILE,
    # who bears a ruling's money (issue 12, R8.4): statements and claims
    ("GET", "/staff/finance/merchant-statements"): P.REPORTS_VIEW,
    ("GET", "/staff/reports/satisfaction"): P.REPORTS_VIEW,  # R7.2
    ("GET", "/staff/scorecards/merchants"): P.ANALYTICS_VIEW,  # issue 14: R11.2
    ("GET", "/staff/scorecards/staff"): P.STAFF_SCORECARDS,  # R12.2
    # monitors, incidents, playbooks, drills (issue 14, R13.1)
    ("GET", "/staff/incidents"): P.INCIDENTS_MANAGE,
    ("POST", "/staff/incidents/drills"): P.INCIDENTS_MANAGE,
    ("GET", "/staff/incidents/{incident_id}"): P.INCIDENTS_MANAGE,
    ("POST", "/staff/incidents/{incident_id}/actions"): P.INCIDENTS_MANAGE,
    ("GET", "/staff/incidents/on-call"): P.INCIDENTS_MANAGE,  # the on-call rota
    ("POST", "/staff/incidents/on-call"): P.INCIDENTS_MANAGE,
    ("POST", "/staff/incidents/on-call/{shift_id}/remove"): P.INCIDENTS_MANAGE,
    ("GET", "/staff/analytics/insights/{table}.{fmt}"): P.ANALYTICS_VIEW,  # downloads
    ("GET", "/staff/scorecards/merchants.{fmt}"): P.ANALYTICS_VIEW,
    ("GET", "/staff/scorecards/staff.{fmt}"): P.STAFF_SCORECARDS,
    ("GET", "/staff/monitors"): P.INCIDENTS_MANAGE,
    ("POST", "/staff/monitors/evaluate"): P.INCIDENTS_MANAGE,
    ("POST", "/staff/monitors/{monitor_id}"): P.INCIDENTS_MANAGE,
    ("GET", "/staff/playbooks"): P.INCIDENTS_MANAGE,
    ("POST", "/staff/playbooks/{kind}"): P.INCIDENTS_MANAGE,
    ("POST", "/staff/returns/{rma_no}/risk/feedback"): P.RISK_JUDGE,  # issue 15: R10.3
    ("GET", "/staff/risk/watch-list"): P.RISK_MANAGE,
    ("POST", "/staff/risk/watch-list"): P.RISK_MANAGE,
    ("POST", "/staff/risk/watch-list/{entry_id}/remove"): P.RISK_MANAGE,
    ("GET", "/staff/risk/tuning"): P.RISK_MANAGE,  # issue 15: thresholds against verdicts
    ("GET", "/staff/risk/tuning.csv"): P.RISK_MANAGE,
    ("GET", "/staff/risk/register"): P.RISK_VIEW,  # issue 15: the risk register (R10.1)
    ("POST", "/staff/risk/register/{code}"): P.RISK_MANAGE,
    ("GET", "/staff/risk/care"): P.RISK_JUDGE,  # frequent-returner care (R10.4)
    ("GET", "/staff/risk/care/{customer_id}"): P.RISK_JUDGE,
    ("POST", "/staff/risk/care/{customer_id}/outreach"): P.RISK_JUDGE,
    ("POST", "/staff/risk/care/{customer_id}/outreach/{outreach_id}/outcome"): P.RISK_JUDGE,
    ("GET", "/staff/analytics/insights"): P.ANALYTICS_VIEW,  # issue 14: R9.2, R9.5
    ("GET", "/staff/analytics"): P.ANALYTICS_VIEW,  # issue 14: dashboards (R9.3)
    ("GET", "/staff/analytics/requests"): P.ANALYTICS_VIEW,
    ("GET", "/staff/analytics/charts/{chart}.{fmt}"): P.ANALYTICS_VIEW,
    ("GET", "/staff/finance/carrier-claims"): P.REPORTS_VIEW,
    ("GET", "/staff/merchant/statement"): P.RETURNS_VIEW,  # a merchant's own; staff: elsewhere
    ("GET", "/staff/photos/{name}"): P.RETURNS_VIEW,
    ("GET", "/staff/hotline"): P.RETURNS_FILE,
    ("GET", "/staff/receiving"): P.WAREHOUSE_RECEIVE,
    ("POST", "/staff/receiving/{rma_no}/receipt"): P.WAREHOUSE_RECEIVE,
    ("GET", "/staff/receiving/unidentified"): P.WAREHOUSE_RECEIVE,
    ("POST", "/staff/receiving/unidentified"): P.WAREHOUSE_RECEIVE,
    ("POST", "/staff/receiving/unidentified/{parcel_id}/close"): P.WAREHOUSE_RECEIVE,
    ("GET", "/staff/receiving/photos/{name}"): P.RETURNS_VIEW,
    ("POST", "/staff/hotline"): P.RETURNS_FILE,
    ("GET", "/staff/exceptions"): P.LOGISTICS_EXCEPTIONS,
    ("POST", "/staff/exceptions/{task_id}/resolve"): P.LOGISTICS_EXCEPTIONS,
    # warehouse: inspection, disposition, inventory, RTV, figures (issue 4)
    ("GET", "/staff/warehouse/awaiting-inspection"): P.WAREHOUSE_INSPECT,  # issue 16
    ("GET", "/staff/warehouse/awaiting-disposition"): P.WAREHOUSE_DISPOSE,
    ("GET", "/staff/admin/policy"): P.POLICY_PUBLISH,  # issue 16: policy versions
    ("POST", "/staff/admin/policy"): P.POLICY_PUBLISH,
    ("GET", "/staff/admin/return-methods"): P.POLICY_PUBLISH,  # issue 16: return methods
    ("POST", "/staff/admin/return-methods/{name}"): P.POLICY_PUBLISH,
    ("GET", "/staff/warehouse/returns/{rma_no}/inspect"): P.WAREHOUSE_INSPECT,
    ("POST", "/staff/warehouse/returns/{rma_no}/inspect"): P.WAREHOUSE_INSPECT,
    ("GET", "/staff/warehouse/returns/{rma_no}/dispose"): P.WAREHOUSE_DISPOSE,
    ("POST", "/staff/warehouse/returns/{rma_no}/dispose"): P.WAREHOUSE_DISPOSE,
    ("POST", "/staff/warehouse/returns/{rma_no}/put-away"): P.WAREHOUSE_DISPOSE,
    ("GET", "/staff/warehouse/bins/{bin_code}/label.pdf"): P.WAREHOUSE_DISPOSE,
    ("GET", "/staff/warehouse/inventory"): P.INVENTORY_VIEW,
    ("GET", "/staff/warehouse/rtv"): P.INVENTORY_VIEW,
    ("GET", "/staff/warehouse/rtv/{batch_id}"): P.INVENTORY_VIEW,
    ("POST", "/staff/warehouse/rtv/{batch_id}/ship"): P.WAREHOUSE_DISPOSE,
    ("GET", "/staff/warehouse/figures"): P.REPORTS_VIEW,
    ("POST", "/staff/returns/{rma_no}/shipping"): P.RETURNS_SHIP,
    ("POST", "/staff/returns/{rma_no}/shipping/{shipment_id}/cancel"): P.RETURNS_SHIP,
    ("GET", "/staff/reports/shipping-costs"): P.REPORTS_VIEW,
    ("GET", "/staff/reports/periodic"): P.REPORTS_VIEW,  # issue 14: R9.3
    ("GET", "/staff/reports/periodic/{report_id}.pdf"): P.REPORTS_VIEW,
    ("GET", "/staff/reports/periodic/{report_id}.xlsx"): P.REPORTS_VIEW,
    ("POST", "/staff/reports/periodic/subscription"): P.REPORTS_VIEW,
    # resolutions (issue 5): exchange, repair, reissue, credit, shipment requests
    ("POST", "/staff/returns/{rma_no}/exchange-order"): P.RETURNS_RESOLVE,
    ("POST", "/staff/returns/{rma_no}/exchange-order/release"): P.RETURNS_RESOLVE,
    ("POST", "/staff/returns/{rma_no}/repair-order"): P.RETURNS_RESOLVE,
    ("POST", "/staff/returns/{rma_no}/reissue-order"): P.RETURNS_RESOLVE,
    ("POST", "/staff/returns/{rma_no}/store-credit"): P.REFUNDS_PAY,
    ("GET", "/staff/shipment-requests"): P.RETURNS_VIEW,
    ("POST", "/staff/shipment-requests/{request_id}/shipped"): P.RETURNS_RESOLVE,
    ("GET", "/staff/store-credit"): P.CREDIT_MANAGE,
    ("GET", "/staff/access-log"): P.ACCESS_LOG_VIEW,  # privacy (issue 9, R14.1)
    ("POST", "/staff/customers/export"): P.CUSTOMERS_EXPORT,
    # complaints (issue 12, R8.1, R8.2, R8.5): the queue, one complaint, hotline intake
    ("GET", "/staff/complaints"): P.COMPLAINTS_VIEW,
    ("GET", "/staff/complaints/new"): P.COMPLAINTS_FILE,
    ("POST", "/staff/complaints/new"): P.COMPLAINTS_FILE,
    ("GET", "/staff/complaints/{complaint_no}"): P.COMPLAINTS_VIEW,
    ("POST", "/staff/complaints/{complaint_no}/respond"): P.COMPLAINTS_HANDLE,
    ("POST", "/staff/complaints/{complaint_no}/escalate"): P.COMPLAINTS_HANDLE,
    ("POST", "/staff/complaints/{complaint_no}/resolve"): P.COMPLAINTS_HANDLE,
    ("POST", "/staff/complaints/{complaint_no}/reopen"): P.COMPLAINTS_HANDLE,
    ("POST", "/staff/complaints/{complaint_no}/classify"): P.COMPLAINTS_HANDLE,
    ("POST", "/staff/complaints/{complaint_no}/flag"): P.COMPLAINTS_HANDLE,
    # appeals and overturns (issue 12, R3.2)
    ("GET", "/staff/appeals"): P.RETURNS_REVIEW,
    ("GET", "/staff/returns/{rma_no}/appeal"): P.RETURNS_VIEW,
    ("POST", "/staff/returns/{rma_no}/appeal/decision"): P.RETURNS_REVIEW,
    ("POST", "/staff/returns/{rma_no}/overturn"): P.RETURNS_REVIEW,
    ("GET", "/staff/returns/{rma_no}/appeal/photos/{name}"): P.RETURNS_VIEW,
    # disputes (issue 12, R8.3): the queue, one dispute, evidence, the ruling
    ("GET", "/staff/disputes"): P.DISPUTES_VIEW,
    ("GET", "/staff/disputes/{dispute_no}"): P.DISPUTES_VIEW,
    ("POST", "/staff/disputes/{dispute_no}/evidence"): P.DISPUTES_EVIDENCE,
    ("POST", "/staff/disputes/{dispute_no}/ruling"): P.DISPUTES_RULE,
    ("GET", "/staff/disputes/{dispute_no}/photos/{name}"): P.DISPUTES_VIEW,
    ("GET", "/staff/returns/{rma_no}/dispute"): P.DISPUTES_VIEW,
    ("POST", "/staff/returns/{rma_no}/dispute"): P.DISPUTES_EVIDENCE,
    # a conversation per request (issue 13, R11.1)
    ("POST", "/staff/returns/{rma_no}/messages"): P.RETURNS_MESSAGE,
    ("GET", "/staff/returns/{rma_no}/messages/photos/{name}"): P.RETURNS_VIEW,
    # sign-in's second step, one's own two-step sign-in, staff accounts (issue 9)
    ("GET", "/staff/login/code"): PUBLIC,
    ("POST", "/staff/login/code"): PUBLIC,
    ("GET", "/staff/account/security"): P.ACCOUNT_SECURITY,
    ("POST", "/staff/account/security/confirm"): P.ACCOUNT_SECURITY,
    ("POST", "/staff/account/security/off"): P.ACCOUNT_SECURITY,
    ("GET", "/staff/users"): P.USERS_MANAGE,
    ("POST", "/staff/users"): P.USERS_MANAGE,
    ("POST", "/staff/users/{user_id}/role"): P.USERS_MANAGE,
    ("POST", "/staff/users/{user_id}/deactivate"): P.USERS_MANAGE,
    ("POST", "/staff/users/{user_id}/activate"): P.USERS_MANAGE,
    ("POST", "/staff/users/{user_id}/reset-password"): P.USERS_MANAGE,
    ("POST", "/staff/users/{user_id}/reset-totp"): P.USERS_MANAGE,
    ("POST", "/staff/users/{user_id}/email"): P.USERS_MANAGE,  # issue 13: notification mail
    # staff and merchant notifications (issue 13)
    ("GET", "/staff/notifications"): P.NOTIFICATIONS_VIEW,
    ("GET", "/staff/notifications/{notification_id}/open"): P.NOTIFICATIONS_VIEW,
    ("POST", "/staff/notifications/read-all"): P.NOTIFICATIONS_VIEW,
    # outbound webhooks (issue 13, R15.1)
    ("GET", "/staff/webhooks"): P.USERS_MANAGE,
    ("POST", "/staff/webhooks"): P.USERS_MANAGE,
    ("POST", "/staff/webhooks/{subscription_id}/active"): P.USERS_MANAGE,
    ("POST", "/staff/webhooks/deliveries/{delivery_id}/replay"): P.USERS_MANAGE,
    # issue 15: a merchant's own terms (R11.1); the public help centre (R2.1)
    ("GET", "/staff/merchant/terms"): P.MERCHANT_TERMS,
    ("POST", "/staff/merchant/terms"): P.MERCHANT_TERMS,
    ("POST", "/staff/merchant/profile"): P.MERCHANT_TERMS,
    ("GET", "/help/returns"): PUBLIC,
    ("GET", "/help"): PUBLIC,  # issue 16: the help centre's questions
    ("GET", "/staff/manual"): P.RETURNS_VIEW,  # issue 16: the operator manual, every role
    ("GET", "/help/returns/merchants/{merchant_id}"): PUBLIC,
    ("GET", "/help/returns/merchants/{merchant_id}/categories/{category}"): PUBLIC,
    ("GET", "/help/returns/merchants/{merchant_id}/products/{sku}"): PUBLIC,
    # merchants' applications (issue 15, seed 000 §9.1): the public form and status link
    ("GET", "/merchants/apply"): PUBLIC,
    ("POST", "/merchants/apply"): PUBLIC,
    ("GET", "/merchants/apply/s/{token}"): PUBLIC,
    ("POST", "/merchants/apply/s/{token}/answer"): PUBLIC,
    ("POST", "/merchants/apply/s/{token}/documents"): PUBLIC,
    ("POST", "/merchants/apply/s/{token}/withdraw"): PUBLIC,
    ("GET", "/merchants/apply/s/{token}/documents/{name}"): PUBLIC,
    ("GET", "/staff/merchants/applications"): P.MERCHANTS_ONBOARD,
    ("GET", "/staff/merchants/applications/{application_id}"): P.MERCHANTS_ONBOARD,
    ("POST", "/staff/merchants/applications/{application_id}/checks"): P.MERCHANTS_ONBOARD,
    ("POST", "/staff/merchants/applications/{application_id}/decision"): P.MERCHANTS_ONBOARD,
    ("GET", "/staff/merchants/applications/{application_id}/documents/{name}"): (
        P.MERCHANTS_ONBOARD
    ),
    ("GET", "/images/products/{key}"): PUBLIC,  # issue 16: product pictures, served local
    # issue 17: training, every staff role; waivers by administrators (R16.8)
    ("GET", "/staff/training"): P.TRAINING,
    ("POST", "/staff/training/attempts"): P.TRAINING,
    ("GET", "/staff/training/attempts/{attempt_id}"): P.TRAINING,
    ("POST", "/staff/training/attempts/{attempt_id}/answers"): P.TRAINING,
    ("POST", "/staff/training/waivers"): P.USERS_MANAGE,
    ("GET", "/staff/training/team"): P.STAFF_SCORECARDS,
    # issue 17: improvement proposals and the quarterly process review (R16.11)
    ("GET", "/staff/improvements"): P.IMPROVEMENTS_PROPOSE,
    ("POST", "/staff/improvements"): P.IMPROVEMENTS_PROPOSE,
    ("POST", "/staff/improvements/{proposal_id}/triage"): P.IMPROVEMENTS_MANAGE,
    ("POST", "/staff/improvements/{proposal_id}/start"): P.IMPROVEMENTS_MANAGE,
    ("POST", "/staff/improvements/{proposal_id}/close"): P.IMPROVEMENTS_MANAGE,
    ("GET", "/staff/reviews/quarterly"): P.IMPROVEMENTS_MANAGE,
    ("GET", "/staff/reviews/quarterly.csv"): P.IMPROVEMENTS_MANAGE,
    ("GET", "/help/suggest"): PUBLIC,  # customers' suggestions (R16.11)
    ("POST", "/help/suggest"): PUBLIC,
    ("POST", "/staff/training/rereads"): P.TRAINING,  # a lesson re-read after a policy change
    ("POST", "/staff/training/assessments"): P.STAFF_SCORECARDS,  # a supervisor records one
    ("POST", "/staff/training/recognitions"): P.STAFF_SCORECARDS,  # reward or corrective action
    ("GET", "/staff/training/second-grades"): P.WAREHOUSE_INSPECT,  # a second inspector's grade
    ("POST", "/staff/training/second-grades"): P.WAREHOUSE_INSPECT,
    ("GET", "/staff/training/due"): P.STAFF_SCORECARDS,  # who is due
    ("GET", "/staff/training/due.csv"): P.STAFF_SCORECARDS,
    ("GET", "/staff/training/people/{user_id}"): P.TRAINING,  # one's own; managers anyone's
    # last: it ends the session the other rows use
    ("POST", "/staff/logout"): PUBLIC,
}
# Not pages: the API has its own table (tests/api/test_permissions.py), the rest is plumbing.
NOT_PAGES = ("/api/", "/static", "/docs", "/redoc", "/openapi.json")
# The customer portal answers to customers, not staff roles: checked generically below.
CUSTOMER_PAGES = "/portal"
SAMPLE = {
    "{request_id}": "999999",
    "{shipment_id}": "999999",
    "{task_id}": "999999",
    "{user_id}": "999999",
    "{parcel_id}": "999999",
    "{batch_id}": "999999",
    "{bin_code}": "A-01-01",
    "{rma_no}": "RMA-NOWHERE",
    "{name}": "0" * 32 + ".png",
    "{order_no}": "SO-NOWHERE",
    "{complaint_no}": "CP-NOWHERE",
    "{dispute_no}": "DP-NOWHERE",
    "{subscription_id}": "999999",
    "{delivery_id}": "999999",
    "{notification_id}": "999999",
    "{attempt_id}": "999999",
    "{proposal_id}": "999999",
}


@pytest.fixture
def context(context: AppContext, tmp_path: Path) -> AppContext:
    """Portal links are signed: a known key, so following one writes no key file."""
    settings = context.settings.model_copy(
        update={"upload_dir": str(tmp_path / "uploads"), "secret_key": "page-permission-tests"}
    )
    return dataclasses.replace(context, settings=settings)


def _walk(routes: Iterable[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path) of every route, descending into included routers and their prefixes.

    FastAPI 0.165 keeps each included router as one `_IncludedRouter` entry holding the
    original router and the include's prefix; older versions copy the routes in flat.
    """
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            include_prefix = getattr(getattr(route, "include_context", None), "prefix", "") or ""
            yield from _walk(included.routes, prefix + include_prefix)
            continue
        path = getattr(route, "path", None)
        if path is None:
            continue
        methods: set[str] | None = getattr(route, "methods", None)
        if methods is None:  # a mount: a whole sub-application at this path
            yield ("MOUNT", prefix + path)
            continue
        for method in sorted(methods - {"HEAD"}):
            yield (method, prefix + path)


def all_routes(app: FastAPI) -> set[tuple[str, str]]:
    return set(_walk(app.routes))


def page_routes(app: FastAPI) -> set[tuple[str, str]]:
    return {
        (method, path)
        for method, path in all_routes(app)
        if not path.startswith(NOT_PAGES) and not path.startswith(CUSTOMER_PAGES)
    }


def _url(path: str) -> str:
    for placeholder, value in SAMPLE.items():
        path = path.replace(placeholder, value)
    return path


def test_the_walk_finds_routes_inside_included_routers(context: AppContext) -> None:
    found = all_routes(create_app(context))
    # API and page routes live in included routers; healthz and the docs on the app
    assert {("POST", "/api/v1/returns"), ("GET", "/staff/login"), ("GET", "/healthz")} <= found
    assert ("MOUNT", "/static") in found


def test_every_page_has_a_rule(context: AppContext) -> None:
    served = page_routes(create_app(context))
    assert sorted(served - set(PAGES)) == [], "pages without a rule in PAGES"
    assert sorted(set(PAGES) - served) == [], "rules for pages the app does not serve"


def _signed_in(context: AppContext, tokens: Callable[..., str], role: Role) -> TestClient:
    username = f"page-{role.value}"
    tokens(role, merchant_id="m-babycare" if role is Role.MERCHANT else None, username=username)
    client = TestClient(shared_app(context))
    response = post_login(client, username, PASSWORD)
    assert response.status_code == 303, response.text
    return client


@pytest.mark.parametrize("role", list(Role))
def test_each_role_opens_exactly_its_pages(
    context: AppContext, tokens: Callable[..., str], role: Role
) -> None:
    held = ROLE_PERMISSIONS[role]
    with _signed_in(context, tokens, role) as client:
        csrf = csrf_of_session(context, client)
        for (method, path), permission in PAGES.items():
            data: dict[str, Any] = {"csrf_token": csrf} if method == "POST" else {}
            response = client.request(method, _url(path), data=data, follow_redirects=False)
            where = (role, method, path, response.status_code)
            location = response.headers.get("location", "")
            assert not location.startswith("/staff/login?next="), where
            assert response.status_code < 500, where
            if permission is PUBLIC or permission in held:
                assert response.status_code != 403, (*where, response.text[:500])
            else:
                assert response.status_code == 403, where
                assert 'data-code="forbidden"' in response.text, where


def test_signed_out_staff_pages_ask_to_sign_in(context: AppContext) -> None:
    with TestClient(shared_app(context)) as client:
        for (method, path), permission in PAGES.items():
            url = _url(path)
            response = client.request(method, url, follow_redirects=False)
            location = response.headers.get("location", "")
            if permission is PUBLIC:
                assert not location.startswith("/staff/login?next="), (method, path)
                assert response.status_code < 500, (method, path)
            else:
                assert response.status_code == 303, (method, path, response.status_code)
                assert location.startswith("/staff/login?next=%2Fstaff"), (method, path)


def test_customer_pages_do_not_depend_on_staff_roles(
    context: AppContext, tokens: Callable[..., str]
) -> None:
    """Whatever the portal serves is for customers: no staff role is ever refused there."""
    app = shared_app(context)
    portal = sorted(
        (method, path)
        for method, path in all_routes(app)
        if path.startswith(CUSTOMER_PAGES) and method in ("GET", "POST")
    )
    with _signed_in(context, tokens, Role.WAREHOUSE) as client:
        for method, path in portal:
            response = client.request(method, _url(path), follow_redirects=False)
            assert 'data-code="forbidden"' not in response.text, (method, path)
            location = response.headers.get("location", "")
            assert not location.startswith("/staff/login"), (method, path)
