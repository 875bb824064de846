"""Who may open a staff page: one alias per permission, named after what the user does.

A page states its permission by the type of its `session` parameter, so its signature
says who may open it (`session: Resolver`). There is one name per permission, here
only, and api/roles.py gives the API routes the same names, so a page and the route
doing the same thing read alike. tests/test_page_permissions.py holds the whole table.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from returnflow.domain.access import Permission as P
from returnflow.web.guards import StaffPage, StaffSession

Viewer = Annotated[StaffSession, Depends(StaffPage(P.RETURNS_VIEW))]
Filer = Annotated[StaffSession, Depends(StaffPage(P.RETURNS_FILE))]
Reviewer = Annotated[StaffSession, Depends(StaffPage(P.RETURNS_REVIEW))]
Assigner = Annotated[StaffSession, Depends(StaffPage(P.RETURNS_ASSIGN))]  # issue 16
Canceller = Annotated[StaffSession, Depends(StaffPage(P.RETURNS_CANCEL))]
Confirmer = Annotated[StaffSession, Depends(StaffPage(P.RETURNS_CONFIRM))]
Shipper = Annotated[StaffSession, Depends(StaffPage(P.RETURNS_SHIP))]
Receiver = Annotated[StaffSession, Depends(StaffPage(P.WAREHOUSE_RECEIVE))]
Inspector = Annotated[StaffSession, Depends(StaffPage(P.WAREHOUSE_INSPECT))]
Resolver = Annotated[StaffSession, Depends(StaffPage(P.RETURNS_RESOLVE))]
Payer = Annotated[StaffSession, Depends(StaffPage(P.REFUNDS_PAY))]
Admin = Annotated[StaffSession, Depends(StaffPage(P.USERS_MANAGE))]
ExceptionHandler = Annotated[StaffSession, Depends(StaffPage(P.LOGISTICS_EXCEPTIONS))]
Reporter = Annotated[StaffSession, Depends(StaffPage(P.REPORTS_VIEW))]
Disposer = Annotated[StaffSession, Depends(StaffPage(P.WAREHOUSE_DISPOSE))]
StockViewer = Annotated[StaffSession, Depends(StaffPage(P.INVENTORY_VIEW))]
Reconciler = Annotated[StaffSession, Depends(StaffPage(P.FINANCE_RECONCILE))]
Approver = Annotated[StaffSession, Depends(StaffPage(P.AMOUNTS_APPROVE))]
CreditManager = Annotated[StaffSession, Depends(StaffPage(P.CREDIT_MANAGE))]
ComplaintFiler = Annotated[StaffSession, Depends(StaffPage(P.COMPLAINTS_FILE))]
ComplaintViewer = Annotated[StaffSession, Depends(StaffPage(P.COMPLAINTS_VIEW))]
ComplaintHandler = Annotated[StaffSession, Depends(StaffPage(P.COMPLAINTS_HANDLE))]
Auditor = Annotated[StaffSession, Depends(StaffPage(P.ACCESS_LOG_VIEW))]
Exporter = Annotated[StaffSession, Depends(StaffPage(P.CUSTOMERS_EXPORT))]
DisputeViewer = Annotated[StaffSession, Depends(StaffPage(P.DISPUTES_VIEW))]
DisputeParty = Annotated[StaffSession, Depends(StaffPage(P.DISPUTES_EVIDENCE))]  # open, evidence
DisputeRuler = Annotated[StaffSession, Depends(StaffPage(P.DISPUTES_RULE))]
NoticeReader = Annotated[StaffSession, Depends(StaffPage(P.NOTIFICATIONS_VIEW))]  # issue 13
Messenger = Annotated[StaffSession, Depends(StaffPage(P.RETURNS_MESSAGE))]  # R11.1
IncidentManager = Annotated[StaffSession, Depends(StaffPage(P.INCIDENTS_MANAGE))]  # R13.1
Analyst = Annotated[StaffSession, Depends(StaffPage(P.ANALYTICS_VIEW))]  # issue 14
StaffScorer = Annotated[StaffSession, Depends(StaffPage(P.STAFF_SCORECARDS))]  # R12.2
RiskViewer = Annotated[StaffSession, Depends(StaffPage(P.RISK_VIEW))]  # issue 15
RiskJudge = Annotated[StaffSession, Depends(StaffPage(P.RISK_JUDGE))]  # fraud or safe, outreach
RiskManager = Annotated[StaffSession, Depends(StaffPage(P.RISK_MANAGE))]  # watch list, register
TermsKeeper = Annotated[StaffSession, Depends(StaffPage(P.MERCHANT_TERMS))]  # own terms
Onboarder = Annotated[StaffSession, Depends(StaffPage(P.MERCHANTS_ONBOARD))]  # applications
Publisher = Annotated[StaffSession, Depends(StaffPage(P.POLICY_PUBLISH))]  # issue 16: policy
Trainee = Annotated[StaffSession, Depends(StaffPage(P.TRAINING))]  # issue 17: every staff role
Proposer = Annotated[StaffSession, Depends(StaffPage(P.IMPROVEMENTS_PROPOSE))]  # issue 17: R16.11
ImprovementManager = Annotated[StaffSession, Depends(StaffPage(P.IMPROVEMENTS_MANAGE))]
