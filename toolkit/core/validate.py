"""Row rules: check what the unit filled in for the task a row was matched to (core.matching), with
the findings. Pure: no files."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from rapidfuzz import fuzz

from toolkit.core.dates import BLANK, DATE, INVALID, OPEN, YEARLESS, ParsedDate, parse_date
from toolkit.core.findings import Finding, finding
from toolkit.core.matching import MIN_PART, match_task, measure_key, row_unit
from toolkit.core.model.issue_list import IssueList, Task
from toolkit.core.model.ledger import LedgerFile, LedgerRow
from toolkit.core.model.merge_result import Entry
from toolkit.core.normalize import (
    cell_text,
    compact,
    measure_ordinal,
    parse_int,
    parse_status,
    status_from_text,
    status_table,
)
from toolkit.core.settings import Settings
from toolkit.core.words import (
    DEADLINE,
    DONE_DATE,
    EVIDENCE,
    EXTENSION_REQUEST,
    FILLER,
    ISSUE_NO,
    ISSUE_TITLE,
    MEASURE,
    MEASURE_NO,
    NOT_FILLED,
    PHONE,
    PROBLEMS,
    PROGRESS,
    REQUESTED_TO,
    STATUS,
    STATUS_DONE,
    STATUSES,
    TASK_ID,
    UNIT,
)

TEXT_FIELDS = (PROGRESS, EVIDENCE, PROBLEMS, FILLER, PHONE)


EXCEL_CELL_LIMIT = 32767


def row_summary(row: LedgerRow) -> str:
    """A row's values as one line, so a row that can't be merged still shows what the unit sent."""
    parts = [f"{name}={cell_text(value)}" for name, value in row.values.items() if cell_text(value)]
    return "；".join(parts)[:30000]


def _at(row: LedgerRow, column: str = "", value: Any = "") -> dict[str, Any]:
    """Where a finding is: the row's file, sheet and Excel row, the column as "J（实际完成日期）", the value."""
    letter = row.columns.get(column, "") if column else ""
    label = f"{letter}（{row.labels.get(column) or column}）" if letter else column
    return {
        "file": row.file,
        "sheet": row.sheet,
        "row": row.row,
        "column": label,
        "value": cell_text(value) if not isinstance(value, str) else value,
    }


def locked_changes(row: LedgerRow, task: Task) -> Iterator[Finding]:
    """Pre-filled columns that differ from the issue list."""
    values = row.values
    checks: list[tuple[str, bool]] = []
    if cell_text(values.get(ISSUE_NO)):
        checks.append((ISSUE_NO, parse_int(values[ISSUE_NO]) != task.issue_no))
    if cell_text(values.get(MEASURE_NO)):
        checks.append((MEASURE_NO, parse_int(values[MEASURE_NO]) != task.measure_no))
    for name, expected in ((MEASURE, task.measure), (ISSUE_TITLE, task.issue_title)):
        raw = values.get(name)
        if raw is None or raw == "" or raw == expected:
            continue  # the common case: the pre-filled text came back as it was sent
        got, want = compact(cell_text(raw)), measure_key(expected)
        if got and got != want:
            if name == MEASURE:
                ordinal, body = measure_ordinal(raw)
                if (
                    body
                    and ordinal in (None, task.measure_no)
                    and (body == want or (len(body) >= MIN_PART and body in want))
                ):
                    continue  # the measure cut short ("……") or numbered: still the same measure
            checks.append((name, fuzz.ratio(got[:500], want[:500]) < 90))
    if cell_text(values.get(DEADLINE)):
        parsed = parse_date(values[DEADLINE], task.deadline.year if task.deadline else None)
        if parsed.kind in (DATE, YEARLESS):
            # a ledger sent after an extension shows 调整后时限
            checks.append((DEADLINE, parsed.value not in (task.deadline, task.due)))
        elif parsed.kind == OPEN:
            checks.append((DEADLINE, task.deadline is not None))
    original = {
        ISSUE_NO: task.issue_no,
        MEASURE_NO: task.measure_no,
        MEASURE: task.measure,
        ISSUE_TITLE: task.issue_title,
        DEADLINE: task.deadline_text or task.deadline or "（无）",
    }
    for name, changed in checks:
        if changed:
            was = cell_text(original[name])
            yield finding(
                "locked-field-changed",
                field=name,
                was=was[:60],
                task=task.task_id,
                **_at(row, name, values.get(name)),
            )


