"""One library call per command: find the workspace, read, merge, write. The CLI only renders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from toolkit.config import SETTINGS_FILE, Settings, default_toml, load_settings
from toolkit.errors import WorkspaceError
from toolkit.merge import MergeResult


@dataclass
class MergeRun:
    result: MergeResult
    output: Path
    seconds: float
    run_id: int | None = None  # its number in the archive
    archive_problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        r = self.result
        return {
            "output": str(self.output),
            "as_of": r.as_of.isoformat(),
            "issue_list_fingerprint": r.issues.fingerprint,
            "totals": r.totals(),
            "findings_by_level": {level: r.report.count(level) for level in ("错误", "警告", "提示")},
            "units": [
                {"责任单位": u.unit, "任务数": u.tasks, "已完成": u.done, "推进中": u.in_progress,
                 "未启动": u.not_started, "逾期": u.overdue, "临期": u.due_soon,
                 "完成率": round(u.rate, 4), "报送状态": u.return_state, "报送文件": u.files}
                for u in r.units
            ],
            "findings": [f.to_dict() for f in r.report.sorted()],
            "run": self.run_id,
            "changes": [vars(c) for c in r.changes or []],
        }


def open_workspace(workspace: Path) -> Settings:
    if not workspace.is_dir():
        raise WorkspaceError(f"工作目录 {workspace} 不存在。请进入工作目录运行，或用 -w 指定；新建用 toolkit init 目录名")
    return load_settings(workspace)


def resolve_as_of(settings: Settings, as_of: date | None) -> date:
    return as_of or settings.as_of or date.today()


def require_inputs(settings: Settings) -> Path:
    """Stop with the clerk's message when the issue list or the inbox is missing; the inbox."""
    from toolkit.issues import load_issue_list

    inbox = settings.path("inbox")
    if not settings.path("issues").exists():
        load_issue_list(settings)  # raises the message about the missing issue list
    if not inbox.is_dir():
        raise WorkspaceError(f"找不到收件目录 {inbox}。请新建该目录，把各单位报回的台账放进去后再运行")
    return inbox


def run_merge(settings: Settings, as_of: date | None = None,
              progress: Callable[[int, int, str], None] | None = None,
              now: datetime | None = None) -> MergeRun:
    """Read the issue list and every returned file, merge, and write the consolidated workbook."""
    import time

    from toolkit.archive import current_states, open_archive, returned_units
    from toolkit.changes import compare
    from toolkit.inbox import iter_inbox, read_issues_and_inbox
    from toolkit.issues import load_issue_list
    from toolkit.merge import merge
    from toolkit.workbook import output_name, write_workbook

    started = time.perf_counter()
    inbox = require_inputs(settings)
    total = sum(1 for _ in iter_inbox(inbox))
    done = 0

    def step(name: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total, name)

    now = now or datetime.now()
    archive = open_archive(settings)
    try:
        issues, files = read_issues_and_inbox(settings, lambda: load_issue_list(settings), step)
        result = merge(issues, files, settings, resolve_as_of(settings, as_of))
        result.release_inputs()
        result.changes = compare(archive.previous(), current_states(result), returned_units(result),
                                 [u.unit for u in result.units], result.as_of)
        result.trend = archive.trend(result)
    finally:
        archive.close()
    planned = output_name(settings.path("outbox"), now)
    recording = record_beside(settings, result, planned, now, list(iter_inbox(inbox)))
    try:
        output = write_workbook(result, settings, now)
    except BaseException:
        recording.abort()  # no workbook, no run in the archive
        raise
    run_id, problems = recording.finish(output)
    return MergeRun(result, output, time.perf_counter() - started, run_id, problems)


def init_workspace(target: Path) -> list[Path]:
    """Make an empty workspace: the folders, a commented toolkit.toml, the blank ledger template."""
    from toolkit.template import write_blank_template

    settings = Settings(workspace=target)
    made: list[Path] = []
    target.mkdir(parents=True, exist_ok=True)
    for key in ("inbox", "outbox", "archive"):
        folder = settings.path(key)
        if not folder.exists():
            folder.mkdir(parents=True)
            made.append(folder)
    toml = target / SETTINGS_FILE
    if not toml.exists():
        toml.write_text(default_toml(), encoding="utf-8")
        made.append(toml)
    template = settings.path("template")
    if not template.exists():
        template.parent.mkdir(parents=True, exist_ok=True)
        write_blank_template(template)
        made.append(template)
    return made


def merge_only(settings: Settings, as_of: date | None = None) -> MergeResult:
    """Read and merge without writing a workbook (for reminders)."""
    from toolkit.inbox import read_issues_and_inbox
    from toolkit.issues import load_issue_list
    from toolkit.merge import merge

    require_inputs(settings)
    issues, files = read_issues_and_inbox(settings, lambda: load_issue_list(settings))
    return merge(issues, files, settings, resolve_as_of(settings, as_of))


