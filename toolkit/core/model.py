"""The data everything passes around: tasks and the issue list, returned rows and files, entries, merged rows and results."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from toolkit.core.changes import Change, Trend
from toolkit.core.findings import Finding, Report, finding
from toolkit.core.normalize import compact
from toolkit.core.problems import ProblemSummary, summarize_problems
from toolkit.core.settings import Settings
from toolkit.core.words import (
    CLOSED,
    DONE,
    DONE_LATE,
    DUE_SOON,
    EXTENSION_REQUEST,
    FILE_COUNT,
    FILES_READ,
    ISSUE_COLUMNS,
    ISSUE_LIFE_COLUMNS,
    ISSUE_REQUIRED,
    MEASURE,
    NO_DEADLINE,
    NOT_RETURNED,
    ON_TRACK,
    OVERDUE,
    PROBLEM_DONE,
    PROBLEM_OVERDUE,
    PROBLEMS,
    PROGRESS,
    RETURNED,
    ROLE_NO,
    ROLE_PROBLEM,
    ROLE_PROGRESS,
    SHEET_ISSUES,
    TARGET,
    TASK_COUNT,
    UNREADABLE,
    problem_headline,
)
from toolkit.core.words import LAYOUT_ROLES as LAYOUT_ROLES  # re-exported: its old home


@dataclass(slots=True)
class Entry:
    """One unit's report on one task, taken from one row."""

    task: Task
    unit: str
    status: str  # a canonical status, 未填报, or the raw text when it was not recognised
    status_ok: bool
    done_date: date | None
    done_text: str  # what was written, kept when it is not a date
    texts: dict[str, str]
    ledger: LedgerFile
    row: LedgerRow | None  # None once the merge has released its inputs

    _source: str = ""
    filed_by: str = ""  # the unit whose file held this row, when it is not the row's own unit
    extension_to: date | None = None  # 申请延期至: the date a unit asked for with 申请延期

    @property
    def source(self) -> str:
        if not self._source and self.row is not None:
            self._source = f"{self.row.file} › {self.row.sheet} › 第{self.row.row}行"
        return self._source


@dataclass(slots=True)
class DetailRow:
    """One line of 台账明细: a task as one unit reported it (or did not)."""

    task: Task
    unit: str
    entry: Entry | None
    state: str
    overdue_days: int | None

    @property
    def status(self) -> str:
        return self.entry.status if self.entry else ""

    @property
    def deadline(self) -> date | None:
        """The deadline the state is measured against: 调整后时限 when an extension was approved."""
        return self.task.due

    @property
    def closed(self) -> bool:
        return self.state == CLOSED

    @property
    def extension_to(self) -> date | None:
        return self.entry.extension_to if self.entry else None

    @property
    def extension_reason(self) -> str:
        """Why the unit asks for time: what it wrote in 存在问题 and 整改进展."""
        texts = self.entry.texts if self.entry else {}
        return "\n".join(t for t in (texts.get(PROBLEMS, ""), texts.get(PROGRESS, "")) if t)

    @property
    def requests_extension(self) -> bool:
        return self.entry is not None and self.entry.status == EXTENSION_REQUEST and not self.closed


@dataclass
class UnitSummary:
    unit: str
    tasks: int = 0
    done: int = 0
    in_progress: int = 0
    not_started: int = 0
    overdue: int = 0
    due_soon: int = 0
    missing: int = 0
    missing_overdue: int = 0  # tasks past their deadline that the unit has not reported on
    closed: int = 0  # tasks closed (已销号); counted in `done` too
    files: list[str] = field(default_factory=list)
    failed_files: list[str] = field(default_factory=list)  # named for this unit but unreadable

    @property
    def rate(self) -> float:
        return self.done / self.tasks if self.tasks else 0.0

    @property
    def return_state(self) -> str:
        if not self.files and self.failed_files:
            return UNREADABLE
        if not self.files and not self.missing:
            return ALL_CLOSED
        if not self.files:
            return NOT_RETURNED
        if self.missing:
            return f"部分报送（缺{self.missing}项）"
        return RETURNED


