"""The database tables, one module per capability; Alembic migrations create them.

Rows are plain storage records: only `storage/` imports them (an import contract in
pyproject.toml), and the repositories turn them into domain objects and back. Every
table module is imported here so the declarative registry knows them all.
"""

from returnflow.storage.schema import (  # noqa: F401 (registry)
    analytics,  # issue 14: daily rollups behind the KPIs
    appeals,
    assignment,  # issue 16: who holds which request in review (seed 000 §7.2.3)
    complaints,
    conversations,  # issue 13: a conversation per request (R11.1)
    disputes,
    incidents,  # issue 14: monitors, playbooks, incidents (R13.1)
    merchant_profiles,  # issue 15: merchants' methods, warehouse, help note
    notices,  # issue 13: notice channels, deliveries, inbox
    on_call,  # issue 14: who is on call for incidents (R13.1)
    onboarding,  # issue 15: merchants' applications (seed 000 §9.1)
    product_images,  # issue 16: the server's copies of product pictures
    proposals,  # issue 17: improvement proposals and their history (R16.11)
    reports,  # issue 14: periodic reports and their subscribers (R9.3)
    risk,  # issue 15: risk at intake (R10.3)
    risk_register,  # issue 15: the risk register, its history, outreach (R10)
    staff_notices,  # issue 13: staff and merchant notifications
    surveys,  # R7.2 satisfaction surveys
    training,  # issue 17: knowledge checks and certificates (R16.8)
    webhooks,  # R15.1
)
from returnflow.storage.schema.accounts import (
    AccessLogRow,
    ApiTokenRow,
    SessionRow,
    ThrottleRow,
    UserRow,
)
from returnflow.storage.schema.base import (
    Base,
    UtcDateTime,
)
from returnflow.storage.schema.orders import (
    CustomerRow,
    MerchantRow,
    OrderLineRow,
    OrderRow,
    PolicyVersionRow,
    ProductRow,
)
from returnflow.storage.schema.platform import (
    CounterRow,
    IdempotencyRow,
    OutboxRow,
)
from returnflow.storage.schema.refunds import (
    AmountApprovalRow,
    LedgerEntryRow,
    LedgerPostingRow,
    RefundRecoveryRow,
    RefundRow,
)
from returnflow.storage.schema.resolutions import (
    CatalogueItemRow,
    ExchangeOrderRow,
    RefundIntentRow,
    RepairOrderRow,
    ShipmentRequestRow,
    StockLevelRow,
    StockReservationRow,
    StoreCreditAccountRow,
    StoreCreditEntryRow,
    StoreCreditLotRow,
)
from returnflow.storage.schema.returns import (
    ReturnEventRow,
    ReturnLineRow,
    ReturnRow,
)
from returnflow.storage.schema.shipping import (
    ReturnMethodSettingRow,
    ShipmentExceptionRow,
    ShipmentRow,
    TrackingEventRow,
    TrackingPollRow,
)
from returnflow.storage.schema.warehouse import (
    DispositionRow,
    InspectionOfferRow,
    InspectionRow,
    InventoryMovementRow,
    ReceiptMismatchRow,
    ReceiptRow,
    RtvBatchRow,
    RtvItemRow,
    UnidentifiedParcelRow,
    WarehouseRulesRow,
    WarehouseStockRow,
)

__all__ = [
    "AccessLogRow",
    "AmountApprovalRow",
    "ApiTokenRow",
    "Base",
    "CatalogueItemRow",
    "CounterRow",
    "CustomerRow",
    "DispositionRow",
    "ExchangeOrderRow",
    "IdempotencyRow",
    "InspectionOfferRow",
    "InspectionRow",
    "InventoryMovementRow",
    "LedgerEntryRow",
    "LedgerPostingRow",
    "MerchantRow",
    "OrderLineRow",
    "OrderRow",
    "OutboxRow",
    "PolicyVersionRow",
    "ProductRow",
    "ReceiptMismatchRow",
    "ReceiptRow",
    "RefundIntentRow",
    "RefundRecoveryRow",
    "RefundRow",
    "RepairOrderRow",
    "ReturnEventRow",
    "ReturnLineRow",
    "ReturnMethodSettingRow",
    "ReturnRow",
    "RtvBatchRow",
    "RtvItemRow",
    "SessionRow",
    "ShipmentExceptionRow",
    "ShipmentRequestRow",
    "ShipmentRow",
    "StockLevelRow",
    "StockReservationRow",
    "StoreCreditAccountRow",
    "StoreCreditEntryRow",
    "StoreCreditLotRow",
    "ThrottleRow",
    "TrackingEventRow",
    "TrackingPollRow",
    "UnidentifiedParcelRow",
    "UserRow",
    "UtcDateTime",
    "WarehouseRulesRow",
    "WarehouseStockRow",
]