def check_entry(
    row: LedgerRow,
    ledger: LedgerFile,
    task: Task,
    unit: str,
    settings: Settings,
    statuses: dict[str, str],
    as_of: date,
) -> tuple[Entry, list[Finding]]:
    """Normalise what the unit filled in for one task, with the findings."""
    findings: list[Finding] = list(locked_changes(row, task))
    status, status_ok = _status(row, settings, statuses, findings)
    parsed = _done_date(row, as_of, findings)
    done_date = parsed.value if parsed.kind in (DATE, YEARLESS) else None
    done_text = "" if parsed.kind in (BLANK, OPEN) else cell_text(row.values.get(DONE_DATE))
    _status_against_date(row, task, status, status_ok, parsed, findings)
    texts = {name: cell_text(row.values.get(name)) for name in TEXT_FIELDS}
    extension_to = check_extension(row, task, status, as_of, findings)
    for name, text in texts.items():
        if len(text) >= EXCEL_CELL_LIMIT:  # exactly the limit: the sending program may have cut it
            findings.append(
                finding(
                    "text-too-long",
                    field=name,
                    length=len(text),
                    limit=EXCEL_CELL_LIMIT,
                    **_at(row, name, text[:200]),
                )
            )
    return Entry(
        task,
        unit,
        status,
        status_ok,
        done_date,
        done_text,
        texts,
        ledger,
        row,
        extension_to=extension_to,
    ), findings


def _status(
    row: LedgerRow, settings: Settings, statuses: dict[str, str], findings: list[Finding]
) -> tuple[str, bool]:
    """(the canonical status, whether it was recognised): a blank one read from 整改进展 when the
    text states it, else 未填报 (reported with the done date); an unknown word kept as written."""
    raw_status = row.values.get(STATUS)
    status = parse_status(raw_status, statuses)
    if status == "":
        stated = status_from_text(
            row.values.get(PROGRESS), settings.status_hints, settings.status_blockers
        )
        if stated is None:
            return NOT_FILLED, True  # reported below, with the done date if one was given
        findings.append(
            finding(
                "status-from-text",
                phrase=stated[1],
                status=stated[0],
                **_at(row, PROGRESS, cell_text(row.values.get(PROGRESS))[:200]),
            )
        )
        return stated[0], True
    if status is None:
        status = cell_text(raw_status)
        findings.append(finding("bad-status", **_at(row, STATUS, status)))
        return status, False
    return status, True


def _done_date(row: LedgerRow, as_of: date, findings: list[Finding]) -> ParsedDate:
    """实际完成日期 as parsed, with a finding when it is unreadable, yearless or after as-of."""
    raw_date = row.values.get(DONE_DATE)
    parsed = parse_date(raw_date if raw_date != "" else None, as_of.year)
    if parsed.kind == YEARLESS and parsed.value and parsed.value > as_of:
        parsed = parse_date(raw_date, as_of.year - 1)  # "12月5日" in March means last December
    if (
        parsed.kind in (DATE, YEARLESS)
        and parsed.value
        and not 2000 <= parsed.value.year <= as_of.year + 1
    ):
        parsed = ParsedDate(None, INVALID)  # 0224-06-30, 2204-06-30: a typo, not a date
    done_date = parsed.value if parsed.kind in (DATE, YEARLESS) else None
    if parsed.kind == INVALID:
        findings.append(
            finding("bad-date", field=DONE_DATE, **_at(row, DONE_DATE, cell_text(raw_date)))
        )
    elif parsed.kind == YEARLESS:
        findings.append(
            finding(
                "yearless-date", field=DONE_DATE, date=done_date, **_at(row, DONE_DATE, raw_date)
            )
        )
    if done_date and done_date > as_of:
        findings.append(
            finding("future-date", date=done_date, as_of=as_of, **_at(row, DONE_DATE, raw_date))
        )
    return parsed


def _status_against_date(
    row: LedgerRow,
    task: Task,
    status: str,
    status_ok: bool,
    parsed: ParsedDate,
    findings: list[Finding],
) -> None:
    """A status and a done date that disagree: a date without a status or without 已完成, 已完成
    without a date, no status at all."""
    done_date = parsed.value if parsed.kind in (DATE, YEARLESS) else None
    if status == NOT_FILLED and done_date is not None:
        findings.append(
            finding("date-without-status", task=task.task_id, date=done_date, **_at(row, STATUS))
        )
    elif status == NOT_FILLED:
        findings.append(finding("no-status", task=task.task_id, **_at(row, STATUS)))
    if status == STATUS_DONE and done_date is None and parsed.kind != INVALID:
        findings.append(finding("done-without-date", task=task.task_id, **_at(row, DONE_DATE)))
    if done_date and status_ok and status not in (STATUS_DONE, NOT_FILLED):
        findings.append(finding("date-without-done", **_at(row, STATUS, status)))


