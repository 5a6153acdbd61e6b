"""A lower office's report read as its return (DESIGN §7, roll-up): a table of 序号 | 问题 | … |
整改完成情况 with one row per problem (or its measures on rows of their own, the problem cells
merged down). The 整改完成情况 text is split at the measure ordinals （一）（二）… into one ordinary
LedgerRow per measure: 问题序号, 措施序号, 整改进展 = that measure's text, 完成状态 = the status the
text states (【已完成】 as `toolkit report` writes it, or words like 已完成整改 found as core.validate
finds them in any ledger's 整改进展: core.normalize.status_from_text), else blank."""

from __future__ import annotations

import re
from typing import Any

from toolkit.core.model.ledger import LedgerFile, LedgerRow
from toolkit.core.normalize import (
    cell_text,
    clean_header,
    column_letter,
    parse_int,
    parse_status,
    status_from_text,
    status_table,
)
from toolkit.core.settings import Settings
from toolkit.core.words import (
    DONE_DATE,
    ISSUE_NO,
    MEASURE,
    MEASURE_NO,
    NOT_FILLED,
    NOT_RETURNED,
    PROGRESS,
    STATUS,
    STATUS_DONE,
    STATUS_ONGOING,
    STATUSES,
    TASK_ID,
)
from toolkit.read.grid import Grid
from toolkit.read.ledger_header import field_lookup

# an ordinal opening a line: （一） (一) （1）
ORDINAL = re.compile(r"^\s*[（(]\s*([一二三四五六七八九十]{1,3}|\d{1,2})\s*[）)]\s*")
# a status as `toolkit report` writes it: 【推进中】, 【推进中，逾期】, after an optional "单位：" prefix
MARKER = re.compile(r"【([^】，,]{1,8})(?:[，,]([^】]{0,24}))?】")
# a done date in a marker: 【已完成，2025年3月1日完成】
MARKED_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
# fields a unit's own ledger has and a report has not
LEDGER_ONLY = {TASK_ID, MEASURE_NO, STATUS}
NOT_REPORTED = {NOT_RETURNED, NOT_FILLED}


def _number(text: str) -> int | None:
    from toolkit.core.normalize import chinese_int

    return int(text) if text.isdigit() else chinese_int(text)


def split_measures(text: str) -> list[tuple[int | None, str]]:
    """A 整改完成情况 cell as (measure number, its text) in order. A line opening with an ordinal
    higher than the last starts the next measure; a lower or equal one (a sub-list restarting at
    （一）) stays inside the current text. Text before the first ordinal is (None, text)."""
    parts: list[tuple[int | None, list[str]]] = []
    last = 0
    for line in text.splitlines():
        match = ORDINAL.match(line)
        number = _number(match.group(1)) if match else None
        if number is not None and number > last:
            last = number
            parts.append((number, [line[match.end() :]]))
        elif parts:
            parts[-1][1].append(line)
        else:
            parts.append((None, [line]))
    return [
        (n, "\n".join(lines).strip())
        for n, lines in parts
        if n is not None or "".join(lines).strip()
    ]


def stated_status(text: str, statuses: dict[str, str], settings: Settings) -> tuple[str, str, str]:
    """(status, text without a leading marker, done date as 2025-03-01 or ""). Several units' lines:
    all done → 已完成 (on the latest date), any progress → 推进中; 未报送 lines state nothing. A text
    without markers states the status its words do, read as core.validate reads a ledger's 整改进展
    (the settings' status hints and blockers: 未完成整改 is no 已完成), else ""."""
    found: list[str] = []
    dates: list[str] = []
    for word, rest in MARKER.findall(text):
        found.append("" if word in NOT_REPORTED else parse_status(word, statuses) or "")
        day = MARKED_DATE.search(rest)
        if found[-1] == STATUS_DONE and day:
            dates.append(f"{int(day[1]):04d}-{int(day[2]):02d}-{int(day[3]):02d}")
    body = text.strip()
    lead = MARKER.match(body)
    if lead:
        body = body[lead.end() :].strip()
    stated = [s for s in found if s]
    if not found:
        said = status_from_text(text, settings.status_hints, settings.status_blockers)
        return (said[0] if said else ""), body, ""
    if not stated:
        return "", body, ""
    if len(set(stated)) == 1 and len(stated) == len(found):
        done = max(dates) if stated[0] == STATUS_DONE and len(dates) == len(found) else ""
        return stated[0], body, done
    return (STATUS_ONGOING if {STATUS_DONE, STATUS_ONGOING} & set(stated) else stated[0]), body, ""


