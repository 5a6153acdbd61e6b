"""The consolidated workbook (汇总台账), written with XlsxWriter to a temporary name and renamed."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

from toolkit.core import words
from toolkit.core.changes import DEADLINE_PASSED, NEWLY_DONE, NEWLY_OVERDUE, STILL_SILENT, WENT_BACK
from toolkit.core.model.merge_result import MergeResult
from toolkit.core.settings import Settings
from toolkit.core.validate import EXCEL_CELL_LIMIT
from toolkit.core.words import (
    CLOSED,
    CLOSED_CHANGE,
    DONE,
    DUE_SOON,
    ERROR,
    EVIDENCE,
    FILE_COUNT,
    FILES_READ,
    FILLER,
    INFO,
    NOT_RETURNED,
    OVERDUE,
    PHONE,
    PROBLEM_COLUMNS,
    PROBLEM_DONE,
    PROBLEM_OVERDUE,
    PROBLEMS,
    PROGRESS,
    SHEET_CHANGES,
    SHEET_DETAIL,
    SHEET_EXTENSIONS,
    SHEET_FINDINGS,
    SHEET_NOT_RETURNED,
    SHEET_SUMMARY,
    STATES,
    STATUS_DONE,
    STATUS_NOT_STARTED,
    STATUS_ONGOING,
    TASK_COUNT,
    UNIT,
    WARNING,
)
from toolkit.write.files import next_free, publish, writing
from toolkit.write.writers import open_book

DETAIL_COLUMNS = list(
    zip(
        words.DETAIL_COLUMNS,
        [8, 6, 16, 6, 42, 14, 11, 11, 8, 8, 6, 42, 11, 14, 14, 7, 13, 20],
        strict=True,
    )
)


LINE_HEIGHT = 13.5  # points per line of 10-point text


MAX_ROW_HEIGHT = 409  # Excel's limit


FINDING_COLUMNS = list(zip(words.FINDING_COLUMNS, [6, 20, 30, 12, 6, 12, 40, 60], strict=True))


UNIT_COLUMNS = list(words.UNIT_COLUMNS)


SILENT_COLUMNS = list(zip(words.SILENT_COLUMNS, [22, 8, 10, 50], strict=True))


def output_name(outbox: Path, now: datetime, name: str = "汇总台账") -> Path:
    """outbox/汇总台账_YYYYMMDD_HHMMSS.xlsx, with _2, _3… if that name is taken."""
    return next_free(outbox / f"{name}_{now:%Y%m%d_%H%M%S}.xlsx")


def clip(text: str) -> str:
    return (
        text
        if len(text) <= EXCEL_CELL_LIMIT
        else text[: EXCEL_CELL_LIMIT - 30] + "……（已截断，全文见同名的“_长文本.txt”）"
    )


class _Formats:
    """Cell formats, made once per (kind, state)."""

    def __init__(self, book: Any, settings: Settings) -> None:
        self.book = book
        self.colors = settings.colors
        self.cache: dict[tuple[str, str], Any] = {}

    def get(self, kind: str, state: str = "") -> Any:
        key = (kind, state)
        if key not in self.cache:
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
                spec.update(
                    bold=True, bg_color="#DDEBF7", align="center", valign="vcenter", text_wrap=True
                )
            elif kind == "title":
                spec = {"bold": True, "font_size": 14, "font_name": "宋体"}
            elif kind == "plain":
                spec = {"font_name": "宋体", "font_size": 10}
            elif kind == "bold":
                spec = {"font_name": "宋体", "font_size": 11, "bold": True}
            color = self.colors.get(state) if state else None
            if color:
                if color.get("fill"):
                    spec["bg_color"] = "#" + color["fill"]
                    spec["pattern"] = 1
                if color.get("font"):
                    spec["font_color"] = "#" + color["font"]
            self.cache[key] = self.book.fmt(spec)
        return self.cache[key]


def write_workbook(
    result: MergeResult, settings: Settings, now: datetime | None = None, name: str = "汇总台账"
) -> Path:
    """Write the consolidated workbook into the outbox and return its path. Never overwrites."""
    now = now or datetime.now()
    outbox = settings.path("outbox")
    final = output_name(outbox, now if name == "汇总台账" else datetime.now(), name)
    temp = outbox / f".{final.stem}.{os.getpid()}.tmp"
    side = outbox / f".长文本.{os.getpid()}.{id(result)}.tmp"
    with writing(outbox, "汇总台账", cleanup=(temp, side)):
        book = open_book(temp, len(result.rows), now)
        formats = _Formats(book, settings)
        _summary_sheet(book, formats, result, now)
        _detail_sheet(book, formats, result)
        _findings_sheet(book, formats, result)
        _silent_sheet(book, formats, result)
        _extensions_sheet(book, formats, result)
        if result.changes is not None:
            _changes_sheet(book, formats, result)
        book.close()
        long = _write_long_texts(
            result, side
        )  # first, so a full disk stops before anything is published
        final = publish(temp, final)
        if long:
            try:
                os.replace(side, final.with_name(final.stem + "_长文本.txt"))
            except OSError:
                final.unlink(missing_ok=True)
                raise
    return final


def _write_long_texts(result: MergeResult, side: Path) -> bool:
    """Texts over Excel's cell limit are cut in the workbook; they are kept whole in a side file,
    written here under a temporary name and renamed beside the workbook once it is published."""
    long = []
    for line in result.rows:
        for name, text in line.entry.texts.items() if line.entry else ():
            if len(text) > EXCEL_CELL_LIMIT:
                long.append(
                    f"【{line.task.task_id} {line.unit} {name}】来源：{line.entry.source}\n{text}\n"
                )
    if not long:
        return False
    side.write_text("\n".join(long), encoding="utf-8")
    return True


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


def _text(sheet: Any, row: int, col: int, value: str, fmt: Any) -> None:
    if value:
        sheet.text(row, col, clip(value), fmt)
    else:
        sheet.blank(row, col, fmt)


def _summary_sheet(book: Any, formats: _Formats, result: MergeResult, now: datetime) -> None:
    """Totals, one row per unit, the completion chart; with history, each unit's 完成率 over the
    recent runs to the right (written row by row: the big-output writers stream rows in order)."""
    sheet = book.sheet(SHEET_SUMMARY)
    as_of = result.as_of
    trend = result.trend if result.trend and len(result.trend.labels) > 1 and result.units else None
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
    top = 7
    if trend:
        sheet.text(
            top - 1, TREND_COL, "各单位完成率（近几次汇总，最右为本次）", formats.get("plain")
        )
    for col, label in enumerate(UNIT_COLUMNS):
        sheet.text(top, col, label, formats.get("header"))
    if trend:
        for col, label in enumerate([UNIT, *trend.labels], start=TREND_COL):
            sheet.text(top, col, label, formats.get("header"))
    for i, unit in enumerate(result.units, start=top + 1):
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
        _text(sheet, i, 9, "、".join(unit.files or unit.failed_files), formats.get("text"))
        if trend:
            sheet.text(i, TREND_COL, unit.unit, formats.get("text"))
            for col, rate in enumerate(trend.rates.get(unit.unit, []), start=TREND_COL + 1):
                if rate is None:
                    sheet.blank(i, col, formats.get("pct"))
                else:
                    sheet.number(i, col, rate, formats.get("pct"))
    last = top + len(result.units)
    for col, width in enumerate([20, 7, 7, 7, 7, 7, 7, 8, 14, 40]):
        sheet.col_width(col, width)
    if trend:
        sheet.col_width(TREND_COL, 20)
        for col in range(len(trend.labels)):
            sheet.col_width(TREND_COL + 1 + col, 11)
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


def _problem_table(sheet: Any, formats: _Formats, result: MergeResult, top: int) -> None:
    """Each problem as a whole (DESIGN §6), under the chart: 问题序号 … 问题状态, and the headline."""
    sheet.text(top, 0, f"各问题整改情况：{result.headline()}", formats.get("bold"))
    for col, label in enumerate(PROBLEM_COLUMNS):
        sheet.text(top + 1, col, label, formats.get("header"))
    paint = {PROBLEM_DONE: DONE, PROBLEM_OVERDUE: OVERDUE}
    for i, problem in enumerate(result.problems(), start=top + 2):
        sheet.number(i, 0, problem.issue_no, formats.get("int"))
        _text(sheet, i, 1, problem.title, formats.get("text"))
        for col, value in enumerate((problem.measures, problem.done, problem.overdue), start=2):
            sheet.number(i, col, value, formats.get("int", OVERDUE if col == 4 and value else ""))
        sheet.text(i, 5, problem.state, formats.get("center", paint.get(problem.state, "")))


def _date_or_text(
    sheet: Any, row: int, col: int, value: date | None, text: str, formats: _Formats, state: str
) -> None:
    if value is not None:
        sheet.date(row, col, value, formats.get("date", state))
    else:
        _text(sheet, row, col, text, formats.get("center", state))


def _detail_sheet(book: Any, formats: _Formats, result: MergeResult) -> None:
    sheet = book.sheet(SHEET_DETAIL)
    for col, (name, width) in enumerate(DETAIL_COLUMNS):
        sheet.text(0, col, name, formats.get("header"))
        sheet.col_width(col, width)
    for i, line in enumerate(result.rows, start=1):
        task, entry, state = line.task, line.entry, line.state
        text = formats.get("text", state)
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
        _text(sheet, i, 0, task.task_id, center)
        sheet.number(i, 1, task.issue_no, formats.get("int", state))
        _text(sheet, i, 2, task.issue_title, text)
        sheet.number(i, 3, task.measure_no, formats.get("int", state))
        _text(sheet, i, 4, task.measure, text)
        _text(sheet, i, 5, line.unit, text)
        _date_or_text(sheet, i, 6, task.deadline, task.deadline_text, formats, state)
        _date_or_text(sheet, i, 7, task.adjusted_deadline, "", formats, state)
        _text(sheet, i, 8, entry.status if entry else "", center)
        _text(sheet, i, 9, state, center)
        if line.overdue_days is not None:
            sheet.number(i, 10, line.overdue_days, formats.get("int", state))
        else:
            sheet.blank(i, 10, formats.get("int", state))
        _text(sheet, i, 11, texts.get(PROGRESS, ""), text)
        _date_or_text(
            sheet,
            i,
            12,
            entry.done_date if entry else None,
            entry.done_text if entry else "",
            formats,
            state,
        )
        _text(sheet, i, 13, texts.get(EVIDENCE, ""), text)
        _text(sheet, i, 14, texts.get(PROBLEMS, ""), text)
        _text(sheet, i, 15, texts.get(FILLER, ""), center)
        _text(sheet, i, 16, texts.get(PHONE, ""), center)
        _text(sheet, i, 17, source, text)
    sheet.freeze(1, 0)
    sheet.filter(0, 0, max(len(result.rows), 1), len(DETAIL_COLUMNS) - 1)
    sheet.print_setup(repeat_row=0, footer="&C第 &P 页，共 &N 页", margins=True)


def _findings_sheet(book: Any, formats: _Formats, result: MergeResult) -> None:
    sheet = book.sheet(SHEET_FINDINGS)
    for col, (name, width) in enumerate(FINDING_COLUMNS):
        sheet.text(0, col, name, formats.get("header"))
        sheet.col_width(col, width)
    level_state = {ERROR: OVERDUE, WARNING: DUE_SOON, INFO: ""}
    findings = result.report.sorted()
    for i, f in enumerate(findings, start=1):
        text = formats.get("text")
        _text(sheet, i, 0, f.level, formats.get("center", level_state[f.level]))
        _text(sheet, i, 1, f.code, text)
        _text(sheet, i, 2, f.file, text)
        _text(sheet, i, 3, f.sheet, text)
        if f.row:
            sheet.number(i, 4, f.row, formats.get("int"))
        else:
            sheet.blank(i, 4, formats.get("int"))
        _text(sheet, i, 5, f.column, text)
        _text(sheet, i, 6, f.value, text)
        _text(sheet, i, 7, f.message, text)
    sheet.freeze(1, 0)
    sheet.filter(0, 0, max(len(findings), 1), len(FINDING_COLUMNS) - 1)
    sheet.print_setup(repeat_row=0)


def _silent_sheet(book: Any, formats: _Formats, result: MergeResult) -> None:
    sheet = book.sheet(SHEET_NOT_RETURNED)
    for col, (name, width) in enumerate(SILENT_COLUMNS):
        sheet.text(0, col, name, formats.get("header"))
        sheet.col_width(col, width)
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


TREND_COL = 11  # the 完成率 trend sits right of the unit table, from column L


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


def _extensions_sheet(book: Any, formats: _Formats, result: MergeResult) -> None:
    """延期申请: what units asked for this round (申请延期), to approve with toolkit extend."""
    sheet = book.sheet(SHEET_EXTENSIONS)
    for col, (name, width) in enumerate(EXTENSION_COLUMNS):
        sheet.text(0, col, name, formats.get("header"))
        sheet.col_width(col, width)
    requests = result.extension_requests
    if not requests:
        sheet.text(1, 0, "本次没有单位申请延期", formats.get("plain"))
    for i, line in enumerate(requests, start=1):
        _text(sheet, i, 0, line.task.task_id, formats.get("center"))
        _text(sheet, i, 1, line.unit, formats.get("text"))
        _date_or_text(sheet, i, 2, line.task.due, line.task.deadline_text, formats, "")
        _date_or_text(
            sheet,
            i,
            3,
            line.extension_to,
            "（未填写）",
            formats,
            "" if line.extension_to else OVERDUE,
        )
        _text(sheet, i, 4, line.extension_reason, formats.get("text"))
        _text(sheet, i, 5, line.entry.source if line.entry else "", formats.get("text"))
    sheet.freeze(1, 0)
    sheet.print_setup(repeat_row=0)


def _changes_sheet(book: Any, formats: _Formats, result: MergeResult) -> None:
    sheet = book.sheet(SHEET_CHANGES)
    for col, (name, width) in enumerate(CHANGE_COLUMNS):
        sheet.text(0, col, name, formats.get("header"))
        sheet.col_width(col, width)
    if not result.changes:
        note = (
            "这是第一次汇总，没有可比较的上一次"
            if result.trend is None or len(result.trend.labels) <= 1
            else "与上一次汇总相比没有变化"
        )
        sheet.text(1, 0, note, formats.get("plain"))
    for i, change in enumerate(result.changes, start=1):
        state = CHANGE_STATE.get(change.kind, "")
        text = formats.get("text", state)
        for col, value in enumerate(
            [change.kind, change.task_id, change.unit, change.before, change.after, change.note]
        ):
            _text(sheet, i, col, value, formats.get("center", state) if col in (0, 1) else text)
    sheet.freeze(1, 0)
    sheet.filter(0, 0, max(len(result.changes), 1), len(CHANGE_COLUMNS) - 1)
    sheet.print_setup(repeat_row=0)
