"""`toolkit history`: the archived runs and task edits, `history show N` (run N's workbook again,
from the archive alone) and `history --repair`; `toolkit.history()` is the list for Python."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from toolkit.api.workspace import open_workspace
from toolkit.core.settings import Settings


@dataclass
class HistoryShow:
    run_id: int
    output: Path
    integrity: list[tuple[str, str]]


@dataclass
class History:
    """What `toolkit history` lists: the archived runs and the task edits, both oldest first."""

    runs: list[Any]
    edits: list[Any]


def list_history(settings: Settings) -> History:
    return History(list_runs(settings), list_edits(settings))


def list_runs(settings: Settings) -> list[Any]:
    from toolkit.archive.database import DB_NAME
    from toolkit.archive.store import open_archive

    if not (settings.path("archive") / DB_NAME).exists():
        return []  # listing creates nothing

    archive = open_archive(settings)
    try:
        return archive.runs()
    finally:
        archive.close()


def list_edits(settings: Settings) -> list[Any]:
    """Every extension and closing recorded in the history, oldest first."""
    from toolkit.archive.database import DB_NAME
    from toolkit.archive.store import open_archive

    if not (settings.path("archive") / DB_NAME).exists():
        return []
    archive = open_archive(settings)
    try:
        return archive.edits()
    finally:
        archive.close()


def repair_archive(settings: Settings) -> Any:
    """Move a damaged archive/history.sqlite aside, keeping it, and start a new one with what can be read."""
    from toolkit.archive.repair import repair

    return repair(settings.path("archive"))


def rebuild_run(settings: Settings, run_id: int) -> HistoryShow:
    """Re-make run N's consolidated workbook from the archive alone (the inbox is not read)."""
    from toolkit.archive.database import DB_NAME
    from toolkit.archive.history import current_states, returned_units
    from toolkit.archive.store import open_archive
    from toolkit.core.changes import compare
    from toolkit.core.errors import ArchiveError
    from toolkit.write.workbook import write_workbook

    if not (settings.path("archive") / DB_NAME).exists():
        raise ArchiveError(
            f"{settings.path('archive')} 中还没有汇总记录：运行 toolkit merge 后会自动留档"
        )
    archive = open_archive(settings)
    try:
        result, started = archive.load(run_id, settings)
        result.changes = compare(
            archive.previous(before=run_id),
            current_states(result),
            returned_units(result),
            [u.unit for u in result.units],
            result.as_of,
        )
        result.trend = archive.trend(result, upto=run_id)
        integrity = archive.verify(run_id)
    finally:
        archive.close()
    output = write_workbook(result, settings, started, name=f"汇总台账_重建_第{run_id}次")
    return HistoryShow(run_id, output, integrity)


def runs_frame(workspace: str | os.PathLike) -> Any:
    """`toolkit history` for Python: one row per archived run, oldest first (pandas DataFrame)."""
    import pandas as pd

    from toolkit.core import words

    runs = list_runs(open_workspace(Path(workspace)))
    rows = [
        {
            "次数": run.run_id,
            "汇总时间": datetime.fromisoformat(run.started),
            "统计截止": date.fromisoformat(run.as_of),
            "文件数": run.files,
            **run.totals,
            "汇总台账": run.output,
        }
        for run in runs
    ]
    columns = [
        "次数",
        "汇总时间",
        "统计截止",
        "文件数",
        "已读取",
        words.TASK_COUNT,
        words.DONE,
        words.DONE_LATE,
        words.OVERDUE,
        words.DUE_SOON,
        words.ON_TRACK,
        words.NO_DEADLINE,
        words.NOT_RETURNED,
        "汇总台账",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({name: "Int64" for name in columns[3:-1]}) if rows else frame