@dataclass
class MergeResult:
    as_of: date
    issues: IssueList
    rows: list[DetailRow]
    units: list[UnitSummary]
    files: list[LedgerFile]
    report: Report
    file_counts: tuple[int, int] | None = None  # (files, read) when rebuilt from the archive
    changes: list[Change] | None = None  # against the previous run; None when there is no archive
    trend: Trend | None = None
    _problems: tuple[int, list[ProblemSummary]] | None = field(
        default=None, repr=False, compare=False
    )

    def release_inputs(self) -> None:
        """Drop the returned rows once merged: at province scale they are most of the memory, and
        only what each entry kept (status, texts, dates, source) is written out."""
        for ledger in self.files:
            ledger.rows = []
        for line in self.rows:
            if line.entry is not None:
                line.entry.source  # noqa: B018 - computed and kept before the row goes
                line.entry.row = None

    @property
    def silent_units(self) -> list[UnitSummary]:
        return [u for u in self.units if not u.files and u.missing]

    @property
    def unreported_units(self) -> list[UnitSummary]:
        """Units with tasks they reported nothing on: silent ones, and those whose return left tasks out."""
        return [u for u in self.units if u.missing]

    def totals(self) -> dict[str, int]:
        counts = {TASK_COUNT: len(self.rows)}
        for state in (
            OVERDUE,
            DUE_SOON,
            ON_TRACK,
            DONE,
            DONE_LATE,
            NO_DEADLINE,
            NOT_RETURNED,
            CLOSED,
        ):
            counts[state] = sum(1 for r in self.rows if r.state == state)
        if self.file_counts is not None:
            counts[FILE_COUNT], counts[FILES_READ] = self.file_counts
        else:
            counts[FILE_COUNT] = len(self.files)
            counts[FILES_READ] = sum(1 for f in self.files if f.ok)
        return counts

    def problems(self) -> list[ProblemSummary]:
        """Each problem as a whole, in 问题序号 order (DESIGN §6); computed once per result."""
        if self._problems is None or self._problems[0] != len(self.rows):
            self._problems = (len(self.rows), summarize_problems(self.rows))
        return self._problems[1]

    def headline(self) -> str:
        """共 N 个问题，已完成 X 个，逾期 Y 个."""
        problems = self.problems()
        return problem_headline(
            len(problems),
            sum(1 for p in problems if p.state == PROBLEM_DONE),
            sum(1 for p in problems if p.state == PROBLEM_OVERDUE),
        )

    @property
    def extension_requests(self) -> list[DetailRow]:
        """Rows whose unit asked for more time (申请延期) this round, closed tasks left out."""
        return [line for line in self.rows if line.requests_extension]


ALL_CLOSED = "无需报送（已全部销号）"  # 报送状态 of a unit whose every task is closed


SHEET = SHEET_ISSUES


COLUMNS = list(ISSUE_COLUMNS)


REQUIRED = list(ISSUE_REQUIRED)


# written by toolkit extend / toolkit close, added to issues.xlsx when first needed (DESIGN §3)
LIFE_COLUMNS = list(ISSUE_LIFE_COLUMNS)


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
    adjusted_deadline: date | None = None  # 调整后时限: an approved extension (toolkit extend)
    adjust_basis: str = ""  # 调整依据
    closed_on: date | None = None  # 销号日期: closed after verification (toolkit close)
    close_basis: str = ""  # 销号依据

    def __reduce__(self) -> tuple:
        # as a plain tuple of fields: the issue list crosses from a worker process, and the
        # default for slotted dataclasses pickles a dict per task (3× slower at 100,000 tasks)
        return (
            Task,
            (
                self.task_id,
                self.issue_no,
                self.issue_title,
                self.measure_no,
                self.measure,
                self.units,
                self.deadline,
                self.deadline_text,
                self.target,
                self.description,
                self.row,
                self.adjusted_deadline,
                self.adjust_basis,
                self.closed_on,
                self.close_basis,
            ),
        )

    @property
    def due(self) -> date | None:
        """The deadline in force: 调整后时限 when an extension was approved, else 完成时限."""
        return self.adjusted_deadline or self.deadline

    @property
    def closed(self) -> bool:
        return self.closed_on is not None


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


# the layout of DESIGN §7, used when the issue list kept no source layout (imported before it was kept)
DEFAULT_LAYOUT_COLUMNS = tuple(
    (role, role) for role in (ROLE_NO, ROLE_PROBLEM, TARGET, MEASURE, ROLE_PROGRESS)
)


@dataclass(frozen=True)
class SourceLayout:
    """The upper office's own table that the issue list was imported from: its title and its columns
    in order, each as (header as written, role). `toolkit report` answers in this layout. Kept in
    issues.xlsx on the hidden sheet words.LAYOUT_SHEET."""

    title: str = ""
    file: str = ""
    columns: tuple[tuple[str, str], ...] = DEFAULT_LAYOUT_COLUMNS
    kept: bool = True  # False: the issue list had none, and this is DESIGN §7's default
    imported: date | None = (
        None  # the day `toolkit issues import` wrote the list (row "日期"); dates 立行立改
    )


@dataclass
class IssueList:
    tasks: list[Task]
    units: UnitBook
    fingerprint: str
    path: Path | None = None
    findings: list[Finding] = field(default_factory=list)
    layout: SourceLayout | None = None  # None: issues.xlsx kept no source layout

    def __post_init__(self) -> None:
        self._by_text: dict[str, Task | None] | None = None
        self._measure_keys: list[str] | None = None
        self._haystack: tuple[str, list[int]] | None = None
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

    @property
    def measure_keys(self) -> list[str]:
        """Every task's compacted measure text, in task order (built on first use, for text matching)."""
        if self._measure_keys is None:
            self._measure_keys = [compact(task.measure) for task in self.tasks]
        return self._measure_keys

    @property
    def measure_haystack(self) -> tuple[str, list[int]]:
        """The measure keys joined by newlines (which compact() never leaves in a key), with each
        key's start: one str.find looks for a text inside every measure at C speed."""
        if self._haystack is None:
            starts, at = [], 0
            for key in self.measure_keys:
                starts.append(at)
                at += len(key) + 1
            self._haystack = ("\n".join(self.measure_keys), starts)
        return self._haystack

    def __reduce__(self) -> tuple:
        # the indexes are rebuilt on arrival rather than pickled alongside the tasks
        return (
            IssueList,
            (self.tasks, self.units, self.fingerprint, self.path, self.findings, self.layout),
        )

    def tasks_of(self, unit: str) -> list[Task]:
        return [t for t in self.tasks if unit in t.units]

    @property
    def unit_names(self) -> list[str]:
        return self.units.names


