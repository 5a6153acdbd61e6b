"""The report as a workbook (XlsxWriter), in the same columns as the .docx: one row per measure with the
problem's own cells (序号, 问题, 整改目标 …) merged down its measures — Excel cannot show a whole
problem's text in one row — print-ready: A4 landscape, fit to width, header repeated, page numbers."""

from __future__ import annotations

import math
from pathlib import Path

import xlsxwriter

from toolkit.core.words import (
    DEADLINE,
    MEASURE,
    ROLE_LEADER,
    ROLE_NO,
    ROLE_OTHER,
    ROLE_PROBLEM,
    ROLE_PROGRESS,
    TARGET,
    UNIT,
)
from toolkit.write.report import Paragraph, ReportRow, ReportTable

SHEET = "整改情况"
WIDTHS = {
    ROLE_NO: 6,
    ROLE_PROBLEM: 40,
    TARGET: 28,
    MEASURE: 50,
    ROLE_PROGRESS: 60,
    UNIT: 16,
    ROLE_LEADER: 12,
    DEADLINE: 14,
    ROLE_OTHER: 16,
}
PER_MEASURE = {MEASURE, ROLE_PROGRESS, UNIT, DEADLINE}
LINE_PT = 14
MAX_ROW_PT = 409


def _text(paragraphs: list[Paragraph]) -> str:
    return "\n".join("".join(run.text for run in runs) for runs in paragraphs).strip("\n")


def _lines(paragraphs: list[Paragraph], width: float) -> int:
    return _text_lines(["".join(r.text for r in runs) for runs in paragraphs], width)


def _text_lines(texts: list[str], width: float) -> int:
    """Wrapped lines in a column `width` characters wide (a CJK character takes about two)."""
    per_line = max(4, int(width / 1.8))
    return sum(max(1, math.ceil(len(text) / per_line)) for text in texts) or 1


def write_report_xlsx(report: ReportTable, path: Path) -> None:
    workbook = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_urls": False}
    )
    try:
        _write(workbook, report)
    finally:
        workbook.close()


def _formats(workbook, style: dict) -> dict:
    table_font = style.get("table_font") or "宋体"
    title_font = style.get("title_font") or "黑体"
    body_font = style.get("body_font") or "仿宋_GB2312"
    base = {
        "font_name": table_font,
        "font_size": 10.5,
        "text_wrap": True,
        "valign": "top",
        "border": 1,
    }
    marked = {
        "font_name": table_font,
        "font_size": 10.5,
        "bold": bool(style.get("mark_bold", True)),
    }
    if style.get("mark_color"):
        marked["font_color"] = "#" + style["mark_color"]
    specs = {
        "cell": base,
        "number": {**base, "align": "center", "valign": "vcenter"},
        "head": {
            **base,
            "font_name": title_font,
            "font_size": 12,
            "align": "center",
            "valign": "vcenter",
            "bg_color": "#F2F2F2",
        },
        "title": {"font_name": title_font, "font_size": 18, "align": "center", "valign": "vcenter"},
        "date": {"font_name": body_font, "font_size": 14, "align": "center", "valign": "vcenter"},
        "note": {"font_name": body_font, "font_size": 12, "text_wrap": True, "valign": "top"},
        "signature": {"font_name": body_font, "font_size": 14, "align": "right"},
        "marked": marked,
        "plain": {"font_name": table_font, "font_size": 10.5},
    }
    return {name: workbook.add_format(spec) for name, spec in specs.items()}


def _write(workbook, report: ReportTable) -> None:
    fmts = _formats(workbook, report.style)
    sheet = workbook.add_worksheet(SHEET)
    last = len(report.headers) - 1
    widths = [WIDTHS.get(role, WIDTHS[ROLE_OTHER]) for role in report.roles]
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sheet.merge_range(0, 0, 0, last, report.title, fmts["title"])
    sheet.set_row(0, 30)
    sheet.merge_range(1, 0, 1, last, report.date_line, fmts["date"])
    sheet.set_row(1, 22)
    for col, text in enumerate(report.headers):
        sheet.write_string(2, col, text, fmts["head"])
    sheet.set_row(2, 24)
    r = 3
    for row in report.rows:
        r += _write_problem(sheet, r, row, report.roles, widths, fmts)
    if report.notes:
        text = "备注：\n" + "\n".join(report.notes)
        sheet.merge_range(r + 1, 0, r + 1, last, text, fmts["note"])
        sheet.set_row(r + 1, min(MAX_ROW_PT, _text_lines(text.split("\n"), sum(widths)) * 18 + 6))
        r += 1
    sheet.merge_range(r + 2, 0, r + 2, last, report.signature, fmts["signature"])
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.set_margins(left=0.6, right=0.6, top=0.7, bottom=0.7)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(2)
    sheet.center_horizontally()
    sheet.set_footer("&C— &P —")
    sheet.freeze_panes(3, 0)


def _write_problem(
    sheet, r: int, row: ReportRow, roles: list[str], widths: list[int], fmts: dict
) -> int:
    """One problem from sheet row r: a row per measure, the problem's own cells merged down them.
    Returns the rows used."""
    count = max(1, len(row.measures))
    heights = []
    for index in range(count):
        cells = row.measures[index] if row.measures else [[] for _ in roles]
        lines = 1
        for col, role in enumerate(roles):
            if role in PER_MEASURE:
                _write_rich(sheet, r + index, col, cells[col], fmts)
                lines = max(lines, _lines(cells[col], widths[col]))
        heights.append(lines)
    for col, role in enumerate(roles):
        if role in PER_MEASURE and row.measures:
            continue
        text = _text(row.cells[col])
        cell_fmt = fmts["number"] if role == ROLE_NO else fmts["cell"]
        if count > 1:
            sheet.merge_range(r, col, r + count - 1, col, text, cell_fmt)
        else:
            sheet.write_string(r, col, text, cell_fmt)
        need = _lines(row.cells[col], widths[col])
        if need > sum(heights):  # the merged problem text needs more room than its measures
            heights[-1] += need - sum(heights)
    for index, lines in enumerate(heights):
        sheet.set_row(r + index, min(MAX_ROW_PT, lines * LINE_PT + 4))
    return count


def _write_rich(sheet, row: int, col: int, paragraphs: list[Paragraph], fmts: dict) -> None:
    fmt, marked, plain = fmts["cell"], fmts["marked"], fmts["plain"]
    parts: list = []
    for index, runs in enumerate(paragraphs):
        prefix = "\n" if index else ""
        for run in runs:
            if not run.text and not prefix:
                continue
            if run.marked:
                if prefix:
                    parts += [plain, prefix]
                    prefix = ""
                parts += [marked, run.text]
            else:
                parts += [plain, prefix + run.text]
                prefix = ""
        if prefix:
            parts += [plain, prefix]
    texts = [p for p in parts if isinstance(p, str)]
    if len(texts) < 2 or not any(run.marked for runs in paragraphs for run in runs):
        sheet.write_string(row, col, "".join(texts), fmt)
    else:
        sheet.write_rich_string(row, col, *parts, fmt)
