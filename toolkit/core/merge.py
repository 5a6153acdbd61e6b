"""Merging: returned rows → one row per (task, unit), newest return wins, overdue states. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cmp_to_key

from toolkit.core.findings import REPLACED_NOTE, Report
from toolkit.core.model.issue_list import IssueList
from toolkit.core.model.ledger import LedgerFile
from toolkit.core.model.merge_result import DetailRow, Entry, MergeResult, UnitSummary
from toolkit.core.settings import Settings
from toolkit.core.validate import check_ledger, row_summary
from toolkit.core.words import (
    CLOSED,
    DONE,
    DONE_LATE,
    DUE_SOON,
    ERROR,
    EXTENSION_REQUEST,
    FILL_DATE,
    INFO,
    META_CREATED,
    META_FINGERPRINT,
    NO_DEADLINE,
    NOT_RETURNED,
    ON_TRACK,
    OVERDUE,
    SHEET_META,
    STATUS_DONE,
    STATUS_LONG_TERM,
    STATUS_ONGOING,
)


def overdue_state(
    status: str | None,
    deadline: date | None,
    done: date | None,
    as_of: date,
    window: int,
    closed: bool = False,
) -> tuple[str, int | None]:
    """(逾期状态, days late) for one (task, unit); status None means nothing was returned. `deadline`
    is the one in force (调整后时限 when an extension was approved); a closed task is 已销号 whatever
    was returned."""
    if closed:
        return CLOSED, None
    late = (as_of - deadline).days if deadline and deadline < as_of else None
    if status is None:
        return NOT_RETURNED, late
    if status == STATUS_DONE:
        if done and deadline and done > deadline:
            return DONE_LATE, (done - deadline).days
        return DONE, None
    if deadline is None:
        return NO_DEADLINE, None
    if deadline < as_of:
        return OVERDUE, late
    if deadline <= as_of + timedelta(days=window):
        return DUE_SOON, None
    return ON_TRACK, None


# how a file's unit was found (LedgerFile.unit_source), as the file-read finding says it
_HOW = {
    SHEET_META: f"{SHEET_META} 工作表",
    "责任单位列": "责任单位列",
    "标题": "表头上方的标题",
    "文件名": "文件名",
}


@dataclass
class _Returns:
    """What the returned files gave, gathered file by file."""

    by_key: dict[tuple[str, str], list[Entry]] = field(
        default_factory=dict
    )  # (task, unit) → its entries
    files_of: dict[str, list[str]] = field(default_factory=dict)  # unit → the files read for it
    failed_of: dict[str, list[str]] = field(
        default_factory=dict
    )  # unit → its files that could not be read
    filed_for: dict[str, set[str]] = field(
        default_factory=dict
    )  # unit → other units' files holding its rows


def merge(
    issues: IssueList, files: list[LedgerFile], settings: Settings, as_of: date
) -> MergeResult:
    """Every (task, unit) of the issue list with its newest return, overdue state and findings."""
    report = Report()
    report.extend(issues.findings)
    returns = _Returns()
    for ledger in files:
        _take_file(ledger, issues, settings, as_of, returns, report)
    winners = _pick_winners(files, returns.by_key, report)
    _settle_replaced_files(files, returns.by_key, winners, report)
    rows, summaries = _detail_rows(issues, winners, returns, settings, as_of, report)
    _report_silent_units(list(summaries.values()), report)
    units = [s for s in summaries.values() if s.tasks]
    return MergeResult(as_of, issues, rows, units, files, report)


def _take_file(
    ledger: LedgerFile,
    issues: IssueList,
    settings: Settings,
    as_of: date,
    returns: _Returns,
    report: Report,
) -> None:
    """One returned file: its findings, which unit sent it, and its checked entries."""
    report.extend(ledger.findings)
    if not ledger.ok:
        guess = issues.units.find_in(ledger.name)
        if guess and any(f.level == ERROR for f in ledger.findings):
            returns.failed_of.setdefault(guess, []).append(ledger.name)
        return
    if ledger.unit:
        returns.files_of.setdefault(ledger.unit, []).append(ledger.name)
        report.add(
            "file-read",
            "dated" if ledger.reported else "",
            rows=len(ledger.rows),
            unit=ledger.unit,
            how=_HOW.get(ledger.unit_source, ledger.unit_source),
            reported=ledger.reported,
            file=ledger.name,
        )
        stamp = ledger.meta.get(META_FINGERPRINT, "")
        if stamp and stamp != issues.fingerprint:
            report.add("stale-template", file=ledger.name, sheet=SHEET_META, value=stamp)
    else:
        report.add("unknown-unit", file=ledger.name)
    entries, findings = check_ledger(ledger, issues, settings, as_of)
    report.extend(findings)
    for entry in entries:
        returns.by_key.setdefault((entry.task.task_id, entry.unit), []).append(entry)
        if ledger.unit is None or entry.filed_by:  # a file counts for each unit its rows belong to
            names = returns.files_of.setdefault(entry.unit, [])
            if ledger.name not in names:
                names.append(ledger.name)
                if entry.filed_by:  # another unit's file: not where this unit left tasks out
                    returns.filed_for.setdefault(entry.unit, set()).add(ledger.name)


def _pick_winners(
    files: list[LedgerFile], by_key: dict[tuple[str, str], list[Entry]], report: Report
) -> dict[tuple[str, str], Entry]:
    """For each (task, unit) the entry that counts: the unit's own row before one another unit filed
    for it, then the newest return (_newer). When only file times (or the inbox order) told two
    returns apart, one warning per pair of files names both and the one used."""
    order = {ledger.name: i for i, ledger in enumerate(files)}

    def rank(a: Entry, b: Entry) -> int:
        return (
            (bool(a.filed_by) - bool(b.filed_by))
            or _newer(b.ledger, a.ledger)
            or order[b.ledger.name] - order[a.ledger.name]
        )

    winners: dict[tuple[str, str], Entry] = {}
    warned: set[tuple[str, str]] = set()
    for key, entries in by_key.items():
        entries.sort(key=cmp_to_key(rank))
        winner = winners[key] = entries[0]
        for loser in entries[1:]:
            own = bool(loser.filed_by) and not winner.filed_by
            report.add(
                "superseded",
                "own-return" if own else "",
                unit=loser.unit,
                task=loser.task.task_id,
                newer=winner.ledger.name,
                file=loser.row.file,
                sheet=loser.row.sheet,
                row=loser.row.row,
                value=row_summary(loser.row),
            )
            pair = (winner.ledger.name, loser.ledger.name)
            basis = _newer_by(winner.ledger, loser.ledger)
            if (
                not own
                and pair not in warned
                and pair[0] != pair[1]
                and basis in (_BY_FILE_TIME, "")
            ):
                warned.add(pair)
                report.add(
                    "order-by-file-time",
                    "" if basis else "same-time",
                    unit=winner.unit,
                    winner=pair[0],
                    loser=pair[1],
                    file=pair[0],
                    value="；".join(pair),
                )
    return winners


def _detail_rows(
    issues: IssueList,
    winners: dict[tuple[str, str], Entry],
    returns: _Returns,
    settings: Settings,
    as_of: date,
    report: Report,
) -> tuple[list[DetailRow], dict[str, UnitSummary]]:
    """One 台账明细 row per (task, unit), counted into its unit's summary; tasks a unit left out of
    its return are reported."""
    rows: list[DetailRow] = []
    summaries = {
        unit: UnitSummary(
            unit, files=returns.files_of.get(unit, []), failed_files=returns.failed_of.get(unit, [])
        )
        for unit in issues.unit_names
    }
    for task in issues.tasks:
        for unit in task.units:
            entry = winners.get((task.task_id, unit))
            status = entry.status if entry else None
            state, days = overdue_state(
                status,
                task.due,
                entry.done_date if entry else None,
                as_of,
                settings.due_soon_days,
                task.closed,
            )
            rows.append(DetailRow(task, unit, entry, state, days))
            summary = summaries.setdefault(
                unit, UnitSummary(unit, files=returns.files_of.get(unit, []))
            )
            _count(summary, status, state, days)
            own = [name for name in summary.files if name not in returns.filed_for.get(unit, ())]
            if entry is None and own and not task.closed:
                report.add(
                    "missing-task",
                    unit=unit,
                    task=task.task_id,
                    measure=task.measure[:30],
                    file="、".join(own),
                    value=task.task_id,
                )
    return rows, summaries


def _report_silent_units(summaries: list[UnitSummary], report: Report) -> None:
    """A unit with tasks (not all closed) and no readable return."""
    for summary in summaries:
        if summary.files or not summary.missing:  # nothing to report on, or every task closed
            continue
        if summary.failed_files:
            report.add(
                "no-return",
                "unreadable",
                unit=summary.unit,
                files="、".join(summary.failed_files),
                tasks=summary.tasks,
                overdue=summary.missing_overdue,
                value=summary.unit,
            )
        else:
            report.add(
                "no-return",
                unit=summary.unit,
                tasks=summary.tasks,
                overdue=summary.missing_overdue,
                value=summary.unit,
            )


def _settle_replaced_files(
    files: list[LedgerFile],
    by_key: dict[tuple[str, str], list[Entry]],
    winners: dict[tuple[str, str], Entry],
    report: Report,
) -> None:
    """A file every row of which a newer return replaced: what was wrong in it is history, not
    work for the clerk. Its 错误 and 警告 become 提示, marked as replaced."""
    used = {id(entry.ledger) for entry in winners.values()}
    entered = {id(entry.ledger) for entries in by_key.values() for entry in entries}
    replaced = {f.name for f in files if f.ok and id(f) in entered and id(f) not in used}
    for finding in report.findings:
        if (
            finding.file in replaced
            and finding.code not in ("superseded", "file-read")
            and finding.level != INFO
        ):
            finding.level = INFO
            finding.message = REPLACED_NOTE + finding.message


_BY_FILE_TIME = "文件修改时间"


_BASES = (FILL_DATE, META_CREATED, _BY_FILE_TIME)


def _newer_by(a: LedgerFile, b: LedgerFile) -> str:
    """What tells two returns apart: 填报日期, then _meta 生成时间, then file time, each compared only
    when both files have it (a correction without 填报日期 must not lose to an older file with one);
    '' when none does."""
    for basis, x, y in zip(
        _BASES, (a.reported, a.meta_time, a.mtime), (b.reported, b.meta_time, b.mtime), strict=True
    ):
        if x is not None and y is not None and x != y:
            return basis
    return ""


def _newer(a: LedgerFile, b: LedgerFile) -> int:
    """>0 when a is the newer return, <0 when b is, 0 when nothing tells them apart (_newer_by)."""
    basis = _newer_by(a, b)
    if not basis:
        return 0
    index = _BASES.index(basis)
    x, y = (a.reported, a.meta_time, a.mtime)[index], (b.reported, b.meta_time, b.mtime)[index]
    return 1 if x > y else -1


def _count(summary: UnitSummary, status: str | None, state: str, days: int | None) -> None:
    summary.tasks += 1
    if state == CLOSED:  # verified and closed: done, and nothing more is asked of the unit
        summary.closed += 1
        summary.done += 1
        return
    if status is None:
        summary.missing += 1
    elif status == STATUS_DONE:
        summary.done += 1
    elif status in (STATUS_ONGOING, STATUS_LONG_TERM, EXTENSION_REQUEST):
        summary.in_progress += 1
    else:  # 未启动, 未填报, or a status word not recognised: no progress to count
        summary.not_started += 1
    if state == OVERDUE:
        summary.overdue += 1
    if state == NOT_RETURNED and days is not None:
        summary.missing_overdue += 1
    elif state == DUE_SOON:
        summary.due_soon += 1
