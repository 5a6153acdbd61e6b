"""Workbooks as grids: python-calamine reads .xlsx/.xlsm/.xlsb/.xls/.ods, xlrd is the second try for
an old .xls calamine refuses. An .xlsx is scanned first (read.xlsxscan) for cells far from the table
and for cells calamine would lose."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from toolkit.core.errors import ReadError
from toolkit.read.grid import Grid, short_reason
from toolkit.read.xlsxscan import put_specials, sheet_xml, special_cells, trim_far_cells

_SUFFIX_KIND = {
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xltx": "xlsx",
    ".xltm": "xlsx",
    ".xls": "xls",
    ".xlsb": "xlsb",
    ".ods": "ods",
}


def read_workbook(path: Path | None, data: bytes, suffix: str, kind: str) -> list[Grid]:
    """Every sheet of a workbook whose content is `kind` (sheets.sniff); `path` when the file on disk
    may be opened as it is, else None (a zip member, or a file named for another kind)."""
    real_suffix = suffix if _SUFFIX_KIND.get(suffix) == kind else "." + kind
    far: dict[str, list[tuple[int, int, str]]] = {}
    specials: dict[str, list[tuple[int, int, str]]] = {}
    if kind == "xlsx":
        # each sheet's XML read once, for both scans, and let go before reading
        sheets = sheet_xml(data)
        data, far = trim_far_cells(data, sheets)
        specials = special_cells(sheets)
        del sheets
        path = None if far else path
    try:
        grids = _read_calamine(path if real_suffix == suffix else None, data, real_suffix)
        if kind == "xlsx":
            put_specials(grids, specials)
            for grid in grids:
                grid.far_cells = far.get(grid.name, [])
        return grids
    except ReadError as exc:
        if exc.code == "encrypted-file" or kind != "xls":
            raise
        first_error = exc
    try:
        return _read_xlrd(data)
    except ReadError as exc:
        if exc.code == "encrypted-file":
            raise
        raise first_error from None


def _read_calamine(path: Path | None, data: bytes, suffix: str) -> list[Grid]:
    """calamine picks the format from the file name, so a zip member goes through a named temp file."""
    if path is not None:
        return _read_calamine_path(path)
    import tempfile

    with tempfile.TemporaryDirectory(prefix="toolkit-") as folder:
        temp = Path(folder) / f"member{suffix or '.xlsx'}"
        temp.write_bytes(data)
        return _read_calamine_path(temp)


def _read_calamine_path(path: Path) -> list[Grid]:
    import python_calamine as pc

    try:
        workbook = pc.CalamineWorkbook.from_path(str(path))
        grids = []
        for meta in workbook.sheets_metadata:
            if str(meta.typ) not in ("SheetTypeEnum.WorkSheet", "WorkSheet"):
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            rows = _sheet_rows(sheet)
            merged = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
            hidden = "Visible" not in str(meta.visible)
            grids.append(Grid(meta.name, rows, merged, hidden))
        return grids
    except pc.PasswordError as exc:
        raise ReadError("encrypted-file") from exc
    except (
        BaseException
    ) as exc:  # calamine raises its own errors and, on hostile input, Rust panics
        if isinstance(exc, (KeyboardInterrupt, SystemExit, MemoryError)):
            raise
        raise ReadError("unreadable-file", "workbook-failed", reason=short_reason(exc)) from exc


def _sheet_rows(sheet: Any) -> list[list[Any]]:
    """A calamine sheet's cells from A1 (as to_python(skip_empty_area=False) gives them), built row
    by row with each distinct text kept once: a big return repeats its unit, statuses and dates on
    every row, and a full copy beside calamine's own doubled a 200,000-row file's peak memory."""
    pad = [""] * (
        sheet.start[1] if sheet.start else 0
    )  # iter_rows starts at row 1 but the first used column
    same: dict[str, str] = {}
    return [
        [*pad, *(same.setdefault(v, v) if v.__class__ is str else v for v in cells)]
        for cells in sheet.iter_rows()
    ]


def _read_xlrd(data: bytes) -> list[Grid]:
    import xlrd

    try:
        with open(os.devnull, "w") as quiet:  # xlrd prints its warnings to stdout by default
            book = xlrd.open_workbook(file_contents=data, formatting_info=False, logfile=quiet)
        grids = []
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            rows = []
            for r in range(sheet.nrows):
                row = []
                for c, cell in enumerate(sheet.row(r)):
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        try:
                            row.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
                        except (ValueError, OverflowError):
                            row.append(cell.value)
                    elif cell.ctype == xlrd.XL_CELL_ERROR:
                        row.append(xlrd.error_text_from_code.get(cell.value, "#ERR"))
                    elif cell.ctype == xlrd.XL_CELL_EMPTY:
                        row.append("")
                    else:
                        row.append(cell.value)
                    del c
                rows.append(row)
            grids.append(Grid(sheet.name, rows, [], sheet.visibility != 0))
        return grids
    except xlrd.biffh.XLRDError as exc:
        if "encrypted" in str(exc).lower():
            raise ReadError("encrypted-file") from exc
        raise ReadError("unreadable-file", "xls-failed", reason=short_reason(exc)) from exc
    except Exception as exc:
        raise ReadError("unreadable-file", "xls-failed", reason=short_reason(exc)) from exc
