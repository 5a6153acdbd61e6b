"""What `toolkit issues import` understood of an upper office's table: its problems and their measures,
before they become the issue list's tasks (read/issues_import.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from toolkit.core.findings import Finding
from toolkit.core.model.issue_list import SourceLayout


@dataclass
class ImportedMeasure:
    """One measure of an upper office's table, as `toolkit issues import` understood it."""

    measure_no: int
    text: str  # the measure's full text, sub-items included, its leading number (（一）, 1., 一是) removed
    deadline: date | None
    deadline_text: str  # e.g. "2024年6月底前", "长期坚持", "立行立改" or ""
    units: list[str]  # the units, lead (牵头) first; [] when the table names none
    completion: str  # the aligned 整改完成情况 text ("" if none)
    support: list[str] = field(default_factory=list)  # those of `units` that assist (配合)
    leader: str = ""  # 责任领导/责任人 as written


@dataclass
class ImportedProblem:
    issue_no: int
    title: str
    description: str
    target: str
    measures: list[ImportedMeasure] = field(default_factory=list)


@dataclass
class ImportedTable:
    """What an import understood: the problems, the findings, the source layout, and every cell it
    could not place (as "where: text" lines for the clerk)."""

    problems: list[ImportedProblem]
    findings: list[Finding] = field(default_factory=list)
    layout: SourceLayout | None = None
    unplaced: list[str] = field(default_factory=list)