def check_extension(
    row: LedgerRow, task: Task, status: str, as_of: date, findings: list[Finding]
) -> date | None:
    """申请延期 and its 申请延期至 date: the request is noted; a missing date, one not after the
    deadline in force, or a date without the request is a finding. Returns the date asked for."""
    raw = row.values.get(REQUESTED_TO)
    parsed = parse_date(raw if raw != "" else None, as_of.year)
    wanted = parsed.value if parsed.kind in (DATE, YEARLESS) else None
    if parsed.kind == INVALID:
        findings.append(
            finding("bad-date", field=REQUESTED_TO, **_at(row, REQUESTED_TO, cell_text(raw)))
        )
    if status != EXTENSION_REQUEST:
        if wanted is not None and status != STATUS_DONE:
            findings.append(
                finding(
                    "bad-extension",
                    "no-request",
                    to=wanted,
                    status=status,
                    request=EXTENSION_REQUEST,
                    **_at(row, STATUS, status),
                )
            )
        return None
    if wanted is None:
        if parsed.kind != INVALID:
            findings.append(finding("bad-extension", task=task.task_id, **_at(row, REQUESTED_TO)))
        return None
    if task.due is not None and wanted <= task.due:
        findings.append(
            finding(
                "bad-extension", "not-later", to=wanted, due=task.due, **_at(row, REQUESTED_TO, raw)
            )
        )
        return None
    findings.append(
        finding(
            "extension-requested",
            task=task.task_id,
            to=wanted,
            now=f"（现完成时限 {task.due}）" if task.due else "",
            **_at(row, REQUESTED_TO, raw),
        )
    )
    return wanted


def check_ledger(
    ledger: LedgerFile, issues: IssueList, settings: Settings, as_of: date
) -> tuple[list[Entry], list[Finding]]:
    """Every row of one returned file: matched entries, and findings for the rest."""
    statuses = status_table(STATUSES, settings.status_synonyms)
    entries: list[Entry] = []
    findings: list[Finding] = []
    seen: dict[tuple[str, str], LedgerRow] = {}
    for row in ledger.rows:
        task, how = match_task(row.values, issues, settings.match_threshold)
        if task is None:
            findings.append(finding("unknown-task", **_at(row, "", row_summary(row))))
            continue
        findings.extend(_how_matched(row, task, how))
        unit, sender = row_unit(row, task, ledger.unit, issues.units)
        if unit is None:
            findings.append(
                finding(
                    "unknown-unit",
                    "several-units",
                    task=task.task_id,
                    **_at(row, "", row_summary(row)),
                )
            )
            continue
        refused = _refused(row, task, unit, seen)
        if refused is not None:
            findings.append(refused)
            continue
        seen[(task.task_id, unit)] = row
        if sender:
            findings.append(
                finding(
                    "filed-by-other",
                    unit=unit,
                    task=task.task_id,
                    sender=sender,
                    **_at(row, UNIT, cell_text(row.values.get(UNIT))),
                )
            )
        entry, problems = check_entry(row, ledger, task, unit, settings, statuses, as_of)
        entry.filed_by = sender
        entries.append(entry)
        findings.extend(problems)
    return entries, findings


def _how_matched(row: LedgerRow, task: Task, how: str) -> list[Finding]:
    """A row matched by its measure text, or by a text that is another task's than its id says."""
    if how == "text":
        return [
            finding(
                "matched-by-text",
                task=task.task_id,
                **_at(row, MEASURE, cell_text(row.values.get(MEASURE))[:200]),
            )
        ]
    if how == "renumbered":
        return [
            finding(
                "matched-by-text",
                "renumbered",
                written=cell_text(row.values.get(TASK_ID)),
                task=task.task_id,
                **_at(row, TASK_ID, cell_text(row.values.get(TASK_ID))),
            )
        ]
    return []


def _refused(
    row: LedgerRow, task: Task, unit: str, seen: dict[tuple[str, str], LedgerRow]
) -> Finding | None:
    """Why a row credited to a unit is not merged: the task is not that unit's, or this file already
    had a row for the same task and unit. None when the row is merged."""
    if unit not in task.units:
        return finding(
            "wrong-unit",
            task=task.task_id,
            units="、".join(task.units) or "（空）",
            unit=unit,
            **_at(row, UNIT, row_summary(row)),
        )
    if (task.task_id, unit) in seen:
        return finding(
            "duplicate-row",
            task=task.task_id,
            first_row=seen[(task.task_id, unit)].row,
            **_at(row, "", row_summary(row)),
        )
    return None
