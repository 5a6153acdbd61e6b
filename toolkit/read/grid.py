"""A sheet as a plain grid of cell values, and merged cells filled the way a reader sees them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Grid:
    """One sheet: rows of cell values (0-based here; Excel rows are index + 1)."""

    name: str
    rows: list[list[Any]]
    merged: list[tuple[int, int, int, int]] = field(
        default_factory=list
    )  # r0, c0, r1, c1 inclusive
    hidden: bool = False
    far_cells: list[tuple[int, int, str]] = field(default_factory=list)  # (row, col, text) left out


WIDE_MERGE = 4  # a merge this many columns wide is a title, section or group row


def fill_merged(grid: Grid) -> None:
    """Give the cells of a merged range the value of its top-left cell, so a problem number merged
    down its measures reaches every measure row. A narrow merge across a data row (a unit merging
    整改进展 over the next two columns) keeps its value in its first column only: copying it would
    put progress text into 实际完成日期 and 佐证材料. Wide merges (titles, sections) fill across."""
    rows = grid.rows
    for r0, c0, r1, c1 in grid.merged:
        if r0 >= len(rows) or (r1 - r0 + 1) * (c1 - c0 + 1) > 200_000:
            continue
        top = rows[r0][c0] if c0 < len(rows[r0]) else ""
        if top in ("", None):
            continue
        last_col = c1 if c1 - c0 + 1 >= WIDE_MERGE else c0
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            if len(row) <= last_col:
                row.extend([""] * (last_col + 1 - len(row)))
            for c in range(c0, last_col + 1):
                if row[c] in ("", None):
                    row[c] = top


def short_reason(exc: BaseException) -> str:
    """A reader library's error in a few words, for a finding's reason: its first line, or its name."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]
