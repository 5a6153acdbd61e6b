"""One unit's ledger (台账): a copy of the template (openpyxl) holding that unit's tasks, the
pre-filled cells locked, the 完成状态 drop-down and the date checks over every row, and the hidden
_meta sheet that names the unit, so a returned file is matched even when renamed."""

from __future__ import annotations

import math
import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Any

from toolkit.core.errors import WorkspaceError
from toolkit.core.model.issue_list import Task
from toolkit.core.normalize import column_letter
from toolkit.core.words import (
    DEADLINE,
    DONE_DATE,
    ISSUE_NO,
    MEASURE_NO,
    META_AS_OF,
    META_CREATED,
    META_FINGERPRINT,
    META_HEADER,
    META_UNIT,
    META_VERSION,
    REQUESTED_TO,
    STATUS,
    STATUSES,
    TASK_ID,
)
from toolkit.write.editing import save_workbook, set_text
from toolkit.write.template import (
    DATE_FORMAT,
    DEADLINE_COLUMN,
    DONE_DATE_COLUMN,
    FIRST_DATA_ROW,
    HEADER_ROW,
    LEDGER_COLUMNS,
    LOCKED_COLUMNS,
    META_KEYS,
    META_SHEET,
    PHONE_COLUMN,
    REQUEST_COLUMN,
    REQUEST_VALIDATION,
    SHEET,
    STATUS_COLUMN,
    TEMPLATE_VERSION,
    VALIDATED_ROWS,
    WIDTHS,
    title_for,
)

CENTRED = (TASK_ID, ISSUE_NO, MEASURE_NO, DEADLINE, STATUS, DONE_DATE, REQUESTED_TO)


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _row_height(values: list[object]) -> float:
    """A row height (points) that shows every wrapped line of the row's text."""
    lines = 1
    for name, value in zip(LEDGER_COLUMNS, values, strict=False):
        if not isinstance(value, str) or not value:
            continue
        width = max(WIDTHS[name] - 1, 1)
        count = sum(max(1, math.ceil(_display_width(part) / width)) for part in value.split("\n"))
        lines = max(lines, count)
    return min(409.0, 13.5 * lines + 4)


def task_values(task: Task) -> list[object]:
    """The seven pre-filled values of a task's row, in LEDGER_COLUMNS order."""
    # as the issue list says it: a date, 长期坚持 where it says so, blank where it is blank
    deadline: object = (
        task.due if task.due else (task.deadline_text or "")
    )  # 调整后时限 once extended
    return [
        task.task_id,
        task.issue_no,
        task.issue_title,
        task.measure_no,
        task.measure,
        "、".join(task.units),
        deadline,
    ]


def write_unit_ledger(
    template: Path,
    out: Path,
    unit: str,
    tasks: list[Task],
    fingerprint: str,
    as_of: date,
    generated: datetime,
) -> None:
    """Fill a copy of the template with one unit's tasks and save it as `out` (openpyxl)."""
    workbook = _open_template(Path(template))
    sheet = workbook[SHEET]
    sheet["A1"].value = title_for(unit, as_of)
    _add_request_column(sheet)
    row = _task_rows(sheet, tasks)
    _cover_rows(sheet, max(VALIDATED_ROWS, row))
    sheet.auto_filter.ref = (
        f"A{HEADER_ROW}:{column_letter(len(LEDGER_COLUMNS) - 1)}{max(row, HEADER_ROW)}"
    )
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False  # False = allowed
    sheet.protection.formatRows = False
    sheet.protection.autoFilter = False
    _fill_meta(
        workbook,
        {
            META_UNIT: unit,
            META_VERSION: TEMPLATE_VERSION,
            META_FINGERPRINT: fingerprint,
            META_CREATED: generated.strftime("%Y-%m-%d %H:%M:%S"),
            META_AS_OF: as_of.isoformat(),
        },
    )
    workbook.active = workbook.sheetnames.index(SHEET)
    workbook.properties.title = title_for(unit, as_of)
    workbook.properties.created = generated
    workbook.properties.modified = generated
    save_workbook(workbook, Path(out))


def _open_template(template: Path) -> Any:
    """The template as an openpyxl workbook, or a WorkspaceError saying what to do."""
    from openpyxl import load_workbook

    if not template.is_file():
        raise WorkspaceError(
            f"找不到台账模板 {template}，请用 toolkit init 生成，或把模板放在该位置"
        )
    try:
        workbook = load_workbook(template)
    except Exception as exc:  # not a workbook, corrupt, encrypted
        raise WorkspaceError(
            f"台账模板 {template} 无法打开（{type(exc).__name__}），"
            f"请用 Excel 另存为 .xlsx 后重试，或用 toolkit init 重新生成"
        ) from exc
    if SHEET not in workbook.sheetnames:
        raise WorkspaceError(
            f"台账模板 {template} 中没有名为“{SHEET}”的工作表，请把台账所在工作表改名为“{SHEET}”"
        )
    return workbook


