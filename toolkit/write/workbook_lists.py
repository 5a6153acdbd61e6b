"""The list sheets of the consolidated workbook: 校验问题 (every finding), 未报送 (units with no
return), 延期申请 (what units asked for this round) and 变化 (what changed since the last merge)."""

from __future__ import annotations

from typing import Any

from toolkit.core import words
from toolkit.core.changes import DEADLINE_PASSED, NEWLY_DONE, NEWLY_OVERDUE, STILL_SILENT, WENT_BACK
from toolkit.core.model.merge_result import MergeResult
from toolkit.core.words import (
    CLOSED,
    CLOSED_CHANGE,
    DONE,
    DUE_SOON,
    ERROR,
    INFO,
    NOT_RETURNED,
    OVERDUE,
    SHEET_CHANGES,
    SHEET_EXTENSIONS,
    SHEET_FINDINGS,
    SHEET_NOT_RETURNED,
    WARNING,
)
from toolkit.write.workbook_cells import Formats, date_or_text, text

FINDING_COLUMNS = list(zip(words.FINDING_COLUMNS, [6, 20, 30, 12, 6, 12, 40, 60], strict=True))


SILENT_COLUMNS = list(zip(words.SILENT_COLUMNS, [22, 8, 10, 50], strict=True))


CHANGE_COLUMNS = list(zip(words.CHANGE_COLUMNS, [10, 9, 18, 30, 30, 40], strict=True))


CHANGE_STATE = {
    WENT_BACK: OVERDUE,
    NEWLY_OVERDUE: OVERDUE,
    DEADLINE_PASSED: DUE_SOON,
    NEWLY_DONE: DONE,
    STILL_SILENT: NOT_RETURNED,
    CLOSED_CHANGE: CLOSED,
}


EXTENSION_COLUMNS = list(zip(words.EXTENSION_COLUMNS, [9, 18, 12, 12, 50, 30], strict=True))


def _header(sheet: Any, formats: Formats, columns: list[tuple[str, int]]) -> None:
    for col, (name, width) in enumerate(columns):
        sheet.text(0, col, name, formats.get("header"))
        sheet.col_width(col, width)


def findings_sheet(book: Any, formats: Formats, result: MergeResult) -> None:
    sheet = book.sheet(SHEET_FINDINGS)
    _header(sheet, formats, FINDING_COLUMNS)
    level_state = {ERROR: OVERDUE, WARNING: DUE_SOON, INFO: ""}
    findings = result.report.sorted()
    for i, f in enumerate(findings, start=1):
        wrap = formats.get("text")
        text(sheet, i, 0, f.level, formats.get("center", level_state[f.level]))
        text(sheet, i, 1, f.code, wrap)
        text(sheet, i, 2, f.file, wrap)
        text(sheet, i, 3, f.sheet, wrap)
        if f.row:
            sheet.number(i, 4, f.row, formats.get("int"))
        else:
            sheet.blank(i, 4, formats.get("int"))
        text(sheet, i, 5, f.column, wrap)
        text(sheet, i, 6, f.value, wrap)
        text(sheet, i, 7, f.message, wrap)
    sheet.freeze(1, 0)
    sheet.filter(0, 0, max(len(findings), 1), len(FINDING_COLUMNS) - 1)
    sheet.print_setup(repeat_row=0)


def silent_sheet(book: Any, formats: Formats, result: MergeResult) -> None:
    sheet = book.sheet(SHEET_NOT_RETURNED)
    _header(sheet, formats, SILENT_COLUMNS)
    for i, unit in enumerate(result.unreported_units, start=1):
        sheet.text(i, 0, unit.unit, formats.get("text", NOT_RETURNED))
        sheet.number(i, 1, unit.missing, formats.get("int", NOT_RETURNED))
        sheet.number(i, 2, unit.missing_overdue, formats.get("int", NOT_RETURNED))
        if unit.files:
            note = f"部分报送：报回的台账缺 {unit.missing} 项（共 {unit.tasks} 项）"
        elif unit.failed_files:
            note = f"报送的 {'、'.join(unit.failed_files)} 无法读取，需重新报送"
        else:
            note = "没有收到台账"
        sheet.text(i, 3, note, formats.get("text", NOT_RETURNED))
    sheet.freeze(1, 0)
    sheet.print_setup(repeat_row=0)  # all four columns on one page width


def extensions_sheet(book: Any, formats: Formats, result: MergeResult) -> None:
    """延期申请: what units asked for this round (申请延期), to approve with toolkit extend."""
    sheet = book.sheet(SHEET_EXTENSIONS)
    _header(sheet, formats, EXTENSION_COLUMNS)
    requests = result.extension_requests
    if not requests:
        sheet.text(1, 0, "本次没有单位申请延期", formats.get("plain"))
    for i, line in enumerate(requests, start=1):
        text(sheet, i, 0, line.task.task_id, formats.get("center"))
        text(sheet, i, 1, line.unit, formats.get("text"))
        date_or_text(sheet, i, 2, line.task.due, line.task.deadline_text, formats, "")
        date_or_text(
            sheet,
            i,
            3,
            line.extension_to,
            "（未填写）",
            formats,
            "" if line.extension_to else OVERDUE,
        )
        text(sheet, i, 4, line.extension_reason, formats.get("text"))
        text(sheet, i, 5, line.entry.source if line.entry else "", formats.get("text"))
    sheet.freeze(1, 0)
    sheet.print_setup(repeat_row=0)


def changes_sheet(book: Any, formats: Formats, result: MergeResult) -> None:
    sheet = book.sheet(SHEET_CHANGES)
    _header(sheet, formats, CHANGE_COLUMNS)
    if not result.changes:
        note = (
            "这是第一次汇总，没有可比较的上一次"
            if result.trend is None or len(result.trend.labels) <= 1
            else "与上一次汇总相比没有变化"
        )
        sheet.text(1, 0, note, formats.get("plain"))
    for i, change in enumerate(result.changes, start=1):
        state = CHANGE_STATE.get(change.kind, "")
        wrap = formats.get("text", state)
        for col, value in enumerate(
            [change.kind, change.task_id, change.unit, change.before, change.after, change.note]
        ):
            text(sheet, i, col, value, formats.get("center", state) if col in (0, 1) else wrap)
    sheet.freeze(1, 0)
    sheet.filter(0, 0, max(len(result.changes), 1), len(CHANGE_COLUMNS) - 1)
    sheet.print_setup(repeat_row=0)
