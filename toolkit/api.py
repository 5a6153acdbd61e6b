"""One library call per command: find the workspace, read, merge, write. The CLI only renders."""

from __future__ import annotations

import glob
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

from toolkit.archive.recording import record_beside
from toolkit.core.errors import Interrupted, WorkspaceError
from toolkit.core.findings import Finding, finding
from toolkit.core.model.merge_result import MergeResult
from toolkit.core.settings import Settings
from toolkit.core.settings_file import load_mail_settings
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
from toolkit.deliver.contacts import read_contacts
from toolkit.deliver.mail import (
    check_addresses,
    drafts_folder,
    reminder_messages,
    save_drafts,
    summary_message,
)
from toolkit.deliver.smtp import send as send_messages
from toolkit.workspace import require_inputs, resolve_as_of
from toolkit.write.files import next_free, publish_folder, writing


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
            "findings_by_level": {level: r.report.count(level) for level in LEVELS},
            "units": [
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
            ],
            "findings": [f.to_dict() for f in r.report.sorted()],
            "run": self.run_id,
            "changes": [vars(c) for c in r.changes or []],
            "headline": r.headline(),
            "problems": [p.to_dict() for p in r.problems()],
            "extension_requests": [
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
            ],
            "adjusted": [
                {
                    TASK_ID: t.task_id,
                    DEADLINE: t.deadline.isoformat() if t.deadline else t.deadline_text,
                    ADJUSTED_DEADLINE: t.adjusted_deadline.isoformat()
                    if t.adjusted_deadline
                    else None,
                    ADJUST_BASIS: t.adjust_basis,
                    CLOSED_DATE: t.closed_on.isoformat() if t.closed_on else None,
                    CLOSE_BASIS: t.close_basis,
                }
                for t in r.issues.tasks
                if t.adjusted_deadline or t.closed_on
            ],
        }

    def to_frame(self) -> Any:
        """台账明细 as a pandas DataFrame: one row per (task, unit), the sheet's columns."""
        from toolkit.write.frames import detail_frame

        return detail_frame(self.result)

    def findings_frame(self) -> Any:
        """校验问题 as a pandas DataFrame, with the sheet's columns."""
        from toolkit.write.frames import findings_frame

        return findings_frame(self.result)


def run_merge(
    settings: Settings,
    as_of: date | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    now: datetime | None = None,
) -> MergeRun:
    """Read the issue list and every returned file, merge, and write the consolidated workbook."""
    import time

    from toolkit.archive.store import current_states, open_archive, returned_units
    from toolkit.core.changes import compare
    from toolkit.core.merge import merge
    from toolkit.read.inbox import iter_inbox, read_issues_and_inbox
    from toolkit.read.issue_list import load_issue_list
    from toolkit.write.workbook import output_name, write_workbook

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
        issues, files = read_issues_and_inbox(settings, partial(load_issue_list, settings), step)
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
    recording = record_beside(settings, result, planned, now, list(iter_inbox(inbox)))
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


@dataclass
class MailRun:
    drafts: list[Path]
    results: list[Any]  # mail.SendResult, when sent
    merge: MergeRun | None = None  # when mailing needed a fresh merge
    attached: Path | None = None
    run_id: int | None = None
    no_address: list[str] | None = None
    contacts_missing: bool = False


def run_mail(
    settings: Settings, to: list[str], cc: list[str], send: bool, as_of: date | None = None
) -> MailRun:
    """Merge (writing a fresh consolidated workbook), then mail it: a draft .eml, sent with send=True."""

    mail_settings = load_mail_settings(settings)
    check_addresses(to)
    check_addresses(cc, "抄送")
    latest = latest_run(settings, as_of)
    if (
        latest is not None
    ):  # the newest consolidated workbook, and the body from the same archived run
        result, output, run_id = latest
        merged = None
    else:
        merged = run_merge(settings, as_of)
        result, output, run_id = merged.result, merged.output, merged.run_id
    message = summary_message(
        result, output, to, cc, mail_settings.sender or None, colors=settings.colors
    )
    drafts = save_drafts([message], drafts_folder(settings))
    results = send_messages([message], mail_settings, drafts) if send else []
    return MailRun(drafts, results, merge=merged, attached=output, run_id=run_id)