def _task_rows(sheet, tasks: list[Task]) -> int:
    """One row per task from row 3: pre-filled cells locked, the unit's cells open; returns the
    last row written (2 when there are none)."""
    from openpyxl.styles import Alignment, Border, Font, Protection, Side

    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    font = Font(name="宋体", size=10)
    wrap = Alignment(wrap_text=True, vertical="top")
    centre = Alignment(wrap_text=True, vertical="top", horizontal="center")
    locked, unlocked = Protection(locked=True), Protection(locked=False)

    row = FIRST_DATA_ROW - 1
    for row, task in enumerate(tasks, start=FIRST_DATA_ROW):
        values = task_values(task)
        for index, name in enumerate(LEDGER_COLUMNS):
            cell = sheet.cell(row=row, column=index + 1)
            value = values[index] if index < len(values) else None
            if isinstance(value, str):
                set_text(cell, value)
            elif value is not None:
                cell.value = value
            cell.border, cell.font = border, font
            cell.alignment = centre if name in CENTRED else wrap
            cell.protection = locked if name in LOCKED_COLUMNS else unlocked
            if index in (DEADLINE_COLUMN, DONE_DATE_COLUMN, REQUEST_COLUMN):
                cell.number_format = "General" if isinstance(value, str) else DATE_FORMAT
            elif index == PHONE_COLUMN:
                cell.number_format = "@"
        sheet.row_dimensions[row].height = _row_height(values)
    return row


def _cover_rows(sheet, last: int) -> None:
    """The drop-down and date checks reach row `last`; a template edited by hand that lost its
    drop-down, or one made before 申请延期至 existed, gets them back."""
    from openpyxl.worksheet.datavalidation import DataValidation

    status, done, request = (
        column_letter(STATUS_COLUMN),
        column_letter(DONE_DATE_COLUMN),
        column_letter(REQUEST_COLUMN),
    )
    kept = []
    for validation in sheet.data_validations.dataValidation:
        ref = str(validation.sqref)
        letter = ref.split(":")[0].rstrip("0123456789")
        if letter in (status, done, request):
            validation.sqref = f"{letter}{FIRST_DATA_ROW}:{letter}{last}"
            kept.append(letter)
    if status not in kept:  # a template edited by hand lost its drop-down: restore it
        validation = DataValidation(
            type="list", formula1='"' + ",".join(STATUSES) + '"', allow_blank=True
        )
        validation.sqref = f"{status}{FIRST_DATA_ROW}:{status}{last}"
        sheet.add_data_validation(validation)
    if request not in kept:  # a template made before 申请延期至 existed
        validation = DataValidation(
            type="date",
            operator="between",
            formula1="36526",
            formula2="73415",
            allow_blank=True,
            showInputMessage=True,
            showErrorMessage=True,
            promptTitle=REQUEST_VALIDATION["input_title"],
            prompt=REQUEST_VALIDATION["input_message"],
            errorTitle=REQUEST_VALIDATION["error_title"],
            error=REQUEST_VALIDATION["error_message"],
        )
        validation.sqref = f"{request}{FIRST_DATA_ROW}:{request}{last}"
        sheet.add_data_validation(validation)


def _fill_meta(workbook, values: dict[str, str]) -> None:
    """The hidden _meta sheet (made when a hand-edited template lost it), its values as text."""
    meta = (
        workbook[META_SHEET]
        if META_SHEET in workbook.sheetnames
        else workbook.create_sheet(META_SHEET)
    )
    meta["A1"], meta["B1"] = META_HEADER
    for offset, key in enumerate(META_KEYS, start=2):
        meta.cell(row=offset, column=1).value = key
        set_text(meta.cell(row=offset, column=2), values[key])
        meta.cell(row=offset, column=2).number_format = "@"
    meta.sheet_state = "hidden"


def _add_request_column(sheet) -> None:
    """A template made before 申请延期至 existed: put the column in after 实际完成日期, headed and
    sized like its neighbours, so every ledger sent out has it."""
    from copy import copy

    header = [cell.value for cell in sheet[HEADER_ROW]]
    if REQUESTED_TO in header or DONE_DATE not in header:
        return
    at = header.index(DONE_DATE) + 2  # 1-based, right of 实际完成日期
    for merged in list(sheet.merged_cells.ranges):
        if merged.min_row == 1:
            sheet.unmerge_cells(str(merged))
    sheet.insert_cols(at)
    left = sheet.cell(row=HEADER_ROW, column=at - 1)
    cell = sheet.cell(row=HEADER_ROW, column=at, value=REQUESTED_TO)
    cell.font, cell.fill, cell.border = copy(left.font), copy(left.fill), copy(left.border)
    cell.alignment, cell.protection = copy(left.alignment), copy(left.protection)
    widths = sheet.column_dimensions
    for index in range(
        len(LEDGER_COLUMNS) - 1, at - 1, -1
    ):  # insert_cols moves no widths: shift them right
        widths[column_letter(index)].width = widths[column_letter(index - 1)].width
    widths[column_letter(at - 1)].width = WIDTHS[REQUESTED_TO]
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(LEDGER_COLUMNS))
    for validation in sheet.data_validations.dataValidation:
        letter = str(validation.sqref).split(":")[0].rstrip("0123456789")
        if letter and letter >= column_letter(at - 1) and len(letter) == 1:
            validation.sqref = ""  # columns right of the insert lost their place: rebuilt below
    sheet.data_validations.dataValidation = [
        v for v in sheet.data_validations.dataValidation if str(v.sqref)
    ]
