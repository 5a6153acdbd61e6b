"""Feedback copies (反馈件): a unit's own file, edited with openpyxl, with its problems listed and marked."""

from __future__ import annotations

import math
import os
import re
import unicodedata
from collections import defaultdict
from contextlib import suppress
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import column_index_from_string
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from toolkit.core.errors import ReadError
from toolkit.core.findings import Finding, fix_for
from toolkit.core.normalize import strip_control
from toolkit.core.words import (
    ERROR,
    FEEDBACK_COLUMNS,
    INFO,
    LEVELS,
    SHEET_FINDINGS,
    SHEET_META,
    WARNING,
)
from toolkit.read.sheets import check_zip, read_grids
from toolkit.write.files import publish, writing

SHEET = SHEET_FINDINGS


AUTHOR = "整改办"


MARK_FILL = "FFC7CE"


ERROR_FONT = "9C0006"


HEADER = list(FEEDBACK_COLUMNS)


WIDTHS = [6, 12, 6, 14, 24, 44, 36]


FIRST_ROW = 4  # title, summary, header, then one row per finding


OLD_COMMENT = "\n—— 原批注 ——\n"


EDITABLE = {".xlsx", ".xlsm", ".xltx", ".xltm"}


MACROS = {".xlsm", ".xltm"}


SHEET_SUFFIXES = EDITABLE | {".xls", ".xlsb", ".ods", ".csv", ".tsv", ".txt"}


NOT_LISTED = {"file-read"}  # bookkeeping for the clerk, not a problem for the unit


MAX_UNZIPPED = 500 * 2**20


def write_feedback(
    source: Path, findings: list[Finding], out: Path, *, unit: str | None, checked_at: datetime
) -> Path:
    """Write the feedback copy of `source` (only read) as `out`, `out_2`, …: .xlsm for .xlsm, else .xlsx."""
    listed = [f for f in findings if f.code not in NOT_LISTED]
    workbook, note, names, macros = _open(Path(source))
    _clear_old_marks(workbook)
    where = _mark(workbook, listed, names)
    _problem_sheet(workbook, listed, where, names, unit, checked_at, note)
    return _save(workbook, Path(out), ".xlsm" if macros else ".xlsx")


