"""issues.xlsx (sheet 问题清单) written from the tasks of an import (`toolkit issues import`) or of the
sample, with the source's title and columns on its hidden layout sheet (words.LAYOUT_SHEET)."""

from __future__ import annotations

import os
import tempfile
from datetime import date, datetime
from pathlib import Path

from toolkit.core.dates import IMMEDIATE, OPEN, parse_date
from toolkit.core.errors import OutputError
from toolkit.core.model.issue_list import COLUMNS, SHEET, SourceLayout, Task
from toolkit.core.normalize import strip_control
from toolkit.core.words import (
    DEADLINE,
    DESCRIPTION,
    ISSUE_LEADER,
    ISSUE_NO,
    ISSUE_TITLE,
    LAYOUT_SHEET,
    MEASURE,
    MEASURE_NO,
    TARGET,
    TASK_ID,
    UNIT,
)
from toolkit.read.import_text import OPEN_TEXT
from toolkit.read.issue_list import LAYOUT_COLUMN, LAYOUT_DATE, LAYOUT_FILE, LAYOUT_TITLE

_WIDTHS = {
    TASK_ID: 9,
    ISSUE_NO: 9,
    ISSUE_TITLE: 24,
    MEASURE_NO: 9,
    MEASURE: 60,
    UNIT: 22,
    DEADLINE: 12,
    TARGET: 36,
    DESCRIPTION: 60,
    ISSUE_LEADER: 16,
}


def write_issue_list(
    tasks: list[Task],
    path: Path,
    layout: SourceLayout | None = None,
    support: dict[str, list[str]] | None = None,
    imported: date | None = None,
) -> None:
    """Write issues.xlsx (sheet 问题清单) with XlsxWriter; text always as text, never formulas. With a
    layout, the source's title, file and columns go on the hidden sheet words.LAYOUT_SHEET, with the
    import date (which dates 立行立改). `support` names each task's 配合 units: its 责任单位 is then
    written "A（牵头）、B（配合）"."""
    import xlsxwriter
    from xlsxwriter.exceptions import FileCreateError

    path = Path(path)
    try:
        handle, temp = tempfile.mkstemp(suffix=".xlsx", prefix=".~issues-", dir=path.parent)
    except OSError as exc:
        raise OutputError(
            f"无法在 {path.parent} 中写入文件，请检查该文件夹是否存在、是否有写权限"
        ) from exc
    os.close(handle)
    try:
        book = xlsxwriter.Workbook(
            temp,
            {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
        )
        _write_tasks(book, tasks, support or {}, layout is not None)
        if layout is not None:
            _write_layout(book, layout, imported or date.today())
        book.close()
        os.replace(temp, path)
    except (OSError, FileCreateError) as exc:
        raise OutputError(
            f"{path} 无法写入（可能被其他程序占用或没有写权限），请关闭后重试"
        ) from exc
    finally:
        Path(temp).unlink(missing_ok=True)  # gone already after a successful replace


def _write_tasks(
    book: object, tasks: list[Task], support: dict[str, list[str]], keep_words: bool
) -> None:
    """The sheet 问题清单: its header, one row per task, frozen and filtered, printed on A4 across."""
    sheet = book.add_worksheet(SHEET)
    head = book.add_format(
        {
            "bold": True,
            "bg_color": "#DDEBF7",
            "border": 1,
            "text_wrap": True,
            "align": "center",
            "valign": "vcenter",
        }
    )
    wrap = book.add_format({"text_wrap": True, "valign": "top", "border": 1})
    centre = book.add_format({"valign": "top", "align": "center", "border": 1})
    day = book.add_format(
        {"num_format": "yyyy-mm-dd", "valign": "top", "align": "center", "border": 1}
    )
    columns = COLUMNS + ([ISSUE_LEADER] if any(task.leader for task in tasks) else [])
    for col, name in enumerate(columns):
        sheet.write_string(0, col, name, head)
        sheet.set_column(col, col, _WIDTHS[name])
    for row, task in enumerate(tasks, start=1):
        _write_task(
            sheet,
            row,
            task,
            support.get(task.task_id, []),
            keep_words,
            {"wrap": wrap, "centre": centre, "day": day},
        )
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(tasks), 1), len(columns) - 1)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)


def _write_task(
    sheet: object,
    row: int,
    task: Task,
    support: list[str],
    keep_words: bool,
    formats: dict[str, object],
) -> None:
    """One task's row of 问题清单; with keep_words (an import), deadline words other than dates and
    长期坚持 are written as they were (立行立改, or an unreadable cell load_issue_list reports)."""
    texts = [
        task.task_id,
        None,
        task.issue_title,
        None,
        task.measure,
        unit_cell(task.units, support),
        None,
        task.target,
        task.description,
        task.leader or None,  # 责任领导: a column only when some task has one
    ]
    for col, text in enumerate(texts):
        if text is not None:
            fmt = formats["centre"] if col == 0 else formats["wrap"]
            sheet.write_string(row, col, strip_control(text)[0], fmt)
    sheet.write_number(row, 1, task.issue_no, formats["centre"])
    sheet.write_number(row, 3, task.measure_no, formats["centre"])
    if task.deadline:
        when = datetime(task.deadline.year, task.deadline.month, task.deadline.day)
        sheet.write_datetime(row, 6, when, formats["day"])
    elif parse_date(task.deadline_text).kind == OPEN:  # 长期坚持, 每月, 立行立改，长期坚持 …
        sheet.write_string(
            row, 6, task.deadline_text if keep_words else OPEN_TEXT, formats["centre"]
        )
    elif task.deadline_text and keep_words:  # 立行立改, or words kept for the clerk to fix
        kind = parse_date(task.deadline_text).kind
        sheet.write_string(
            row, 6, "立行立改" if kind == IMMEDIATE else task.deadline_text, formats["centre"]
        )
    else:
        sheet.write_blank(row, 6, None, formats["centre"])


def unit_cell(units: tuple[str, ...] | list[str], support: list[str]) -> str:
    """The 责任单位 cell: names joined by 、, marked （牵头）/（配合） when some units assist."""
    if not support:
        return "、".join(units)
    return "、".join(f"{u}（配合）" if u in support else f"{u}（牵头）" for u in units)


def _write_layout(book: object, layout: SourceLayout, imported: date) -> None:
    sheet = book.add_worksheet(LAYOUT_SHEET)
    rows = [
        ["项目", "内容", "角色"],
        [LAYOUT_TITLE, layout.title, ""],
        [LAYOUT_FILE, layout.file, ""],
        [LAYOUT_DATE, imported.isoformat(), ""],
    ]
    rows += [[LAYOUT_COLUMN, name, role] for name, role in layout.columns]
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            sheet.write_string(r, c, strip_control(value)[0])
    sheet.set_column(1, 1, 40)
    sheet.hide()
