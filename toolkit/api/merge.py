"""`toolkit merge`: read the issue list and every returned file, merge, write the consolidated
workbook and archive the run; `toolkit.merge()` is the same for Python."""

from __future__ import annotations

import gc
import glob
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

from toolkit.api.workspace import open_workspace, require_inputs, resolve_as_of
from toolkit.archive.recording import record_beside
from toolkit.core.errors import Interrupted
from toolkit.core.model.merge_result import MergeResult
from toolkit.core.settings import Settings
from toolkit.core.words import (
    ADJUST_BASIS,
    ADJUSTED_DEADLINE,
    CLOSE_BASIS,
    CLOSED,
    CLOSED_DATE,
    DEADLINE,
    DONE_RATE,
    DUE_SOON,
    EXTENSION_COLUMNS,
    LEVELS,
    OVERDUE,
    RETURN_FILES,
    RETURN_STATE,
    STATUS_DONE,
    STATUS_NOT_STARTED,
    STATUS_ONGOING,
    TASK_COUNT,
    TASK_ID,
    UNIT,
)


@dataclass
class MergeRun:
    result: MergeResult
    output: Path
    seconds: float
    run_id: int | None = None  # its number in the archive
    archive_problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """What `toolkit merge --json` prints."""
        r = self.result
        return {
            "output": str(self.output),
            "as_of": r.as_of.isoformat(),
            "issue_list_fingerprint": r.issues.fingerprint,
            "totals": r.totals(),
            "findings_by_level": {level: r.report.count(level) for level in LEVELS},
            "units": _unit_rows(r),
            "findings": [f.to_dict() for f in r.report.sorted()],
            "run": self.run_id,
            "changes": [vars(c) for c in r.changes or []],
            "headline": r.headline(),
            "problems": [p.to_dict() for p in r.problems()],
            "extension_requests": _extension_rows(r),
            "adjusted": _adjusted_rows(r),
        }

    def to_frame(self) -> Any:
        """台账明细 as a pandas DataFrame: one row per (task, unit), the sheet's columns."""
        from toolkit.write.frames import detail_frame

        return detail_frame(self.result)

    def findings_frame(self) -> Any:
        """校验问题 as a pandas DataFrame, with the sheet's columns."""
        from toolkit.write.frames import findings_frame

        return findings_frame(self.result)


def _unit_rows(r: MergeResult) -> list[dict[str, Any]]:
    return [
        {
            UNIT: u.unit,
            TASK_COUNT: u.tasks,
            STATUS_DONE: u.done,
            STATUS_ONGOING: u.in_progress,
            STATUS_NOT_STARTED: u.not_started,
            OVERDUE: u.overdue,
            DUE_SOON: u.due_soon,
            CLOSED: u.closed,
            DONE_RATE: round(u.rate, 4),
            RETURN_STATE: u.return_state,
            RETURN_FILES: u.files,
        }
        for u in r.units
    ]


def _extension_rows(r: MergeResult) -> list[dict[str, Any]]:
    return [
        dict(
            zip(
                EXTENSION_COLUMNS,
                (
                    line.task.task_id,
                    line.unit,
                    line.task.due.isoformat() if line.task.due else line.task.deadline_text,
                    line.extension_to.isoformat() if line.extension_to else None,
                    line.extension_reason,
                    line.entry.source if line.entry else "",
                ),
                strict=True,
            )
        )
        for line in r.extension_requests
    ]


def _adjusted_rows(r: MergeResult) -> list[dict[str, Any]]:
    return [
        {
            TASK_ID: t.task_id,
            DEADLINE: t.deadline.isoformat() if t.deadline else t.deadline_text,
            ADJUSTED_DEADLINE: t.adjusted_deadline.isoformat() if t.adjusted_deadline else None,
            ADJUST_BASIS: t.adjust_basis,
            CLOSED_DATE: t.closed_on.isoformat() if t.closed_on else None,
            CLOSE_BASIS: t.close_basis,
        }
        for t in r.issues.tasks
        if t.adjusted_deadline or t.closed_on
    ]


