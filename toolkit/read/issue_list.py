"""The issue list (问题清单): tasks, their units, loading issues.xlsx, unit name resolution."""

from __future__ import annotations

from datetime import date, datetime

from toolkit.core.dates import IMMEDIATE, INVALID, YEARLESS, find_year, parse_date
from toolkit.core.errors import IssueListError
from toolkit.core.findings import Finding
from toolkit.core.model import (
    COLUMNS,
    LAYOUT_ROLES,
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
from toolkit.core.words import LAYOUT_SHEET

# the row labels of the hidden sheet words.LAYOUT_SHEET (项目 | 内容 | 角色)
LAYOUT_TITLE, LAYOUT_FILE, LAYOUT_COLUMN, LAYOUT_DATE = "标题", "文件", "列", "日期"


def load_issue_list(settings: Settings) -> IssueList:
    """Read issues.xlsx. Raises IssueListError (exit 2) with every row to fix."""
    from toolkit.core.errors import ReadError
    from toolkit.read.grid import fill_merged
    from toolkit.read.sheets import read_grids

    path = settings.path("issues")
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
        raise IssueListError(f"问题清单 {path} 中没有名为“{SHEET}”的工作表（现有：{names}），请把清单所在工作表改名为“{SHEET}”")
    if not grid.rows:
        raise IssueListError(f"问题清单 {path} 的“{SHEET}”工作表是空的")
    layout = read_layout(grids)
    listed = (layout.imported if layout and layout.imported
              else datetime.fromtimestamp(path.stat().st_mtime).date())
    fill_merged(grid)  # a problem's number and title merged down its measures
    columns = _columns(grid.rows[0], settings, path)
    problems: list[str] = []
    findings: list[Finding] = []
    tasks: list[Task] = []
    seen: dict[str, int] = {}
    positions = [(name, columns.get(name)) for name in COLUMNS]
    unit_cache: dict[str, tuple[str, ...]] = {}
    for offset, row in enumerate(grid.rows[1:], start=2):
        width = len(row)
        raw = {name: row[i] if i is not None and i < width else None for name, i in positions}
        get = raw.get
        texts = {name: cell_text(value) for name, value in raw.items()}
        if not any(texts.values()):
            continue
        where = f"第 {offset} 行"
        issue_no = parse_int(get("问题序号"))
        measure_no = parse_int(get("措施序号"))
        if issue_no is None:
            problems.append(f"{where}“问题序号”无法识别：{texts['问题序号']!r}，应填整数，如 13")
            continue
        if measure_no is None:
            problems.append(f"{where}“措施序号”无法识别：{texts['措施序号']!r}，应填整数，如 2")
            continue
        if not texts["整改措施"]:
            problems.append(f"{where}“整改措施”是空的：每一行是一项整改措施，请填写措施内容或删除这一行")
            continue
        task_id = parse_task_id(get("任务编号")) if texts["任务编号"] else f"{issue_no}-{measure_no}"
        if task_id is None:
            problems.append(f"{where}“任务编号”应写成 问题序号-措施序号，如 13-2，现在是 {texts['任务编号']!r}")
            continue
        if task_id in seen:
            problems.append(f"{where}任务编号 {task_id} 与第 {seen[task_id]} 行重复，请改为唯一的编号")
            continue
        seen[task_id] = offset
        deadline, note = read_deadline(get("完成时限"), texts, listed)
        if note is not None:
            note.file, note.sheet, note.row = path.name, SHEET, offset
            note.message = f"任务 {task_id} {note.message}"
            findings.append(note)
        units = unit_cache.get(texts["责任单位"])
        if units is None:
            units = unit_cache[texts["责任单位"]] = tuple(split_units(texts["责任单位"]))
        if not units:
            findings.append(Finding("unknown-unit", f"任务 {task_id} 没有填写责任单位，不会被汇总，请在问题清单中补上",
                                    file=path.name, sheet=SHEET, row=offset, column="责任单位"))
        tasks.append(Task(
            task_id=task_id, issue_no=issue_no, issue_title=texts["问题标题"], measure_no=measure_no,
            measure=texts["整改措施"], units=units, deadline=deadline,
            deadline_text=texts["完成时限"], target=texts["整改目标"], description=texts["问题描述"],
            row=offset,
        ))
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


def _columns(first_row: list, settings: Settings, path: object) -> dict[str, int]:
    """Column name → index from the header row; raises IssueListError naming the missing columns."""
    header = [clean_header(cell_text(v)) for v in first_row]
    lookup: dict[str, str] = {}
    for name, words in settings.headers.items():
        for word in [name, *words]:
            lookup.setdefault(clean_header(word), name)
    columns: dict[str, int] = {}
    for index, text in enumerate(header):
        name = lookup.get(text)
        if name in COLUMNS and name not in columns:
            columns[name] = index
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise IssueListError(
            f"问题清单 {path} 第 1 行缺少列：{'、'.join(missing)}。表头应为：{'、'.join(COLUMNS)}"
        )
    return columns


def read_deadline(raw: object, texts: dict[str, str], listed: date) -> tuple[date | None, Finding | None]:
    """A task's 完成时限 cell as a date, and a finding when it is yearless or unreadable (never a stop).
    立行立改 is due on the day the list was imported (`listed`): overdue at any later merge unless done.
    A month without a year takes the year of the measure or target text, else the list's year."""
    parsed = parse_date(raw if raw != "" else None)
    if parsed.kind == INVALID:  # perhaps a month without a year
        hint = find_year(texts["整改措施"]) or find_year(texts["整改目标"]) or listed.year
        parsed = parse_date(raw, hint)
    if parsed.kind == IMMEDIATE:
        return listed, None
    if parsed.kind == YEARLESS:
        return parsed.value, Finding("yearless-date", f"完成时限没有年份，按 {parsed.value} 处理",
                                     column="完成时限", value=texts["完成时限"])
    if parsed.kind == INVALID:
        return None, Finding("bad-date", f"完成时限“{texts['完成时限']}”无法识别，按没有时限处理；请改为日期（如 2024-06-30、"
                             "2024年6月底前）、“立行立改”或“长期坚持”", column="完成时限", value=texts["完成时限"])
    return parsed.value, None


def read_layout(grids: list) -> SourceLayout | None:
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


def _canonicalise_units(issue_list: IssueList) -> None:
    """Spell each task's units the way the unit book does (aliases → full names)."""
    fixed = []
    spelled: dict[tuple[str, ...], tuple[str, ...]] = {}
    for task in issue_list.tasks:
        units = spelled.get(task.units)
        if units is None:
            units = spelled[task.units] = tuple(dict.fromkeys(issue_list.units.resolve(u) or u for u in task.units))
        fixed.append(task if units == task.units else _replace_units(task, units))
    issue_list.tasks[:] = fixed
    issue_list.__post_init__()


def _replace_units(task: Task, units: tuple[str, ...]) -> Task:
    from dataclasses import replace

    return replace(task, units=units)
