"""What a merge makes: each unit's entry on a task, the lines of 台账明细, the unit summaries and the
result that holds them with the run's findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from toolkit.core.changes import Change, Trend
from toolkit.core.findings import Report
from toolkit.core.model.issue_list import IssueList, Task
from toolkit.core.model.ledger import LedgerFile, LedgerRow
from toolkit.core.problems import ProblemSummary, summarize_problems
from toolkit.core.words import (
    CLOSED,
    DONE,
    DONE_LATE,
    DUE_SOON,
    EXTENSION_REQUEST,
    FILE_COUNT,
    FILES_READ,
    NO_DEADLINE,
    NOT_RETURNED,
    ON_TRACK,
    OVERDUE,
    PROBLEM_DONE,
    PROBLEM_OVERDUE,
    PROBLEMS,
    PROGRESS,
    RETURNED,
    TASK_COUNT,
    UNREADABLE,
    problem_headline,
)


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
