"""Settings from the environment (prefix RETURNFLOW_), with defaults for a laptop."""

from __future__ import annotations

import ipaddress

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from returnflow.domain.access import Role


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RETURNFLOW_")

    database_url: str = "sqlite:///returnflow.db"
    # where reports, dashboards, scorecards and analyses read (a PostgreSQL replica);
    # "" = the primary, read in read-only transactions (AppContext.read_uow)
    read_database_url: str = ""
    # Mail goes through SMTP when a host is set; without one it is written as .eml
    # files into mail_dir, so a laptop run needs no mail server.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_timeout: float = 10.0
    mail_from: str = "ReturnFlow <returns@returnflow.example>"
    mail_dir: str = "mail"
    # SMS through Twilio's Messages API (notify/sms.py); off while the SID or token is empty
    twilio_base_url: str = "https://api.twilio.com"
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from: str = ""
    sms_timeout: float = 10.0
    # No secret has a default (returnflow/process_secrets.py): outside demo mode a process
    # refuses to start without the ones its configuration needs. Demo mode (RETURNFLOW_DEMO=1
    # or `serve --demo`) makes up the missing ones and keeps them in secrets_file
    # ("" = beside a SQLite database file, else .returnflow-secrets.json here), mode 0600.
    demo: bool = False
    secrets_file: str = ""
    # signs customers' portal links
    secret_key: str = ""
    # argon2 cost; unset means the library's production defaults (tests lower them)
    argon2_time_cost: int | None = None
    argon2_memory_kib: int | None = None
    # sign-in protection (issue 9): X-Forwarded-For / -Proto are believed only from these
    # proxies (JSON list of addresses or CIDR networks; empty: the socket peer is the
    # client); tries allowed per source address before it is locked for 15 minutes;
    # cookies marked Secure even over plain http (behind a TLS proxy not listed above)
    trusted_proxies: list[str] = []
    sign_in_tries_per_source: int = 20
    lookup_tries_per_source: int = 100
    secure_cookies: bool = False
    # roles that must sign in with a TOTP code as well as the password (JSON list)
    totp_required_roles: list[str] = []

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_networks(cls, value: list[str]) -> list[str]:
        """A typo here would silently trust nobody (or everybody): refuse to start."""
        for entry in value:
            ipaddress.ip_network(entry.strip(), strict=False)
        return value

    @field_validator("totp_required_roles")
    @classmethod
    def _roles_exist(cls, value: list[str]) -> list[str]:
        known = {role.value for role in Role}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"unknown roles: {', '.join(unknown)}")
        return value

    # R14.1: customers' personal data is anonymised this many days after their last
    # request closes (the statistics stay)
    retention_days: int = 1095
    # issue 15: a rejected merchant application's documents are deleted this many days
    # after the decision (the application and its timeline stay)
    onboarding_doc_retention_days: int = Field(default=180, ge=1, le=3650)
    # where customers' photos are kept
    upload_dir: str = "uploads"
    # how often the worker looks for work, and how often it gives up on a message
    worker_interval_seconds: float = 2.0
    outbox_max_attempts: int = 8
    # issue 11: with a broker (amqp://… RabbitMQ, redis://… Redis) the worker relays the
    # outbox to it and Dramatiq actors deliver (jobs/relay.py); "" = the in-database queue.
    # The queue's name (Redis: also the key namespace) and the consuming threads a process
    broker_url: str = ""
    broker_queue: str = Field(
        default="returnflow_outbox", pattern=r"^[A-Za-z_][A-Za-z0-9_-]{0,79}$"
    )
    broker_threads: int = Field(default=4, ge=1, le=64)
    # how long a worker holds the outbox rows it claimed; a killed worker's rows go to
    # another after this (issue 11). It stops starting deliveries at half of it, so keep
    # it well above the slowest delivery (the SMTP and gateway timeouts)
    outbox_lease_seconds: float = Field(default=300, gt=0)
    # outbound webhooks (R15.1): attempts per delivery before giving up, each POST's timeout
    webhook_max_attempts: int = 8
    webhook_timeout_seconds: float = 10.0
    # tracking (R4.3–R4.4): how often shipments without pushes are polled, how long a
    # parcel may stay silent before the exceptions queue hears of it, and who is alerted
    tracking_poll_minutes: int = 60
    alert_first_scan_hours: float = 48
    alert_next_scan_hours: float = 72
    alert_presumed_lost_days: float = 7
    alert_late_grace_hours: float = 0
    ops_alert_email: str = "ops@returnflow.example"
    # approved requests with a booked pickup wait this long after the pickup window
    # before they may auto-close (R1.5): the carrier's no-show is not the customer's fault
    pickup_close_grace_hours: float = 24
    # a request still approved this long after its parcel's first pickup scan was heard is
    # put in transit by the worker's sweep (its "shipment.picked_up" message given up)
    pickup_ship_grace_minutes: float = 10
    # risk at intake (issue 15, R10.3): scores at or above these reach medium / high, and
    # the level from which each action applies (JSON object of action -> "medium"/"high";
    # actions: review, no_instant_refund, no_fast_exchange, no_keep_item, hold_refund, watch)
    risk_medium: int = 40
    risk_high: int = 70
    risk_actions: dict[str, str] = {}
    # exchanges, store credit (R6.2, R6.3): fast-exchange limits, credit bonus and expiry,
    # and where replacement shipment requests are pushed (HMAC-SHA256 signed webhook)
    fast_exchange_max_value: int = 50_000  # cents: replacements worth more ship after return
    fast_exchange_min_completed: int = 1  # the customer's completed requests before this one
    fast_exchange_return_days: int = 7  # ship the return within this, or pay for the item
    store_credit_bonus_percent: float = 5.0
    store_credit_expiry_months: int = 12
    order_system_webhook_url: str = ""
    order_system_webhook_secret: str = ""
    order_system_webhook_timeout: float = 10.0
    # refunds (R6.1, R6.4, R12.3): which gateway pays ("sandbox" for the demo, or
    # "stripe"), its keys, the committed deadline, retries, instant refunds, authority
    payment_gateway: str = "sandbox"
    stripe_base_url: str = "https://api.stripe.com"
    stripe_api_key: str = ""
    stripe_webhook_secret: str = ""
    stripe_timeout: float = 10.0
    sandbox_webhook_secret: str = ""
    sandbox_settle_seconds: float = 30
    # the sandbox's own books (its refunds and settlements), so they outlive a restart;
    # "" = next to a SQLite database file, else sandbox_state.json in the working dir
    sandbox_state_file: str = ""
    refund_auto_request: bool = True  # at inspection (refund) or approval (refund only)
    refund_deadline_hours: float = 24  # after acceptance; the law allows at most 7 days
    refund_at_risk_hours: float = 4
    refund_max_attempts: int = 5
    refund_retry_base_seconds: float = 60
    instant_refund_enabled: bool = True
    instant_refund_max_amount: int = 20_000  # cents
    instant_refund_max_failed_inspections: int = 0  # the customer's earlier failures
    authority_limits: dict[str, int | None] = {}  # role -> cents (None: unlimited)
    # carriers (R4.2): manual and simulated always; kuaidi100 / easypost when their keys
    # are set and they are listed here
    carriers_enabled: list[str] = ["manual", "simulated", "kuaidi100", "easypost"]
    carrier_timeout: float = 10.0
    simulated_journey_hours: float = 48.0
    simulated_exception_every: int = 5  # every n-th demo parcel runs into trouble; 0 never
    kuaidi100_poll_url: str = "https://poll.kuaidi100.com"
    kuaidi100_order_url: str = "https://poll.kuaidi100.com"
    kuaidi100_customer: str = ""
    kuaidi100_key: str = ""
    kuaidi100_secret: str = ""
    kuaidi100_salt: str = ""
    kuaidi100_callback_url: str = ""  # our public tracking webhook for kuaidi100
    kuaidi100_company: str = "zhongtong"  # the brand 商家寄件 orders go to
    easypost_base_url: str = "https://api.easypost.com"
    easypost_api_key: str = ""
    easypost_webhook_secret: str = ""
    easypost_parcel_weight_oz: float = 32.0
    # complaints, appeals and disputes (issue 12, R8.2–R8.3): first response within these
    # hours (urgent / ordinary), resolution within these hours per category (JSON object;
    # a category not listed takes complaint_resolve_default_hours), the inbound mailbox
    # (a Maildir folder; "" = no mail intake), the appeal window after a decision, the
    # evidence deadline a dispute gives the other side, the team key accounts go to
    complaint_first_response_urgent_hours: float = 1
    complaint_first_response_ordinary_hours: float = 24
    complaint_resolve_default_hours: float = 72
    complaint_resolve_hours: dict[str, float] = {
        "product_quality": 72,
        "logistics": 48,
        "service_attitude": 48,
        "payment_refund": 48,
        "account": 24,
        "customer_error": 72,
        "order_info_error": 48,
        "other": 72,
    }
    complaint_maildir: str = ""
    complaint_account_team: str = "key_accounts"  # where key-account customers go
    appeal_window_days: int = 15
    # deadlines with their automatic outcome (issue 13, services/timers.py): a request
    # waiting for review this long is approved; a received return not inspected within
    # inspection_due_days is escalated, after inspection_timeout_days it passes (refund)
    review_auto_approve_days: float = 5
    inspection_due_days: float = 2
    inspection_timeout_days: float = 10
    reminder_hours: float = 24  # customer reminders this long before ship-by / confirm-by
    dispute_evidence_days: float = 3
    # training and certification (issue 17, R16.8): inspecting needs a valid "inspection"
    # certificate while gates are on; a pass certifies for this many days
    certification_gates: bool = True
    certificate_validity_days: int = 365
    # above this refund (fen), a finance or customer-service person needs a valid refund
    # certificate while the gates are on (RETURNFLOW_CERTIFIED_REFUND_ABOVE_FEN, ¥200)
    certified_refund_above_fen: int = Field(default=20_000, ge=0, le=10**12)
