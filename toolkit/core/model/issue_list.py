"""The issue list (问题清单, issues.xlsx): its tasks, the units that own them and the upper office's
layout it was imported from."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from toolkit.core.findings import Finding
from toolkit.core.normalize import compact
from toolkit.core.settings import Settings
from toolkit.core.words import (
    ISSUE_COLUMNS,
    ISSUE_LIFE_COLUMNS,
    ISSUE_REQUIRED,
    MEASURE,
    ROLE_NO,
    ROLE_PROBLEM,
    ROLE_PROGRESS,
    SHEET_ISSUES,
    TARGET,
)

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
    # 责任领导, as the upper office's table named it (issues.xlsx's optional column)
    leader: str = ""

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
                self.leader,
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
