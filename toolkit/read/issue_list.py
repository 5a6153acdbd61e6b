"""The issue list (问题清单): tasks, their units, loading issues.xlsx, unit name resolution."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from toolkit.core.dates import DATE, IMMEDIATE, INVALID, YEARLESS, find_year, parse_date
from toolkit.core.errors import IssueListError, ReadError
from toolkit.core.findings import Finding, finding
from toolkit.core.model.issue_list import (
    COLUMNS,
    LIFE_COLUMNS,
    REQUIRED,
    SHEET,
    IssueList,
    SourceLayout,
    Task,
    build_issue_list,
)
from toolkit.core.normalize import (
    cell_text,
    clean_header,
    compact,
    parse_int,
    parse_task_id,
    split_units,
)
from toolkit.core.settings import Settings
from toolkit.core.words import (
    ADJUST_BASIS,
    ADJUSTED_DEADLINE,
    CLOSE_BASIS,
    CLOSED_DATE,
    DEADLINE,
    DESCRIPTION,
    ISSUE_LEADER,
    ISSUE_NO,
    ISSUE_TITLE,
    LAYOUT_ROLES,
    LAYOUT_SHEET,
    MEASURE,
    MEASURE_NO,
    TARGET,
    TASK_ID,
    UNIT,
)
from toolkit.read.grid import Grid, fill_merged
from toolkit.read.ledger_header import field_lookup
from toolkit.read.sheets import read_grids

# the row labels of the hidden sheet words.LAYOUT_SHEET (项目 | 内容 | 角色)
LAYOUT_TITLE, LAYOUT_FILE, LAYOUT_COLUMN, LAYOUT_DATE = "标题", "文件", "列", "日期"


def load_issue_list(settings: Settings) -> IssueList:
    """Read issues.xlsx. Raises IssueListError (exit 2) with every row to fix."""
    path = settings.path("issues")
    grid, grids = _issue_sheet(path)
    layout = read_layout(grids)
    # 立行立改 is due on the day the list was made: the import date kept with the layout, else the file's
    listed = (
        layout.imported
        if layout and layout.imported
        else datetime.fromtimestamp(path.stat().st_mtime).date()
    )
    columns = _column_positions(grid, settings, path)
    problems: list[str] = []
    findings: list[Finding] = []
    tasks: list[Task] = []
    rows = _RowReader(path, columns, findings, listed)
    for offset, row in enumerate(grid.rows[1:], start=2):
        try:
            task = rows.task(offset, row)
        except IssueListError as exc:  # one row to fix: collected, reported together
            problems.append(str(exc))
            continue
        if task is not None:
            tasks.append(task)
    if problems:
        shown = "\n  ".join(problems[:20])
        more = f"\n  ……另有 {len(problems) - 20} 处" if len(problems) > 20 else ""
        raise IssueListError(f"问题清单 {path} 有 {len(problems)} 处需要修改：\n  {shown}{more}")
    if not tasks:
        raise IssueListError(f"问题清单 {path} 中没有任务行，请从第 2 行起每行填写一项整改措施")
    issue_list = build_issue_list(tasks, settings, path, findings)
    issue_list.layout = layout
    _canonicalise_units(issue_list)
    return issue_list


def _issue_sheet(path: Path) -> tuple[Grid, list[Grid]]:
    """The 问题清单 sheet of issues.xlsx, merged cells filled, and all the workbook's sheets."""
    if not path.exists():
        raise IssueListError(
            f"找不到问题清单 {path}。请把问题清单放在工作目录下，或用 toolkit issues import 从文件导入"
        )
    try:
        grids = read_grids(path)
    except ReadError as exc:
        raise IssueListError(f"问题清单 {path} 无法读取：{exc.message}") from exc
    grid = next((g for g in grids if compact(g.name) == SHEET), None)
    if grid is None:
        names = "、".join(g.name for g in grids)
        raise IssueListError(
            f"问题清单 {path} 中没有名为“{SHEET}”的工作表（现有：{names}），请把清单所在工作表改名为“{SHEET}”"
        )
    if not grid.rows:
        raise IssueListError(f"问题清单 {path} 的“{SHEET}”工作表是空的")
    fill_merged(grid)  # a problem's number and title merged down its measures
    return grid, grids