def _open(source: Path) -> tuple[Workbook, str, dict[str, str], bool]:
    """(workbook, note for the summary line, finding sheet name → sheet title, keeps macros)."""
    suffix = source.suffix.lower()
    workbook, names = Workbook(), {}
    workbook.remove(workbook.active)
    try:
        if suffix in EDITABLE:
            try:
                check_zip(source, MAX_UNZIPPED)
                edited = load_workbook(source, keep_vba=suffix in MACROS, rich_text=True)
                edited.template = False
                return edited, "", {}, suffix in MACROS
            except ReadError as exc:
                if exc.code != "unreadable-file":
                    raise
            except Exception:  # noqa: BLE001 - openpyxl can't edit it: rebuild it from its values
                pass
        grids = read_grids(source, max_unzipped=MAX_UNZIPPED)
    except ReadError as exc:
        return workbook, f"原文件无法打开（{exc.message}），未能在原表中标注。", {}, False
    for grid in grids:
        title = re.sub(r"[\[\]:*?/\\]", "_", _clean(grid.name)).strip("'")[:31] or "Sheet"
        sheet = workbook.create_sheet(title)  # openpyxl makes a taken name unique
        names[grid.name] = sheet.title
        widths: dict[str, int] = defaultdict(int)
        for r, row in enumerate(grid.rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None and value != "":
                    cell = sheet.cell(row=r, column=c)
                    _put(cell, value)
                    widths[cell.column_letter] = max(widths[cell.column_letter], _width(str(value)))
        for letter, width in widths.items():
            sheet.column_dimensions[letter].width = min(width + 2, 50)
        for r0, c0, r1, c1 in grid.merged:
            if (r0, c0) != (r1, c1):
                with suppress(ValueError):
                    sheet.merge_cells(
                        start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1
                    )
        sheet.sheet_state = (
            "hidden" if grid.hidden or grid.name.strip().lower() == SHEET_META else "visible"
        )
    kind = (
        suffix + (" 且无法按原样编辑" if suffix in EDITABLE else "") if suffix else "无扩展名文件"
    )
    return workbook, f"原文件为 {kind}，反馈件已转为 .xlsx（只保留了内容）。", names, False


def _clean(text: str, limit: int = 32767) -> str:
    return strip_control(text)[0][:limit]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _put(cell: Any, value: Any) -> None:
    """Write a value as it was read; text stays text even when it starts with '='."""
    if isinstance(value, float) and not math.isfinite(value):
        value = str(value)
    cell.value = _clean(value) if isinstance(value, str) else value
    if isinstance(value, (datetime, date)):
        timed = isinstance(value, datetime) and value.time() != datetime.min.time()
        cell.number_format = "yyyy-mm-dd hh:mm" if timed else "yyyy-mm-dd"
    elif isinstance(cell.value, str) and cell.value.startswith("="):
        cell.data_type, cell.quotePrefix = "s", True


def _clear_old_marks(workbook: Workbook) -> None:
    """A unit may send back our own feedback copy: drop its old problem sheet, notes and fills."""
    if SHEET in workbook.sheetnames:
        del workbook[SHEET]
    for sheet in workbook.worksheets:
        for cell in list(
            sheet._cells.values()
        ):  # existing cells only; iter_rows would add empty ones
            if cell.comment is None or cell.comment.author != AUTHOR:
                continue
            old = cell.comment.text.partition(OLD_COMMENT)[2]
            cell.comment = Comment(old, "") if old else None
            if cell.fill.fill_type == "solid" and str(cell.fill.fgColor.rgb).upper().endswith(
                MARK_FILL
            ):
                cell.fill = PatternFill(fill_type=None)


def _column(label: str) -> int | None:
    """'H（完成状态）' → 8; None when the label has no column letters."""
    letters = re.match(r"[A-Z]{1,3}", label or "")
    index = column_index_from_string(letters.group()) if letters else 0
    return index if 0 < index <= 16384 else None


def _target(sheet: Worksheet, row: int, label: str) -> str:
    """The cell a finding points at: its column, else the row's first non-empty cell; merged → anchor."""
    column = _column(label)
    if column is None:
        values = next(sheet.iter_rows(min_row=row, max_row=row, values_only=True), ())
        column = next((i for i, v in enumerate(values, start=1) if v not in (None, "")), 1)
    for merged in sheet.merged_cells.ranges:
        if merged.min_row <= row <= merged.max_row and merged.min_col <= column <= merged.max_col:
            row, column = merged.min_row, merged.min_col
            break
    return sheet.cell(row=row, column=column).coordinate


def _mark(
    workbook: Workbook, findings: list[Finding], names: dict[str, str]
) -> dict[int, tuple[str, str]]:
    """Fill and annotate each cell with an error or warning; returns finding index → (sheet, cell)."""
    where: dict[int, tuple[str, str]] = {}
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for index, finding in enumerate(findings):
        title = names.get(finding.sheet, finding.sheet)
        if title not in workbook.sheetnames or not 0 < (finding.row or 0) <= 1_048_576:
            continue  # a file-level finding, or a place that isn't in the workbook: listed only
        where[index] = (title, _target(workbook[title], finding.row, finding.column))
        if finding.level != INFO:
            groups[where[index]].append(finding)
    for (title, coordinate), items in groups.items():
        cell = workbook[title][coordinate]
        cell.fill = PatternFill(fill_type="solid", fgColor=MARK_FILL, bgColor=MARK_FILL)
        text = _clean(
            "\n\n".join(
                f"【{f.level}】{f.message}{_shown_value(f)}\n怎么改：{fix_for(f.code)}"
                for f in items
            ),
            4000,
        )
        if cell.comment is not None and cell.comment.text.strip():
            text += OLD_COMMENT + cell.comment.text
        lines = sum(max(1, math.ceil(_width(part) / 36)) for part in text.split("\n"))
        cell.comment = Comment(text, AUTHOR, height=min(16 * lines + 12, 400), width=240)
    return where


def _shown_value(finding: Finding) -> str:
    value = finding.value.strip()
    return f"（填写的是：{value[:100]}）" if value and value not in finding.message else ""


def _problem_sheet(
    workbook: Workbook,
    findings: list[Finding],
    where: dict[int, tuple[str, str]],
    names: dict[str, str],
    unit: str | None,
    checked_at: datetime,
    note: str,
) -> None:
    """The first sheet: title, what to do, then one row per finding (errors first, in red)."""
    sheet = workbook.create_sheet(SHEET, 0)
    for other in workbook.worksheets:
        other.sheet_view.tabSelected = other is sheet  # two selected tabs open as a group in Excel
    workbook.active = 0
    side = Side(style="thin", color="808080")
    border = Border(left=side, right=side, top=side, bottom=side)
    _sheet_head(sheet, findings, unit, checked_at, note, border)
    order, titles = {level: i for i, level in enumerate(LEVELS)}, workbook.sheetnames
    ranked = sorted(
        range(len(findings)),
        key=lambda i: (
            order.get(findings[i].level, len(LEVELS)),
            titles.index(where[i][0]) if i in where else -1,
            findings[i].row or 0,
            _column(findings[i].column) or 0,
        ),
    )
    for index in ranked:
        finding = findings[index]
        shown = where[index][0] if index in where else names.get(finding.sheet, finding.sheet)
        _finding_row(sheet, finding, shown, border, where.get(index))
    sheet.freeze_panes = f"A{FIRST_ROW}"
    sheet.auto_filter.ref = f"A{FIRST_ROW - 1}:G{FIRST_ROW - 1 + len(findings)}"
    sheet.print_title_rows = f"{FIRST_ROW - 1}:{FIRST_ROW - 1}"
    sheet.page_setup.orientation, sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = (
        "landscape",
        1,
        0,
    )
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _sheet_head(
    sheet, findings: list[Finding], unit: str | None, checked_at: datetime, note: str, border
) -> None:
    """Row 1 the title, row 2 what to do (how many errors and warnings), row 3 the header."""
    who = _clean(unit or "", 200).strip()
    errors, warnings = (sum(f.level == level for f in findings) for level in (ERROR, WARNING))
    summary = (
        f"共 {errors} 个错误、{warnings} 个警告。请按下表逐项修改后重新报送；标红的单元格有批注说明。"
        if errors or warnings
        else "未发现需要修改的问题。"
    )
    if len(findings) > errors + warnings:
        summary += f"另有 {len(findings) - errors - warnings} 条提示，无需修改。"
    sheet.append([f"{who + ' ' if who else ''}台账校验结果（{checked_at:%Y-%m-%d %H:%M} 检查）"])
    sheet.append([_clean(summary + note)])
    sheet.append(HEADER)
    sheet["A1"].font, sheet["A2"].alignment = (
        Font(bold=True, size=14),
        Alignment(wrap_text=True, vertical="top"),
    )
    sheet.merge_cells("A1:G1")
    sheet.merge_cells("A2:G2")
    sheet.row_dimensions[1].height, sheet.row_dimensions[2].height = 24, 34
    for cell, width in zip(sheet[FIRST_ROW - 1], WIDTHS, strict=True):
        cell.font, cell.border, cell.fill = (
            Font(bold=True),
            border,
            PatternFill("solid", fgColor="DDEBF7"),
        )
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[cell.column_letter].width = width


def _finding_row(
    sheet, finding: Finding, shown: str, border, marked: tuple[str, str] | None
) -> None:
    """One finding as a row, as tall as its wrapped text; 行 links to the marked cell, if any."""
    sheet.append(
        [
            finding.level,
            _clean(shown) or None,
            finding.row,
            _clean(finding.column) or None,
            _clean(finding.value) or None,
            _clean(finding.message),
            fix_for(finding.code),
        ]
    )
    font = Font(color=ERROR_FONT) if finding.level == ERROR else Font()
    lines = 1
    for cell, width in zip(sheet[sheet.max_row], WIDTHS, strict=True):
        cell.font, cell.border = font, border
        cell.alignment = Alignment(
            wrap_text=True,
            vertical="top",
            horizontal="center" if cell.column in (1, 3) else None,
        )
        if isinstance(cell.value, str):
            cell.data_type = "s"  # never a formula, even when it starts with '='
            lines = max(
                lines,
                sum(math.ceil(_width(p) / (width - 1)) or 1 for p in cell.value.split("\n")),
            )
    sheet.row_dimensions[sheet.max_row].height = 15 * min(lines, 27) + 3
    if marked is not None:  # 行 jumps to the marked cell
        link, (title, coordinate) = sheet.cell(row=sheet.max_row, column=3), marked
        quoted = title.replace("'", "''")
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{quoted}'!{coordinate}")
        link.font = Font(color=font.color, underline="single")


def _save(workbook: Workbook, out: Path, suffix: str) -> Path:
    """Save to a temporary name in out's folder, then give it the first free name: never replaces."""
    stem = out.stem if out.suffix.lower() in SHEET_SUFFIXES else out.name
    with writing(out.parent, "反馈件") as private:
        temp = private / f"feedback{suffix}"
        workbook.save(temp)
        os.chmod(temp, 0o644)
        return publish(temp, out.parent / f"{stem}{suffix}")
