"""Per-unit ledgers (台账): the blank template (XlsxWriter) and each unit's filled-in copy (openpyxl).

New workbooks are written with XlsxWriter; editing an existing one (the template) uses openpyxl.
"""

from __future__ import annotations

import math
import os
import tempfile
import unicodedata
from datetime import date, datetime
from pathlib import Path

from toolkit.core import words
from toolkit.core.errors import WorkspaceError
from toolkit.core.model.issue_list import Task
from toolkit.core.normalize import column_letter, strip_control
from toolkit.core.words import (
    DEADLINE,
    DONE_DATE,
    EXTENSION_REQUEST,
    FILL_DATE,
    ISSUE_NO,
    MEASURE_NO,
    META_AS_OF,
    META_CREATED,
    META_FINGERPRINT,
    META_HEADER,
    META_UNIT,
    META_VERSION,
    PHONE,
    REQUESTED_TO,
    SHEET_LEDGER,
    SHEET_META,
    STATUS,
    STATUSES,
    TASK_ID,
)

SHEET = SHEET_LEDGER


META_SHEET = SHEET_META


TEMPLATE_VERSION = "1"


LEDGER_COLUMNS = list(words.LEDGER_COLUMNS)


LOCKED_COLUMNS = LEDGER_COLUMNS[:7]


UNIT_COLUMNS = LEDGER_COLUMNS[7:]


META_KEYS = list(words.META_KEYS)


TITLE_PLACEHOLDER = "（单位名称） 整改台账（截至____年__月__日）"


DATE_FORMAT = "yyyy-mm-dd"


HEADER_ROW = 2  # Excel row of the header; data starts on the next row


FIRST_DATA_ROW = 3


VALIDATED_ROWS = 1000  # validations cover rows 3..1000 of the blank template, more when filled


WIDTHS = dict(
    zip(LEDGER_COLUMNS, [8, 6, 22, 6, 50, 16, 12, 10, 40, 13, 12, 16, 20, 9, 15], strict=True)
)


HEADER_FILL = "DDEBF7"


# one 填报日期 cell for the whole ledger (DESIGN §4), at the right of the title row: the label, then a
# date cell the unit fills in; the reader finds the label and takes the date beside it
REPORTED_LABEL = FILL_DATE


REPORTED_LABEL_COLUMN = len(LEDGER_COLUMNS) - 3  # L1


REPORTED_COLUMN = len(LEDGER_COLUMNS) - 2  # M1:N1, merged


STATUS_COLUMN = LEDGER_COLUMNS.index(STATUS)


DONE_DATE_COLUMN = LEDGER_COLUMNS.index(DONE_DATE)


REQUEST_COLUMN = LEDGER_COLUMNS.index(REQUESTED_TO)


REQUEST_VALIDATION = {
    "input_title": REQUESTED_TO,
    "input_message": f"完成状态选“{EXTENSION_REQUEST}”时填写申请延期到的日期，"
    "理由写在整改进展或存在问题中",
    "error_title": REQUESTED_TO,
    "error_message": "请填写日期，如 2025-06-30",
}


PHONE_COLUMN = LEDGER_COLUMNS.index(PHONE)


DEADLINE_COLUMN = LEDGER_COLUMNS.index(DEADLINE)


def title_for(unit: str, as_of: date) -> str:
    """'区农业农村局 整改台账（截至2025年3月31日）'."""
    return f"{unit} 整改台账（截至{as_of.year}年{as_of.month}月{as_of.day}日）"