def latest_run(settings: Settings, as_of: date | None) -> tuple[MergeResult, Path, int] | None:
    """The newest archived run whose workbook is still in the outbox (and, with as_of given, is of
    that date): mailing it sends exactly what the clerk merged, without a new round in history."""
    from toolkit.archive.store import DB_NAME, open_archive

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

    mail_settings = load_mail_settings(settings)
    result = merge_only(settings, as_of)
    contacts = read_contacts(settings.path("issues"))
    messages, no_address = reminder_messages(
        result, contacts, mail_settings.sender or None, cc=cc, colors=settings.colors
    )
    drafts = save_drafts(messages, drafts_folder(settings)) if messages else []
    results = send_messages(messages, mail_settings, drafts) if send and messages else []
    return MailRun(drafts, results, no_address=no_address, contacts_missing=not contacts)


@dataclass
class HistoryShow:
    run_id: int
    output: Path
    integrity: list[tuple[str, str]]


def list_runs(settings: Settings) -> list[Any]:
    from toolkit.archive.store import DB_NAME, open_archive

    if not (settings.path("archive") / DB_NAME).exists():
        return []  # listing creates nothing

    archive = open_archive(settings)
    try:
        return archive.runs()
    finally:
        archive.close()


def repair_archive(settings: Settings) -> Any:
    """Move a damaged archive/history.sqlite aside, keeping it, and start a new one with what can be read."""
    from toolkit.archive.repair import repair

    return repair(settings.path("archive"))


def rebuild_run(settings: Settings, run_id: int) -> HistoryShow:
    """Re-make run N's consolidated workbook from the archive alone (the inbox is not read)."""
    from toolkit.archive.store import DB_NAME, current_states, open_archive, returned_units
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


@dataclass
class ImportRun:
    path: Path
    problems: int
    tasks: int
    findings: list[Finding]
    backup: Path | None = None
    summary: list[str] = field(default_factory=list)  # what the import understood, for the clerk
    written: bool = True  # False with --dry-run


def run_import(
    settings: Settings, source: Path, force: bool = False, dry_run: bool = False
) -> ImportRun:
    """Read an upper office's table (.docx/.doc/.wps, .xlsx/.xls/.et/.ods, or the text form) and write
    issues.xlsx with the source's layout kept; with dry_run, only say what was understood."""
    from toolkit.read.issues_import import (
        import_table,
        summary_lines,
        supports,
        to_tasks,
        write_issue_list,
    )

    target = settings.path("issues")
    if target.exists() and not force and not dry_run:
        raise WorkspaceError(
            f"{target} 已存在。确认要用 {source.name} 的内容替换它，请加 --force 重新运行"
        )
    if not source.is_file():
        raise WorkspaceError(f"找不到要导入的文件 {source}")
    table = import_table(
        source,
        list(settings.unit_names),
        dict(settings.unit_aliases),
        {k: list(v) for k, v in settings.import_headers.items()},
    )
    tasks = to_tasks(table.problems)
    if not tasks:
        raise WorkspaceError(
            f"{source.name} 中没有找到问题和整改措施；请确认表格有“问题”和“整改措施”等列"
        )
    run = ImportRun(
        target,
        len(table.problems),
        len(tasks),
        table.findings,
        summary=summary_lines(table, tasks),
        written=not dry_run,
    )
    if dry_run:
        return run
    temp = target.with_name(f".{target.stem}.{os.getpid()}.tmp.xlsx")
    made: list[Path] = [temp]
    with writing(target.parent, f"{target.name}（问题清单）", cleanup=made):
        write_issue_list(tasks, temp, table.layout, supports(table.problems))
        if (
            target.exists()
        ):  # --force: keep the clerk's edited list (units filled in, 单位通讯录) first
            run.backup = next_free(
                settings.path("archive") / f"{target.stem}_备份_{datetime.now():%Y%m%d_%H%M%S}.xlsx"
            )
            run.backup.parent.mkdir(parents=True, exist_ok=True)
            made.append(run.backup)
            shutil.copy2(target, run.backup)
        os.replace(temp, target)
    return run


@dataclass
class TemplateRun:
    folder: Path
    template: Path
    ledgers: list[tuple[str, Path, int]] = field(default_factory=list)  # unit, file, tasks
    template_created: bool = False
    unassigned: list[str] = field(default_factory=list)  # tasks with no 责任单位: sent to nobody
    closed: list[str] = field(default_factory=list)  # closed (已销号) tasks: no longer sent out


