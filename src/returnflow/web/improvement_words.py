"""The improvement pages' codes in words (issue 17, R16.11): statuses, areas, channels,
priorities and outcomes of a proposal, in zh and en."""

from __future__ import annotations

from returnflow.domain.text import Text

WORDS: dict[str, Text] = {
    # statuses
    "new": Text("新建", "New"),
    "triaged": Text("已分派", "Triaged"),
    "in_progress": Text("进行中", "In progress"),
    "closed": Text("已关闭", "Closed"),
    # areas
    "review": Text("审核", "Review"),
    "logistics": Text("物流", "Logistics"),
    "warehouse": Text("仓库", "Warehouse"),
    "refunds": Text("退款", "Refunds"),
    "complaints": Text("投诉", "Complaints"),
    "portal": Text("客户门户", "Customer portal"),
    "other": Text("其他", "Other"),
    # channels
    "staff": Text("员工", "Staff"),
    "customer": Text("客户", "Customer"),
    # priorities
    "low": Text("低", "Low"),
    "normal": Text("普通", "Normal"),
    "high": Text("高", "High"),
    # outcomes
    "adopted": Text("采纳", "Adopted"),
    "declined": Text("不采纳", "Declined"),
    "duplicate": Text("重复", "Duplicate"),
    # history actions
    "propose": Text("提出", "Proposed"),
    "triage": Text("分派", "Triaged"),
    "start": Text("开始处理", "Started"),
    "close": Text("关闭", "Closed"),
}


def word(code: object, language: str) -> str:
    """The words of a proposal code; "" for none."""
    if code is None:
        return ""
    key = str(getattr(code, "value", code))
    found = WORDS.get(key)
    return key if found is None else found.in_language(language)
