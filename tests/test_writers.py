"""The fast writer (rust_xlsxwriter) must give the same workbook as XlsxWriter, value for value."""

from __future__ import annotations

from datetime import datetime

import openpyxl
import pytest
from conftest import to_pdf

from toolkit.core.merge import merge
from toolkit.read.inbox import read_inbox
from toolkit.read.issue_list import load_issue_list
from toolkit.workspace import open_workspace
from toolkit.write.workbook import write_workbook
from toolkit.write.writers import FAST_ROWS, fast_available, open_book

pytestmark = pytest.mark.skipif(not fast_available(), reason="rvgsrust-xlsxwriter not installed")


def rgb(color) -> str:
    value = getattr(color, "rgb", None) if color is not None else None
    return value[-6:] if isinstance(value, str) else ""


def cells(path):
    book = openpyxl.load_workbook(path)
    out = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None and cell.fill.fill_type in (None, "none"):
                    continue
                fill = rgb(cell.fill.fgColor) if cell.fill.fill_type == "solid" else ""
                font = rgb(cell.font.color)
                out[(sheet.title, cell.coordinate)] = (cell.value, cell.data_type, fill, font, cell.number_format)
    return book, out


def test_same_workbook_value_for_value(sample_ws):
    settings = open_workspace(sample_ws)
    issues = load_issue_list(settings)
    result = merge(issues, read_inbox(settings, issues.units), settings, settings.as_of)
    now = datetime(2025, 3, 31, 17, 0, 0)
    reference = write_workbook(result, settings, now, writer="xlsxwriter")
    fast = write_workbook(result, settings, now, writer="fast")
    ref_book, ref_cells = cells(reference)
    fast_book, fast_cells = cells(fast)
    assert fast_book.sheetnames == ref_book.sheetnames
    assert fast_cells == ref_cells
    for name in fast_book.sheetnames:
        a, b = ref_book[name], fast_book[name]
        assert a.freeze_panes == b.freeze_panes
        assert (a.auto_filter.ref or "") == (b.auto_filter.ref or "")
        assert a.page_setup.orientation == b.page_setup.orientation
        assert a.print_title_rows == b.print_title_rows
        for letter, dim in a.column_dimensions.items():
            assert b.column_dimensions[letter].width == pytest.approx(dim.width, abs=0.8), (name, letter)
    detail_a, detail_b = ref_book["台账明细"], fast_book["台账明细"]
    for n in range(2, detail_a.max_row + 1):
        assert detail_b.row_dimensions[n].height == pytest.approx(detail_a.row_dimensions[n].height)
    assert fast_book["汇总"]._charts


def test_libreoffice_opens_the_fast_workbook(sample_ws, tmp_path):
    settings = open_workspace(sample_ws)
    issues = load_issue_list(settings)
    result = merge(issues, read_inbox(settings, issues.units), settings, settings.as_of)
    fast = write_workbook(result, settings, writer="fast")
    assert to_pdf(fast, tmp_path).stat().st_size > 10_000


def test_auto_picks_the_fast_writer_only_for_big_outputs(tmp_path):
    now = datetime(2025, 3, 31)
    assert type(open_book(tmp_path / "a.xlsx", FAST_ROWS - 1, now)).__name__ == "XlsxBook"
    assert type(open_book(tmp_path / "b.xlsx", FAST_ROWS, now)).__name__ == "RustBook"
    assert type(open_book(tmp_path / "c.xlsx", FAST_ROWS, now, "xlsxwriter")).__name__ == "XlsxBook"
