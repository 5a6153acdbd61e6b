"""Two ways to write the same new workbook: XlsxWriter (the reference) and, for big outputs,
rust_xlsxwriter through rvgsrust-xlsxwriter (optional, about 4× faster per cell).

workbook.py says what goes where through the small interface below; it never calls either
library directly, so the two paths cannot drift apart (a test compares them value by value).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

FAST_ROWS = 20_000  # from this many detail rows on, the fast writer is used when installed


SIZED_ROWS_FAST = 50_000  # explicit row heights cost the fast writer ~3 KB a row at close; above this


def fast_available() -> bool:
    try:
        import rvgsrust_xlsxwriter  # noqa: F401
    except ImportError:
        return False
    return True


def open_book(path: Path, rows: int, now: datetime, writer: str = "auto") -> XlsxBook | RustBook:
    """The writer for a workbook of `rows` detail rows: 'xlsxwriter', 'fast', or 'auto'."""
    use_fast = writer == "fast" or (writer == "auto" and rows >= FAST_ROWS and fast_available())
    return RustBook(path, now) if use_fast else XlsxBook(path, now, constant_memory=rows > 50_000)


class Sheet:
    """Cell and page calls shared by both writers. Cell methods are bound to the library's own
    methods where the signatures agree, so the per-cell path has no extra layer."""

    text: Any
    number: Any
    date: Any
    blank: Any
    row_height: Any


class XlsxSheet(Sheet):
    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.text = ws.write_string
        self.number = ws.write_number
        self.date = ws.write_datetime
        self.blank = lambda row, col, fmt: ws.write_blank(row, col, None, fmt)
        self.row_height = ws.set_row

    def col_width(self, col: int, width: float) -> None:
        self.ws.set_column(col, col, width)

    def freeze(self, row: int, col: int) -> None:
        self.ws.freeze_panes(row, col)

    def filter(self, r1: int, c1: int, r2: int, c2: int) -> None:
        self.ws.autofilter(r1, c1, r2, c2)

    def print_setup(self, *, fit_height: int = 0, repeat_row: int | None = None, footer: str = "",
                    margins: bool = False) -> None:
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

        self.book = xlsxwriter.Workbook(str(path), {
            "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
            "constant_memory": constant_memory,
        })
        self.book.set_properties({"title": "整改台账汇总", "created": now, "comments": "由 toolkit merge 生成"})

    def sheet(self, name: str) -> XlsxSheet:
        return XlsxSheet(self.book.add_worksheet(name))

    def sizes_rows(self, rows: int) -> bool:
        return True

    def fmt(self, spec: dict[str, Any]) -> Any:
        return self.book.add_format(spec)

    def bar_chart(self, sheet: XlsxSheet, at: tuple[int, int], sheet_name: str, rows: tuple[int, int],
                  series: Sequence[tuple[int, str, str]], title: str, height: int) -> None:
        chart = self.book.add_chart({"type": "bar", "subtype": "stacked"})
        for col, name, color in series:
            chart.add_series({"name": name, "categories": [sheet_name, rows[0], 0, rows[1], 0],
                              "values": [sheet_name, rows[0], col, rows[1], col], "fill": {"color": color}})
        chart.set_title({"name": title, "name_font": {"name": "宋体", "size": 12}})
        chart.set_y_axis({"reverse": True, "num_font": {"name": "宋体"}})
        chart.set_x_axis({"num_font": {"name": "宋体"}, "major_gridlines": {"visible": True}})
        chart.set_legend({"position": "bottom", "font": {"name": "宋体"}})
        chart.set_size({"width": 620, "height": height})
        sheet.ws.insert_chart(at[0], at[1], chart)

    def line_chart(self, sheet: XlsxSheet, at: tuple[int, int], sheet_name: str, header_row: int,
                   rows: tuple[int, int], cols: tuple[int, int], title: str) -> None:
        """One line per row (its name in the column before `cols`), categories from header_row."""
        chart = self.book.add_chart({"type": "line"})
        for row in range(rows[0], rows[1] + 1):
            chart.add_series({"name": [sheet_name, row, cols[0] - 1],
                              "categories": [sheet_name, header_row, cols[0], header_row, cols[1]],
                              "values": [sheet_name, row, cols[0], row, cols[1]], "marker": {"type": "circle"}})
        chart.set_title({"name": title, "name_font": {"name": "宋体", "size": 12}})
        chart.set_y_axis({"num_format": "0%", "min": 0, "max": 1})
        chart.set_legend({"position": "right", "font": {"name": "宋体"}})
        chart.set_size({"width": 620, "height": 360})
        sheet.ws.insert_chart(at[0], at[1], chart)

    def close(self) -> None:
        self.book.close()


class RustSheet(Sheet):
    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.text = ws.write
        self.number = ws.write
        self.date = ws.write_date_py
        self.blank = lambda row, col, fmt: ws.write(row, col, None, fmt)
        self.row_height = ws.set_row_height

    def col_width(self, col: int, width: float) -> None:
        self.ws.set_column_width(col, width)

    def freeze(self, row: int, col: int) -> None:
        self.ws.freeze_panes(row, col)

    def filter(self, r1: int, c1: int, r2: int, c2: int) -> None:
        self.ws.autofilter(r1, c1, r2, c2)

    def print_setup(self, *, fit_height: int = 0, repeat_row: int | None = None, footer: str = "",
                    margins: bool = False) -> None:
        self.ws.set_landscape()
        self.ws.set_paper_size(9)
        self.ws.set_print_fit_to_pages(1, fit_height)
        if repeat_row is not None:
            self.ws.set_repeat_rows(repeat_row, repeat_row)
        if footer:
            self.ws.set_footer(footer)
        if margins:
            self.ws.set_margins(0.4, 0.4, 0.5, 0.5, 0.3, 0.3)


class RustBook:
    def __init__(self, path: Path, now: datetime) -> None:
        import rvgsrust_xlsxwriter as rx

        self.rx = rx
        self.path = path
        self.book = rx.Workbook(str(path))
        self.book.set_properties(title="整改台账汇总", comments="由 toolkit merge 生成")

    def sizes_rows(self, rows: int) -> bool:
        return rows <= SIZED_ROWS_FAST

    def sheet(self, name: str) -> RustSheet:
        # rows are written in order, so the sheet can stream to disk as it goes
        return RustSheet(self.book.add_worksheet(name, constant_memory=True))

    def fmt(self, spec: dict[str, Any]) -> Any:
        f = self.book.add_format()
        if spec.get("font_name"):
            f.set_font_name(spec["font_name"])
        if spec.get("font_size"):
            f.set_font_size(spec["font_size"])
        if spec.get("bold"):
            f.set_bold()
        if spec.get("text_wrap"):
            f.set_text_wrap()
        if spec.get("num_format"):
            f.set_num_format(spec["num_format"])
        if spec.get("align"):
            f.set_align(spec["align"])
        if spec.get("valign"):
            f.set_vertical_align(spec["valign"])
        if spec.get("border"):
            f.set_border("thin")
        if spec.get("border_color"):
            f.set_border_color(spec["border_color"])
        if spec.get("bg_color"):
            f.set_background_color(spec["bg_color"])
            f.set_pattern("solid")
        if spec.get("font_color"):
            f.set_font_color(spec["font_color"])
        return f

    def bar_chart(self, sheet: RustSheet, at: tuple[int, int], sheet_name: str, rows: tuple[int, int],
                  series: Sequence[tuple[int, str, str]], title: str, height: int) -> None:
        rx = self.rx
        chart = rx.Chart("bar_stacked")
        first, last = rows[0] + 1, rows[1] + 1
        for col, name, color in series:
            letter = chr(65 + col)
            series_ = rx.ChartSeries()  # the setters here return None, so no chaining
            series_.set_name(name)
            series_.set_categories(f"'{sheet_name}'!$A${first}:$A${last}")
            series_.set_values(f"'{sheet_name}'!${letter}${first}:${letter}${last}")
            fill = rx.ChartFormat()
            fill.set_fill_color(color)
            series_.set_format(fill)
            chart.push_series(series_)
        chart.set_title_name(title)
        chart.set_legend_position("bottom")
        chart.set_width(620)
        chart.set_height(height)
        if hasattr(chart, "set_y_axis_reverse"):
            chart.set_y_axis_reverse()
        sheet.ws.insert_chart(at[0], at[1], chart)

    def line_chart(self, sheet: RustSheet, at: tuple[int, int], sheet_name: str, header_row: int,
                   rows: tuple[int, int], cols: tuple[int, int], title: str) -> None:
        rx = self.rx
        chart = rx.Chart("line")
        first, last = _cell(header_row, cols[0]), _cell(header_row, cols[1])
        for row in range(rows[0], rows[1] + 1):
            series = rx.ChartSeries()
            series.set_name(f"'{sheet_name}'!{_cell(row, cols[0] - 1)}")
            series.set_categories(f"'{sheet_name}'!{first}:{last}")
            series.set_values(f"'{sheet_name}'!{_cell(row, cols[0])}:{_cell(row, cols[1])}")
            chart.push_series(series)
        chart.set_title_name(title)
        chart.set_legend_position("right")
        chart.set_width(620)
        chart.set_height(360)
        sheet.ws.insert_chart(at[0], at[1], chart)

    def close(self) -> None:
        self.book.close()


def _cell(row: int, col: int) -> str:
    """An absolute A1 reference: (0, 0) → $A$1."""
    from toolkit.core.normalize import column_letter

    return f"${column_letter(col)}${row + 1}"
