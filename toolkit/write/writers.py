"""The consolidated workbook's writer: XlsxWriter behind a small interface.

workbook.py and its sheet modules (workbook_summary, workbook_detail, workbook_lists) say what goes
where through the calls below and never call the library directly.
From STREAM_ROWS detail rows on, XlsxWriter's constant_memory mode streams each row to disk as
soon as the next one starts, so rows must be written in order (a test checks every written sheet's
row numbers strictly increase).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

# From this many detail rows on, rows are streamed (constant_memory). Below it the workbook is built
# in memory with a shared string table: a province's 100,000 rows take 27 s to write instead of
# 31 s, and the file is half the size (9.6 MB, not 18.7 MB: each unit name and measure text is
# stored once, not in every cell), for ~1.1 KB of memory per row (+114 MB at 100,000 rows). The
# 200,000-row return stays streamed, under its 600 MB ceiling.
STREAM_ROWS = 150_000


def open_book(path: Path, rows: int, now: datetime) -> XlsxBook:
    """The writer for a workbook of `rows` detail rows."""
    return XlsxBook(path, now, constant_memory=rows >= STREAM_ROWS)


class XlsxSheet:
    """Cell and page calls. Cell methods are bound to the library's own methods, so the per-cell
    path has no extra layer."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.text = ws.write_string
        self.number = ws.write_number
        self.date = ws.write_datetime
        self.blank = lambda row, col, fmt: ws.write_blank(row, col, None, fmt)
        self.row_height = ws.set_row

    def merged_text(self, row: int, first_col: int, last_col: int, value: str, fmt: Any) -> None:
        """Text in one cell spanning columns first_col..last_col of a row (written as a string
        whatever it starts with: the workbook converts no strings)."""
        self.ws.merge_range(row, first_col, row, last_col, value, fmt)

    def col_width(self, col: int, width: float) -> None:
        self.ws.set_column(col, col, width)

    def freeze(self, row: int, col: int) -> None:
        self.ws.freeze_panes(row, col)

    def filter(self, r1: int, c1: int, r2: int, c2: int) -> None:
        self.ws.autofilter(r1, c1, r2, c2)

    def print_setup(
        self,
        *,
        fit_height: int = 0,
        repeat_row: int | None = None,
        footer: str = "",
        margins: bool = False,
    ) -> None:
        self.ws.set_landscape()
        self.ws.set_paper(9)
        self.ws.fit_to_pages(1, fit_height)
        if repeat_row is not None:
            self.ws.repeat_rows(repeat_row)
        if footer:
            self.ws.set_footer(footer)
        if margins:
            self.ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)


class XlsxBook:
    def __init__(self, path: Path, now: datetime, constant_memory: bool) -> None:
        import xlsxwriter

        self.book = xlsxwriter.Workbook(
            str(path),
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "constant_memory": constant_memory,
            },
        )
        self.book.set_properties(
            {"title": "整改台账汇总", "created": now, "comments": "由 toolkit merge 生成"}
        )

    def sheet(self, name: str) -> XlsxSheet:
        return XlsxSheet(self.book.add_worksheet(name))

    def fmt(self, spec: dict[str, Any]) -> Any:
        return self.book.add_format(spec)

    def bar_chart(
        self,
        sheet: XlsxSheet,
        at: tuple[int, int],
        sheet_name: str,
        rows: tuple[int, int],
        series: Sequence[tuple[int, str, str]],
        title: str,
        height: int,
    ) -> None:
        chart = self.book.add_chart({"type": "bar", "subtype": "stacked"})
        for col, name, color in series:
            chart.add_series(
                {
                    "name": name,
                    "categories": [sheet_name, rows[0], 0, rows[1], 0],
                    "values": [sheet_name, rows[0], col, rows[1], col],
                    "fill": {"color": color},
                }
            )
        chart.set_title({"name": title, "name_font": {"name": "宋体", "size": 12}})
        chart.set_y_axis({"reverse": True, "num_font": {"name": "宋体"}})
        chart.set_x_axis({"num_font": {"name": "宋体"}, "major_gridlines": {"visible": True}})
        chart.set_legend({"position": "bottom", "font": {"name": "宋体"}})
        chart.set_size({"width": 620, "height": height})
        sheet.ws.insert_chart(at[0], at[1], chart)

    def line_chart(
        self,
        sheet: XlsxSheet,
        at: tuple[int, int],
        sheet_name: str,
        header_row: int,
        rows: tuple[int, int],
        cols: tuple[int, int],
        title: str,
    ) -> None:
        """One line per row (its name in the column before `cols`), categories from header_row."""
        chart = self.book.add_chart({"type": "line"})
        for row in range(rows[0], rows[1] + 1):
            chart.add_series(
                {
                    "name": [sheet_name, row, cols[0] - 1],
                    "categories": [sheet_name, header_row, cols[0], header_row, cols[1]],
                    "values": [sheet_name, row, cols[0], row, cols[1]],
                    "marker": {"type": "circle"},
                }
            )
        chart.set_title({"name": title, "name_font": {"name": "宋体", "size": 12}})
        chart.set_y_axis({"num_format": "0%", "min": 0, "max": 1})
        chart.set_legend({"position": "right", "font": {"name": "宋体"}})
        chart.set_size({"width": 620, "height": 360})
        sheet.ws.insert_chart(at[0], at[1], chart)

    def close(self) -> None:
        self.book.close()