def _column_positions(grid: Grid, settings: Settings, path: Path) -> dict[str, int]:
    """Where each issue-list column is, by the header row and the header synonyms."""
    header = [clean_header(cell_text(v)) for v in grid.rows[0]]
    lookup = field_lookup(settings)
    lookup.setdefault(clean_header(ISSUE_LEADER), ISSUE_LEADER)
    columns: dict[str, int] = {}
    for index, text in enumerate(header):
        name = lookup.get(text)
        if (
            name in COLUMNS or name in LIFE_COLUMNS or name == ISSUE_LEADER
        ) and name not in columns:
            columns[name] = index
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise IssueListError(
            f"问题清单 {path} 第 1 行缺少列：{'、'.join(missing)}。表头应为：{'、'.join(COLUMNS)}"
        )
    return columns


class _RowReader:
    """Turns the rows of 问题清单 into tasks, one at a time; a row the clerk must fix raises IssueListError."""

    def __init__(
        self, path: Path, columns: dict[str, int], findings: list[Finding], listed: date
    ) -> None:
        self.path = path
        self.listed = listed
        self.positions = [
            (name, columns.get(name)) for name in [*COLUMNS, *LIFE_COLUMNS, ISSUE_LEADER]
        ]
        self.findings = findings
        self.seen: dict[str, int] = {}
        self.unit_cache: dict[str, tuple[str, ...]] = {}

    def task(self, offset: int, row: list[Any]) -> Task | None:
        width = len(row)
        raw = {name: row[i] if i is not None and i < width else None for name, i in self.positions}
        texts = {name: cell_text(value) for name, value in raw.items()}
        if not any(texts.values()):
            return None
        where = f"第 {offset} 行"
        issue_no, measure_no = self._numbers(raw, texts, where)
        task_id = self._task_id(raw, texts, where, issue_no, measure_no, offset)
        deadline, note = read_deadline(raw.get(DEADLINE), texts, self.listed, task_id)
        if note is not None:
            note.file, note.sheet, note.row = self.path.name, SHEET, offset
            self.findings.append(note)
        return Task(
            task_id=task_id,
            issue_no=issue_no,
            issue_title=texts[ISSUE_TITLE],
            measure_no=measure_no,
            measure=texts[MEASURE],
            units=self._units(texts, task_id, offset),
            deadline=deadline,
            deadline_text=texts[DEADLINE],
            target=texts[TARGET],
            description=texts[DESCRIPTION],
            row=offset,
            leader=texts[ISSUE_LEADER],
            **_life_of(raw, texts, where),
        )

    @staticmethod
    def _numbers(raw: dict[str, Any], texts: dict[str, str], where: str) -> tuple[int, int]:
        issue_no = parse_int(raw.get(ISSUE_NO))
        measure_no = parse_int(raw.get(MEASURE_NO))
        if issue_no is None:
            raise IssueListError(f"{where}“问题序号”无法识别：{texts[ISSUE_NO]!r}，应填整数，如 13")
        if measure_no is None:
            raise IssueListError(
                f"{where}“措施序号”无法识别：{texts[MEASURE_NO]!r}，应填整数，如 2"
            )
        if not texts[MEASURE]:
            raise IssueListError(
                f"{where}“整改措施”是空的：每一行是一项整改措施，请填写措施内容或删除这一行"
            )
        return issue_no, measure_no

    def _task_id(
        self,
        raw: dict[str, Any],
        texts: dict[str, str],
        where: str,
        issue_no: int,
        measure_no: int,
        offset: int,
    ) -> str:
        task_id = parse_task_id(raw.get(TASK_ID)) if texts[TASK_ID] else f"{issue_no}-{measure_no}"
        if task_id is None:
            raise IssueListError(
                f"{where}“任务编号”应写成 问题序号-措施序号，如 13-2，现在是 {texts[TASK_ID]!r}"
            )
        if task_id in self.seen:
            raise IssueListError(
                f"{where}任务编号 {task_id} 与第 {self.seen[task_id]} 行重复，请改为唯一的编号"
            )
        self.seen[task_id] = offset
        return task_id

    def _units(self, texts: dict[str, str], task_id: str, offset: int) -> tuple[str, ...]:
        units = self.unit_cache.get(texts[UNIT])
        if units is None:
            units = self.unit_cache[texts[UNIT]] = tuple(split_units(texts[UNIT]))
        if not units:
            self.findings.append(
                finding(
                    "unknown-unit",
                    "issue-without-unit",
                    task=task_id,
                    file=self.path.name,
                    sheet=SHEET,
                    row=offset,
                    column=UNIT,
                )
            )
        return units


