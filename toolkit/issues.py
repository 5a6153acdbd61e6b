"""The issue list (问题清单): tasks, their units, loading issues.xlsx, unit name resolution."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from toolkit.config import Settings
from toolkit.dates import BLANK, DATE, INVALID, OPEN, YEARLESS, find_year, parse_date
from toolkit.errors import IssueListError
from toolkit.findings import Finding
from toolkit.normalize import (
    cell_text,
    clean_header,
    compact,
    parse_int,
    parse_task_id,
    split_units,
)

SHEET = "问题清单"
COLUMNS = ["任务编号", "问题序号", "问题标题", "措施序号", "整改措施", "责任单位", "完成时限", "整改目标", "问题描述"]
REQUIRED = ["问题序号", "问题标题", "措施序号", "整改措施", "责任单位"]


@dataclass(frozen=True, slots=True)
class Task:
    """One measure (整改措施) of one problem; tracked once per responsible unit."""

    task_id: str
    issue_no: int
    issue_title: str
    measure_no: int
    measure: str
    units: tuple[str, ...]
    deadline: date | None = None
    deadline_text: str = ""
    target: str = ""
    description: str = ""
    row: int = 0  # row in issues.xlsx

    def __reduce__(self) -> tuple:
        # as a plain tuple of fields: the issue list crosses from a worker process, and the
        # default for slotted dataclasses pickles a dict per task (3× slower at 100,000 tasks)
        return (Task, (self.task_id, self.issue_no, self.issue_title, self.measure_no, self.measure,
                       self.units, self.deadline, self.deadline_text, self.target, self.description, self.row))


def unit_key(name: str) -> str:
    """The comparison key of a unit name: compacted, without a leading 区/市."""
    key = compact(name)
    return key[1:] if len(key) > 2 and key[0] in "区市" else key


@dataclass
class UnitBook:
    """Known units and their aliases; resolves what a unit wrote to the issue list's spelling.

    A name matches with or without its leading 区/市 only when that leaves one known unit
    (区委宣传部 and 市委宣传部 stay two units). An alias's short form gives way to its full form,
    also where the issue list itself uses the short form."""

    names: list[str]
    aliases: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._full_of = {compact(short): full for short, full in self.aliases.items()}
        canonical: list[str] = []
        for name in self.names:
            full = self._full_of.get(compact(name), name)
            if full not in canonical:
                canonical.append(full)
        # a bare name (农业农村局) is the same unit as its one prefixed form (区农业农村局)
        prefixed: dict[str, list[str]] = {}
        for name in canonical:
            if unit_key(name) != compact(name):
                prefixed.setdefault(unit_key(name), []).append(name)
        for name in list(canonical):
            if unit_key(name) == compact(name) and len(prefixed.get(compact(name), [])) == 1:
                self._full_of.setdefault(compact(name), prefixed[compact(name)][0])
                canonical.remove(name)
        self.names = canonical
        self._exact = {compact(name): name for name in canonical}
        by_key: dict[str, set[str]] = {}
        for name in canonical:
            by_key.setdefault(unit_key(name), set()).add(name)
        self._by_key = {key: next(iter(found)) for key, found in by_key.items() if len(found) == 1}
        needles: dict[str, str] = {}
        for name in canonical:
            needles[compact(name)] = name
            if unit_key(name) in self._by_key:
                needles.setdefault(unit_key(name), name)
        for short, full in self._full_of.items():
            target = self._lookup(compact(full))
            if target:
                needles.setdefault(short, target)
                if len(unit_key(short)) >= 2:
                    needles.setdefault(unit_key(short), target)
        self._needles = sorted(needles.items(), key=lambda pair: -len(pair[0]))

    def _lookup(self, key: str) -> str | None:
        if key in self._exact:
            return self._exact[key]
        return self._by_key.get(key) or self._by_key.get(unit_key(key))

    def __reduce__(self) -> tuple:
        return (UnitBook, (self.names, self.aliases))

    def resolve(self, name: str) -> str | None:
        """The issue list's spelling of a unit name, or None when it is not a known unit."""
        key = compact(name or "")
        if not key:
            return None
        full = self._full_of.get(key)
        if full is None:  # an alias written without its 区/市
            full = next((f for s, f in self._full_of.items() if unit_key(s) == unit_key(key)), None)
        return self._lookup(compact(full)) if full is not None else self._lookup(key)

    def find_in(self, text: str) -> str | None:
        """The longest known unit name or alias occurring in a text (a file name, a title)."""
        haystack = compact(text)
        for needle, name in self._needles:
            if len(needle) >= 2 and needle in haystack:
                return name
        return None


