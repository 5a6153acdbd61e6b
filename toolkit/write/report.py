"""The report to the upper level (DESIGN §7) as a neutral table: one row per problem, in the upper
office's own columns, 整改完成情况 holding each measure's ordinal, status and progress text. The
.docx and .xlsx writers (report_docx, report_xlsx) render this model; nothing here opens a file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from toolkit.core.model.issue_list import DEFAULT_LAYOUT_COLUMNS, IssueList, SourceLayout, Task
from toolkit.core.model.merge_result import DetailRow, MergeResult
from toolkit.core.settings import Settings
from toolkit.core.words import (
    DEADLINE,
    DONE,
    DONE_LATE,
    DUE_SOON,
    MEASURE,
    NO_DEADLINE,
    NOT_FILLED,
    NOT_RETURNED,
    ON_TRACK,
    OVERDUE,
    PROGRESS,
    ROLE_LEADER,
    ROLE_NO,
    ROLE_PROBLEM,
    ROLE_PROGRESS,
    TARGET,
    UNIT,
)

REPORT_STEM = "整改情况报告"
DEFAULT_TITLE = "整改任务完成情况"
# states that need no word beside the status: the status says it (已完成, 推进中 …)
_PLAIN_STATES = {DONE, DUE_SOON, ON_TRACK, NO_DEADLINE, NOT_RETURNED}
# states an office must see at a glance: marked as [report] in toolkit.toml says
MARKED_STATES = {OVERDUE, NOT_RETURNED}
ORDINALS = "一二三四五六七八九十"


def ordinal(n: int) -> str:
    """（一）（二）… （十一）: the measure numbering of the upper office's table."""
    if n <= 0:
        return f"（{n}）"
    if n <= 10:
        return f"（{ORDINALS[n - 1]}）"
    tens, ones = divmod(n, 10)
    head = ("" if tens == 1 else ORDINALS[tens - 1]) + "十"
    return f"（{head}{ORDINALS[ones - 1] if ones else ''}）"


@dataclass
class Run:
    """A piece of text; marked runs are drawn as the office chose for overdue/unreported measures."""

    text: str
    marked: bool = False


Paragraph = list[Run]


@dataclass
class ReportRow:
    issue_no: int
    cells: list[list[Paragraph]]  # one list of paragraphs per column
    measures: list[list[list[Paragraph]]] = field(default_factory=list)  # per measure: its cells


@dataclass
class ReportTable:
    title: str
    as_of: date
    headers: list[str]
    roles: list[str]
    rows: list[ReportRow]
    notes: list[str]
    office: str = ""
    fallback: bool = False  # the issue list kept no layout: DESIGN §7's five columns
    style: dict[str, Any] = field(default_factory=dict)  # [report] settings

    @property
    def date_line(self) -> str:
        return f"（截至{cn_date(self.as_of)}）"

    @property
    def signature(self) -> str:
        return cn_date(self.as_of)


def cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def report_name(outbox: Path, now: datetime) -> Path:
    """outbox/整改情况报告_YYYYMMDD.docx, or _YYYYMMDD_HHMMSS when that name is taken (by either file)."""
    plain = outbox / f"{REPORT_STEM}_{now:%Y%m%d}.docx"
    if not plain.exists() and not plain.with_suffix(".xlsx").exists():
        return plain
    return outbox / f"{REPORT_STEM}_{now:%Y%m%d_%H%M%S}.docx"


def status_label(line: DetailRow) -> str:
    """What the report says of one unit's measure: its status, and the state where it adds something
    (逾期, 逾期完成, or any state another part of the toolkit adds, 已销号 …)."""
    if line.entry is None:
        label = NOT_RETURNED
    else:
        label = line.entry.status or NOT_FILLED
    done = line.entry.done_date if line.entry is not None else None
    if label == DONE and done is not None:  # the date goes up too: the upper level reads it back
        return f"{label}，{cn_date(done)}{OVERDUE if line.state == DONE_LATE else ''}完成"
    if line.state == OVERDUE:
        return f"{label}，逾期"
    if line.state not in _PLAIN_STATES and line.state != label:
        return f"{label}，{line.state}"
    return label


def _progress(line: DetailRow) -> str:
    return (line.entry.texts.get(PROGRESS, "") if line.entry else "").strip()


def completion_paragraphs(task: Task, lines: list[DetailRow]) -> list[Paragraph]:
    """（一）【已完成】text, or for a measure several units share, （二） then one line per unit."""
    head = ordinal(task.measure_no)
    if len(lines) == 1:
        line = lines[0]
        marked = line.state in MARKED_STATES
        text_lines = _progress(line).splitlines() or [""]
        first = [Run(head), Run(f"【{status_label(line)}】", marked)]
        if text_lines[0]:
            first.append(Run(text_lines[0]))
        return [first, *([Run(t)] for t in text_lines[1:] if t.strip())]
    paragraphs: list[Paragraph] = [[Run(head)]]
    for line in lines:
        text_lines = _progress(line).splitlines() or [""]
        first = [
            Run(f"{line.unit}："),
            Run(f"【{status_label(line)}】", line.state in MARKED_STATES),
        ]
        if text_lines[0]:
            first.append(Run(text_lines[0]))
        paragraphs.append(first)
        paragraphs.extend([Run(t)] for t in text_lines[1:] if t.strip())
    return paragraphs


def _plain(text: str) -> list[Paragraph]:
    return [[Run(t)] for t in text.splitlines() if t.strip()] or [[Run("")]]


