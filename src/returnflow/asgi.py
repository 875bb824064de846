"""The composition root: the one place that builds the ASGI app from the API and the pages.

`api/` and `web/` never import this module, and `api/` never imports `web/`: the
import contracts in pyproject.toml keep it so (issue 10).
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles

import returnflow.memory  # first: keeps httpx's command line out (memory.py)
from returnflow import __version__, log_privacy
from returnflow.api import analyses as api_analyses  # issue 14: R9.2, R9.5
from returnflow.api import analytics as api_analytics  # issue 14: R9.1, R9.4
from returnflow.api import appeals as api_appeals
from returnflow.api import assignment as api_assignment  # issue 16: review work
from returnflow.api import complaints as api_complaints
from returnflow.api import conversations as api_conversations  # issue 13: R11.1
from returnflow.api import customer_messages as api_messages
from returnflow.api import disputes as api_disputes
from returnflow.api import docs, openapi_problems, orders, policy, returns, shipping
from returnflow.api import evidence as api_evidence
from returnflow.api import finance as api_finance
from returnflow.api import incidents as api_incidents  # issue 14: R13.1
from returnflow.api import journal as api_journal
from returnflow.api import merchant_terms as api_merchant_terms  # issue 15: R11.1
from returnflow.api import notifications as api_notifications
from returnflow.api import onboarding as api_onboarding  # issue 15
from returnflow.api import policy_summary as api_policy_summary  # issue 15: R2.1
from returnflow.api import privacy as api_privacy
from returnflow.api import proposals as api_proposals  # issue 17: R16.11
from returnflow.api import receiving as api_receiving
from returnflow.api import refunds as api_refunds
from returnflow.api import reports as api_reports  # issue 14: R9.3
from returnflow.api import resolutions as api_resolutions
from returnflow.api import risk as api_risk  # issue 15: risk at intake (R10.3)
from returnflow.api import risk_register as api_risk_register  # issue 15: R10
from returnflow.api import scorecards as api_scorecards
from returnflow.api import statements as api_statements
from returnflow.api import store_credit as api_store_credit
from returnflow.api import surveys as api_surveys
from returnflow.api import tracking as api_tracking
from returnflow.api import training as api_training  # issue 17: R16.8
from returnflow.api import training_people as api_training_people  # second grades, who is due
from returnflow.api import training_records as api_training_records  # issue 17: skill records
from returnflow.api import users as api_users
from returnflow.api import warehouse as api_warehouse
from returnflow.api import webhooks as api_webhooks
from returnflow.app_context import AppContext
from returnflow.entrypoints import problems
from returnflow.entrypoints.limits import LimitRequestBodies
from returnflow.entrypoints.middleware import RejectNulCharacters
from returnflow.entrypoints.security_headers import SecurityHeaders
from returnflow.web import account_security as web_account_security
from returnflow.web import common as web_common
from returnflow.web import console as web_console
from returnflow.web import console_access_log as web_access_log
from returnflow.web import console_actions as web_console_actions
from returnflow.web import console_admin_methods as web_admin_methods  # issue 16
from returnflow.web import console_admin_policy as web_admin_policy  # issue 16
from returnflow.web import console_analytics as web_analytics  # issue 14: R9.3
from returnflow.web import console_appeals as web_appeals
from returnflow.web import console_complaint_forms as web_complaint_forms
from returnflow.web import console_complaints as web_complaints
from returnflow.web import console_conversation as web_conversation  # R11.1
from returnflow.web import console_dispute_open as web_dispute_open
from returnflow.web import console_disputes as web_disputes
from returnflow.web import console_exceptions as web_exceptions
from returnflow.web import console_finance as web_finance
from returnflow.web import console_hotline as web_console_hotline
from returnflow.web import console_improvements as web_improvements  # issue 17: R16.11
from returnflow.web import console_incidents as web_incidents  # issue 14: R13.1
from returnflow.web import console_insights as web_insights  # issue 14: R9.2, R9.5
from returnflow.web import console_journal as web_journal
from returnflow.web import console_merchant_terms as web_merchant_terms  # issue 15
from returnflow.web import console_notifications as web_notifications
from returnflow.web import console_onboarding as web_onboarding  # issue 15
from returnflow.web import console_process_review as web_process_review
from returnflow.web import console_receiving as web_receiving
from returnflow.web import console_recoveries as web_recoveries
from returnflow.web import console_reports as web_reports  # issue 14: R9.3
from returnflow.web import console_request as web_console_request
from returnflow.web import console_resolutions as web_resolutions
from returnflow.web import console_risk as web_risk  # issue 15: R10.3
from returnflow.web import console_risk_register as web_risk_register  # issue 15
from returnflow.web import console_scorecards as web_scorecards
from returnflow.web import console_search as web_console_search
from returnflow.web import console_shipping as web_console_shipping
from returnflow.web import console_statements as web_statements
from returnflow.web import console_surveys as web_surveys
from returnflow.web import console_training as web_training  # issue 17: R16.8
from returnflow.web import console_training_people as web_training_people  # skill records
from returnflow.web import console_users as web_users
from returnflow.web import console_warehouse as web_warehouse
from returnflow.web import console_webhooks as web_webhooks
from returnflow.web import help_centre as web_help_centre  # issue 15: R2.1
from returnflow.web import help_suggest as web_help_suggest
from returnflow.web import manual as web_manual  # issue 16: the operator manual
from returnflow.web import onboarding_apply as web_onboarding_apply
from returnflow.web import portal as web_portal
from returnflow.web import portal_appeals as web_portal_appeals
from returnflow.web import portal_apply as web_portal_apply
from returnflow.web import portal_complaints as web_portal_complaints
from returnflow.web import portal_conversation as web_portal_conversation  # R11.1
from returnflow.web import portal_disputes as web_portal_disputes
from returnflow.web import portal_messages as web_portal_messages
from returnflow.web import portal_offer as web_portal_offer
from returnflow.web import portal_request as web_portal_request
from returnflow.web import portal_resolutions as web_portal_resolutions
from returnflow.web import portal_shipping as web_portal_shipping
from returnflow.web import portal_surveys as web_portal_surveys
from returnflow.web import product_images as web_product_images  # issue 16: pictures
from returnflow.web.errors import error_page
from returnflow.web.guards import SignInRequired

STATIC = Path(__file__).parent / "web" / "static"


# every router of the API and of the pages, in matching order; a capability adds its line
ROUTES = (
    orders,
    returns,
    api_evidence,  # issue 9: the evidence bundle (R14.2)
    api_refunds,
    api_finance,
    api_journal,  # R15.1: the journal export
    policy,
    api_resolutions,
    api_store_credit,
    shipping,
    api_tracking,
    api_complaints,  # R8.1, R8.2: complaints
    web_complaints,  # the queue, one complaint, the hotline form
    web_complaint_forms,
    web_portal_complaints,  # "my complaints" in the portal
    web_common,
    web_portal,
    web_portal_apply,
    web_portal_request,
    web_portal_resolutions,
    web_portal_shipping,
    web_console,
    web_console_request,
    web_console_actions,
    web_console_search,
    web_console_hotline,
    web_resolutions,
    web_console_shipping,
    web_exceptions,
    web_finance,
    web_journal,  # R15.1: the journal download
    api_statements,  # R8.4: merchant statements, carrier claims
    web_statements,
    web_recoveries,
    api_receiving,
    web_receiving,
    api_warehouse,
    web_warehouse,
    web_portal_offer,
    api_appeals,  # R3.2: appeals and overturns
    api_assignment,  # issue 16: the review queue, take, assign
    api_disputes,
    api_conversations,  # issue 13: a conversation per request (R11.1)
    web_conversation,
    web_portal_conversation,
    api_webhooks,
    web_webhooks,
    web_disputes,  # R8.3: the dispute pages
    web_dispute_open,
    web_portal_disputes,
    web_appeals,
    web_portal_appeals,
    api_privacy,  # R14.1: access log, customer data export
    api_messages,  # issue 13: the customer's inbox (R1.3, R7.3)
    web_portal_messages,
    web_access_log,
    api_notifications,  # issue 13: staff and merchant notifications
    web_notifications,
    api_users,  # R12.1: staff accounts
    web_users,
    web_admin_policy,
    web_admin_methods,
    web_account_security,
    api_surveys,  # R7.2: the satisfaction survey
    api_analytics,  # issue 14: return rates and KPIs (R9.1, R9.4)
    api_analyses,  # issue 14: analyses and problem products (R9.2, R9.5)
    web_insights,
    web_analytics,  # issue 14: dashboards (R9.3)
    api_scorecards,  # issue 14: R11.2, R12.2
    web_scorecards,
    web_surveys,
    web_portal_surveys,
    api_incidents,  # issue 14: monitors, incidents, playbooks, drills (R13.1)
    web_incidents,
    api_reports,  # issue 14: periodic reports (R9.3)
    web_reports,
    api_risk,  # issue 15: risk at intake, feedback, the watch list (R10.3)
    web_risk,
    api_risk_register,  # issue 15: the risk register, frequent-returner care (R10)
    web_risk_register,
    api_onboarding,  # issue 15: merchants' applications (seed 000 §9.1)
    web_onboarding_apply,  # the public form and the private status link
    web_onboarding,  # the reviewers' pages
    api_merchant_terms,  # issue 15: a merchant's own terms and profile (R11.1)
    api_training,  # issue 17: courses, checks, certificates, waivers (R16.8)
    api_training_records,  # practical figures, rewards and corrective actions
    api_training_people,  # second grades, who is due, one person's record
    web_training,
    web_training_people,
    api_proposals,  # issue 17: improvement proposals (R16.11)
    web_improvements,
    web_process_review,  # the quarterly process review
    web_help_suggest,  # customers' suggestions from the help centre
    api_policy_summary,  # the public policy summary (R2.1)
    web_merchant_terms,
    web_help_centre,
    web_manual,  # issue 16: the operator manual per role
    web_product_images,  # issue 16: the server's copies of product pictures
)


def create_app(context: AppContext) -> FastAPI:
    """The app on this context; the context brings the message bus (bootstrap.py)."""
    app = FastAPI(
        title="ReturnFlow",
        version=__version__,
        description="Returns and exchanges platform: orders, policy, return lifecycle.",
        docs_url=None,  # served from the installed Swagger UI files (api/docs.py), no CDN
        redoc_url=None,
    )
    app.state.context = context
    problems.install(app, pages=error_page)
    openapi_problems.install(app)
    docs.install(app)
    # the last added runs first: body limits before anything reads a byte, and the
    # security headers on every answer, the 413 included
    app.add_middleware(RejectNulCharacters)
    app.add_middleware(LimitRequestBodies)
    app.add_middleware(SecurityHeaders)
    for module in ROUTES:
        _add_routes(app, module.router)
    _add_routes(app, api_resolutions.catalog_router)  # the catalogue price feed
    app.add_middleware(api_privacy.RouteForAccessLog)  # the access log's "seen on"
    log_privacy.install()  # no portal links or customer data in the logs
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _add_sign_in_and_health(app)
    return app


def _add_routes(app: FastAPI, router: APIRouter) -> None:
    """The router's own routes, as they are (issue 11: memory).

    `include_router` builds every route a second time, lazily on the first request that
    walks past it (FastAPI >= 0.130 keeps an "effective" copy per inclusion: dependencies,
    response fields, validators): about 10 MiB per API process for ~450 routes, while
    the router's routes are already complete (prefix, tags and dependencies are applied
    when they are declared, and the app adds nothing). A router that holds anything but
    plain routes (an included sub-router, a frontend group) is included as before.
    `tests/test_api_start_memory.py` checks both ways give the same routes and schema.
    """
    routes = router.routes
    plain = all(isinstance(route, APIRoute) for route in routes)  # PortalRoute is one too
    if plain and not getattr(router, "_low_priority_routes", None):
        app.router.routes.extend(routes)
    else:
        app.include_router(router)


def app_from_environment() -> FastAPI:
    """The app on settings read from the environment: what each `serve --workers N`
    process builds (uvicorn imports `returnflow.asgi:app_from_environment` with
    factory=True), so every API process has its own engine, pool, bus and gateway.

    The parent `serve` has already migrated the database and refused to start without
    the secrets (and exported RETURNFLOW_DEMO when demo mode came from `--demo`), so
    a child resolves the same secrets, from the environment or demo mode's file.
    """
    from returnflow.config import Settings
    from returnflow.process_secrets import resolve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = create_app(AppContext.from_settings(resolve(Settings())))
    returnflow.memory.settle_heap()  # the app is built: the collector may skip it from now
    return app


def _add_sign_in_and_health(app: FastAPI) -> None:
    """A page that needs a signed-in person sends the browser to sign in; /healthz."""

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(
            f"/staff/login?{urlencode({'next': exc.next_url})}", status_code=303
        )

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}