def write_blank_template(path: Path, *, created: datetime | None = None) -> None:
    """Write the blank ledger template (台账模板) as a new workbook with XlsxWriter.

    `created` fixes the document's creation time (for reproducible files); default now.
    """
    import xlsxwriter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(
        f".~{path.stem}.{os.getpid()}.tmp"
    )  # never a half-written template under its name
    try:
        _blank_template(xlsxwriter.Workbook(str(temp)), created)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def _blank_template(workbook, created: datetime | None) -> None:
    workbook.set_properties(
        {
            "title": "整改台账模板",
            "created": created or datetime.now().replace(microsecond=0),
        }
    )
    base = {"font_name": "宋体", "font_size": 10, "valign": "top", "text_wrap": True}
    title_fmt = workbook.add_format(
        {
            "font_name": "黑体",
            "font_size": 16,
            "bold": True,
            "align": "center",
            "valign": "vcenter",
        }
    )
    header_fmt = workbook.add_format(
        {
            **base,
            "bold": True,
            "align": "center",
            "valign": "vcenter",
            "border": 1,
            "bg_color": "#" + HEADER_FILL,
        }
    )
    locked_fmt = workbook.add_format({**base, "locked": True})
    locked_date_fmt = workbook.add_format({**base, "locked": True, "num_format": DATE_FORMAT})
    unlocked_fmt = workbook.add_format({**base, "locked": False})
    unlocked_date_fmt = workbook.add_format({**base, "locked": False, "num_format": DATE_FORMAT})
    unlocked_text_fmt = workbook.add_format({**base, "locked": False, "num_format": "@"})

    sheet = workbook.add_worksheet(SHEET)
    last_col = len(LEDGER_COLUMNS) - 1
    for index, name in enumerate(LEDGER_COLUMNS):
        if index == DEADLINE_COLUMN:
            fmt = locked_date_fmt
        elif index in (DONE_DATE_COLUMN, REQUEST_COLUMN):
            fmt = unlocked_date_fmt
        elif index == PHONE_COLUMN:
            fmt = unlocked_text_fmt  # phone numbers keep their leading zeros
        elif name in LOCKED_COLUMNS:
            fmt = locked_fmt
        else:
            fmt = unlocked_fmt
        sheet.set_column(index, index, WIDTHS[name], fmt)
    sheet.merge_range(0, 0, 0, REPORTED_LABEL_COLUMN - 1, TITLE_PLACEHOLDER, title_fmt)
    _reported_cell(workbook, sheet, base)
    sheet.set_row(0, 30)
    sheet.set_row(1, 30)
    sheet.write_row(1, 0, LEDGER_COLUMNS, header_fmt)
    sheet.freeze_panes(HEADER_ROW, 0)
    sheet.autofilter(1, 0, VALIDATED_ROWS - 1, last_col)

    first, last = FIRST_DATA_ROW - 1, VALIDATED_ROWS - 1
    sheet.data_validation(
        first,
        STATUS_COLUMN,
        last,
        STATUS_COLUMN,
        {
            "validate": "list",
            "source": list(STATUSES),
            "input_title": STATUS,
            "input_message": "请从下拉列表中选择：" + "、".join(STATUSES),
            "error_title": STATUS,
            "error_message": "请从下拉列表中选择：" + "、".join(STATUSES),
        },
    )
    sheet.data_validation(
        first,
        DONE_DATE_COLUMN,
        last,
        DONE_DATE_COLUMN,
        {
            "validate": "date",
            "criteria": "between",
            "minimum": date(2000, 1, 1),
            "maximum": date(2099, 12, 31),
            "input_title": DONE_DATE,
            "input_message": "已完成的填写完成日期，如 2024-06-30",
            "error_title": DONE_DATE,
            "error_message": "请填写日期，如 2024-06-30",
        },
    )
    sheet.data_validation(
        first,
        REQUEST_COLUMN,
        last,
        REQUEST_COLUMN,
        {
            "validate": "date",
            "criteria": "between",
            "minimum": date(2000, 1, 1),
            "maximum": date(2099, 12, 31),
            **REQUEST_VALIDATION,
        },
    )

    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0, HEADER_ROW - 1)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.set_footer("&C第 &P 页，共 &N 页")
    sheet.protect("", {"format_columns": True, "format_rows": True, "autofilter": True})
    sheet.activate()

    meta = workbook.add_worksheet(META_SHEET)
    meta.write_row(0, 0, list(META_HEADER))
    for row, key in enumerate(META_KEYS, start=1):
        meta.write_string(row, 0, key)
        if key == META_VERSION:
            meta.write_string(row, 1, TEMPLATE_VERSION)
    meta.set_column(0, 0, 14)
    meta.set_column(1, 1, 24)
    meta.hide()
    workbook.close()


def _reported_cell(workbook, sheet, base: dict) -> None:
    """The ledger's one 填报日期: a locked label, then a merged date cell the unit fills in."""
    sheet.write_string(
        0,
        REPORTED_LABEL_COLUMN,
        REPORTED_LABEL,
        workbook.add_format(
            {**base, "bold": True, "align": "right", "valign": "vcenter", "locked": True}
        ),
    )
    sheet.merge_range(
        0,
        REPORTED_COLUMN,
        0,
        len(LEDGER_COLUMNS) - 1,
        None,
        workbook.add_format(
            {
                **base,
                "locked": False,
                "align": "center",
                "valign": "vcenter",
                "bottom": 1,
                "num_format": DATE_FORMAT,
            }
        ),
    )
    sheet.data_validation(
        0,
        REPORTED_COLUMN,
        0,
        REPORTED_COLUMN,
        {
            "validate": "date",
            "criteria": "between",
            "minimum": date(2000, 1, 1),
            "maximum": date(2099, 12, 31),
            "input_title": REPORTED_LABEL,
            "input_message": "填写本次报送的日期，如 2025-03-28",
            "error_title": REPORTED_LABEL,
            "error_message": "请填写日期，如 2025-03-28",
        },
    )


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


