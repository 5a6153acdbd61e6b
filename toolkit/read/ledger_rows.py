"""A returned ledger's sheet below its header as LedgerRows: cells cleaned, a measure under a merged
problem given the problem's number, and section, note and title rows set aside as context."""

from __future__ import annotations

import re
from typing import Any

from toolkit.core.dates import DATE, parse_date
from toolkit.core.model.ledger import LedgerFile, LedgerRow
from toolkit.core.normalize import (
    cell_text,
    clean_header,
    column_letter,
    parse_int,
    parse_task_id,
    strip_control,
)
from toolkit.core.settings import Settings
from toolkit.core.words import FILL_DATE, ISSUE_NO, ISSUE_TITLE, MEASURE, MEASURE_NO, TASK_ID
from toolkit.read.grid import Grid, fill_merged
from toolkit.read.ledger_header import header_label, is_column_numbers, locate_header
from toolkit.read.report_return import read_report_table
from toolkit.read.xlsxscan import FORMULA_NO_VALUE

ERROR_VALUES = {
    "#REF!",
    "#N/A",
    "#VALUE!",
    "#DIV/0!",
    "#NAME?",
    "#NULL!",
    "#NUM!",
    "#GETTING_DATA",
    "#SPILL!",
    "#CALC!",
}


_SECTION = re.compile(
    r"^([一二三四五六七八九十百]+[、.．]|[（(][一二三四五六七八九十]+[）)]|第[一二三四五六七八九十]+(部分|类|章))"
)


_NOTE = re.compile(
    r"^(注|说明|填表说明|填报说明|备注|合计|小计|总计|填报人|联系人|联系电话|电话|审核人|负责人|"
    r"单位负责人|主要负责人|分管领导|填报单位|填报日期|制表|单位盖章|盖章|签字)"
)


def read_sheet(
    ledger: LedgerFile, grid: Grid, lookup, settings: Settings, context: list[str]
) -> bool:
    """The ledger rows of one sheet, if it has a ledger header; texts around the table go to context."""
    fill_merged(grid)
    if read_report_table(ledger, grid, settings, context):  # a lower office's report (DESIGN §7)
        return True
    located = locate_header(grid, lookup, settings.limits["header_scan_rows"])
    if located is None:
        return False
    header_row, start, mapping = located
    for r in range(header_row):
        context.extend(cell_text(v) for v in grid.rows[r] if cell_text(v))
        context.extend(_reported_cells(grid.rows[r], lookup))
    _note_duplicate_columns(ledger, grid, header_row, mapping)
    letters = {name: column_letter(index) for index, name in mapping.items()}
    labels = {name: header_label(grid, header_row, start, index) for index, name in mapping.items()}
    previous: tuple[Any, Any] = (None, None)  # the last row's 问题序号 and 问题标题
    max_rows = settings.limits["max_rows"]
    for r in range(start, min(len(grid.rows), start + max_rows)):
        cells = grid.rows[r]
        if all(v in ("", None) for v in cells) or (r == start and is_column_numbers(cells)):
            continue  # cheap: a sheet may hold a million empty rows
        values = _row_values(ledger, grid.name, r + 1, cells, mapping, letters)
        if not _has_key(values) and _is_context_row(cells, values, mapping, context, lookup):
            continue
        previous = _carry_issue(values, previous)
        ledger.rows.append(LedgerRow(ledger.name, grid.name, r + 1, values, letters, labels))
    if len(grid.rows) > start + max_rows:
        ledger.note("file-too-large", "too-many-rows", max_rows=max_rows, sheet=grid.name)
    return True


def _note_duplicate_columns(
    ledger: LedgerFile, grid: Grid, header_row: int, mapping: dict[int, str]
) -> None:
    """A column name written twice: the first column is read, the second reported."""
    labels: dict[str, int] = {}
    for index in range(len(grid.rows[header_row])):
        label = clean_header(cell_text(grid.rows[header_row][index]))
        if label and index not in mapping and label in labels and labels[label] in mapping:
            ledger.note(
                "duplicate-column",
                sheet=grid.name,
                row=header_row + 1,
                column=column_letter(index),
                value=label,
            )
        labels.setdefault(label, index)


