"""archive.recording."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from toolkit.core.model import MergeResult
from toolkit.core.settings import Settings


class _Recording:
    """Archiving a run in a forked child while the parent writes the workbook (the two use the two
    cores). The child writes everything but commits only once finish() says the workbook exists."""

    def __init__(self, process: Any = None, conn: Any = None, record: Any = None) -> None:
        self.process, self.conn, self.record = process, conn, record

    def finish(self, output: Path) -> tuple[int | None, list[str]]:
        from toolkit.core.errors import ArchiveError

        if self.process is None:
            done = self.record(lambda: output.name)
        else:
            try:
                self.conn.send(output.name)
            except OSError:
                pass  # the child already stopped; its reason is waiting in the pipe
            try:
                kind, done = self.conn.recv()
            except (EOFError, OSError):
                kind, done = "error", "留档进程意外退出"
            self.process.join()
            if kind == "error":
                raise ArchiveError(f"汇总台账已生成（{output}），但留档失败：{done}")
        return done if done is not None else (None, [])

    def abort(self) -> None:
        if self.process is None:
            return
        for step in (lambda: self.conn.send(None), self.conn.recv):
            try:
                step()
            except (EOFError, OSError):
                pass
        self.process.join()


def record_beside(settings: Settings, result: MergeResult, planned: Path, now: datetime,
                  inbox_files: list[Path]) -> _Recording:
    import multiprocessing as mp

    from toolkit.archive.store import open_archive

    def record(confirm: Any) -> tuple[int, list[str]] | None:
        archive = open_archive(settings)
        try:
            return archive.record(result, planned, now, settings, inbox_files, confirm)
        finally:
            archive.close()

    if "fork" not in mp.get_all_start_methods():
        return _Recording(record=record)
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe()

    def run(conn: Any) -> None:
        def confirm() -> str | None:
            try:
                return conn.recv()
            except EOFError:
                return None

        try:
            conn.send(("ok", record(confirm)))
        except Exception as exc:  # noqa: BLE001 - reported by the parent
            conn.send(("error", str(exc)))

    process = ctx.Process(target=run, args=(child,))
    process.start()
    child.close()
    return _Recording(process, parent)
