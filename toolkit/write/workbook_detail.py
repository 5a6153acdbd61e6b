"""The 台账明细 sheet of the consolidated workbook: one row per (task, unit), coloured by its
逾期状态, header frozen, filters on, print-ready."""

from __future__ import annotations

from typing import Any

from toolkit.core import words
from toolkit.core.model.merge_result import DetailRow, MergeResult
from toolkit.core.words import EVIDENCE, FILLER, PHONE, PROBLEMS, PROGRESS, SHEET_DETAIL
from toolkit.write.workbook_cells import Formats, date_or_text, row_height, text

DETAIL_COLUMNS = list(
    zip(
        words.DETAIL_COLUMNS,
        [8, 6, 16, 6, 42, 14, 11, 11, 8, 8, 6, 42, 11, 14, 14, 7, 13, 20],
        strict=True,
    )
)


def detail_sheet(book: Any, formats: Formats, result: MergeResult) -> None:
    sheet = book.sheet(SHEET_DETAIL)
    for col, (name, width) in enumerate(DETAIL_COLUMNS):
        sheet.text(0, col, name, formats.get("header"))
        sheet.col_width(col, width)
    for i, line in enumerate(result.rows, start=1):
        _detail_row(sheet, formats, i, line)
    sheet.freeze(1, 0)
    sheet.filter(0, 0, max(len(result.rows), 1), len(DETAIL_COLUMNS) - 1)
    sheet.print_setup(repeat_row=0, footer="&C第 &P 页，共 &N 页", margins=True)


def _detail_row(sheet: Any, formats: Formats, i: int, line: DetailRow) -> None:
    task, entry, state = line.task, line.entry, line.state
    wrap = formats.get("text", state)
    center = formats.get("center", state)
    texts = entry.texts if entry else {}
    source = entry.source if entry else ""
    sheet.row_height(
        i,
        row_height(
            [
                (task.issue_title, 16),
                (task.measure, 42),
                (line.unit, 14),
                (texts.get(PROGRESS, ""), 42),
                (texts.get(EVIDENCE, ""), 14),
                (texts.get(PROBLEMS, ""), 14),
                (source, 20),
            ]
        ),
    )
    text(sheet, i, 0, task.task_id, center)
    sheet.number(i, 1, task.issue_no, formats.get("int", state))
    text(sheet, i, 2, task.issue_title, wrap)
    sheet.number(i, 3, task.measure_no, formats.get("int", state))
    text(sheet, i, 4, task.measure, wrap)
    text(sheet, i, 5, line.unit, wrap)
    date_or_text(sheet, i, 6, task.deadline, task.deadline_text, formats, state)
    date_or_text(sheet, i, 7, task.adjusted_deadline, "", formats, state)
    text(sheet, i, 8, entry.status if entry else "", center)
    text(sheet, i, 9, state, center)
    if line.overdue_days is not None:
        sheet.number(i, 10, line.overdue_days, formats.get("int", state))
    else:
        sheet.blank(i, 10, formats.get("int", state))
    text(sheet, i, 11, texts.get(PROGRESS, ""), wrap)
    date_or_text(
        sheet,
        i,
        12,
        entry.done_date if entry else None,
        entry.done_text if entry else "",
        formats,
        state,
    )
    text(sheet, i, 13, texts.get(EVIDENCE, ""), wrap)
    text(sheet, i, 14, texts.get(PROBLEMS, ""), wrap)
    text(sheet, i, 15, texts.get(FILLER, ""), center)
    text(sheet, i, 16, texts.get(PHONE, ""), center)
    text(sheet, i, 17, source, wrap)
