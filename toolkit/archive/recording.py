"""Archiving a run in a child process while the parent writes the workbook (the two use the two
cores). The child writes everything, says it is ready, and commits only once the parent sends the
workbook's final name; None (or the parent gone) rolls it back. So the archive holds a run only
when its workbook was published, and the parent always knows whether it does.

The child follows read.processes' rules: it ignores Ctrl-C (the parent aborts it) and exits when the
parent dies, rolling back and first removing the dead parent's temporary files from the outbox.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from toolkit.core.errors import ArchiveError
from toolkit.core.model.merge_result import MergeResult
from toolkit.core.settings import Settings
from toolkit.read.processes import become_child, process_context, shielded, start_child
from toolkit.write.files import remove

ABORT_WAIT_S = 5.0  # how long an abort waits for the child to roll back before stopping it


def _record(
    settings: Settings,
    result: MergeResult,
    planned: Path,
    now: datetime,
    inbox_files: list[Path],
    confirm: Any,
) -> tuple[int, list[str]] | None:
    from toolkit.archive.store import open_archive

    archive = open_archive(settings)
    try:
        return archive.record(result, planned, now, settings, inbox_files, confirm)
    finally:
        archive.close()


class Recording:
    """The archive child of one merge, seen from the parent."""

    def __init__(self, process: Any, conn: Any, outbox: Path, before: set[str]) -> None:
        self.process, self.conn = process, conn
        self.outbox, self.before = outbox, before  # hidden entries of the outbox before writing
        self.run_id: int | None = None  # set once the run is committed

    def finish(self, output: Path) -> tuple[int | None, list[str]]:
        """Commit the run under the workbook's final name; returns (run id, archive problems).
        Ctrl-C while the child is still writing rolls it back; once the child is ready the commit
        is a moment, and an interrupt then waits for it, so run_id tells what was archived."""
        kind, done = self._receive()
        if kind == "ready":
            with shielded():
                try:
                    self.conn.send(output.name)
                except OSError:
                    pass  # the child already stopped; its reason is waiting in the pipe
                kind, done = self._receive()
                self._end()
                if kind == "ok" and done is not None:
                    self.run_id = done[0]
        else:
            self._end()
        if kind == "error":
            raise ArchiveError(f"汇总台账已生成（{output}），但留档失败：{done}")
        run_id, problems = done if done is not None else (None, [])
        self.run_id = run_id
        return run_id, problems

    def _receive(self) -> tuple[str, Any]:
        try:
            return self.conn.recv()
        except (EOFError, OSError):
            return "error", "留档进程意外退出"

    def _end(self) -> None:
        self.process.join(timeout=ABORT_WAIT_S)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()

    def abort(self) -> None:
        """No workbook (or no waiting for the archive): the child rolls back and exits; one still
        busy writing after a moment is stopped (a transaction never committed leaves no trace).
        Temporary files an interrupted workbook write left in the outbox are removed."""
        import os

        if not self.conn.closed:
            try:
                self.conn.send(None)
            except OSError:
                pass
            self._end()
        _remove_temporaries(self.outbox, self.before, os.getpid())


def record_beside(
    settings: Settings, result: MergeResult, planned: Path, now: datetime, inbox_files: list[Path]
) -> Recording:
    """Start archiving the run in a child process; Recording.finish commits it, abort drops it."""
    import os

    args = (settings, result, planned, now, inbox_files)
    ctx = process_context()
    parent, child = ctx.Pipe()
    before = _hidden(planned.parent)
    process = ctx.Process(
        target=_archive_child, args=(child, args, (os.getpid(), before)), daemon=True
    )
    try:
        start_child(process)
    finally:
        child.close()
    return Recording(process, parent, planned.parent, before)


def _archive_child(conn: Any, args: tuple[Any, ...], lifeline: tuple[int, set[str]]) -> None:
    settings, planned = args[0], args[2]
    outbox = planned.parent
    parent_pid, before = lifeline
    archive_files = settings.path("archive") / "files"

    def orphaned() -> None:  # the parent died without cleaning up: its temporary files go
        _remove_temporaries(outbox, before, parent_pid, archive_files)

    become_child(_terminate_signal(), on_orphan=orphaned)

    def confirm() -> str | None:
        try:
            conn.send(("ready", None))
            return conn.recv()
        except (EOFError, OSError):
            return None

    try:
        outcome: tuple[str, Any] = ("ok", _record(*args, confirm=confirm))
    except Exception as exc:  # noqa: BLE001 - reported by the parent
        outcome = ("error", str(exc))
    try:
        conn.send(outcome)
    except OSError:
        pass


def _terminate_signal() -> int | None:
    import signal

    return getattr(signal, "SIGTERM", None)


def _hidden(folder: Path) -> set[str]:
    try:
        return {p.name for p in folder.iterdir() if p.name.startswith(".")}
    except OSError:
        return set()


def _remove_temporaries(
    outbox: Path, before: set[str], pid: int, archive_files: Path | None = None
) -> None:
    """Temporary files of the merge process pid in the outbox (hidden, named with its process id,
    or a library's private temporary folder made since the merge began writing), and, with
    archive_files, this child's own half-copied files in the archive."""
    import os

    for name in _hidden(outbox):
        path = outbox / name
        if not (name.endswith(".tmp") and f".{pid}." in name) and not (
            name.startswith(".~tmp-") and name not in before
        ):
            continue
        remove(path)
    if archive_files is None:
        return
    try:
        for path in archive_files.glob(f"*/.*.{os.getpid()}.tmp"):
            path.unlink(missing_ok=True)
    except OSError:
        pass
