"""The bin label (R5.4) read back: page size, text with pypdf, the Code128 with zbar."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from returnflow.logistics.bin_labels import BinLabel, render_bin_label
from tests.test_labels import MM, page_text, scan

LABEL = BinLabel("A-01-03", sku="BOTTLE-240", grade="B", title="宽口径玻璃奶瓶", rma_no="RMA1")


def test_bin_label_is_100_by_50_mm_and_reads_back(tmp_path: Path) -> None:
    pdf = render_bin_label(LABEL)
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert float(box.width) == pytest.approx(100 * MM, abs=0.5)
    assert float(box.height) == pytest.approx(50 * MM, abs=0.5)
    text = page_text(pdf)
    assert "A-01-03" in text and "SKU BOTTLE-240" in text and "Grade B" in text
    assert "CODE-128:A-01-03" in scan(pdf, tmp_path)
    assert render_bin_label(LABEL) == pdf  # the same label, the same bytes
