"""The 汇总 sheet of the consolidated workbook: the as-of date and totals, one row per unit with
the completion chart under it, each unit's 完成率 over the recent runs to the right, and one row
per problem (问题序号 … 问题状态) under the chart."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from toolkit.core import words
from toolkit.core.changes import Trend
from toolkit.core.model.merge_result import MergeResult, UnitSummary
from toolkit.core.words import (
    DONE,
    ERROR,
    FILE_COUNT,
    FILES_READ,
    NOT_RETURNED,
    OVERDUE,
    PROBLEM_COLUMNS,
    PROBLEM_DONE,
    PROBLEM_OVERDUE,
    SHEET_SUMMARY,
    STATES,
    STATUS_DONE,
    STATUS_NOT_STARTED,
    STATUS_ONGOING,
    TASK_COUNT,
    UNIT,
    WARNING,
)
from toolkit.write.workbook_cells import Formats, clip, row_height, text

UNIT_COLUMNS = list(words.UNIT_COLUMNS)


UNIT_WIDTHS = [20, 7, 7, 7, 7, 7, 7, 8, 14, 40]


TREND_COL = 11  # the 完成率 trend sits right of the unit table, from column L


UNIT_TABLE_ROW = 7  # the unit table's header row (row 8)


TITLE_SPAN = (1, 4)  # 问题标题 spans B:E of the per-problem table, the unit table's count columns


TITLE_WIDTH = sum(UNIT_WIDTHS[TITLE_SPAN[0] : TITLE_SPAN[1] + 1])


# the column of each of PROBLEM_COLUMNS: 问题序号 A, 问题标题 B:E, then 措施数 … 问题状态 F–I
PROBLEM_AT = (0, TITLE_SPAN[0], *range(TITLE_SPAN[1] + 1, TITLE_SPAN[1] + 5))


def summary_sheet(book: Any, formats: Formats, result: MergeResult, now: datetime) -> None:
    """Totals, one row per unit, the completion chart; with history, each unit's 完成率 over the
    recent runs to the right (written row by row: the big-output writers stream rows in order)."""
    sheet = book.sheet(SHEET_SUMMARY)
    trend = result.trend if result.trend and len(result.trend.labels) > 1 and result.units else None
    _totals(sheet, formats, result, now)
    top = UNIT_TABLE_ROW
    _unit_table(sheet, formats, result.units, trend)
    last = top + len(result.units)
    sheet.freeze(top + 1, 0)
    sheet.print_setup(
        fit_height=1 if len(result.units) <= 30 else 0
    )  # a district's summary on one page
    below = last + 2
    if result.units:
        series = [
            (2, STATUS_DONE, "#70AD47"),
            (3, STATUS_ONGOING, "#FFC000"),
            (4, STATUS_NOT_STARTED, "#A5A5A5"),
        ]
        height = max(300, 28 * len(result.units) + 120)
        book.bar_chart(
            sheet,
            (last + 2, 0),
            SHEET_SUMMARY,
            (top + 1, last),
            series,
            "各单位任务完成情况",
            height,
        )
        below += -(-height // 20) + 1  # rows are 20 px: the table starts under the chart
    _problem_table(sheet, formats, result, below)
    if trend and len(result.units) <= 15:
        book.line_chart(
            sheet,
            (last + 2, TREND_COL),
            SHEET_SUMMARY,
            top,
            (top + 1, last),
            (TREND_COL + 1, TREND_COL + len(trend.labels)),
            "各单位完成率变化",
        )


def _totals(sheet: Any, formats: Formats, result: MergeResult, now: datetime) -> None:
    """Rows 1–6: title, as-of date, the headline, the count of each 逾期状态, files and findings."""
    as_of = result.as_of
    sheet.text(
        0,
        0,
        f"整改台账汇总（截至{as_of.year}年{as_of.month}月{as_of.day}日）",
        formats.get("title"),
    )
    sheet.text(
        1,
        0,
        f"统计截止日期：{as_of.isoformat()}    生成时间：{now:%Y-%m-%d %H:%M}    "
        f"问题清单指纹：{result.issues.fingerprint}",
        formats.get("plain"),
    )
    totals = result.totals()
    sheet.text(2, 0, result.headline(), formats.get("bold"))
    labels = [TASK_COUNT, *STATES]
    for col, label in enumerate(labels):
        sheet.text(3, col, label, formats.get("header", label if label != TASK_COUNT else ""))
    for col, label in enumerate(labels):
        sheet.number(4, col, totals[label], formats.get("int"))
    sheet.text(
        5,
        0,
        f"读取文件 {totals[FILES_READ]} 个（共 {totals[FILE_COUNT]} 个），"
        f"校验问题：错误 {result.report.count(ERROR)} 条，警告 {result.report.count(WARNING)} 条",
        formats.get("plain"),
    )


def _unit_table(
    sheet: Any, formats: Formats, units: list[UnitSummary], trend: Trend | None
) -> None:
    """One row per unit from row 9 under its header, the trend's columns beside each row."""
    top = UNIT_TABLE_ROW
    if trend:
        sheet.text(
            top - 1, TREND_COL, "各单位完成率（近几次汇总，最右为本次）", formats.get("plain")
        )
    for col, label in enumerate(UNIT_COLUMNS):
        sheet.text(top, col, label, formats.get("header"))
    if trend:
        for col, label in enumerate([UNIT, *trend.labels], start=TREND_COL):
            sheet.text(top, col, label, formats.get("header"))
    for i, unit in enumerate(units, start=top + 1):
        _unit_row(sheet, formats, i, unit)
        if trend:
            sheet.text(i, TREND_COL, unit.unit, formats.get("text"))
            for col, rate in enumerate(trend.rates.get(unit.unit, []), start=TREND_COL + 1):
                if rate is None:
                    sheet.blank(i, col, formats.get("pct"))
                else:
                    sheet.number(i, col, rate, formats.get("pct"))
    for col, width in enumerate(UNIT_WIDTHS):
        sheet.col_width(col, width)
    if trend:
        sheet.col_width(TREND_COL, 20)
        for col in range(len(trend.labels)):
            sheet.col_width(TREND_COL + 1 + col, 11)


