"""The printable bin label (R5.4) as the API and the pages hand it out: one PDF per bin.

The bin code is checked like any put-away's; the SKU, grade and request printed under
it are cut to their columns' lengths.
"""

from __future__ import annotations

from dataclasses import dataclass

from returnflow.domain.inventory import check_bin


@dataclass(frozen=True)
class LabelFile:
    filename: str
    pdf: bytes


def bin_label(bin_code: str, *, sku: str = "", grade: str = "", rma_no: str = "") -> LabelFile:
    # reportlab loads with the first label drawn, not with the API (issue 11: RSS)
    from returnflow.logistics.bin_labels import BinLabel, render_bin_label

    code = check_bin(bin_code)
    label = BinLabel(code, sku=sku[:64], grade=grade[:2], rma_no=rma_no[:32])
    return LabelFile(f"bin-{code}.pdf", render_bin_label(label))
