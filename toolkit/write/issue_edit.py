"""Editing one task's row of issues.xlsx in place (toolkit extend, toolkit close), with openpyxl so
every other sheet, format and hidden sheet stays as the clerk left it. The old file is copied into
archive/ first; the new one is written to a temporary name and renamed over the old one."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from copy import copy
from datetime import date, datetime
from pathlib import Path

from toolkit.core.errors import TaskEditError
from toolkit.core.model.issue_list import SHEET, Task
from toolkit.core.normalize import cell_text, clean_header, compact, parse_task_id
from toolkit.core.settings import Settings
from toolkit.core.words import (
    ADJUST_BASIS,
    ADJUSTED_DEADLINE,
    CLOSE_BASIS,
    CLOSED,
    CLOSED_DATE,
    STATUS_LONG_TERM,
    TASK_ID,
)
from toolkit.write.editing import save_workbook, set_text
from toolkit.write.files import next_free

DATE_FORMAT = "yyyy-mm-dd"


def locked_message(path: Path) -> str:
    return f"{path.name} 正被其他程序占用，没有改动：请先关闭 Excel/WPS 中打开的 {path.name}，再重新运行"


def lock_file(path: Path) -> Path | None:
    """The lock file Excel/WPS (~$name) or LibreOffice (.~lock.name#) keeps while the list is open."""
    for candidate in (path.with_name("~$" + path.name), path.with_name(f".~lock.{path.name}#")):
        if candidate.exists():
            return candidate
    return None


def edit_task_row(
    path: Path,
    task: Task,
    values: Mapping[str, date | str],
    headers: Mapping[str, list[str]],
    backup_dir: Path,
    now: datetime,
) -> Path:
    """Write `values` (column name → date or text) into `task`'s row of issues.xlsx, adding any
    missing column at the right of the header. Returns the backup of the old file. Raises
    TaskEditError, with nothing changed, when the file is open elsewhere or can't be written."""
    from openpyxl import load_workbook

    held = lock_file(path)
    if held is not None:
        raise TaskEditError(
            locked_message(path) + f"（若已关闭仍提示，请删除同目录下的 {held.name}）"
        )
    try:
        book = load_workbook(path)
    except PermissionError as exc:
        raise TaskEditError(locked_message(path)) from exc
    except Exception as exc:  # noqa: BLE001 - not a workbook any more
        raise TaskEditError(f"{path.name} 无法打开（{type(exc).__name__}），没有改动") from exc
    sheet = next((book[name] for name in book.sheetnames if compact(name) == SHEET), None)
    if sheet is None:
        raise TaskEditError(f"{path.name} 中没有“{SHEET}”工作表，没有改动")
    columns = _columns(sheet, headers)
    id_col = columns.get(TASK_ID)
    if id_col is not None and parse_task_id(sheet.cell(row=task.row, column=id_col).value) not in (
        None,
        task.task_id,
    ):
        raise TaskEditError(
            f"{path.name} 第 {task.row} 行已不是任务 {task.task_id}（文件刚被改过？），没有改动，请重新运行"
        )
    for name, value in values.items():
        col = columns.get(name) or _add_column(sheet, name, columns)
        cell = sheet.cell(row=task.row, column=col)
        if isinstance(value, date):
            cell.value = value
            cell.number_format = DATE_FORMAT
        else:
            set_text(cell, value)
    backup = next_free(backup_dir / f"{path.stem}_备份_{now:%Y%m%d_%H%M%S}{path.suffix}")
    try:
        backup_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, backup)
    except OSError as exc:
        raise TaskEditError(
            f"无法把 {path.name} 备份到 {backup_dir}（{exc.strerror or exc}），没有改动"
        ) from exc
    try:
        save_workbook(book, path)
    except PermissionError as exc:
        backup.unlink(missing_ok=True)
        raise TaskEditError(locked_message(path)) from exc
    except OSError as exc:
        backup.unlink(missing_ok=True)
        raise TaskEditError(f"无法写入 {path.name}（{exc.strerror or exc}），没有改动") from exc
    return backup


def _columns(sheet, headers: Mapping[str, list[str]]) -> dict[str, int]:
    """Header row 1: canonical column name → 1-based column, through the header synonyms."""
    lookup: dict[str, str] = {}
    for name, words in headers.items():
        for word in [name, *words]:
            lookup.setdefault(clean_header(word), name)
    found: dict[str, int] = {}
    for cell in sheet[1]:
        name = lookup.get(clean_header(cell_text(cell.value)))
        if name and name not in found:
            found[name] = cell.column
    return found


def _add_column(sheet, name: str, columns: dict[str, int]) -> int:
    """A new column at the right of the header, headed and sized like the last one."""
    last = max((cell.column for cell in sheet[1] if cell.value not in (None, "")), default=0)
    col = last + 1
    header = sheet.cell(row=1, column=col, value=name)
    if last:
        left = sheet.cell(row=1, column=last)
        header.font, header.fill, header.border = (
            copy(left.font),
            copy(left.fill),
            copy(left.border),
        )
        header.alignment = copy(left.alignment)
    sheet.column_dimensions[header.column_letter].width = 14
    columns[name] = col
    return col


def _task_to_edit(settings: Settings, task_id: str, basis: str, what: str) -> Task:
    """The task an edit is for; TaskEditError for an unknown id or a blank basis."""
    from toolkit.read.issue_list import load_issue_list

    if not basis.strip():
        raise TaskEditError(f"请用 --basis 写明{what}，没有改动")
    issues = load_issue_list(settings)
    task = issues.by_id.get(parse_task_id(task_id) or task_id.strip())
    if task is None:
        raise TaskEditError(
            f"问题清单中没有任务编号“{task_id}”，没有改动。任务编号形如 13-2，见 issues.xlsx 的任务编号列"
        )
    return task


def extension_values(
    settings: Settings, task_id: str, to: date, basis: str
) -> tuple[Task, dict, str, str]:
    """(task, cells to write, deadline before, after) for toolkit extend; TaskEditError when it can't be."""
    task = _task_to_edit(settings, task_id, basis, "延期依据（批准文号或理由）")
    if task.closed:
        raise TaskEditError(f"任务 {task.task_id} 已于 {task.closed_on} 销号，不能再延期，没有改动")
    if task.due is None:
        raise TaskEditError(
            f"任务 {task.task_id} 没有完成时限（{task.deadline_text or STATUS_LONG_TERM}），无需延期，没有改动"
        )
    if to <= task.due:
        raise TaskEditError(
            f"新的完成时限 {to} 不晚于任务 {task.task_id} 现在的完成时限 {task.due}，没有改动；"
            "延期请给出更晚的日期"
        )
    return (
        task,
        {ADJUSTED_DEADLINE: to, ADJUST_BASIS: basis.strip()},
        task.due.isoformat(),
        to.isoformat(),
    )


def closing_values(
    settings: Settings, task_id: str, on: date, basis: str
) -> tuple[Task, dict, str, str]:
    """(task, cells to write, before, after) for toolkit close; TaskEditError for a closed task."""
    task = _task_to_edit(settings, task_id, basis, "销号依据（验收意见）")
    if task.closed:
        raise TaskEditError(
            f"任务 {task.task_id} 已于 {task.closed_on} 销号（依据：{task.close_basis or '未写'}），"
            "无需再次销号，没有改动"
        )
    return task, {CLOSED_DATE: on, CLOSE_BASIS: basis.strip()}, "", f"{CLOSED}（{on.isoformat()}）"
