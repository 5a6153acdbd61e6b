"""What every sheet of the consolidated workbook (汇总台账) writes its cells with: the cell formats
(one per kind and 逾期状态 colour), text clipped at Excel's cell limit, dates or their words, and
row heights that show wrapped text in full."""

from __future__ import annotations

from datetime import date
from typing import Any

from toolkit.core.settings import Settings
from toolkit.core.validate import EXCEL_CELL_LIMIT

LINE_HEIGHT = 13.5  # points per line of 10-point text


MAX_ROW_HEIGHT = 409  # Excel's limit


def clip(text: str) -> str:
    return (
        text
        if len(text) <= EXCEL_CELL_LIMIT
        else text[: EXCEL_CELL_LIMIT - 30] + "……（已截断，全文见同名的“_长文本.txt”）"
    )


class Formats:
    """Cell formats, made once per (kind, state)."""

    def __init__(self, book: Any, settings: Settings) -> None:
        self.book = book
        self.colors = settings.colors
        self.cache: dict[tuple[str, str], Any] = {}

    def get(self, kind: str, state: str = "") -> Any:
        key = (kind, state)
        if key not in self.cache:
            spec = _spec(kind)
            color = self.colors.get(state) if state else None
            if color:
                if color.get("fill"):
                    spec["bg_color"] = "#" + color["fill"]
                    spec["pattern"] = 1
                if color.get("font"):
                    spec["font_color"] = "#" + color["font"]
            self.cache[key] = self.book.fmt(spec)
        return self.cache[key]


def _spec(kind: str) -> dict[str, Any]:
    """The XlsxWriter format of a kind of cell, before its state's colours."""
    spec: dict[str, Any] = {
        "valign": "top",
        "border": 1,
        "border_color": "#BFBFBF",
        "font_name": "宋体",
        "font_size": 10,
    }
    if kind == "text":
        spec["text_wrap"] = True
    elif kind == "date":
        spec.update(num_format="yyyy-mm-dd", align="center")
    elif kind == "int":
        spec.update(num_format="0", align="center")
    elif kind == "pct":
        spec.update(num_format="0.0%", align="center")
    elif kind == "center":
        spec.update(align="center", text_wrap=True)
    elif kind == "header":
        spec.update(bold=True, bg_color="#DDEBF7", align="center", valign="vcenter", text_wrap=True)
    elif kind == "title":
        spec = {"bold": True, "font_size": 14, "font_name": "宋体"}
    elif kind == "plain":
        spec = {"font_name": "宋体", "font_size": 10}
    elif kind == "bold":
        spec = {"font_name": "宋体", "font_size": 11, "bold": True}
    return spec


def display_width(text: str) -> int:
    """Width in Excel character units, CJK counting two: (UTF-8 bytes + characters) / 2 gives
    1 for ASCII and 2 for CJK (3 bytes), without a per-character loop."""
    return (len(text.encode("utf-8")) + len(text)) // 2


def row_height(texts: list[tuple[str, float]]) -> float:
    """A row height that shows every wrapped text in full. Set explicitly because LibreOffice, mail
    previewers and phone apps do not grow rows for wrapped text on their own."""
    lines = 1
    for text, width in texts:
        if not text:
            continue
        per_line = max(1, int(width * 1.15 - 1))
        if len(text) * 2 <= per_line and "\n" not in text:
            continue  # fits on one line whatever it holds
        if "\n" in text:
            count = sum(max(1, -(-display_width(part) // per_line)) for part in text.split("\n"))
        else:
            count = -(-display_width(text) // per_line)
        if count > lines:
            lines = count
    return min(MAX_ROW_HEIGHT, LINE_HEIGHT * lines + 3)


def text(sheet: Any, row: int, col: int, value: str, fmt: Any) -> None:
    """A text cell (clipped at Excel's limit), or a blank one carrying the format."""
    if value:
        sheet.text(row, col, clip(value), fmt)
    else:
        sheet.blank(row, col, fmt)


def date_or_text(
    sheet: Any, row: int, col: int, value: date | None, words: str, formats: Formats, state: str
) -> None:
    """A date cell, or the words standing for it (长期坚持 …) when there is no date."""
    if value is not None:
        sheet.date(row, col, value, formats.get("date", state))
    else:
        text(sheet, row, col, words, formats.get("center", state))