def fingerprint(tasks: list[Task]) -> str:
    digest = hashlib.sha256()
    for t in sorted(tasks, key=lambda t: t.task_id):
        parts = [
            t.task_id,
            t.measure,
            "、".join(t.units),
            t.deadline.isoformat() if t.deadline else "",
        ]
        digest.update("\x1f".join(parts).encode("utf-8") + b"\x1e")
    return digest.hexdigest()[:16]


def build_issue_list(
    tasks: list[Task],
    settings: Settings,
    path: Path | None = None,
    findings: list[Finding] | None = None,
) -> IssueList:
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


def title_of(problem_text: str) -> str:
    """A problem's short title: its first sentence, without the final 。"""
    first = re.split(r"[。！？]", problem_text.strip(), maxsplit=1)[0]
    return first.strip()


@dataclass(slots=True)
class LedgerRow:
    """One data row of a returned ledger, with where it came from."""

    file: str
    sheet: str
    row: int  # Excel row number, 1-based
    values: dict[str, Any]
    columns: dict[str, str]  # field → column letter
    labels: dict[str, str] = field(default_factory=dict)  # field → the header the unit wrote

    def __reduce__(self) -> tuple:
        # a plain tuple: rows cross from the reading worker, and the default for slotted
        # dataclasses pickles a dict of fields per row
        return (
            LedgerRow,
            (self.file, self.sheet, self.row, self.values, self.columns, self.labels),
        )


@dataclass
class LedgerFile:
    """What one returned file held, and what became of it."""

    name: str  # path relative to the inbox; "a.zip/b.xlsx" for members of a zip
    unit: str | None = None
    unit_source: str = ""
    reported: date | None = None
    meta_time: datetime | None = None
    mtime: datetime | None = None
    rows: list[LedgerRow] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    ok: bool = False  # a ledger sheet was found and read
    context: list[str] = field(
        default_factory=list
    )  # title, notes and section texts around the table

    def note(self, code: str, variant: str = "", /, **values: Any) -> None:
        """Record finding(code, variant, **values) against this file."""
        self.findings.append(finding(code, variant, file=self.name, **values))

    def __reduce__(self) -> tuple:
        # A returned file crosses from its reading worker to the parent. Its rows go in columns
        # (pack_rows): the field names, file and sheet once per block instead of a dict per row,
        # and each distinct text once, so 200,000 rows neither balloon the pipe nor the parent.
        state = {name: value for name, value in self.__dict__.items() if name != "rows"}
        return (_unpack_ledger, (state, pack_rows(self.rows)))


RowBlock = tuple[
    str, str, dict[str, str], dict[str, str], tuple[str, ...], list[int], list[list[Any]]
]


def pack_rows(rows: list[LedgerRow]) -> list[RowBlock]:
    """Rows as column blocks: (file, sheet, columns, labels, field names, row numbers, one list of
    values per field), a new block wherever one of the shared parts changes. Equal texts become one
    object, which pickle then sends (and the parent keeps) once."""
    blocks: list[RowBlock] = []
    same: dict[str, str] = {}
    start = 0
    while start < len(rows):
        first = rows[start]
        names = tuple(first.values)
        end = start + 1
        while (
            end < len(rows)
            and rows[end].sheet is first.sheet
            and rows[end].columns is first.columns
            and rows[end].labels is first.labels
            and rows[end].file == first.file
            and tuple(rows[end].values) == names
        ):
            end += 1
        part = rows[start:end]
        columns = (
            [
                [same.setdefault(v, v) if v.__class__ is str else v for v in column]
                for column in zip(*[tuple(row.values.values()) for row in part], strict=True)
            ]
            if names
            else []
        )
        blocks.append(
            (
                first.file,
                first.sheet,
                first.columns,
                first.labels,
                names,
                [row.row for row in part],
                columns,
            )
        )
        start = end
    return blocks


def unpack_rows(blocks: list[RowBlock]) -> list[LedgerRow]:
    rows: list[LedgerRow] = []
    for file, sheet, columns, labels, names, numbers, values in blocks:
        if not names:
            rows.extend(LedgerRow(file, sheet, n, {}, columns, labels) for n in numbers)
            continue
        rows.extend(
            LedgerRow(file, sheet, n, dict(zip(names, cells, strict=True)), columns, labels)
            for n, cells in zip(numbers, zip(*values, strict=True), strict=True)
        )
    return rows


def _unpack_ledger(state: dict[str, Any], blocks: list[RowBlock]) -> LedgerFile:
    ledger = LedgerFile.__new__(LedgerFile)
    ledger.__dict__.update(state)
    ledger.rows = unpack_rows(blocks)
    return ledger