@dataclass
class IssueList:
    tasks: list[Task]
    units: UnitBook
    fingerprint: str
    path: Path | None = None
    findings: list[Finding] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_text: dict[str, Task | None] | None = None
        self.by_id = {t.task_id: t for t in self.tasks}
        self.by_pair = {(t.issue_no, t.measure_no): t for t in self.tasks}
        self.by_issue: dict[int, list[Task]] = {}
        for task in self.tasks:
            self.by_issue.setdefault(task.issue_no, []).append(task)

    @property
    def by_text(self) -> dict[str, Task | None]:
        """Compacted measure text → its task, for texts that belong to exactly one task (built on
        first use: most returns never need it)."""
        if self._by_text is None:
            index: dict[str, Task | None] = {}
            for task in self.tasks:
                key = compact(task.measure)
                if key:
                    index[key] = None if key in index else task
            self._by_text = {key: task for key, task in index.items() if task is not None}
        return self._by_text

    def __reduce__(self) -> tuple:
        # the indexes are rebuilt on arrival rather than pickled alongside the tasks
        return (IssueList, (self.tasks, self.units, self.fingerprint, self.path, self.findings))

    def tasks_of(self, unit: str) -> list[Task]:
        return [t for t in self.tasks if unit in t.units]

    @property
    def unit_names(self) -> list[str]:
        return self.units.names


def fingerprint(tasks: list[Task]) -> str:
    digest = hashlib.sha256()
    for t in sorted(tasks, key=lambda t: t.task_id):
        parts = [t.task_id, t.measure, "、".join(t.units), t.deadline.isoformat() if t.deadline else ""]
        digest.update("\x1f".join(parts).encode("utf-8") + b"\x1e")
    return digest.hexdigest()[:16]


def build_issue_list(tasks: list[Task], settings: Settings, path: Path | None = None,
                     findings: list[Finding] | None = None) -> IssueList:
    names: list[str] = []
    for task in tasks:
        for unit in task.units:
            if unit not in names:
                names.append(unit)
    for name in settings.unit_names:
        if name not in names:
            names.append(name)
    book = UnitBook(names, dict(settings.unit_aliases))
    return IssueList(tasks, book, fingerprint(tasks), path, findings or [])


def load_issue_list(settings: Settings) -> IssueList:
    """Read issues.xlsx. Raises IssueListError (exit 2) with every row to fix."""
    from toolkit.sheets import ReadError, fill_merged, read_grids

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
    fill_merged(grid)  # a problem's number and title merged down its measures
    header = [clean_header(cell_text(v)) for v in grid.rows[0]]
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
        deadline_raw = get("完成时限")
        parsed = parse_date(deadline_raw if deadline_raw != "" else None)
        if parsed.kind == INVALID:  # perhaps a month without a year: take it from the text
            hint = find_year(texts["整改措施"]) or find_year(texts["整改目标"])
            if hint:
                parsed = parse_date(deadline_raw, hint)
        if parsed.kind not in (DATE, BLANK, OPEN, YEARLESS):
            problems.append(f"{where}“完成时限”无法识别：{texts['完成时限']!r}，应为日期（如 2024-06-30、2024年6月底前）或“长期坚持”")
            continue
        if parsed.kind == YEARLESS:
            findings.append(Finding("yearless-date", f"完成时限没有年份，按 {parsed.value} 处理",
                                    file=path.name, sheet=SHEET, row=offset, column="完成时限",
                                    value=texts["完成时限"]))
        units = unit_cache.get(texts["责任单位"])
        if units is None:
            units = unit_cache[texts["责任单位"]] = tuple(split_units(texts["责任单位"]))
        if not units:
            findings.append(Finding("unknown-unit", f"任务 {task_id} 没有填写责任单位，不会被汇总，请在问题清单中补上",
                                    file=path.name, sheet=SHEET, row=offset, column="责任单位"))
        tasks.append(Task(
            task_id=task_id, issue_no=issue_no, issue_title=texts["问题标题"], measure_no=measure_no,
            measure=texts["整改措施"], units=units, deadline=parsed.value,
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
    _canonicalise_units(issue_list)
    return issue_list


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


def title_of(problem_text: str) -> str:
    """A problem's short title: its first sentence, without the final 。"""
    first = re.split(r"[。！？]", problem_text.strip(), maxsplit=1)[0]
    return first.strip()