def _columns(cells: list[Any], lookup: dict[str, str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, value in enumerate(cells):
        name = lookup.get(clean_header(cell_text(value))) if isinstance(value, str) else None
        if name and name not in found:
            found[name] = index
    return found


def locate(grid: Grid, settings: Settings) -> tuple[int, dict[str, int]] | None:
    """(header row, field → column) when the grid is a report: 序号, 整改措施 and 整改完成情况 columns,
    none of a ledger's own (任务编号, 措施序号, 完成状态), and measure ordinals in its cells."""
    lookup = field_lookup(settings)
    for r in range(min(settings.limits["header_scan_rows"], len(grid.rows))):
        columns = _columns(grid.rows[r], lookup)
        if not {ISSUE_NO, MEASURE, PROGRESS} <= set(columns) or LEDGER_ONLY & set(columns):
            continue
        for row in grid.rows[r + 1 : r + 200]:
            for field in (MEASURE, PROGRESS):
                index = columns[field]
                if index < len(row) and ORDINAL.match(cell_text(row[index])):
                    return r, columns
        return None
    return None


def _places(
    header: list[Any], number_col: int, text_col: int
) -> tuple[dict[str, str], dict[str, str]]:
    """Each field's column letter and header label: 问题序号 from its column, the rest (整改进展, and
    the 完成状态 and 实际完成日期 read from it) from the 整改完成情况 column."""
    columns = {ISSUE_NO: number_col, PROGRESS: text_col, STATUS: text_col, DONE_DATE: text_col}
    letters = {name: column_letter(col) for name, col in columns.items()}
    labels = {name: cell_text(header[col]) for name, col in columns.items()}
    return letters, labels


def read_report_table(
    ledger: LedgerFile, grid: Grid, settings: Settings, context: list[str]
) -> bool:
    """Rows for every measure of a report table; False when the grid is not one."""
    located = locate(grid, settings)
    if located is None:
        return False
    header, columns = located
    for r in range(header):
        context.extend(cell_text(v) for v in grid.rows[r] if cell_text(v))
    number_col, text_col, measure_col = columns[ISSUE_NO], columns[PROGRESS], columns[MEASURE]
    problems: dict[int, tuple[int, list[str]]] = {}  # number → (first row, its completion texts)
    for r in range(header + 1, len(grid.rows)):
        cells = grid.rows[r]
        number = parse_int(cells[number_col]) if number_col < len(cells) else None
        text = cell_text(cells[text_col]) if text_col < len(cells) else ""
        measure = ORDINAL.match(cell_text(cells[measure_col])) if measure_col < len(cells) else None
        if text and measure and not ORDINAL.match(text):  # a row per measure: its own ordinal
            text = measure.group(0) + text
        if number is None:
            if any(cell_text(v) for v in cells):
                context.extend(dict.fromkeys(cell_text(v) for v in cells if cell_text(v)))
            continue
        first, texts = problems.setdefault(number, (r, []))
        if text and text not in texts:
            texts.append(text)
    statuses = status_table(STATUSES, settings.status_synonyms)
    letters, labels = _places(grid.rows[header], number_col, text_col)
    for number, (first, texts) in problems.items():
        pieces = split_measures("\n".join(texts))
        if any(n is not None for n, _ in pieces):
            pieces = (
                [(n, t) for n, t in pieces if n is not None]
                if pieces[0][0] is not None
                else [(pieces[1][0], pieces[0][1] + "\n" + pieces[1][1]), *pieces[2:]]
            )
        for measure, text in pieces:
            status, body, done = stated_status(text, statuses, settings)
            values = {
                ISSUE_NO: number,
                MEASURE_NO: measure if measure is not None else "",
                PROGRESS: body,
                STATUS: status,
                DONE_DATE: done,
            }
            ledger.rows.append(
                LedgerRow(ledger.name, grid.name, first + 1, values, letters, labels)
            )
    return True
