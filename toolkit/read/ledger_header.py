"""The header of a returned ledger: which row it is (a title or two above it, sometimes a second
header row below), and which field each column holds, through the settings' header synonyms."""

from __future__ import annotations

import re
from typing import Any

from toolkit.core.normalize import (
    cell_text,
    clean_header,
    measure_ordinal,
    parse_int,
    parse_task_id,
)
from toolkit.core.settings import Settings
from toolkit.core.words import ISSUE_NO, MEASURE, MEASURE_NO, TASK_ID
from toolkit.read.grid import Grid

KEY_FIELDS = (TASK_ID, ISSUE_NO, MEASURE)


def header_lookup(settings: Settings) -> tuple[dict[str, str], dict[str, str]]:
    """(canonical names → field, synonyms → field), both keyed by clean_header()."""
    canonical = {clean_header(name): name for name in settings.headers}
    synonyms: dict[str, str] = {}
    for name, words in settings.headers.items():
        for word in words:
            synonyms.setdefault(clean_header(word), name)
    return canonical, synonyms


def field_lookup(settings: Settings) -> dict[str, str]:
    """Every header name and synonym, keyed by clean_header(), → its field, in the settings' order
    (the issue list's columns and a lower office's report are found through it)."""
    lookup: dict[str, str] = {}
    for name, words in settings.headers.items():
        for word in (name, *words):
            lookup.setdefault(clean_header(word), name)
    return lookup


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


def is_column_numbers(cells: list[Any]) -> bool:
    """The 栏次 row some forms put under the header: 1 2 3 … in consecutive columns."""
    numbers = [parse_int(v) if not isinstance(v, bool) else None for v in cells if cell_text(v)]
    return len(numbers) >= 3 and numbers == list(range(1, len(numbers) + 1))


def header_label(grid: Grid, header_row: int, start: int, index: int) -> str:
    """What the unit wrote above a column: the lowest non-empty header cell."""
    for r in range(start - 1, header_row - 1, -1):
        row = grid.rows[r]
        text = cell_text(row[index]) if index < len(row) else ""
        if text:
            return re.sub(r"\s+", "", text)
    return ""