def _unit_row(sheet: Any, formats: Formats, i: int, unit: UnitSummary) -> None:
    silent = not unit.files and unit.missing
    state = NOT_RETURNED if silent else (OVERDUE if unit.overdue else "")
    sheet.text(i, 0, unit.unit, formats.get("text", state))
    for col, value in enumerate(
        [
            unit.tasks,
            unit.done,
            unit.in_progress,
            unit.not_started,
            unit.overdue,
            unit.due_soon,
        ],
        start=1,
    ):
        sheet.number(i, col, value, formats.get("int", OVERDUE if col == 5 and value else ""))
    sheet.number(i, 7, round(unit.rate, 4), formats.get("pct"))
    sheet.text(i, 8, unit.return_state, formats.get("center", NOT_RETURNED if silent else ""))
    text(sheet, i, 9, "、".join(unit.files or unit.failed_files), formats.get("text"))


def _problem_table(sheet: Any, formats: Formats, result: MergeResult, top: int) -> None:
    """Each problem as a whole (DESIGN §6), under the chart: 问题序号 … 问题状态, and the headline.
    The columns are the unit table's, so 问题标题 spans TITLE_SPAN (wrapped, the row as tall as
    it needs) and the counts sit in the narrow count columns after it."""
    sheet.text(top, 0, f"各问题整改情况：{result.headline()}", formats.get("bold"))
    first, last = TITLE_SPAN
    for col, label in zip(PROBLEM_AT, PROBLEM_COLUMNS, strict=True):
        if col == first:
            sheet.merged_text(top + 1, first, last, label, formats.get("header"))
        else:
            sheet.text(top + 1, col, label, formats.get("header"))
    paint = {PROBLEM_DONE: DONE, PROBLEM_OVERDUE: OVERDUE}
    number_at, state_at = PROBLEM_AT[2:5], PROBLEM_AT[5]
    for i, problem in enumerate(result.problems(), start=top + 2):
        sheet.row_height(i, row_height([(problem.title, TITLE_WIDTH)]))
        sheet.number(i, PROBLEM_AT[0], problem.issue_no, formats.get("int"))
        sheet.merged_text(i, first, last, clip(problem.title), formats.get("text"))
        for col, value in zip(
            number_at, (problem.measures, problem.done, problem.overdue), strict=True
        ):
            late = col == number_at[2] and value
            sheet.number(i, col, value, formats.get("int", OVERDUE if late else ""))
        sheet.text(i, state_at, problem.state, formats.get("center", paint.get(problem.state, "")))