def _clean(value: str) -> str:
    return strip_control(value)[0]


def set_text(cell, value: str) -> None:
    """Store text as text: a value beginning with '=' stays a string, never a formula."""
    cell.value = _clean(value)
    if isinstance(cell.value, str) and cell.value.startswith("="):
        cell.data_type = "s"
        cell.quotePrefix = True


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
    from openpyxl import load_workbook
    from openpyxl.styles import Alignment, Border, Font, Protection, Side
    from openpyxl.worksheet.datavalidation import DataValidation

    template = Path(template)
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
    sheet = workbook[SHEET]
    sheet["A1"].value = title_for(unit, as_of)
    _add_request_column(sheet)

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
            cell.alignment = (
                centre
                if name
                in (TASK_ID, ISSUE_NO, MEASURE_NO, DEADLINE, STATUS, DONE_DATE, REQUESTED_TO)
                else wrap
            )
            cell.protection = locked if name in LOCKED_COLUMNS else unlocked
            if index in (DEADLINE_COLUMN, DONE_DATE_COLUMN, REQUEST_COLUMN):
                cell.number_format = "General" if isinstance(value, str) else DATE_FORMAT
            elif index == PHONE_COLUMN:
                cell.number_format = "@"
        sheet.row_dimensions[row].height = _row_height(values)

    last = max(VALIDATED_ROWS, row)
    kept = []
    for validation in sheet.data_validations.dataValidation:
        ref = str(validation.sqref)
        letter = ref.split(":")[0].rstrip("0123456789")
        if letter in (
            column_letter(STATUS_COLUMN),
            column_letter(DONE_DATE_COLUMN),
            column_letter(REQUEST_COLUMN),
        ):
            validation.sqref = f"{letter}{FIRST_DATA_ROW}:{letter}{last}"
            kept.append(letter)
    if (
        column_letter(STATUS_COLUMN) not in kept
    ):  # a template edited by hand lost its drop-down: restore it
        validation = DataValidation(
            type="list", formula1='"' + ",".join(STATUSES) + '"', allow_blank=True
        )
        validation.sqref = (
            f"{column_letter(STATUS_COLUMN)}{FIRST_DATA_ROW}:{column_letter(STATUS_COLUMN)}{last}"
        )
        sheet.add_data_validation(validation)
    if column_letter(REQUEST_COLUMN) not in kept:  # a template made before 申请延期至 existed
        request = column_letter(REQUEST_COLUMN)
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
    sheet.auto_filter.ref = (
        f"A{HEADER_ROW}:{column_letter(len(LEDGER_COLUMNS) - 1)}{max(row, HEADER_ROW)}"
    )
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False  # False = allowed
    sheet.protection.formatRows = False
    sheet.protection.autoFilter = False

    meta = (
        workbook[META_SHEET]
        if META_SHEET in workbook.sheetnames
        else workbook.create_sheet(META_SHEET)
    )
    meta["A1"], meta["B1"] = META_HEADER
    values = {
        META_UNIT: unit,
        META_VERSION: TEMPLATE_VERSION,
        META_FINGERPRINT: fingerprint,
        META_CREATED: generated.strftime("%Y-%m-%d %H:%M:%S"),
        META_AS_OF: as_of.isoformat(),
    }
    for offset, key in enumerate(META_KEYS, start=2):
        meta.cell(row=offset, column=1).value = key
        set_text(meta.cell(row=offset, column=2), values[key])
        meta.cell(row=offset, column=2).number_format = "@"
    meta.sheet_state = "hidden"
    workbook.active = workbook.sheetnames.index(SHEET)

    workbook.properties.title = title_for(unit, as_of)
    workbook.properties.created = generated
    workbook.properties.modified = generated
    save_workbook(workbook, Path(out))


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


def save_workbook(workbook, out: Path) -> None:
    """Save an openpyxl workbook to a temporary name beside `out`, then rename it into place.

    Unlike openpyxl's own save, the document times set in `workbook.properties` are kept.
    """
    from zipfile import ZIP_DEFLATED, ZipFile

    from openpyxl.writer.excel import ExcelWriter

    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        mode = out.stat().st_mode & 0o777
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    handle, temp = tempfile.mkstemp(prefix=".~", suffix=".xlsx", dir=out.parent)
    os.close(handle)
    try:
        with ZipFile(temp, "w", ZIP_DEFLATED, allowZip64=True) as archive:
            ExcelWriter(
                workbook, archive
            ).write_data()  # openpyxl's save_workbook resets `modified`
        os.chmod(temp, mode)  # mkstemp makes it private; give it a normal file's mode
        os.replace(temp, out)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