def _measure_cell(role: str, task: Task, lines: list[DetailRow]) -> list[Paragraph]:
    head = ordinal(task.measure_no)
    if role == MEASURE:
        body = task.measure.splitlines() or [""]
        return [[Run(head + body[0])], *([Run(t)] for t in body[1:] if t.strip())]
    if role == ROLE_PROGRESS:
        return completion_paragraphs(task, lines)
    if role == UNIT:
        return [[Run(head + "、".join(task.units))]]
    if role == ROLE_LEADER:
        return [[Run(head + task.leader)]] if task.leader else []
    if role == DEADLINE:
        words = task.deadline_text
        if task.deadline and (not words or words[:1].isdigit() and "年" not in words):
            words = cn_date(task.deadline)  # 2024-07-31 as the issue list's cell holds it
        return [[Run(head + words)]]
    return []


def _columns(layout: SourceLayout) -> list[tuple[str, str]]:
    """The layout's columns; a table sent out without a 整改完成情况 column gets one to answer in."""
    columns = list(layout.columns) or list(DEFAULT_LAYOUT_COLUMNS)
    if all(role != ROLE_PROGRESS for _, role in columns):
        columns.append((ROLE_PROGRESS, ROLE_PROGRESS))
    return columns


def build_report(result: MergeResult, issues: IssueList | None, settings: Settings) -> ReportTable:
    """The report table from a merge (fresh or rebuilt from the archive) and the issue list for the
    problem texts and the layout; run N's own tasks decide what is reported."""
    style = dict(settings.report)
    layout = issues.layout if issues is not None else None
    fallback = layout is None
    layout = layout or SourceLayout(kept=False)
    columns = _columns(layout)
    roles = [role for _, role in columns]
    current = issues.by_id if issues is not None else {}
    by_task: dict[str, list[DetailRow]] = {}
    tasks: dict[str, Task] = {}
    for line in result.rows:
        by_task.setdefault(line.task.task_id, []).append(line)
        tasks.setdefault(line.task.task_id, line.task)
    problems: dict[int, list[Task]] = {}
    for task in tasks.values():
        problems.setdefault(task.issue_no, []).append(task)
    rows = [
        _problem_row(issue_no, members, current, roles, by_task)
        for issue_no, members in problems.items()
    ]
    office = str(style.get("office") or "")
    title = str(style.get("title") or "") or layout.title or DEFAULT_TITLE
    if office and office not in title:
        title = office + title
    notes = report_notes(result) if style.get("note", True) else []
    return ReportTable(
        title,
        result.as_of,
        [header for header, _ in columns],
        roles,
        rows,
        notes,
        office,
        fallback,
        style,
    )


def _problem_row(
    issue_no: int,
    members: list[Task],
    current: dict[str, Task],
    roles: list[str],
    by_task: dict[str, list[DetailRow]],
) -> ReportRow:
    """One problem's row: its number, text and target once, its measures' cells one under another
    (the measure text and units as the current issue list has them)."""
    members.sort(key=lambda t: t.measure_no)
    first = current.get(members[0].task_id, members[0])
    description = getattr(first, "description", "") or first.issue_title
    measure_cells = []
    for task in members:
        full = current.get(task.task_id)
        shown = (
            task
            if full is None
            else Task(
                task.task_id,
                task.issue_no,
                task.issue_title,
                task.measure_no,
                full.measure or task.measure,
                full.units or task.units,
                task.deadline,
                task.deadline_text,
                leader=full.leader,
            )
        )
        measure_cells.append([_measure_cell(role, shown, by_task[task.task_id]) for role in roles])
    cells: list[list[Paragraph]] = []
    for index, role in enumerate(roles):
        if role == ROLE_NO:
            cells.append([[Run(str(issue_no))]])
        elif role == ROLE_PROBLEM:
            cells.append(_plain(description))
        elif role == TARGET:
            cells.append(_plain(getattr(first, "target", "")))
        elif role in (MEASURE, ROLE_PROGRESS, UNIT, DEADLINE):
            cells.append([p for measure in measure_cells for p in measure[index]])
        elif role == ROLE_LEADER:
            cells.append(_leaders(members, current, [m[index] for m in measure_cells]))
        else:
            cells.append([[Run("")]])
    return ReportRow(issue_no, cells, measure_cells)


def _leaders(
    members: list[Task], current: dict[str, Task], per_measure: list[list[Paragraph]]
) -> list[Paragraph]:
    """责任领导: once when the problem's measures share one (or only one is named), else per
    measure with its ordinal; blank when the issue list names none."""
    named = {current[t.task_id].leader for t in members if t.task_id in current} - {""}
    if len(named) == 1:
        return _plain(named.pop())
    return [p for paragraphs in per_measure for p in paragraphs] or [[Run("")]]


def report_notes(result: MergeResult) -> list[str]:
    """备注: the overdue measures (with their units) and the units that sent nothing."""
    silent = [u.unit for u in result.units if not u.files]
    overdue: dict[str, list[str]] = {}
    for line in result.rows:  # a silent unit's measures are its line below, not one each here
        late_unreported = (
            line.state == NOT_RETURNED and line.overdue_days is not None and line.unit not in silent
        )
        if line.state == OVERDUE or late_unreported:
            overdue.setdefault(line.task.task_id, []).append(line.unit)
    notes = []
    if overdue:
        listed = "；".join(f"{tid}（{'、'.join(units)}）" for tid, units in overdue.items())
        notes.append(f"逾期未完成的整改措施 {len(overdue)} 项：{listed}。")
    if silent:
        notes.append(f"未报送整改情况的单位 {len(silent)} 个：{'、'.join(silent)}。")
    return notes
