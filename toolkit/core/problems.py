"""Problems (问题) as a whole: a problem is done when every measure is done or closed for every unit,
overdue when any of them is overdue (DESIGN §6). Pure; rows are 台账明细 lines (task, state)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from toolkit.core.words import (
    CLOSED,
    DONE,
    DONE_LATE,
    OVERDUE,
    PROBLEM_COLUMNS,
    PROBLEM_DONE,
    PROBLEM_ONGOING,
    PROBLEM_OVERDUE,
)

FINISHED = (DONE, DONE_LATE, CLOSED)  # a measure counts as done for its problem in these states


@dataclass(frozen=True)
class ProblemSummary:
    """One problem (问题) as a whole: its measures, how many are done and overdue, its state."""

    issue_no: int
    title: str
    measures: int
    done: int
    overdue: int
    state: str

    def to_dict(self) -> dict[str, Any]:
        values = (self.issue_no, self.title, self.measures, self.done, self.overdue, self.state)
        return dict(zip(PROBLEM_COLUMNS, values, strict=True))


def summarize_problems(rows: Iterable[Any]) -> list[ProblemSummary]:
    """One pass over the rows (each with .task and .state): at province scale there are 100,000."""
    done_of: dict[str, bool] = {}
    late_of: dict[str, bool] = {}
    measures: dict[int, list[Any]] = {}
    for line in rows:
        task, state = line.task, line.state
        key = task.task_id
        if key not in done_of:
            measures.setdefault(task.issue_no, []).append(task)
            done_of[key] = state in FINISHED
            late_of[key] = state == OVERDUE
            continue
        if state not in FINISHED:
            done_of[key] = False
        if state == OVERDUE:
            late_of[key] = True
    out = []
    for issue_no in sorted(measures):
        tasks = measures[issue_no]
        done = sum(done_of[t.task_id] for t in tasks)
        overdue = sum(late_of[t.task_id] for t in tasks)
        state = (
            PROBLEM_DONE if done == len(tasks) else PROBLEM_OVERDUE if overdue else PROBLEM_ONGOING
        )
        out.append(ProblemSummary(issue_no, tasks[0].issue_title, len(tasks), done, overdue, state))
    return out
