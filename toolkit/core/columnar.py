"""Returned rows across the worker pipe in column blocks: the field names, file and sheet once per
block instead of a dict per row, and each distinct text once, so a file of 200,000 rows neither
balloons the pipe nor the parent. model.ledger.LedgerFile pickles its rows this way; this module
knows rows only by their parts (file, sheet, row, values, columns, labels), so it imports no model."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar


class Row(Protocol):
    """What pack_rows reads of a row (model.ledger.LedgerRow has it)."""

    file: str
    sheet: str
    row: int
    values: dict[str, Any]
    columns: dict[str, str]
    labels: dict[str, str]


R = TypeVar("R")

RowBlock = tuple[
    str, str, dict[str, str], dict[str, str], tuple[str, ...], list[int], list[list[Any]]
]


def pack_rows(rows: Sequence[Row]) -> list[RowBlock]:
    """Rows as column blocks: (file, sheet, columns, labels, field names, row numbers, one list of
    values per field), a new block wherever one of the shared parts changes. Equal texts become one
    object, which pickle then sends (and the parent keeps) once."""
    blocks: list[RowBlock] = []
    same: dict[str, str] = {}
    start = 0
    while start < len(rows):
        first = rows[start]
        names = tuple(first.values)
        end = start + 1
        while (
            end < len(rows)
            and rows[end].sheet is first.sheet
            and rows[end].columns is first.columns
            and rows[end].labels is first.labels
            and rows[end].file == first.file
            and tuple(rows[end].values) == names
        ):
            end += 1
        part = rows[start:end]
        columns = (
            [
                [same.setdefault(v, v) if v.__class__ is str else v for v in column]
                for column in zip(*[tuple(row.values.values()) for row in part], strict=True)
            ]
            if names
            else []
        )
        blocks.append(
            (
                first.file,
                first.sheet,
                first.columns,
                first.labels,
                names,
                [row.row for row in part],
                columns,
            )
        )
        start = end
    return blocks


def unpack_rows(blocks: list[RowBlock], row_type: Callable[..., R]) -> list[R]:
    """The rows back, each made as row_type(file, sheet, row, values, columns, labels)."""
    rows: list[R] = []
    for file, sheet, columns, labels, names, numbers, values in blocks:
        if not names:
            rows.extend(row_type(file, sheet, n, {}, columns, labels) for n in numbers)
            continue
        rows.extend(
            row_type(file, sheet, n, dict(zip(names, cells, strict=True)), columns, labels)
            for n, cells in zip(numbers, zip(*values, strict=True), strict=True)
        )
    return rows
