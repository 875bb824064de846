"""What a journal entry is, in both languages (R15.1, the console's journal page).

The ledger stores an English memo written for people reading the database; the page
shows instead a description derived from the entry's unique key, whose first part
names the event that booked it (`refund:<rma>:<key>:paid`, `settlement:<gateway>:<id>`,
`store_credit:<rma>:bonus` …, see the services that post them). An entry of a kind not
known here is described by its accounts: "Debit Sales returns; credit Refunds payable".
The stored memo stays as it is in the CSV and XLSX files.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from returnflow.domain.ledger import Account
from returnflow.domain.text import Text


class Posting(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def account(self) -> str: ...
    @property
    def account_label(self) -> Text: ...
    @property
    def debit_fen(self) -> int: ...


# by the key's first part and last part ("" : any last part)
_BY_KEY: dict[tuple[str, str], Text] = {
    ("refund", "accepted"): Text("确认应退顾客的退款", "Refund owed to the customer"),
    ("refund", "paid"): Text("退款已通过支付通道付出", "Refund paid out through the gateway"),
    ("store_credit", "grant"): Text("以储值余额退款", "Refund issued as store credit"),
    ("store_credit", "bonus"): Text("选择储值退款的奖励", "Bonus for taking store credit"),
    ("store_credit", "spend"): Text("顾客使用储值余额", "Store credit spent"),
    ("store_credit", "expire"): Text("储值余额到期失效", "Store credit expired"),
    ("store_credit", "compensation"): Text(
        "物流异常补偿（储值）", "Store credit compensation for a logistics exception"
    ),
    ("exchange", "gap_owed"): Text(
        "换货差价应退还顾客", "Exchange price difference owed to the customer"
    ),
    ("exchange", "gap_charged"): Text(
        "换货差价应由顾客补付", "Exchange price difference owed by the customer"
    ),
    ("exchange", "gap_owed_cancelled"): Text(
        "换货差价不再退还：已收取换货商品费用",
        "Exchange price difference no longer owed: replacement charged",
    ),
    ("exchange", "gap_owed_declined"): Text(
        "换货差价经主管拒绝，不予退还", "Exchange price difference declined by a manager"
    ),
    ("exchange", "charged"): Text(
        "快速换货：原商品未退回，收取换货商品费用",
        "Fast exchange: replacement kept without a return, charged",
    ),
    ("repair", ""): Text("顾客接受的维修费用", "Repair cost accepted by the customer"),
    ("recovery", "opened"): Text("即时退款待追回", "Instant refund to recover"),
    ("recovery", "recovered"): Text("即时退款已追回", "Instant refund recovered"),
    ("recovery", "written_off"): Text(
        "即时退款无法追回，计入补偿支出", "Instant refund written off"
    ),
}
# a cost moved to whoever bears it (services/liability.py), by the account debited
_LIABLE: dict[str, Text] = {
    Account.MERCHANT_RECEIVABLE: Text("退款成本由商家承担", "Refund cost charged to the merchant"),
    Account.CARRIER_CLAIMS: Text("退款成本向承运商索赔", "Refund cost claimed from the carrier"),
    Account.COMPENSATION: Text("退款成本由平台承担", "Refund cost borne by the platform"),
}


def describe(postings: Sequence[Posting]) -> Text:
    """One entry (all its postings, which share the key) as people read it."""
    key = postings[0].key if postings else ""
    parts = key.split(":")
    first, last = parts[0], parts[-1]
    if first == "settlement" and len(parts) >= 3:
        ref = ":".join(parts[2:])
        return Text("支付通道已结算退款 {ref}", "The gateway settled refund {ref}").format(ref=ref)
    if first == "liability":
        debited = [p.account for p in postings if p.debit_fen]
        if debited and debited[0] in _LIABLE:
            return _LIABLE[debited[0]]
    if first == "store_credit" and len(parts) > 2 and parts[1] in ("spend", "expire"):
        last = parts[1]
    if first == "store_credit" and len(parts) > 1 and parts[1] == "compensation":
        last = "compensation"
    found = _BY_KEY.get((first, last)) or _BY_KEY.get((first, ""))
    return found if found is not None else by_accounts(postings)


def by_accounts(postings: Sequence[Posting]) -> Text:
    """ "借：销售退回；贷：应付退款" / "Debit Sales returns; credit Refunds payable"."""
    debits = [p.account_label for p in postings if p.debit_fen]
    credits = [p.account_label for p in postings if not p.debit_fen]
    zh = "借：{d}；贷：{c}".format(
        d="、".join(t.zh for t in debits), c="、".join(t.zh for t in credits)
    )
    en = "Debit {d}; credit {c}".format(
        d=", ".join(t.en for t in debits), c=", ".join(t.en for t in credits)
    )
    return Text(zh, en)
