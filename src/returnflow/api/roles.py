"""Who may call an API route: one alias per permission, named after what the caller does.

A route states its permission by the type of its `principal` parameter, so its
signature says who may call it (`principal: Resolver`). There is one name per
permission, here only, and web/roles.py gives the pages the same names, so a route
and the page doing the same thing read alike. tests/api/test_permissions.py holds the
whole table.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from returnflow.domain.access import Permission as P
from returnflow.domain.access import Principal
from returnflow.entrypoints.deps import Allowed, AllowedWork, Work

Feeder = Annotated[Principal, Depends(Allowed(P.ORDERS_IMPORT))]
OrderViewer = Annotated[Principal, Depends(Allowed(P.ORDERS_VIEW))]
Viewer = Annotated[Principal, Depends(Allowed(P.RETURNS_VIEW))]
# the caller read in the unit of work the route's read then uses: one pool connection
ViewerWork = Annotated[Work, Depends(AllowedWork(P.RETURNS_VIEW), scope="function")]
Filer = Annotated[Principal, Depends(Allowed(P.RETURNS_FILE))]
# the same permission, its unit of work kept open for the route (filing: one connection)
FilerWork = Annotated[Work, Depends(AllowedWork(P.RETURNS_FILE), scope="function")]
Reviewer = Annotated[Principal, Depends(Allowed(P.RETURNS_REVIEW))]
Assigner = Annotated[Principal, Depends(Allowed(P.RETURNS_ASSIGN))]  # issue 16
Canceller = Annotated[Principal, Depends(Allowed(P.RETURNS_CANCEL))]
Shipper = Annotated[Principal, Depends(Allowed(P.RETURNS_SHIP))]
Receiver = Annotated[Principal, Depends(Allowed(P.WAREHOUSE_RECEIVE))]
Inspector = Annotated[Principal, Depends(Allowed(P.WAREHOUSE_INSPECT))]
Resolver = Annotated[Principal, Depends(Allowed(P.RETURNS_RESOLVE))]
Payer = Annotated[Principal, Depends(Allowed(P.REFUNDS_PAY))]
Confirmer = Annotated[Principal, Depends(Allowed(P.RETURNS_CONFIRM))]
PolicyViewer = Annotated[Principal, Depends(Allowed(P.POLICY_VIEW))]
Publisher = Annotated[Principal, Depends(Allowed(P.POLICY_PUBLISH))]
Admin = Annotated[Principal, Depends(Allowed(P.USERS_MANAGE))]
ExceptionHandler = Annotated[Principal, Depends(Allowed(P.LOGISTICS_EXCEPTIONS))]
Reporter = Annotated[Principal, Depends(Allowed(P.REPORTS_VIEW))]
Disposer = Annotated[Principal, Depends(Allowed(P.WAREHOUSE_DISPOSE))]
StockViewer = Annotated[Principal, Depends(Allowed(P.INVENTORY_VIEW))]
Reconciler = Annotated[Principal, Depends(Allowed(P.FINANCE_RECONCILE))]
Approver = Annotated[Principal, Depends(Allowed(P.AMOUNTS_APPROVE))]
CreditManager = Annotated[Principal, Depends(Allowed(P.CREDIT_MANAGE))]
ComplaintFiler = Annotated[Principal, Depends(Allowed(P.COMPLAINTS_FILE))]
ComplaintViewer = Annotated[Principal, Depends(Allowed(P.COMPLAINTS_VIEW))]
ComplaintHandler = Annotated[Principal, Depends(Allowed(P.COMPLAINTS_HANDLE))]
Auditor = Annotated[Principal, Depends(Allowed(P.ACCESS_LOG_VIEW))]
Exporter = Annotated[Principal, Depends(Allowed(P.CUSTOMERS_EXPORT))]
DisputeViewer = Annotated[Principal, Depends(Allowed(P.DISPUTES_VIEW))]
DisputeParty = Annotated[Principal, Depends(Allowed(P.DISPUTES_EVIDENCE))]  # open, add evidence
DisputeRuler = Annotated[Principal, Depends(Allowed(P.DISPUTES_RULE))]
NoticeReader = Annotated[Principal, Depends(Allowed(P.NOTIFICATIONS_VIEW))]  # issue 13
Messenger = Annotated[Principal, Depends(Allowed(P.RETURNS_MESSAGE))]  # R11.1
IncidentManager = Annotated[Principal, Depends(Allowed(P.INCIDENTS_MANAGE))]  # R13.1
Analyst = Annotated[Principal, Depends(Allowed(P.ANALYTICS_VIEW))]  # issue 14: KPIs, analyses
StaffScorer = Annotated[Principal, Depends(Allowed(P.STAFF_SCORECARDS))]  # R12.2: managers
RiskViewer = Annotated[Principal, Depends(Allowed(P.RISK_VIEW))]  # issue 15
RiskJudge = Annotated[Principal, Depends(Allowed(P.RISK_JUDGE))]  # fraud or safe, outreach
RiskManager = Annotated[Principal, Depends(Allowed(P.RISK_MANAGE))]  # watch list, register
TermsKeeper = Annotated[Principal, Depends(Allowed(P.MERCHANT_TERMS))]  # own terms
Onboarder = Annotated[Principal, Depends(Allowed(P.MERCHANTS_ONBOARD))]  # applications
Trainee = Annotated[Principal, Depends(Allowed(P.TRAINING))]  # issue 17: every staff role
Proposer = Annotated[Principal, Depends(Allowed(P.IMPROVEMENTS_PROPOSE))]  # issue 17: R16.11
ImprovementManager = Annotated[Principal, Depends(Allowed(P.IMPROVEMENTS_MANAGE))]  # triage
