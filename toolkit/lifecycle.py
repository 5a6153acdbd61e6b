"""The life of a task: `toolkit extend` (an approved extension) and `toolkit close` (销号), both
editing issues.xlsx and kept in the history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from toolkit.core.settings import Settings


@dataclass
class EditRun:
    """What toolkit extend / toolkit close changed in issues.xlsx."""

    task_id: str
    kind: str  # words.EXTENDED or words.CLOSED_CHANGE
    before: str
    after: str
    basis: str
    path: Path
    backup: Path
    units: tuple[str, ...] = ()


def run_extend(
    settings: Settings, task_id: str, to: date, basis: str, now: datetime | None = None
) -> EditRun:
    """Approve an extension: 调整后时限 and 调整依据 into the task's row of issues.xlsx, recorded in history."""
    from toolkit.core.words import EXTENDED
    from toolkit.write.issue_edit import extension_values

    task, values, before, after = extension_values(settings, task_id, to, basis)
    return _edit(settings, task, values, EXTENDED, before, after, basis.strip(), now)


def run_close(
    settings: Settings, task_id: str, on: date, basis: str, now: datetime | None = None
) -> EditRun:
    """Close a verified task (销号): 销号日期 and 销号依据 into issues.xlsx, recorded in history."""
    from toolkit.core.words import CLOSED_CHANGE
    from toolkit.write.issue_edit import closing_values

    task, values, before, after = closing_values(settings, task_id, on, basis)
    return _edit(settings, task, values, CLOSED_CHANGE, before, after, basis.strip(), now)


def _edit(
    settings: Settings,
    task: Any,
    values: dict[str, Any],
    kind: str,
    before: str,
    after: str,
    basis: str,
    now: datetime | None,
) -> EditRun:
    from toolkit.archive.store import open_archive
    from toolkit.write.issue_edit import edit_task_row

    now = now or datetime.now()
    path = settings.path("issues")
    backup = edit_task_row(path, task, values, settings.headers, settings.path("archive"), now)
    archive = open_archive(settings)
    try:
        archive.record_edit(kind, task.task_id, before, after, basis, backup.name, now)
    finally:
        archive.close()
    return EditRun(task.task_id, kind, before, after, basis, path, backup, task.units)


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