def run_template(
    settings: Settings, as_of: date, unit: str | None = None, now: datetime | None = None
) -> TemplateRun:
    """The blank template (when missing) and one ledger per unit into outbox/分发_YYYYMMDD/."""
    from toolkit.read.issue_list import load_issue_list
    from toolkit.write.template import write_blank_template, write_unit_ledger

    now = now or datetime.now()
    issues = load_issue_list(settings)
    template = settings.path("template")
    created = False
    if not template.exists():
        with writing(template.parent, "空白台账模板"):
            write_blank_template(template)
        created = True
    open_tasks = {
        t.task_id for t in issues.tasks if not t.closed
    }  # closed (已销号) tasks are not sent out
    units = [
        u for u in issues.unit_names if any(t.task_id in open_tasks for t in issues.tasks_of(u))
    ]
    if unit is not None:
        found = issues.units.resolve(unit)
        if found is None or found not in units:
            raise WorkspaceError(f"问题清单中没有责任单位“{unit}”。可选的有：{'、'.join(units)}")
        units = [found]
    outbox = settings.path("outbox")
    staging = (
        outbox / f".分发_{now:%Y%m%d}.{os.getpid()}.tmp"
    )  # all ledgers of a round appear at once, or none
    written = []
    with writing(outbox, "各单位台账", cleanup=(staging,)):
        staging.mkdir()
        for name in units:
            tasks = [t for t in issues.tasks_of(name) if t.task_id in open_tasks]
            out = staging / f"{name}_整改台账.xlsx"
            write_unit_ledger(template, out, name, tasks, issues.fingerprint, as_of, now)
            written.append((name, out.name, len(tasks)))
        folder = publish_folder(staging, outbox / f"分发_{now:%Y%m%d}")
    return TemplateRun(
        folder,
        template,
        [(name, folder / file, n) for name, file, n in written],
        template_created=created,
        unassigned=[t.task_id for t in issues.tasks if not t.units and not t.closed],
        closed=[t.task_id for t in issues.tasks if t.closed],
    )


@dataclass
class CheckedFile:
    name: str
    unit: str | None
    findings: list[Finding]
    feedback: Path | None
    note: str = ""

    def count(self, level: str) -> int:
        return sum(1 for f in self.findings if f.level == level)


def run_check(
    settings: Settings, files: list[Path], as_of: date, now: datetime | None = None
) -> list[CheckedFile]:
    """Check returned files one by one, exactly as merge would, and write a feedback copy of each."""
    from toolkit.core.merge import merge
    from toolkit.read.inbox import read_named, readable
    from toolkit.read.issue_list import load_issue_list
    from toolkit.read.sandbox import Failed, isolated_map
    from toolkit.write.feedback import write_feedback

    now = now or datetime.now()
    issues = load_issue_list(settings)
    missing = [p for p in files if not p.is_file()]
    if missing:
        raise WorkspaceError(f"找不到文件：{'、'.join(str(p) for p in missing)}")
    limits = settings.limits
    results = isolated_map(
        partial(read_named, settings=settings, units=issues.units),
        files,
        workers=limits["workers"],
        timeout=limits["file_timeout_s"],
        memory_mb=limits["memory_mb"],
    )
    feedback_dir = settings.path("outbox") / "反馈"
    checked: list[CheckedFile] = []
    for path, result in zip(files, results, strict=True):
        shown = readable(path.name)  # a name that is not UTF-8 (GBK bytes) as the clerk reads it
        if isinstance(result, Failed):
            failed = finding("unreadable-file", reason=result.reason, file=shown)
            checked.append(CheckedFile(shown, None, [failed], None))
            continue
        for ledger in result:
            report = merge(issues, [ledger], settings, as_of).report
            own = [
                f
                for f in report.findings
                if f.file == ledger.name or f.file.startswith(ledger.name + "/")
            ]
            own = [f for f in own if f.code != "file-read"]
            item = CheckedFile(ledger.name, ledger.unit, own, None)
            if ledger.name != shown:  # a member of a zip: no file of its own to mark up
                item.note = "压缩包中的文件请解压后单独检查，才能生成反馈件"
            elif own:
                item.feedback = write_feedback(
                    path,
                    own,
                    feedback_dir / f"{Path(shown).stem}_反馈{path.suffix}",
                    unit=ledger.unit,
                    checked_at=now,
                )
            checked.append(item)
    return checked


def merge_workspace(workspace: str | os.PathLike, as_of: str | date | None = None) -> MergeRun:
    """`toolkit merge` for Python: merge the workspace, write the workbook, archive the run."""
    from toolkit.core.settings_file import parse_as_of
    from toolkit.workspace import open_workspace

    settings = open_workspace(Path(workspace))
    return run_merge(settings, parse_as_of(as_of, "as_of") if as_of is not None else None)


def runs_frame(workspace: str | os.PathLike) -> Any:
    """`toolkit history` for Python: one row per archived run, oldest first (pandas DataFrame)."""
    import pandas as pd

    from toolkit.core import words
    from toolkit.workspace import open_workspace

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
