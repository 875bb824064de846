"""The return label, read back the way a person and a scanner would read it.

Text comes out of the PDF with pypdf; the barcodes are checked by rasterising the page
with poppler's pdftoppm and decoding it with zbar, so a barcode that draws but does not
scan fails here rather than at the warehouse door.
"""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from returnflow.logistics.labels import ReturnLabel, render_label

MM = 72 / 25.4

LABEL = ReturnLabel(
    rma_no="RMA-20261120-0042",
    waybill_no="SF1234567890123",
    carrier_name="顺丰速运",
    sender_name="张三",
    sender_phone="13812348000",
    return_address=("浙江省杭州市余杭区文一西路 969 号", "ReturnFlow 退货仓 3 号门"),
    warehouse_name="ReturnFlow 华东退货仓",
    warehouse_phone="0571-88886666",
    reason="尺码不合适，想换大一号",
    created_at=datetime(2026, 11, 20, 2, 30, tzinfo=UTC),  # 10:30 in Shanghai
)


def page_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def scan(pdf: bytes, tmp_path: Path, dpi: int = 203) -> set[str]:
    """Every barcode zbar finds on the page printed at `dpi`, as "TYPE:value".

    203 dpi is a thermal label printer's resolution, the coarsest the label meets.
    """
    for tool in ("pdftoppm", "zbarimg"):
        assert shutil.which(tool), f"{tool} is missing: apt-get install poppler-utils zbar-tools"
    source = tmp_path / "label.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(source), str(tmp_path / "label")],
        check=True,
    )
    result = subprocess.run(
        ["zbarimg", "--quiet", str(tmp_path / "label.png")],
        capture_output=True,
        text=True,
        check=False,
    )
    # zbarimg exits 4 when it finds nothing; the assertions below say what was missing
    assert result.returncode in (0, 4), result.stderr
    return {line for line in result.stdout.splitlines() if line}


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_label(LABEL)


def test_page_is_100_by_150_mm(pdf: bytes) -> None:
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert float(box.width) == pytest.approx(283.46, abs=0.5)
    assert float(box.height) == pytest.approx(425.2, abs=0.5)
    assert float(box.width) == pytest.approx(100 * MM, abs=0.5)
    assert float(box.height) == pytest.approx(150 * MM, abs=0.5)


def test_text_carries_numbers_addresses_and_reason(pdf: bytes) -> None:
    text = page_text(pdf)
    assert "RMA-20261120-0042" in text
    assert "SF1234567890123" in text
    assert "顺丰速运" in text
    assert "浙江省杭州市余杭区文一西路 969 号" in text
    assert "ReturnFlow 华东退货仓" in text
    assert "0571-88886666" in text
    assert "张三" in text
    assert "尺码不合适，想换大一号" in text


def test_sender_phone_is_masked(pdf: bytes) -> None:
    text = page_text(pdf)
    assert "138****8000" in text
    assert "13812348000" not in text


def test_creation_time_is_printed_in_warehouse_time(pdf: bytes) -> None:
    assert "2026-11-20 10:30" in page_text(pdf)


def test_barcodes_scan_to_waybill_and_rma(pdf: bytes, tmp_path: Path) -> None:
    found = scan(pdf, tmp_path)
    assert found == {"CODE-128:SF1234567890123", "QR-Code:RMA-20261120-0042"}


@pytest.mark.parametrize(
    ("waybill", "dpi"),
    [
        # a long mixed number still gets bars of at least 0.25 mm, two thermal-printer dots
        ("ABCDEFGHIJ-0123456789-abcde", 203),
        # 40 digits pack two to a symbol, so they are no wider than 20 letters
        ("1234567890123456789012345678901234567890", 203),
        # 40 mixed characters, the longest a self-shipping customer can give, make bars
        # of 0.2 mm: they need an office printer's 300 dpi
        ("ABCDEFGHIJ-0123456789-abcdefghij-0123456", 300),
    ],
)
def test_long_waybill_still_fits_and_scans(waybill: str, dpi: int, tmp_path: Path) -> None:
    found = scan(render_label(dataclasses.replace(LABEL, waybill_no=waybill)), tmp_path, dpi)
    assert f"CODE-128:{waybill}" in found
    assert "QR-Code:RMA-20261120-0042" in found


def test_overlong_address_is_cut_short_not_overprinted(tmp_path: Path) -> None:
    address = tuple(f"第{n}行 很长很长的地址" * 3 for n in range(1, 13))
    pdf = render_label(dataclasses.replace(LABEL, return_address=address))
    text = page_text(pdf)
    assert "…" in text
    assert "第12行" not in text
    # the RMA block below the address is still there and readable
    assert "RMA-20261120-0042" in text
    assert "QR-Code:RMA-20261120-0042" in scan(pdf, tmp_path)


def test_same_label_renders_to_same_bytes(pdf: bytes) -> None:
    assert render_label(LABEL) == pdf
    assert render_label(dataclasses.replace(LABEL, rma_no="RMA-20261120-0043")) != pdf