@dataclass
class MailRun:
    drafts: list[Path]
    results: list[Any]  # mail.SendResult, when sent
    merge: MergeRun | None = None  # when mailing needed a fresh merge
    attached: Path | None = None
    run_id: int | None = None
    no_address: list[str] | None = None
    contacts_missing: bool = False


def run_mail(settings: Settings, to: list[str], cc: list[str], send: bool,
             as_of: date | None = None) -> MailRun:
    """Merge (writing a fresh consolidated workbook), then mail it: a draft .eml, sent with send=True."""
    from toolkit import mail

    mail_settings = mail.load_mail_settings(settings)
    mail.check_addresses(to)
    mail.check_addresses(cc, "抄送")
    latest = latest_run(settings, as_of)
    if latest is not None:  # the newest consolidated workbook, and the body from the same archived run
        result, output, run_id = latest
        merged = None
    else:
        merged = run_merge(settings, as_of)
        result, output, run_id = merged.result, merged.output, merged.run_id
    message = mail.summary_message(result, output, to, cc, mail_settings.sender or None, colors=settings.colors)
    drafts = mail.save_drafts([message], mail.drafts_folder(settings))
    results = mail.send([message], mail_settings, drafts) if send else []
    return MailRun(drafts, results, merge=merged, attached=output, run_id=run_id)


def latest_run(settings: Settings, as_of: date | None) -> tuple[MergeResult, Path, int] | None:
    """The newest archived run whose workbook is still in the outbox (and, with as_of given, is of
    that date): mailing it sends exactly what the clerk merged, without a new round in history."""
    from toolkit.archive import DB_NAME, open_archive

    if not (settings.path("archive") / DB_NAME).exists():
        return None
    archive = open_archive(settings)
    try:
        for run in reversed(archive.runs()):
            output = settings.path("outbox") / run.output
            if "_重建_" in run.output or not output.exists():
                continue
            if as_of is not None and run.as_of != as_of.isoformat():
                return None
            result, _ = archive.load(run.run_id, settings)
            return result, output, run.run_id
    finally:
        archive.close()
    return None


def run_remind(settings: Settings, send: bool, cc: list[str], as_of: date | None = None) -> MailRun:
    """One reminder per unit that is late, due soon or silent; addresses from 单位通讯录."""
    from toolkit import mail

    mail_settings = mail.load_mail_settings(settings)
    result = merge_only(settings, as_of)
    contacts = mail.read_contacts(settings.path("issues"))
    messages, no_address = mail.reminder_messages(result, contacts, mail_settings.sender or None, cc=cc,
                                                  colors=settings.colors)
    drafts = mail.save_drafts(messages, mail.drafts_folder(settings)) if messages else []
    results = mail.send(messages, mail_settings, drafts) if send and messages else []
    return MailRun(drafts, results, no_address=no_address, contacts_missing=not contacts)


@dataclass
class HistoryShow:
    run_id: int
    output: Path
    integrity: list[tuple[str, str]]


def list_runs(settings: Settings) -> list[Any]:
    from toolkit.archive import DB_NAME, open_archive

    if not (settings.path("archive") / DB_NAME).exists():
        return []  # listing creates nothing

    archive = open_archive(settings)
    try:
        return archive.runs()
    finally:
        archive.close()


def rebuild_run(settings: Settings, run_id: int) -> HistoryShow:
    """Re-make run N's consolidated workbook from the archive alone (the inbox is not read)."""
    from toolkit.archive import DB_NAME, ArchiveError, current_states, open_archive, returned_units
    from toolkit.changes import compare
    from toolkit.workbook import write_workbook

    if not (settings.path("archive") / DB_NAME).exists():
        raise ArchiveError(f"{settings.path('archive')} 中还没有汇总记录：运行 toolkit merge 后会自动留档")
    archive = open_archive(settings)
    try:
        result, started = archive.load(run_id, settings)
        result.changes = compare(archive.previous(before=run_id), current_states(result), returned_units(result),
                                 [u.unit for u in result.units], result.as_of)
        result.trend = archive.trend(result, upto=run_id)
        integrity = archive.verify(run_id)
    finally:
        archive.close()
    output = write_workbook(result, settings, started, name=f"汇总台账_重建_第{run_id}次")
    return HistoryShow(run_id, output, integrity)


class _Recording:
    """Archiving a run in a forked child while the parent writes the workbook (the two use the two
    cores). The child writes everything but commits only once finish() says the workbook exists."""

    def __init__(self, process: Any = None, conn: Any = None, record: Any = None) -> None:
        self.process, self.conn, self.record = process, conn, record

    def finish(self, output: Path) -> tuple[int | None, list[str]]:
        from toolkit.archive import ArchiveError

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

    from toolkit.archive import open_archive

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