def read_deadline(
    raw: object, texts: dict[str, str], listed: date, task_id: str = ""
) -> tuple[date | None, Finding | None]:
    """A task's 完成时限 cell as a date, and a finding when it is yearless or unreadable (never a stop).
    立行立改 is due on the day the list was made (`listed`): overdue at any later merge unless done.
    A month without a year takes the year of the measure or target text, else the list's year."""
    parsed = parse_date(raw if raw != "" else None)
    if parsed.kind == INVALID:  # perhaps a month without a year
        hint = find_year(texts[MEASURE]) or find_year(texts[TARGET]) or listed.year
        parsed = parse_date(raw, hint)
    if parsed.kind == IMMEDIATE:
        return listed, None
    if parsed.kind == YEARLESS:
        return parsed.value, finding(
            "yearless-date",
            "issue-list",
            task=task_id,
            date=parsed.value,
            column=DEADLINE,
            value=texts[DEADLINE],
        )
    if parsed.kind == INVALID:
        return None, finding(
            "bad-date", "issue-list-deadline", task=task_id, column=DEADLINE, value=texts[DEADLINE]
        )
    return parsed.value, None


def read_layout(grids: list[Grid]) -> SourceLayout | None:
    """The upper office's table layout kept on the hidden sheet words.LAYOUT_SHEET; None without it."""
    grid = next((g for g in grids if compact(g.name) == LAYOUT_SHEET), None)
    if grid is None:
        return None
    title = file = ""
    imported: date | None = None
    columns: list[tuple[str, str]] = []
    for row in grid.rows[1:]:
        item, content, role = ([cell_text(v) for v in row] + ["", "", ""])[:3]
        if item == LAYOUT_TITLE:
            title = content
        elif item == LAYOUT_FILE:
            file = content
        elif item == LAYOUT_DATE:
            imported = parse_date(content).value
        elif item == LAYOUT_COLUMN and content:
            columns.append((content, role if role in LAYOUT_ROLES else "其他"))
    if not columns:
        return SourceLayout(title, file, kept=False, imported=imported)
    return SourceLayout(title, file, tuple(columns), imported=imported)


def _life_of(raw: dict[str, Any], texts: dict[str, str], where: str) -> dict[str, Any]:
    """调整后时限/调整依据 and 销号日期/销号依据 (toolkit extend, toolkit close) as Task fields; a
    date there that can't be read raises IssueListError."""
    life: dict[str, Any] = {
        "adjust_basis": texts.get(ADJUST_BASIS, ""),
        "close_basis": texts.get(CLOSE_BASIS, ""),
    }
    for column, name in ((ADJUSTED_DEADLINE, "adjusted_deadline"), (CLOSED_DATE, "closed_on")):
        life[name] = None
        if texts.get(column):
            parsed = parse_date(raw.get(column))
            if parsed.kind != DATE:
                raise IssueListError(
                    f"{where}“{column}”无法识别：{texts[column]!r}，应为日期，如 2025-06-30"
                )
            life[name] = parsed.value
    return life


def _canonicalise_units(issue_list: IssueList) -> None:
    """Spell each task's units the way the unit book does (aliases → full names)."""
    fixed = []
    spelled: dict[tuple[str, ...], tuple[str, ...]] = {}
    for task in issue_list.tasks:
        units = spelled.get(task.units)
        if units is None:
            units = spelled[task.units] = tuple(
                dict.fromkeys(issue_list.units.resolve(u) or u for u in task.units)
            )
        fixed.append(task if units == task.units else _replace_units(task, units))
    issue_list.tasks[:] = fixed
    issue_list.__post_init__()


def _replace_units(task: Task, units: tuple[str, ...]) -> Task:
    from dataclasses import replace

    return replace(task, units=units)
