"""The ledger's layout (台账: columns, widths, locked columns, rows, validations, _meta keys) and
the blank template (台账模板, templates/ledger.xlsx) written with XlsxWriter. Each unit's filled-in
copy is write.ledger.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

from toolkit.core import words
from toolkit.core.words import (
    DEADLINE,
    DONE_DATE,
    EXTENSION_REQUEST,
    FILL_DATE,
    META_HEADER,
    META_VERSION,
    PHONE,
    REQUESTED_TO,
    SHEET_LEDGER,
    SHEET_META,
    STATUS,
    STATUSES,
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


BASE_FORMAT = {"font_name": "宋体", "font_size": 10, "valign": "top", "text_wrap": True}


def _blank_template(workbook, created: datetime | None) -> None:
    workbook.set_properties(
        {
            "title": "整改台账模板",
            "created": created or datetime.now().replace(microsecond=0),
        }
    )
    sheet = workbook.add_worksheet(SHEET)
    _columns(workbook, sheet)
    _title_and_header(workbook, sheet)
    _validations(sheet)
    _page_and_protection(sheet)
    _meta_sheet(workbook)
    workbook.close()


def _columns(workbook, sheet) -> None:
    """Each column's width and format: locked where pre-filled, dates as dates, 联系电话 as text."""
    base = BASE_FORMAT
    locked_fmt = workbook.add_format({**base, "locked": True})
    locked_date_fmt = workbook.add_format({**base, "locked": True, "num_format": DATE_FORMAT})
    unlocked_fmt = workbook.add_format({**base, "locked": False})
    unlocked_date_fmt = workbook.add_format({**base, "locked": False, "num_format": DATE_FORMAT})
    unlocked_text_fmt = workbook.add_format({**base, "locked": False, "num_format": "@"})
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


def _title_and_header(workbook, sheet) -> None:
    """Row 1: the title and the 填报日期 cell; row 2: the header, frozen, with filters."""
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
            **BASE_FORMAT,
            "bold": True,
            "align": "center",
            "valign": "vcenter",
            "border": 1,
            "bg_color": "#" + HEADER_FILL,
        }
    )
    sheet.merge_range(0, 0, 0, REPORTED_LABEL_COLUMN - 1, TITLE_PLACEHOLDER, title_fmt)
    _reported_cell(workbook, sheet, BASE_FORMAT)
    sheet.set_row(0, 30)
    sheet.set_row(1, 30)
    sheet.write_row(1, 0, LEDGER_COLUMNS, header_fmt)
    sheet.freeze_panes(HEADER_ROW, 0)
    sheet.autofilter(1, 0, VALIDATED_ROWS - 1, len(LEDGER_COLUMNS) - 1)


def _date_rule(**messages: Any) -> dict[str, Any]:
    return {
        "validate": "date",
        "criteria": "between",
        "minimum": date(2000, 1, 1),
        "maximum": date(2099, 12, 31),
        **messages,
    }


def _validations(sheet) -> None:
    """The 完成状态 drop-down and the date checks of 实际完成日期 and 申请延期至."""
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
        _date_rule(
            input_title=DONE_DATE,
            input_message="已完成的填写完成日期，如 2024-06-30",
            error_title=DONE_DATE,
            error_message="请填写日期，如 2024-06-30",
        ),
    )
    sheet.data_validation(
        first, REQUEST_COLUMN, last, REQUEST_COLUMN, _date_rule(**REQUEST_VALIDATION)
    )


def _page_and_protection(sheet) -> None:
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0, HEADER_ROW - 1)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.set_footer("&C第 &P 页，共 &N 页")
    sheet.protect("", {"format_columns": True, "format_rows": True, "autofilter": True})
    sheet.activate()


def _meta_sheet(workbook) -> None:
    """The hidden _meta sheet: its keys, with the template version filled in."""
    meta = workbook.add_worksheet(META_SHEET)
    meta.write_row(0, 0, list(META_HEADER))
    for row, key in enumerate(META_KEYS, start=1):
        meta.write_string(row, 0, key)
        if key == META_VERSION:
            meta.write_string(row, 1, TEMPLATE_VERSION)
    meta.set_column(0, 0, 14)
    meta.set_column(1, 1, 24)
    meta.hide()


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
        _date_rule(
            input_title=REPORTED_LABEL,
            input_message="填写本次报送的日期，如 2025-03-28",
            error_title=REPORTED_LABEL,
            error_message="请填写日期，如 2025-03-28",
        ),
    )
