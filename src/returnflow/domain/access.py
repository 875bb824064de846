"""Who may do what (R12.1), whose data they may see (R11.1), and what is masked (R14.1).

Access is decided here, in one table, so the API and the pages ask the same question
and a new action cannot be added without deciding who holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from returnflow.domain.text import DomainError, Text


class Role(StrEnum):
    AGENT = "agent"  # customer service
    WAREHOUSE = "warehouse"
    FINANCE = "finance"
    MERCHANT = "merchant"
    MANAGER = "manager"
    ADMIN = "admin"
    INTEGRATION = "integration"  # the order, warehouse and finance systems (R15.1)
    MEDIATOR = "mediator"  # the platform's dispute mediators (R8.3)
    LOGISTICS = "logistics"  # carriers' side: tracking exceptions, shipments, claims (issue 16)

    @property
    def label(self) -> Text:
        return _ROLE_LABELS[self]


class Permission(StrEnum):
    ORDERS_IMPORT = "orders.import"
    ORDERS_VIEW = "orders.view"
    RETURNS_VIEW = "returns.view"
    RETURNS_FILE = "returns.file"  # file on a customer's behalf (hotline, app backend)
    RETURNS_REVIEW = "returns.review"  # approve or reject
    RETURNS_CANCEL = "returns.cancel"
    RETURNS_SHIP = "returns.ship"  # record the customer's parcel
    WAREHOUSE_RECEIVE = "warehouse.receive"
    WAREHOUSE_INSPECT = "warehouse.inspect"
    RETURNS_RESOLVE = "returns.resolve"  # exchange, repair, reissue, complete
    REFUNDS_PAY = "refunds.pay"
    RETURNS_CONFIRM = "returns.confirm"  # on the customer's behalf
    POLICY_VIEW = "policy.view"
    POLICY_PUBLISH = "policy.publish"
    USERS_MANAGE = "users.manage"
    CONTACT_VIEW = "customers.contact"  # unmasked phone and email
    LOGISTICS_EXCEPTIONS = "logistics.exceptions"  # work the exceptions queue (R4.4)
    REPORTS_VIEW = "reports.view"  # cost, warehouse and money reports
    WAREHOUSE_DISPOSE = "warehouse.dispose"  # disposition, bins, RTV batches
    INVENTORY_VIEW = "inventory.view"
    FINANCE_RECONCILE = "finance.reconcile"  # ledger and reconciliation
    AMOUNTS_APPROVE = "amounts.approve"  # approve refunds over an agent's limit (R12.3)
    CREDIT_MANAGE = "credit.manage"  # store credit balances
    ACCOUNT_SECURITY = "account.security"  # one's own password and two-step sign-in
    ACCESS_LOG_VIEW = "privacy.access_log"  # who looked at whose data (R14.1): admins only
    CUSTOMERS_EXPORT = "customers.export"  # a customer's data export, on their request
    # complaints, appeals and disputes (issue 12)
    COMPLAINTS_VIEW = "complaints.view"
    COMPLAINTS_FILE = "complaints.file"  # file for a caller (hotline, the app's backend)
    COMPLAINTS_HANDLE = "complaints.handle"  # respond, escalate, resolve, reopen, classify
    DISPUTES_VIEW = "disputes.view"
    DISPUTES_EVIDENCE = "disputes.evidence"  # open a dispute, add a side's evidence
    DISPUTES_RULE = "disputes.rule"  # record an agreement or a platform ruling
    # every party hears in time (issue 13)
    NOTIFICATIONS_VIEW = "notifications.view"  # one's own in-console notifications
    RETURNS_MESSAGE = "returns.message"  # write in a request's conversation (R11.1)
    # seeing the whole operation (issue 14)
    ANALYTICS_VIEW = "analytics.view"  # KPIs, return rates, analyses (a merchant: its own)
    INCIDENTS_MANAGE = "incidents.manage"  # monitors, incidents, playbooks, drills (R13.1)
    STAFF_SCORECARDS = "scorecards.staff"  # per person and per team (R12.2): managers
    # risk, abuse and merchants who run their own after-sales (issue 15)
    RISK_VIEW = "risk.view"  # a request's risk score and signals (R10.3)
    RISK_JUDGE = "risk.judge"  # mark a case fraud or safe; outreach to frequent returners
    RISK_MANAGE = "risk.manage"  # thresholds, the watch list, the risk register (R10.1–R10.3)
    MERCHANT_TERMS = "merchant.terms"  # a merchant's own terms, return methods, warehouse (R11.1)
    MERCHANTS_ONBOARD = "merchants.onboard"  # review merchants' applications (seed 000 §9.1)
    # the console's lists (issue 16): give or move review work to a person (seed 000 §7.2.3)
    RETURNS_ASSIGN = "returns.assign"  # managers; anyone who reviews may take unassigned work
    TRAINING = "training.take"  # issue 17: one's own courses, checks and certificates (R16.8)
    IMPROVEMENTS_PROPOSE = "improvements.propose"  # issue 17: propose, see one's own (R16.11)
    IMPROVEMENTS_MANAGE = "improvements.manage"  # triage, close, the quarterly review: managers


P = Permission
_STAFF_READ = {
    P.ORDERS_VIEW,
    P.RETURNS_VIEW,
    P.POLICY_VIEW,
    P.ACCOUNT_SECURITY,
    P.NOTIFICATIONS_VIEW,
    P.TRAINING,
    P.IMPROVEMENTS_PROPOSE,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.AGENT: frozenset(
        _STAFF_READ
        | {P.RETURNS_FILE, P.RETURNS_REVIEW, P.RETURNS_CANCEL, P.RETURNS_SHIP, P.RETURNS_RESOLVE}
        | {P.RETURNS_CONFIRM, P.CONTACT_VIEW, P.LOGISTICS_EXCEPTIONS}
        | {P.CUSTOMERS_EXPORT}
        | {P.COMPLAINTS_VIEW, P.COMPLAINTS_FILE, P.COMPLAINTS_HANDLE}
        | {P.DISPUTES_VIEW, P.DISPUTES_EVIDENCE, P.RETURNS_MESSAGE}
        | {P.RISK_VIEW, P.RISK_JUDGE}
    ),
    Role.WAREHOUSE: frozenset(
        _STAFF_READ
        | {P.WAREHOUSE_RECEIVE, P.WAREHOUSE_INSPECT, P.WAREHOUSE_DISPOSE, P.INVENTORY_VIEW}
    ),
    Role.FINANCE: frozenset(
        _STAFF_READ
        | {P.REFUNDS_PAY, P.FINANCE_RECONCILE, P.REPORTS_VIEW, P.CREDIT_MANAGE}
        | {P.ANALYTICS_VIEW}
    ),
    # merchants handle their own returns (R11.1); scope keeps them to their own
    Role.MERCHANT: frozenset(
        _STAFF_READ
        | {P.RETURNS_REVIEW, P.RETURNS_RESOLVE}
        | {P.COMPLAINTS_VIEW, P.DISPUTES_VIEW, P.DISPUTES_EVIDENCE, P.RETURNS_MESSAGE}
        | {P.ANALYTICS_VIEW}  # its own numbers and scorecard (R11.2)
        | {P.MERCHANT_TERMS}  # its own terms, return methods and warehouse (R11.1, R2.1)
        | {P.WAREHOUSE_RECEIVE, P.WAREHOUSE_INSPECT}  # its own returns at its own warehouse
    ),
    # the platform's mediators: both sides, the history, the policy, and the ruling (R8.3)
    Role.MEDIATOR: frozenset(
        _STAFF_READ
        | {P.COMPLAINTS_VIEW, P.COMPLAINTS_FILE, P.COMPLAINTS_HANDLE, P.CONTACT_VIEW}
        | {P.DISPUTES_VIEW, P.DISPUTES_EVIDENCE, P.DISPUTES_RULE, P.LOGISTICS_EXCEPTIONS}
        | {P.RETURNS_MESSAGE, P.RISK_VIEW}
    ),
    # logistics (issue 16): the exceptions queue and remedies, arranging and recording
    # parcels, shipment requests, the shipping-cost report and carrier claims (reports)
    Role.LOGISTICS: frozenset(
        _STAFF_READ | {P.LOGISTICS_EXCEPTIONS, P.RETURNS_SHIP, P.REPORTS_VIEW}
    ),
    Role.MANAGER: frozenset(set(Permission) - {P.USERS_MANAGE, P.ACCESS_LOG_VIEW}),
    Role.ADMIN: frozenset(Permission),
    Role.INTEGRATION: frozenset(
        {P.ORDERS_IMPORT, P.ORDERS_VIEW, P.RETURNS_VIEW, P.RETURNS_FILE, P.RETURNS_SHIP}
        | {P.WAREHOUSE_RECEIVE, P.WAREHOUSE_INSPECT, P.REFUNDS_PAY, P.RETURNS_RESOLVE}
        | {P.RETURNS_CANCEL, P.RETURNS_CONFIRM, P.POLICY_VIEW, P.CONTACT_VIEW}
        | {P.WAREHOUSE_DISPOSE, P.INVENTORY_VIEW}
        | {P.CREDIT_MANAGE}  # the order system spends customers' store credit at checkout
        | {P.COMPLAINTS_VIEW, P.COMPLAINTS_FILE}  # the app files its customers' complaints
        | {P.RETURNS_MESSAGE}  # the app posts its customers' messages (author: customer)
        | {P.ACCOUNT_SECURITY}
    ),
}


@dataclass(frozen=True, slots=True)
class Principal:
    """A signed-in staff member or system."""

    user_id: int
    username: str
    display_name: str
    role: Role
    merchant_id: str | None = None  # set for merchant accounts

    @property
    def actor(self) -> str:
        """How this person appears in timelines and the audit log."""
        return f"{self.role.value}:{self.username}"

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise forbidden()

    def sees_merchant(self, merchant_id: str) -> bool:
        """A merchant account sees only its own orders and returns."""
        return self.role is not Role.MERCHANT or self.merchant_id == merchant_id

    @property
    def merchant_scope(self) -> str | None:
        return self.merchant_id if self.role is Role.MERCHANT else None


class Forbidden(DomainError):
    pass


def forbidden() -> Forbidden:
    return Forbidden("forbidden", Text("您没有执行此操作的权限", "You are not allowed to do this"))


def mask_phone(phone: str) -> str:
    """138****8000: enough to recognise, not enough to call."""
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_email(email: str) -> str:
    name, _, domain = email.partition("@")
    if not domain:
        return "***"
    return f"{name[:1]}***@{domain}"


def masked_contact(contact: dict[str, str]) -> dict[str, str]:
    """R14.1: a contact as shown to those who may not see phone and email in full."""
    shown = dict(contact)
    if "phone" in shown:
        shown["phone"] = mask_phone(shown["phone"])
    if "email" in shown:
        shown["email"] = mask_email(shown["email"])
    return shown


_ROLE_LABELS = {
    Role.AGENT: Text("客服", "Customer service"),
    Role.WAREHOUSE: Text("仓储", "Warehouse"),
    Role.FINANCE: Text("财务", "Finance"),
    Role.MERCHANT: Text("商家", "Merchant"),
    Role.MANAGER: Text("运营经理", "Manager"),
    Role.ADMIN: Text("管理员", "Administrator"),
    Role.INTEGRATION: Text("系统对接", "System integration"),
    Role.MEDIATOR: Text("平台调解员", "Mediator"),
    Role.LOGISTICS: Text("物流", "Logistics"),
}
