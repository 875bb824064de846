"""The periodic report's page furniture (issue 14, R9.3): fonts, styles, tables, images.

Chinese text uses reportlab's built-in CID font STSong-Light, as the evidence bundle and
the labels do (no font file to ship, the text stays searchable); in the English file,
runs of Chinese (product titles, merchant names) switch to it, the rest is Helvetica.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
from reportlab.platypus import Image, Paragraph, Table, TableStyle  # type: ignore[import-untyped]

from returnflow.domain.text import Text

CJK = "STSong-Light"
MARGIN = 16 * mm
WIDTH = A4[0] - 2 * MARGIN
INK, MUTED, ACCENT, RULE = "#1d2633", "#5b6270", "#2f6fde", "#d7dce4"
_RUN = re.compile(r"([\u2e80-\u9fff\uff00-\uffef\u3000-\u303f]+)")


@cache
def _font() -> None:
    pdfmetrics.registerFont(UnicodeCIDFont(CJK))


class Writer:
    """Paragraphs and tables in one language."""

    def __init__(self, language: str) -> None:
        _font()
        self.language = language
        zh = language == "zh"
        body, bold = (CJK, CJK) if zh else ("Helvetica", "Helvetica-Bold")
        self.body_font = body

        def style(name: str, font: str, size: float, **extra: Any) -> ParagraphStyle:
            return ParagraphStyle(
                name,
                fontName=font,
                fontSize=size,
                leading=size * 1.45,
                textColor=colors.HexColor(extra.pop("color", INK)),
                **extra,
            )

        self.title = style("title", bold, 22, spaceAfter=4)
        self.h1 = style("h1", bold, 14, spaceBefore=10, spaceAfter=5, color=ACCENT)
        self.body = style("body", body, 9.5, spaceAfter=3)
        self.small = style("small", body, 7.5, color=MUTED)
        self.cell = style("cell", body, 8.5)
        self.cell_right = style("cellr", body, 8.5, alignment=2)
        self.head = style("head", bold, 8, color="#ffffff")
        self.lead = style("lead", bold, 12, spaceAfter=6)

    def say(self, words: Text) -> str:
        return words.in_language(self.language)

    def markup(self, text: str) -> str:
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        escaped = escaped.replace("\u2212", "-").replace("\u00b7", "|")  # not in STSong-Light
        if self.language == "zh":
            return escaped
        return _RUN.sub(lambda m: f'<font name="{CJK}">{m.group(1)}</font>', escaped)

    def p(self, text: str | Text, style: ParagraphStyle | None = None) -> Paragraph:
        shown = self.say(text) if isinstance(text, Text) else text
        return Paragraph(self.markup(shown), style or self.body)

    def table(
        self,
        header: Sequence[Text],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        numeric: Sequence[int] = (),
    ) -> Table:
        cells = [[Paragraph(self.markup(self.say(h)), self.head) for h in header]]
        for row in rows:
            cells.append(
                [
                    Paragraph(self.markup(c), self.cell_right if i in numeric else self.cell)
                    for i, c in enumerate(row)
                ]
            )
        table = Table(cells, colWidths=[w * WIDTH for w in widths], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(ACCENT)),
                    (
                        "ROWBACKGROUNDS",
                        (0, 1),
                        (-1, -1),
                        [colors.white, colors.HexColor("#f4f6fa")],
                    ),
                    ("LINEBELOW", (0, -1), (-1, -1), 0.6, colors.HexColor(RULE)),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ]
            )
        )
        return table

    def image(self, png: bytes, width: float = 1.0) -> Image:
        picture = Image(io.BytesIO(png))
        ratio = picture.imageHeight / picture.imageWidth
        picture.drawWidth = WIDTH * width
        picture.drawHeight = WIDTH * width * ratio
        return picture
