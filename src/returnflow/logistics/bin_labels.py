"""The printable bin label (R5.4): one 100 × 50 mm page stuck on a shelf or a tote.

The bin code is printed as a Code128 barcode (the put-away scanner reads it) and as
large text; below it the SKU and grade of what the bin holds, and the request it came
from, so a picker can check by eye. Same font choices as the return label.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.graphics.barcode.code128 import Code128  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

from returnflow.logistics.labels import CJK_FONT, CODE_FONT, _fit, _register_fonts

PAGE_WIDTH: float = 100 * mm
PAGE_HEIGHT: float = 50 * mm
MARGIN: float = 3 * mm
_BARCODE_HEIGHT: float = 16 * mm
_MAX_BAR_WIDTH: float = 0.5 * mm
_QUIET_MODULES = 10


@dataclass(frozen=True, slots=True)
class BinLabel:
    bin_code: str
    sku: str = ""
    grade: str = ""
    title: str = ""
    rma_no: str = ""


def render_bin_label(label: BinLabel) -> bytes:
    """The label as a one-page PDF; the same label gives the same bytes."""
    _register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=1)
    canvas.setTitle(f"Bin label {label.bin_code}")
    canvas.setAuthor("ReturnFlow")
    canvas.setSubject(label.bin_code)
    width = PAGE_WIDTH - 2 * MARGIN
    y = PAGE_HEIGHT - MARGIN - _BARCODE_HEIGHT
    modules = Code128(label.bin_code, barWidth=1, quiet=0).width
    bar_width = min(_MAX_BAR_WIDTH, PAGE_WIDTH / (modules + 2 * _QUIET_MODULES))
    quiet = _QUIET_MODULES * bar_width
    barcode = Code128(
        label.bin_code,
        barWidth=bar_width,
        barHeight=_BARCODE_HEIGHT,
        quiet=1,
        lquiet=quiet,
        rquiet=quiet,
    )
    barcode.drawOn(canvas, (PAGE_WIDTH - barcode.width) / 2, y)
    y -= 16
    canvas.setFont(CODE_FONT, 16)
    canvas.drawCentredString(PAGE_WIDTH / 2, y, label.bin_code)
    y -= 13
    canvas.setFont(CODE_FONT, 10)
    facts = "  ".join(
        part
        for part in (
            f"SKU {label.sku}" if label.sku else "",
            f"Grade {label.grade}" if label.grade else "",
            label.rma_no,
        )
        if part
    )
    canvas.drawString(MARGIN, y, _fit(facts, CODE_FONT, 10, width))
    if label.title:
        y -= 11
        canvas.setFont(CJK_FONT, 9)
        canvas.drawString(MARGIN, y, _fit(label.title, CJK_FONT, 9, width))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
