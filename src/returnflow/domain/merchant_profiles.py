"""A merchant's own after-sales profile (issue 15, R11.1): the platform's return methods it
accepts, the warehouse its returns go to, and a note for its help-centre page.

The methods are a subset of the platform's (`domain/shipping.py` `ReturnMethod`), at least
one; a warehouse has every address field filled or is left out (the platform's then); the
note is short plain text in both languages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from returnflow.domain.shipping import ReturnMethod, Warehouse
from returnflow.domain.text import DomainError, Text

NOTE_MAX = 500
FIELD_MAX = {"name": 100, "phone": 40, "province": 40, "city": 40, "district": 40, "detail": 200}


@dataclass(frozen=True, slots=True)
class MerchantProfile:
    merchant_id: str
    methods: tuple[ReturnMethod, ...] = tuple(ReturnMethod)
    warehouse: Warehouse | None = None
    note: Text | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None

    def check(self) -> None:
        if not self.methods:
            raise DomainError(
                "no_return_method",
                Text("请至少接受一种退货方式", "Accept at least one return method"),
                field="methods",
            )
        if self.warehouse is not None:
            for name, limit in FIELD_MAX.items():
                value = getattr(self.warehouse, name)
                if not value.strip() or len(value) > limit:
                    raise DomainError(
                        "warehouse_field_invalid",
                        Text(
                            "请填写仓库地址的每一项（不超过 {n} 个字）",
                            "Fill in every part of the warehouse address (at most {n} characters)",
                        ).format(n=limit),
                        field=f"warehouse_{name}",
                    )
        if self.note is not None and max(len(self.note.zh), len(self.note.en)) > NOTE_MAX:
            raise DomainError(
                "note_too_long",
                Text("说明不能超过 {n} 个字", "The note may have at most {n} characters").format(
                    n=NOTE_MAX
                ),
                field="note",
            )

    def accepts(self, method: ReturnMethod) -> bool:
        return method in self.methods