def _row_values(
    ledger: LedgerFile,
    sheet: str,
    row: int,
    cells: list[Any],
    mapping: dict[int, str],
    letters: dict[str, str],
) -> dict[str, Any]:
    """The row's value of each ledger field, text cells cleaned (and their problems noted)."""
    values: dict[str, Any] = {}
    for index, name in mapping.items():
        value = cells[index] if index < len(cells) else ""
        if isinstance(value, str) and value:
            value = _clean_cell(ledger, sheet, row, letters[name], value)
        values[name] = value
    return values


def _is_context_row(
    cells: list[Any], values: dict[str, Any], mapping: dict[int, str], context: list[str], lookup
) -> bool:
    """A row without task id or number that is a section, a note, a title merged across, or empty
    but for the problem title; its texts go to context."""
    texts = [t for t in map(cell_text, cells) if t]
    if not texts:
        return True
    if (
        all(_NOTE.match(t) for t in texts)
        or (len(set(texts)) == 1 and (_SECTION.match(texts[0]) or len(texts) > 1))
        or (_NOTE.match(texts[0]) and len(set(texts)) <= 3 and _reported_cells(cells, lookup))
    ):
        context.extend(dict.fromkeys(texts))
        context.extend(_reported_cells(cells, lookup))  # 填报日期 | 2025-03-28 in two cells
        return True
    if all(not cell_text(values.get(f)) for f in mapping.values() if f != ISSUE_TITLE):
        context.extend(texts)
        return True
    return False


def _carry_issue(values: dict[str, Any], previous: tuple[Any, Any]) -> tuple[Any, Any]:
    """A measure row under a merged problem cell takes the problem's number and title from above."""
    previous_issue, previous_title = previous
    if not cell_text(values.get(ISSUE_NO)) and not cell_text(values.get(TASK_ID)):
        if previous_issue not in (None, "") and (
            cell_text(values.get(MEASURE_NO)) or cell_text(values.get(MEASURE))
        ):
            values[ISSUE_NO] = previous_issue
            if not cell_text(values.get(ISSUE_TITLE)):
                values[ISSUE_TITLE] = previous_title
    return values.get(ISSUE_NO), values.get(ISSUE_TITLE)


def _reported_cells(cells: list[Any], lookup) -> list[str]:
    """'填报日期：2025-03-28' for a 填报日期 label cell (or a synonym) with its date in the next filled
    cell to its right, as the ledger template has it; identify() reads these from the context."""
    canonical, synonyms = lookup
    found = []
    for index, value in enumerate(cells):
        if not isinstance(value, str) or FILL_DATE not in (
            canonical.get(label := clean_header(value)),
            synonyms.get(label),
        ):
            continue
        following = next(
            (v for v in cells[index + 1 :] if cell_text(v) and cell_text(v) != cell_text(value)),
            None,
        )
        if following is not None:
            parsed = parse_date(following)
            shown = (
                parsed.value.isoformat()
                if parsed.kind == DATE and parsed.value
                else cell_text(following)
            )
            found.append(f"{FILL_DATE}：{shown}")
    return found


def _clean_cell(ledger: LedgerFile, sheet: str, row: int, column: str, value: str) -> str:
    """A text cell as the unit meant it; error values, formulas without results and control
    characters are reported at their cell."""
    if value == FORMULA_NO_VALUE:
        ledger.note("formula-no-value", sheet=sheet, row=row, column=column)
        return ""
    value, had_control = strip_control(value.strip())
    if had_control:
        ledger.note("control-chars", sheet=sheet, row=row, column=column, value=value[:200])
    if value in ERROR_VALUES:
        ledger.note("cell-error", sheet=sheet, row=row, column=column, value=value)
        return ""
    return value


def _has_key(values: dict[str, Any]) -> bool:
    return (
        parse_task_id(values.get(TASK_ID)) is not None
        or parse_int(values.get(ISSUE_NO)) is not None
        or parse_int(values.get(MEASURE_NO)) is not None
    )
