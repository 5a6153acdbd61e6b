"""Word documents as grids: every top-level table of a .docx (a .doc/.wps converted by LibreOffice
first), merged cells kept as merged ranges, so Word tables are read like sheets."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from toolkit.core.errors import ReadError
from toolkit.read.grid import Grid

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def converted(path: Path, data: bytes) -> bytes:
    """A .doc/.wps as .docx bytes, through LibreOffice (read.convert); a zip member via a temp file."""
    import tempfile

    from toolkit.read.convert import convert

    with tempfile.TemporaryDirectory(prefix="toolkit-") as folder:
        temp = Path(folder) / f"member{path.suffix.lower()}"
        temp.write_bytes(data)
        return convert(temp)


def read_docx_tables(data: bytes, name: str) -> list[Grid]:
    """Every top-level table of a Word document as a grid: cells spanning columns (gridSpan) or rows
    (vMerge) become merged ranges, as in a sheet. Up to three paragraphs just above a table (its
    title, a 截至 line) come first as rows of their own, so the title names the unit as in a sheet."""
    from lxml import etree

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xml = archive.read("word/document.xml")
        root = etree.fromstring(
            xml, parser=etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
        )
    except (KeyError, zipfile.BadZipFile, etree.XMLSyntaxError, OSError, ValueError) as exc:
        raise ReadError("unreadable-file", "bad-docx") from exc
    body = root.find(f"{_W}body")
    grids: list[Grid] = []
    above: list[str] = []
    for element in body if body is not None else []:
        if element.tag == f"{_W}p":
            text = _paragraph_text(element).strip()
            if text:
                above = [*above, text][-3:]
        elif element.tag == f"{_W}tbl":
            rows, merged = _table_rows(element)
            if not rows:
                continue
            width = max(len(r) for r in rows)
            lead = [[text, *[""] * (width - 1)] for text in above]
            merged = [(r0 + len(lead), c0, r1 + len(lead), c1) for r0, c0, r1, c1 in merged]
            index = len(grids) + 1
            grids.append(Grid(f"表格{index}", lead + rows, merged))
            above = []
    if not grids:
        raise ReadError("no-header", "word-no-table", name=name)
    return grids


def _paragraph_text(paragraph) -> str:
    parts = []
    for node in paragraph.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr"):
        if node.tag == f"{_W}t":
            parts.append(node.text or "")
        else:
            parts.append("\t" if node.tag == f"{_W}tab" else "\n")
    return "".join(parts)


def _cells_of(row) -> list:
    cells = []
    for child in row:
        if child.tag == f"{_W}tc":
            cells.append(child)
        elif child.tag == f"{_W}sdt":  # a content control wrapping cells
            content = child.find(f"{_W}sdtContent")
            cells.extend(c for c in (content if content is not None else []) if c.tag == f"{_W}tc")
    return cells


def _int_attr(element, tag: str, default: int) -> int:
    found = element.find(tag) if element is not None else None
    value = found.get(f"{_W}val") if found is not None else None
    return int(value) if value and value.isdigit() and 0 < int(value) < 1000 else default


def _table_rows(table) -> tuple[list[list[str]], list[tuple[int, int, int, int]]]:
    rows: list[list[str]] = []
    merged: list[tuple[int, int, int, int]] = []
    open_down: dict[
        int, list[int]
    ] = {}  # column → [r0, c0, r1, c1] of a vertical merge still growing
    for r, tr in enumerate(table.findall(f"{_W}tr")):
        row: list[str] = [""] * _int_attr(tr.find(f"{_W}trPr"), f"{_W}gridBefore", 0)
        for tc in _cells_of(tr):
            props = tc.find(f"{_W}tcPr")
            span = _int_attr(props, f"{_W}gridSpan", 1)
            col = len(row)
            vmerge = props.find(f"{_W}vMerge") if props is not None else None
            if vmerge is not None and vmerge.get(f"{_W}val") != "restart" and col in open_down:
                open_down[col][2] = r  # a continued cell: empty, part of the range above
                row.extend([""] * span)
                continue
            done = open_down.pop(col, None)
            if done is not None and done[2] > done[0]:
                merged.append(tuple(done))
            text = "\n".join(_paragraph_text(p) for p in tc.findall(f"{_W}p")).strip()
            row.extend([text] + [""] * (span - 1))
            if vmerge is not None:
                open_down[col] = [r, col, r, col + span - 1]
            elif span > 1:
                merged.append((r, col, r, col + span - 1))
        rows.append(row)
    merged += [tuple(v) for v in open_down.values() if v[2] > v[0]]
    return rows, merged
