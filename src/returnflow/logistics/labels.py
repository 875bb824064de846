"""The printable return label (R4.2): one 100 × 150 mm page for the parcel.

100 × 150 mm is the thermal-label size Chinese carriers and warehouses print on, so the
same PDF goes to a customer's home printer or a counter's label printer. The page carries
everything the warehouse needs to match parcel to request without opening the box: the
RMA number as text and as a QR code (scanned at receiving), the carrier's waybill number
as text and as a Code128 barcode (scanned by the carrier), both addresses and the reason.

The sender's phone is always masked here: a label is stuck on the outside of a parcel.
Chinese text uses reportlab's built-in CID font STSong-Light, which needs no font file;
the PDF names the font without embedding it, so the viewer or printer driver supplies
the glyphs (every Chinese-capable PDF viewer has a substitute for it).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from reportlab.graphics import renderPDF  # type: ignore[import-untyped]
from reportlab.graphics.barcode.code128 import Code128  # type: ignore[import-untyped]
from reportlab.graphics.barcode.qr import QrCodeWidget  # type: ignore[import-untyped]
from reportlab.graphics.shapes import Drawing  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

from returnflow.domain.access import mask_phone

PAGE_WIDTH: float = 100 * mm
PAGE_HEIGHT: float = 150 * mm
MARGIN: float = 4 * mm

CJK_FONT = "STSong-Light"
# Latin-only values (numbers, codes) read better and scan-check easier in a plain face
CODE_FONT = "Helvetica-Bold"

_QR_SIZE: float = 30 * mm
_BARCODE_HEIGHT: float = 20 * mm
# wider bars scan more reliably; 0.5 mm is already comfortable for a 203 dpi printer
_MAX_BAR_WIDTH: float = 0.5 * mm
_QUIET_MODULES = 10


@dataclass(frozen=True, slots=True)
class ReturnLabel:
    """What goes on a return label; `render_label` decides where.

    `sender_phone` may be given in full: it is masked when printed. `created_at` is
    stored time (UTC or any aware time) and is printed in `timezone`, the warehouse's.
    """

    rma_no: str
    waybill_no: str
    carrier_name: str
    sender_name: str
    sender_phone: str
    return_address: tuple[str, ...]
    warehouse_name: str
    warehouse_phone: str
    reason: str
    created_at: datetime
    timezone: str = "Asia/Shanghai"
    # where the courier collected it, province to district only: the street stays off the box
    sender_region: str = ""


@cache
def _register_fonts() -> None:
    """Register the CJK font once per process; reportlab keeps a global registry."""
    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def render_label(label: ReturnLabel) -> bytes:
    """The label as a one-page PDF; byte-for-byte the same for the same label."""
    _register_fonts()
    buffer = io.BytesIO()
    # invariant: no timestamps or random ids in the file, so identical labels are identical
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=1)
    canvas.setTitle(f"Return label {label.rma_no}")
    canvas.setAuthor("ReturnFlow")
    canvas.setSubject(label.waybill_no)
    _draw(canvas, label)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw(canvas: Canvas, label: ReturnLabel) -> None:
    """Top to bottom: carrier and waybill, the two addresses, then the RMA block, which
    has a fixed place at the bottom while the addresses fill the middle."""
    y = _draw_waybill(canvas, label)
    bottom_top = MARGIN + _QR_SIZE + 2 * mm
    _draw_addresses(canvas, label, y, bottom_top)
    _draw_rma(canvas, label, bottom_top)


def _draw_waybill(canvas: Canvas, label: ReturnLabel) -> float:
    """The header (carrier, and that this is a return) and the waybill barcode and number;
    returns where the next block starts."""
    width = PAGE_WIDTH - 2 * MARGIN
    y: float = PAGE_HEIGHT - MARGIN - 14
    canvas.setFont(CJK_FONT, 14)
    canvas.drawString(MARGIN, y, _fit(label.carrier_name, CJK_FONT, 14, width - 40 * mm))
    canvas.setFont(CJK_FONT, 12)
    canvas.drawRightString(PAGE_WIDTH - MARGIN, y, "退货件 RETURN")
    y -= 2 * mm
    _rule(canvas, y)

    y -= 2 * mm + _BARCODE_HEIGHT
    _draw_code128(canvas, label.waybill_no, y, _BARCODE_HEIGHT)
    y -= 12
    canvas.setFont(CODE_FONT, 12)
    canvas.drawCentredString(PAGE_WIDTH / 2, y, label.waybill_no)
    y -= 2 * mm
    _rule(canvas, y)
    return y


def _draw_addresses(canvas: Canvas, label: ReturnLabel, y: float, bottom_top: float) -> None:
    """The warehouse's return address first (it is what the courier reads), the sender after."""
    width = PAGE_WIDTH - 2 * MARGIN
    left = MARGIN
    sender_lines = [f"{label.sender_name}  {mask_phone(label.sender_phone)}"]
    sender_lines.extend(
        _wrap(label.sender_region, CJK_FONT, 10, width) if label.sender_region else []
    )
    address_lines: list[str] = [label.warehouse_name]
    for line in label.return_address:
        address_lines.extend(_wrap(line, CJK_FONT, 10, width))
    address_lines.append(f"电话 Tel: {label.warehouse_phone}")

    y -= 11
    canvas.setFont(CJK_FONT, 8)
    canvas.drawString(left, y, "收件 Return to")
    y = _draw_lines(canvas, address_lines, left, y, 10, floor=bottom_top + 30)
    y -= 1.5 * mm
    _rule(canvas, y)
    y -= 11
    canvas.setFont(CJK_FONT, 8)
    canvas.drawString(left, y, "寄件 From")
    _draw_lines(canvas, sender_lines, left, y, 10, floor=bottom_top)
    _rule(canvas, bottom_top)