def run_merge(
    settings: Settings,
    as_of: date | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    now: datetime | None = None,
) -> MergeRun:
    """Read the issue list and every returned file, merge, and write the consolidated workbook."""
    with collector_paused():
        return _run_merge(settings, as_of, progress, now)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused for a merge, and restored after. A merge makes millions of
    small objects (rows unpickled, entries, cells) and no cycles worth collecting, so the collector
    would only walk the growing heap again and again: a province's workbook (100,000 rows) took 13%
    longer to write with it running. Objects from before are frozen, so the archive child forked
    during the write shares them without copying."""
    was_enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def _run_merge(
    settings: Settings,
    as_of: date | None,
    progress: Callable[[int, int, str], None] | None,
    now: datetime | None,
) -> MergeRun:
    import time

    from toolkit.archive.history import current_states, returned_units
    from toolkit.archive.store import open_archive
    from toolkit.core.changes import compare
    from toolkit.core.merge import merge
    from toolkit.read.inbox import read_issues_and_inbox, scan_inbox
    from toolkit.read.issue_list import load_issue_list
    from toolkit.write.workbook import output_name, write_workbook

    started = time.perf_counter()
    inbox = require_inputs(settings)
    scanned = scan_inbox(inbox)  # once: the files read are the files archived
    total = len(scanned[0])
    done = 0

    def step(name: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total, name)

    now = now or datetime.now()
    archive = open_archive(settings)
    try:
        issues, files = read_issues_and_inbox(
            settings, partial(load_issue_list, settings), step, scanned=scanned
        )
        result = merge(issues, files, settings, resolve_as_of(settings, as_of))
        result.release_inputs()
        result.changes = compare(
            archive.previous(),
            current_states(result),
            returned_units(result),
            [u.unit for u in result.units],
            result.as_of,
        )
        result.trend = archive.trend(result)
    finally:
        archive.close()
    planned = output_name(settings.path("outbox"), now)
    recording = record_beside(settings, result, planned, now, scanned[0])
    output = None
    earlier = _workbooks_like(planned)
    try:
        output = write_workbook(result, settings, now)
        run_id, problems = recording.finish(output)
    except (
        KeyboardInterrupt
    ) as exc:  # Ctrl-C, SIGTERM: say whether a workbook and an archive entry exist
        recording.abort()
        published = output or next(iter(sorted(_workbooks_like(planned) - earlier)), None)
        raise Interrupted(getattr(exc, "signal_number", 2), published, recording.run_id) from None
    except BaseException:
        recording.abort()  # no workbook, no run in the archive
        raise
    return MergeRun(result, output, time.perf_counter() - started, run_id, problems)


def _workbooks_like(planned: Path) -> set[Path]:
    """Workbooks in the outbox named as planned (or planned_2 …): how an interrupt that came
    just after publishing is told from one that came before."""
    try:
        return set(planned.parent.glob(glob.escape(planned.stem) + "*" + planned.suffix))
    except OSError:
        return set()


def merge_only(settings: Settings, as_of: date | None = None) -> MergeResult:
    """Read and merge without writing a workbook (for reminders)."""
    from toolkit.core.merge import merge
    from toolkit.read.inbox import read_issues_and_inbox
    from toolkit.read.issue_list import load_issue_list

    require_inputs(settings)
    issues, files = read_issues_and_inbox(settings, partial(load_issue_list, settings))
    return merge(issues, files, settings, resolve_as_of(settings, as_of))


def merge_workspace(workspace: str | os.PathLike, as_of: str | date | None = None) -> MergeRun:
    """`toolkit merge` for Python: merge the workspace, write the workbook, archive the run."""
    from toolkit.core.settings_file import parse_as_of

    settings = open_workspace(Path(workspace))
    return run_merge(settings, parse_as_of(as_of, "as_of") if as_of is not None else None)
