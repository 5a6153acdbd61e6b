"""Reading runs back from history.sqlite: the list (toolkit history), one run rebuilt from the
archive alone (history show, report), the previous run and the 完成率 trend the 变化 sheet and the
汇总 compare against, and the edits made by toolkit extend / close."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from toolkit.archive.database import STATE_COLUMNS, Database, guarded
from toolkit.core.changes import Previous, State, Trend
from toolkit.core.errors import ArchiveError
from toolkit.core.findings import Finding, Report
from toolkit.core.model.issue_list import Task, build_issue_list
from toolkit.core.model.merge_result import DetailRow, Entry, MergeResult, UnitSummary
from toolkit.core.settings import Settings
from toolkit.core.words import EVIDENCE, FILE_COUNT, FILES_READ, FILLER, PHONE, PROBLEMS, PROGRESS

TREND_RUNS = 6


@dataclass
class EditInfo:
    """One change to issues.xlsx made by toolkit extend or toolkit close."""

    edit_id: int
    at: str
    kind: str  # 延期 or 销号
    task_id: str
    before: str
    after: str
    basis: str
    backup: str


@dataclass
class RunInfo:
    run_id: int
    started: str
    as_of: str
    output: str
    totals: dict[str, int]
    files: int


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


class RunHistory(Database):
    """Queries over the runs and edits kept in history.sqlite."""

    @guarded
    def runs(self) -> list[RunInfo]:
        out = []
        for run_id, started, as_of, output, summary in self.db.execute(
            "SELECT id, started, as_of, output, summary FROM runs ORDER BY id"
        ):
            data = json.loads(summary)
            files = self.db.execute(
                "SELECT count(*) FROM files WHERE run_id=? AND role='inbox'", (run_id,)
            ).fetchone()[0]
            out.append(RunInfo(run_id, started, as_of, output, data["totals"], files))
        return out

    def edits(self) -> list[EditInfo]:
        return [
            EditInfo(*row)
            for row in self.db.execute(
                "SELECT id, at, kind, task_id, before, after, basis, backup FROM edits ORDER BY id"
            )
        ]

    @guarded
    def previous(self, before: int | None = None) -> Previous | None:
        """The latest run (before run `before`, when given), as the 变化 sheet compares against it."""
        query = "SELECT id, as_of, started, summary FROM runs"
        args: tuple = ()
        if before is not None:
            query += " WHERE id < ?"
            args = (before,)
        row = self.db.execute(query + " ORDER BY id DESC LIMIT 1", args).fetchone()
        if row is None:
            return None
        run_id, as_of, started, summary = row
        states = {}
        for (
            task_id,
            unit,
            status,
            state,
            progress,
            deadline,
            adjusted,
            basis,
            closed,
            close_basis,
        ) in self.db.execute(
            "SELECT task_id, unit, status, state, progress, deadline, adjusted_deadline, adjust_basis, "
            "closed_date, close_basis FROM states WHERE run_id=?",
            (run_id,),
        ):
            states[(task_id, unit)] = State(
                task_id,
                unit,
                status or "",
                state,
                progress or "",
                _day(adjusted) or _day(deadline),
                _day(adjusted),
                basis or "",
                _day(closed),
                close_basis or "",
            )
        returned = {u["unit"] for u in json.loads(summary)["units"] if u["files"]}
        return Previous(run_id, date.fromisoformat(as_of), started, states, returned)

    @guarded
    def trend(self, current: MergeResult, upto: int | None = None) -> Trend:
        """Each unit's 完成率 in the last runs (up to run `upto`), plus this run's as the last column."""
        query = "SELECT as_of, summary FROM runs"
        args: tuple = ()
        if upto is not None:
            query += " WHERE id < ?"
            args = (upto,)
        rows = self.db.execute(
            query + " ORDER BY id DESC LIMIT ?", (*args, TREND_RUNS - 1)
        ).fetchall()[::-1]
        trend = Trend(labels=[as_of for as_of, _ in rows] + [current.as_of.isoformat()])
        past = [{u["unit"]: u for u in json.loads(summary)["units"]} for _, summary in rows]
        for unit in current.units:
            values: list[float | None] = []
            for run in past:
                u = run.get(unit.unit)
                values.append(round(u["done"] / u["tasks"], 4) if u and u["tasks"] else None)
            values.append(round(unit.rate, 4))
            trend.rates[unit.unit] = values
        return trend

    @guarded
    def load(self, run_id: int, settings: Settings) -> tuple[MergeResult, datetime]:
        """Run `run_id` rebuilt from the archive alone: the same values its workbook was written from."""
        row = self.db.execute(
            "SELECT started, as_of, summary FROM runs WHERE id=?", (run_id,)
        ).fetchone()
        if row is None:
            raise ArchiveError(f"留档中没有第 {run_id} 次汇总；用 toolkit history 查看有哪些")
        started, as_of, summary = row
        data = json.loads(summary)
        tasks: dict[str, Task] = {}
        rows = [
            _detail_row(r, tasks)
            for r in self.db.execute(
                f"SELECT {','.join(STATE_COLUMNS)} FROM states WHERE run_id=? ORDER BY seq",
                (run_id,),
            )
        ]
        fixed = _with_their_units(rows, tasks)
        issues = build_issue_list(list(fixed.values()), settings)
        issues.fingerprint = data["fingerprint"]
        units = [UnitSummary(**u) for u in data["units"]]
        totals = data["totals"]
        result = MergeResult(
            date.fromisoformat(as_of),
            issues,
            rows,
            units,
            [],
            self._findings(run_id),
            file_counts=(totals[FILE_COUNT], totals[FILES_READ]),
        )
        return result, datetime.fromisoformat(started)

    def _findings(self, run_id: int) -> Report:
        return Report(
            [
                Finding(
                    code,
                    message,
                    file=file,
                    sheet=sheet,
                    row=row_no,
                    column=col,
                    value=value,
                    level=level,
                )
                for level, code, file, sheet, row_no, col, value, message in self.db.execute(
                    "SELECT level, code, file, sheet, row, col, value, message FROM findings "
                    "WHERE run_id=? ORDER BY seq",
                    (run_id,),
                )
            ]
        )


def _detail_row(r: tuple[Any, ...], tasks: dict[str, Task]) -> DetailRow:
    """One `states` row as the detail row it was written from; its task made once, in `tasks`."""
    v = dict(zip(STATE_COLUMNS, r, strict=True))
    task = tasks.get(v["task_id"])
    if task is None:
        task = tasks[v["task_id"]] = Task(
            v["task_id"],
            v["issue_no"],
            v["issue_title"],
            v["measure_no"],
            v["measure"],
            (),
            _day(v["deadline"]),
            v["deadline_text"] or "",
            adjusted_deadline=_day(v["adjusted_deadline"]),
            adjust_basis=v["adjust_basis"] or "",
            closed_on=_day(v["closed_date"]),
            close_basis=v["close_basis"] or "",
        )
    entry = None
    if v["returned"]:
        texts = {
            PROGRESS: v["progress"],
            EVIDENCE: v["evidence"],
            PROBLEMS: v["problems"],
            FILLER: v["reporter"],
            PHONE: v["phone"],
        }
        entry = Entry(
            task,
            v["unit"],
            v["status"],
            bool(v["status_ok"]),
            _day(v["done_date"]),
            v["done_text"],
            texts,
            None,
            None,
            v["source"],
            extension_to=_day(v["extension_to"]),
        )
    return DetailRow(task, v["unit"], entry, v["state"], v["overdue_days"])


def _with_their_units(rows: list[DetailRow], tasks: dict[str, Task]) -> dict[str, Task]:
    """Each task given the units its rows name (the archive keeps one row per task and unit), and
    every row and entry pointed at that task."""
    units_of: dict[str, list[str]] = {}
    for line in rows:
        units_of.setdefault(line.task.task_id, [])
        if line.unit not in units_of[line.task.task_id]:
            units_of[line.task.task_id].append(line.unit)
    fixed = {tid: replace(task, units=tuple(units_of.get(tid, ()))) for tid, task in tasks.items()}
    for line in rows:
        line.task = fixed[line.task.task_id]
        if line.entry is not None:
            line.entry.task = line.task
    return fixed


def current_states(result: MergeResult) -> list[State]:
    """This run's states in the shape previous() gives the last run's, for the 变化 sheet."""
    return [
        State(
            line.task.task_id,
            line.unit,
            line.entry.status if line.entry else "",
            line.state,
            line.entry.texts.get(PROGRESS, "") if line.entry else "",
            line.task.due,
            line.task.adjusted_deadline,
            line.task.adjust_basis,
            line.task.closed_on,
            line.task.close_basis,
        )
        for line in result.rows
    ]


def returned_units(result: MergeResult) -> set[str]:
    return {u.unit for u in result.units if u.files}