def _draw_rma(canvas: Canvas, label: ReturnLabel, bottom_top: float) -> None:
    """The RMA as a QR code and in text, with the reason and the date."""
    left = MARGIN
    _draw_qr(canvas, label.rma_no, left, MARGIN, _QR_SIZE)
    text_left = left + _QR_SIZE + 3 * mm
    text_width = PAGE_WIDTH - MARGIN - text_left
    ty = bottom_top - 3 * mm - 8
    canvas.setFont(CJK_FONT, 8)
    canvas.drawString(text_left, ty, "退货单号 RMA")
    ty -= 13
    canvas.setFont(CODE_FONT, 12)
    canvas.drawString(text_left, ty, _fit(label.rma_no, CODE_FONT, 12, text_width))
    ty -= 11
    canvas.setFont(CJK_FONT, 8)
    canvas.drawString(text_left, ty, "退货原因 Reason")
    reason = _wrap(label.reason, CJK_FONT, 9, text_width)
    _draw_lines(canvas, reason, text_left, ty, 9, floor=MARGIN + 12)
    canvas.setFont(CJK_FONT, 8)
    canvas.drawString(text_left, MARGIN + 2, f"申请时间 {_local_time(label)}")


def _draw_code128(canvas: Canvas, value: str, y: float, height: float) -> None:
    """Centre the barcode at the widest bars that still fit, quiet zones included."""
    modules = Code128(value, barWidth=1, quiet=0).width
    bar_width = min(_MAX_BAR_WIDTH, PAGE_WIDTH / (modules + 2 * _QUIET_MODULES))
    quiet = _QUIET_MODULES * bar_width
    barcode = Code128(
        value, barWidth=bar_width, barHeight=height, quiet=1, lquiet=quiet, rquiet=quiet
    )
    barcode.drawOn(canvas, (PAGE_WIDTH - barcode.width) / 2, y)


def _draw_qr(canvas: Canvas, value: str, x: float, y: float, size: float) -> None:
    widget = QrCodeWidget(value, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)


def _draw_lines(
    canvas: Canvas, lines: Sequence[str], x: float, y: float, size: float, *, floor: float
) -> float:
    """Draw lines downwards from y; stop with an ellipsis rather than overprint below floor."""
    canvas.setFont(CJK_FONT, size)
    leading = size * 1.25
    for index, line in enumerate(lines):
        if y - leading < floor and index < len(lines) - 1:
            y -= leading
            canvas.drawString(x, y, "…")
            break
        y -= leading
        canvas.drawString(x, y, line)
    return y


def _rule(canvas: Canvas, y: float) -> None:
    canvas.setLineWidth(0.6)
    canvas.line(MARGIN, y, PAGE_WIDTH - MARGIN, y)


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break by characters (Chinese has no spaces), preferring a space for Latin words."""
    lines: list[str] = []
    current = ""
    for char in text.strip():
        if pdfmetrics.stringWidth(current + char, font, size) <= width:
            current += char
            continue
        cut = current.rfind(" ")
        if cut > 0 and char != " ":
            lines.append(current[:cut])
            current = current[cut + 1 :] + char
        else:
            lines.append(current.rstrip())
            current = char.lstrip()
    if current:
        lines.append(current)
    return lines or [""]


def _fit(text: str, font: str, size: float, width: float) -> str:
    """Shorten a one-line value with an ellipsis rather than run off the label."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _local_time(label: ReturnLabel) -> str:
    at = label.created_at
    if at.tzinfo is not None:
        at = at.astimezone(ZoneInfo(label.timezone))
    return at.strftime("%Y-%m-%d %H:%M")
