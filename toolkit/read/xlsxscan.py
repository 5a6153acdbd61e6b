"""Raw OOXML scans that calamine cannot do for us: error cells and formulas without a cached
value put back into the grid, and stray cells far from the table taken out before reading.
Regular expressions over the sheet XML, only when a cheap check says it is needed."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from toolkit.read.grid import Grid


FORMULA_NO_VALUE = (
    "\x00formula-no-value"  # stands in a grid cell for a formula that has no cached result
)


_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)


_REF = re.compile(rb'\br="([A-Z]{1,3})(\d{1,7})"')


_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")


def _cell_index(letters: bytes, digits: bytes) -> tuple[int, int]:
    col = 0
    for ch in letters:
        col = col * 26 + ch - 64
    return int(digits) - 1, col - 1


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → part path, from xl/workbook.xml and its relationships."""
    import html

    try:
        book = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    targets = {
        m.group(1): m.group(2) for m in re.finditer(rb'Id="([^"]+)"[^>]*?Target="([^"]+)"', rels)
    }
    targets.update(
        {m.group(2): m.group(1) for m in re.finditer(rb'Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)}
    )
    parts = {}
    for m in re.finditer(
        rb'<(?:\w+:)?sheet\b[^>]*?name="([^"]*)"[^>]*?(?:r|\w+):id="([^"]+)"', book
    ):
        target = targets.get(m.group(2))
        if target:
            target = target.decode("utf-8", "replace").lstrip("/")
            parts[html.unescape(m.group(1).decode("utf-8", "replace"))] = (
                target if target.startswith("xl/") else "xl/" + target
            )
    return parts


def sheet_xml(data: bytes) -> dict[str, bytes]:
    """Each sheet's XML by sheet name, read once for both scans below; {} when not a package."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            found = {}
            for name, part in _sheet_parts(archive).items():
                try:
                    found[name] = archive.read(part)
                except KeyError:
                    continue
            return found
    except (zipfile.BadZipFile, OSError, ValueError):
        return {}


def special_cells(sheets: dict[str, bytes]) -> dict[str, list[tuple[int, int, str]]]:
    """calamine reads error cells (#REF!, #N/A) and formulas without a cached value as blanks:
    (row, column, text) per sheet for each, the text being the error or FORMULA_NO_VALUE. Found
    before reading, so the sheet XML (200 MB for 200,000 rows) need not be kept alongside."""
    found = {}
    for name, xml in sheets.items():
        cells = _special_cells(xml)
        if cells:
            found[name] = cells
    return found


def put_specials(grids: list[Grid], specials: dict[str, list[tuple[int, int, str]]]) -> None:
    """Put the texts special_cells found into the cells calamine left blank."""
    for grid in grids:
        for r, c, text in specials.get(grid.name, ()):
            if r >= len(grid.rows):
                continue
            row = grid.rows[r]
            if len(row) <= c:
                row.extend([""] * (c + 1 - len(row)))
            if row[c] in ("", None):
                row[c] = text


def mark_specials(grids: list[Grid], sheets: dict[str, bytes]) -> None:
    put_specials(grids, special_cells(sheets))


def _special_cells(xml: bytes) -> list[tuple[int, int, str]]:
    if b't="e"' not in xml and b"<f" not in xml:
        return []
    cells = []
    for match in _CELL.finditer(xml):
        attrs, body = match.group(1), match.group(2) or b""
        is_error = b't="e"' in attrs
        if not is_error and b"<f" not in body:
            continue
        ref = _REF.search(attrs)
        if not ref:
            continue
        value = _VALUE.search(body)
        if is_error:
            text = value.group(1).decode("utf-8", "replace") if value else "#N/A"
        elif value is None or not value.group(1):
            text = FORMULA_NO_VALUE
        else:
            continue
        cells.append((*_cell_index(*ref.groups()), text))
    return cells


FAR_GAP = 10_000  # rows this far below the table are not part of it


FAR_COL = 702  # columns past ZZ are not part of a ledger


_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=\"(\d+)\"[^>]*?(?:/>|>.*?</(?:\w+:)?row>)", re.S)


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?ref="[A-Z]*\d*:?([A-Z]+)\d+"')


_TEXT = re.compile(rb"<(?:\w+:)?t\b[^>]*>([^<]*)</(?:\w+:)?t>")


def trim_far_cells(
    data: bytes, sheets: dict[str, bytes]
) -> tuple[bytes, dict[str, list[tuple[int, int, str]]]]:
    """Cells far below or right of the table (a value typed by accident at row 1,048,576 or column
    XFD) would make the reader hold the whole range between, a million rows or more. Such cells are
    taken out of a copy of the package before reading, and returned per sheet to be reported.
    Costs nothing for ordinary sheets: only the tail of each sheet and its dimension are looked at.
    `sheets` (from sheet_xml) is updated in place with the trimmed XML."""
    suspects = [name for name, xml in sheets.items() if _has_far_cells(xml)]
    if not suspects:
        return data, {}
    archive = zipfile.ZipFile(io.BytesIO(data))
    with archive:
        parts = _sheet_parts(archive)
        changed: dict[str, bytes] = {}
        far: dict[str, list[tuple[int, int, str]]] = {}
        loaded: list[list[str]] = []

        def strings() -> list[
            str
        ]:  # the shared strings, read once and only if a far cell needs them
            if not loaded:
                loaded.append(_shared_strings(archive))
            return loaded[0]

        for name in suspects:
            trimmed, notes = _trim_sheet(sheets[name], strings)
            if trimmed is not None:
                changed[parts[name]] = sheets[name] = trimmed
                far[name] = notes
        if not changed:
            return data, {}
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
            for info in archive.infolist():
                out.writestr(
                    info.filename, changed.get(info.filename) or archive.read(info.filename)
                )
    return buffer.getvalue(), far


def _trim_sheet(
    xml: bytes, strings: Callable[[], list[str]]
) -> tuple[bytes | None, list[tuple[int, int, str]]]:
    """One sheet's XML without its far cells (None when it has none), and those cells' (row, column,
    value)."""
    import html

    dimension = _DIMENSION.search(xml[:4096])
    wide = dimension is not None and len(dimension.group(1)) >= 3
    kept: list[bytes] = []
    notes: list[tuple[int, int, str]] = []
    last = None
    cursor = 0
    for match in _ROW.finditer(xml):
        number = int(match.group(1))
        far_row = last is not None and number - last > FAR_GAP
        if not far_row:
            last = number
            if not wide:
                continue  # a row of the table: its cells need no look unless columns run far
        body = match.group(0)
        cells = list(_CELL.finditer(body))
        drop = [c for c in cells if far_row or _col_of(c.group(1)) > FAR_COL]
        if not drop:
            continue
        for c in drop:
            text = _cell_value(c, strings(), html.unescape)
            ref = _REF.search(c.group(1))
            if text and ref:
                notes.append((*_cell_index(*ref.groups()), text))
        kept.append(xml[cursor : match.start()])
        if not far_row:
            new_body = body
            for c in reversed(drop):
                new_body = new_body[: c.start()] + new_body[c.end() :]
            kept.append(new_body)
        cursor = match.end()
    if not cursor:
        return None, notes
    kept.append(xml[cursor:])
    return b"".join(kept), notes


def _has_far_cells(xml: bytes) -> bool:
    """A gap of more than FAR_GAP rows near the end of the sheet, or a dimension past column ZZ."""
    dimension = _DIMENSION.search(xml[:4096])
    if dimension is not None and len(dimension.group(1)) >= 3:
        return True
    tail = [int(n) for n in re.findall(rb"<(?:\w+:)?row\b[^>]*?\br=\"(\d+)\"", xml[-65536:])]
    return any(b - a > FAR_GAP for a, b in zip(tail, tail[1:], strict=False)) or (
        len(tail) == 1 and tail[0] > FAR_GAP
    )


def _col_of(attrs: bytes) -> int:
    ref = _REF.search(attrs)
    return _cell_index(*ref.groups())[1] if ref else 0


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    import html

    try:
        xml = archive.read("xl/sharedStrings.xml")
    except KeyError:
        return []
    items = re.findall(rb"<(?:\w+:)?si>(.*?)</(?:\w+:)?si>", xml, re.S)
    return [
        html.unescape(b"".join(_TEXT.findall(item)).decode("utf-8", "replace")) for item in items
    ]


def _cell_value(cell: re.Match, strings: list[str], unescape) -> str:
    attrs, body = cell.group(1), cell.group(2) or b""
    if b't="s"' in attrs:
        value = _VALUE.search(body)
        index = int(value.group(1)) if value and value.group(1).isdigit() else -1
        return strings[index] if 0 <= index < len(strings) else ""
    if b't="inlineStr"' in attrs:
        return unescape(b"".join(_TEXT.findall(body)).decode("utf-8", "replace"))
    value = _VALUE.search(body)
    return unescape(value.group(1).decode("utf-8", "replace")) if value else ""
