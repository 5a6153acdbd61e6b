"""Returned ledgers: finding files in the inbox, locating the header, mapping columns, which unit sent it."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from toolkit.core.dates import DATE, parse_date
from toolkit.core.errors import ReadError
from toolkit.core.model.issue_list import UnitBook
from toolkit.core.model.ledger import LedgerFile, LedgerRow
from toolkit.core.normalize import (
    cell_text,
    clean_header,
    column_letter,
    compact,
    measure_ordinal,
    parse_int,
    parse_task_id,
    split_units,
    strip_control,
)
from toolkit.core.settings import Settings
from toolkit.core.words import (
    FILL_DATE,
    ISSUE_NO,
    ISSUE_TITLE,
    MEASURE,
    MEASURE_NO,
    META_CREATED,
    META_UNIT,
    SHEET_META,
    TASK_ID,
    UNIT,
)
from toolkit.read.grid import Grid, fill_merged
from toolkit.read.report_return import read_report_table
from toolkit.read.sheets import CSV_SUFFIXES, EXCEL_SUFFIXES, WORD_SUFFIXES, read_grids
from toolkit.read.xlsxscan import FORMULA_NO_VALUE

READ_SUFFIXES = EXCEL_SUFFIXES | {".csv"} | WORD_SUFFIXES


KEY_FIELDS = (TASK_ID, ISSUE_NO, MEASURE)


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


_REPORTED = re.compile(r"(填报|报送|填表)(日期|时间)[:：]?\s*(.+)")


def read_ledger(
    path: Path,
    name: str,
    settings: Settings,
    units: UnitBook | None,
    *,
    data: bytes | None = None,
    mtime: datetime | None = None,
) -> LedgerFile:
    """Read one returned file. Never raises on bad content: problems become findings."""
    ledger = LedgerFile(name, mtime=mtime)
    limit_mb = settings.limits["max_file_mb"]
    word = path.suffix.lower() in WORD_SUFFIXES
    try:
        size = len(data) if data is not None else path.stat().st_size
    except OSError as exc:
        ledger.note("unreadable-file", "cannot-open", reason=exc.strerror or exc)
        return ledger
    if size > limit_mb * 2**20:
        ledger.note("file-too-large", size_mb=size // 2**20, limit_mb=limit_mb)
        return ledger
    try:
        grids = read_grids(path, data, max_unzipped=settings.limits["max_unzipped_mb"] * 2**20)
    except ReadError as exc:
        if word and (
            exc.code == "no-header"
            or (exc.code == "unreadable-file" and path.suffix.lower() == ".docx")
        ):
            ledger.note("skipped-file", "word-no-ledger")  # a cover letter sent beside the returns
        else:
            ledger.note(exc.code, exc.variant, **exc.values)
        return ledger
    lookup = header_lookup(settings)
    meta_grid = next((g for g in grids if g.name.strip().lower() == SHEET_META), None)
    if meta_grid is not None:
        ledger.meta = read_meta(meta_grid)
    context: list[str] = []
    for grid in grids:
        for row, col, text in grid.far_cells:
            ledger.note(
                "far-cell",
                sheet=grid.name,
                row=row + 1,
                column=column_letter(col),
                value=text[:2000],
            )
        if grid is meta_grid or (grid.hidden and path.suffix.lower() not in CSV_SUFFIXES):
            continue
        found = _read_sheet(ledger, grid, lookup, settings, context)
        ledger.ok = ledger.ok or found
    if not ledger.ok and word:
        ledger.note("skipped-file", "word-no-ledger")
        return ledger
    if not ledger.ok:
        sheets = "、".join(g.name for g in grids if g is not meta_grid) or "（无）"
        ledger.note("no-header", sheets=sheets)
        return ledger
    ledger.context = context[:60]
    if units is not None:
        identify(ledger, units)
    return ledger


def read_meta(grid: Grid) -> dict[str, str]:
    meta: dict[str, str] = {}
    for row in grid.rows:
        if len(row) >= 2 and cell_text(row[0]):
            meta[compact(cell_text(row[0]))] = cell_text(row[1])
    return meta


def header_lookup(settings: Settings) -> tuple[dict[str, str], dict[str, str]]:
    """(canonical names → field, synonyms → field), both keyed by clean_header()."""
    canonical = {clean_header(name): name for name in settings.headers}
    synonyms: dict[str, str] = {}
    for name, words in settings.headers.items():
        for word in words:
            synonyms.setdefault(clean_header(word), name)
    return canonical, synonyms


def _map_row(cells: list[Any], lookup: tuple[dict[str, str], dict[str, str]]) -> dict[int, str]:
    canonical, synonyms = lookup
    labels = [clean_header(cell_text(v)) if isinstance(v, str) else "" for v in cells]
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    for table in (canonical, synonyms):
        for index, label in enumerate(labels):
            name = table.get(label)
            if name and name not in taken and index not in mapping:
                mapping[index] = name
                taken.add(name)
    return mapping


def _score(mapping: dict[int, str]) -> int:
    fields = set(mapping.values())
    if len(fields) < 3 or not fields & set(KEY_FIELDS):
        return 0
    return len(fields)


def locate_header(grid: Grid, lookup, scan_rows: int) -> tuple[int, int, dict[int, str]] | None:
    """(header row index, first data row index, column → field) or None when there is no ledger header."""
    best: tuple[int, int, dict[int, str]] | None = None
    best_score = 0
    for r in range(min(scan_rows, len(grid.rows))):
        mapping = _map_row(grid.rows[r], lookup)
        score = _score(mapping)
        if score > best_score:
            best, best_score = (r, r + 1, mapping), score
    if best is None:
        return None
    r = best[0]
    if r + 1 < len(grid.rows) and not _looks_like_data(grid.rows[r + 1], best[2]):
        # a two-row header: group names above, real names below
        below = _map_row(grid.rows[r + 1], lookup)
        combined = dict(best[2])
        for index, name in below.items():
            if name not in combined.values() or combined.get(index) == name:
                combined[index] = name
        if len(set(combined.values())) == len(combined) and (
            _score(combined) > best_score or _names_below(grid.rows[r], grid.rows[r + 1], below)
        ):
            return r, r + 2, _split_measure_group(grid, r, r + 2, combined, lookup)
    return r, r + 1, _split_measure_group(grid, r, r + 1, best[2], lookup)


def _names_below(above: list[Any], below: list[Any], mapped: dict[int, str]) -> bool:
    """The row under a header holds names under group headers (整改任务 over 措施 | 具体内容): short
    texts where it differs from the header, one at least a known column name."""
    differing = [
        i for i, v in enumerate(below) if cell_text(v) and (i >= len(above) or v != above[i])
    ]
    return (
        bool(differing)
        and any(i in mapped for i in differing)
        and all(isinstance(below[i], str) and len(cell_text(below[i])) <= 10 for i in differing)
    )


def _split_measure_group(
    grid: Grid, header_row: int, start: int, mapping: dict[int, str], lookup
) -> dict[int, str]:
    """Several columns headed as measures (措施 and 具体内容 under 整改任务; 措施 beside 具体措施): the
    one holding ordinals ((一), 1., ①) is 措施序号, the one with the most text is 整改措施."""
    canonical, synonyms = lookup
    columns = {i for i, name in mapping.items() if name == MEASURE}
    for r in range(header_row, start):
        for i, value in enumerate(grid.rows[r]):
            label = clean_header(value) if isinstance(value, str) else ""
            if (
                label
                and (canonical.get(label) or synonyms.get(label)) == MEASURE
                and i not in mapping
            ):
                columns.add(i)
    for r0, c0, _r1, c1 in grid.merged:  # 整改任务 merged over the columns it groups
        if header_row <= r0 < start and c0 in columns:
            columns.update(i for i in range(c0, c1 + 1) if i not in mapping)
    if len(columns) < 2:
        return mapping
    sample = grid.rows[start : start + 30]
    texts = {
        i: [cell_text(row[i]) for row in sample if i < len(row) and cell_text(row[i])]
        for i in columns
    }
    mapping = {i: name for i, name in mapping.items() if i not in columns}
    numbers = [
        i
        for i in sorted(columns)
        if texts[i] and sum(map(_is_ordinal, texts[i])) >= 0.8 * len(texts[i])
    ]
    if numbers and MEASURE_NO not in mapping.values():
        mapping[numbers[0]] = MEASURE_NO
    rest = [i for i in sorted(columns) if i not in numbers]
    if rest:
        mapping[max(rest, key=lambda i: sum(map(len, texts[i])))] = MEASURE
    return dict(sorted(mapping.items()))


def _is_ordinal(text: str) -> bool:
    """A cell holding only a measure number: 2, （二）, 2., ②, 二是, 第二项."""
    if len(text) > 8:
        return False
    number, rest = measure_ordinal(text)
    return parse_int(text) is not None or (number is not None and not rest)


def _looks_like_data(cells: list[Any], mapping: dict[int, str]) -> bool:
    """A row with a task id, problem or measure number where the header says so is data, even if
    another of its cells happens to read like a column name."""
    for index, name in mapping.items():
        value = cells[index] if index < len(cells) else None
        if name == TASK_ID and parse_task_id(value):
            return True
        if (
            name in (ISSUE_NO, MEASURE_NO)
            and parse_int(value) is not None
            and cell_text(value) not in ("", name)
        ):
            return True
    return False


def _is_column_numbers(cells: list[Any]) -> bool:
    """The 栏次 row some forms put under the header: 1 2 3 … in consecutive columns."""
    numbers = [parse_int(v) if not isinstance(v, bool) else None for v in cells if cell_text(v)]
    return len(numbers) >= 3 and numbers == list(range(1, len(numbers) + 1))


def _read_sheet(
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
    labels = {
        name: _header_label(grid, header_row, start, index) for index, name in mapping.items()
    }
    previous: tuple[Any, Any] = (None, None)  # the last row's 问题序号 and 问题标题
    max_rows = settings.limits["max_rows"]
    for r in range(start, min(len(grid.rows), start + max_rows)):
        cells = grid.rows[r]
        if all(v in ("", None) for v in cells) or (r == start and _is_column_numbers(cells)):
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


def _header_label(grid: Grid, header_row: int, start: int, index: int) -> str:
    """What the unit wrote above a column: the lowest non-empty header cell."""
    for r in range(start - 1, header_row - 1, -1):
        row = grid.rows[r]
        text = cell_text(row[index]) if index < len(row) else ""
        if text:
            return re.sub(r"\s+", "", text)
    return ""


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


def identify(ledger: LedgerFile, units: UnitBook) -> None:
    """Which unit sent the file (_meta, 责任单位 column, title, file name) and when (填报日期)."""
    context = ledger.context
    meta_unit = units.resolve(ledger.meta.get(META_UNIT, ""))
    stamp = ledger.meta.get(META_CREATED, "")
    if stamp:
        try:
            moment = datetime.fromisoformat(stamp)
            ledger.meta_time = moment.astimezone().replace(tzinfo=None) if moment.tzinfo else moment
        except ValueError:
            ledger.meta_time = None
    if meta_unit:
        ledger.unit, ledger.unit_source = meta_unit, SHEET_META
    else:
        column_unit = _unit_from_column(ledger, units, context)
        if column_unit:
            ledger.unit, ledger.unit_source = column_unit, "责任单位列"
        else:
            for source, text in (("标题", " ".join(context[:12])), ("文件名", ledger.name)):
                found = units.find_in(text)
                if found:
                    ledger.unit, ledger.unit_source = found, source
                    break
    ledger.reported = _reported_date(ledger, context)


def _unit_from_column(ledger: LedgerFile, units: UnitBook, context: list[str]) -> str | None:
    common: set[str] | None = None
    for row in ledger.rows:
        names = {units.resolve(n) for n in split_units(cell_text(row.values.get(UNIT)))} - {None}
        if not names:
            continue
        common = names if common is None else common & names
    if not common:
        return None
    if len(common) == 1:
        return next(iter(common))
    hint = units.find_in(" ".join(context[:12])) or units.find_in(ledger.name)
    return hint if hint in common else None


def _reported_date(ledger: LedgerFile, context: list[str]) -> date | None:
    dates = []
    for row in ledger.rows:
        parsed = parse_date(row.values.get(FILL_DATE))
        if parsed.kind == DATE and parsed.value:
            dates.append(parsed.value)
    for text in context:
        match = _REPORTED.search(compact(text))
        if match:
            parsed = parse_date(match.group(3))
            if parsed.kind == DATE and parsed.value:
                dates.append(parsed.value)
    return max(dates) if dates else None
