"""A returned ledger file read whole: every sheet that holds a ledger (read.ledger_rows), the _meta
sheet, and which unit sent it (read.ledger_unit). Never raises on bad content."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from toolkit.core.errors import ReadError
from toolkit.core.model.issue_list import UnitBook
from toolkit.core.model.ledger import LedgerFile
from toolkit.core.normalize import cell_text, column_letter, compact
from toolkit.core.settings import Settings
from toolkit.core.words import SHEET_META
from toolkit.read.grid import Grid
from toolkit.read.ledger_header import header_lookup
from toolkit.read.ledger_rows import read_sheet
from toolkit.read.ledger_unit import identify
from toolkit.read.sheets import CSV_SUFFIXES, EXCEL_SUFFIXES, WORD_SUFFIXES, read_grids

READ_SUFFIXES = EXCEL_SUFFIXES | {".csv"} | WORD_SUFFIXES


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
    word = path.suffix.lower() in WORD_SUFFIXES
    grids = _grids(ledger, path, data, settings)
    if grids is None:
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
        found = read_sheet(ledger, grid, lookup, settings, context)
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


def _grids(
    ledger: LedgerFile, path: Path, data: bytes | None, settings: Settings
) -> list[Grid] | None:
    """The file's sheets, or None when it is too large or cannot be read (noted on the ledger)."""
    limit_mb = settings.limits["max_file_mb"]
    try:
        size = len(data) if data is not None else path.stat().st_size
    except OSError as exc:
        ledger.note("unreadable-file", "cannot-open", reason=exc.strerror or exc)
        return None
    if size > limit_mb * 2**20:
        ledger.note("file-too-large", size_mb=size // 2**20, limit_mb=limit_mb)
        return None
    try:
        return read_grids(path, data, max_unzipped=settings.limits["max_unzipped_mb"] * 2**20)
    except ReadError as exc:
        if path.suffix.lower() in WORD_SUFFIXES and (
            exc.code == "no-header"
            or (exc.code == "unreadable-file" and path.suffix.lower() == ".docx")
        ):
            ledger.note("skipped-file", "word-no-ledger")  # a cover letter sent beside the returns
        else:
            ledger.note(exc.code, exc.variant, **exc.values)
        return None


def read_meta(grid: Grid) -> dict[str, str]:
    meta: dict[str, str] = {}
    for row in grid.rows:
        if len(row) >= 2 and cell_text(row[0]):
            meta[compact(cell_text(row[0]))] = cell_text(row[1])
    return meta
