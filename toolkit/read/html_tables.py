"""Web pages saved with an .xls name (old government systems export these) as grids, one per table."""

from __future__ import annotations

import codecs
import re
from typing import Any

from toolkit.core.errors import ReadError
from toolkit.read.csv_text import decode_text
from toolkit.read.grid import Grid, short_reason


def read_html_tables(data: bytes, name: str) -> list[Grid]:
    """Tables of an HTML page saved with an .xls name (old government systems export these), read
    with lxml.html: end tags HTML lets out (</td>, </tr>) are implied as a browser would, a table
    inside a cell is a table of its own (its text stays out of the outer cell), and the page's
    declared charset is honoured."""
    import lxml.html
    from lxml import etree

    text = _html_text(data)
    try:
        parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ReadError("unreadable-file", "bad-html", reason=short_reason(exc)) from exc
    grids = []
    for table in root.iter("table"):
        rows = _html_rows(table)
        if rows:
            grids.append(Grid(f"{name}_{len(grids) + 1}" if grids else name, rows))
    if not grids:
        raise ReadError("unreadable-file", "no-table")
    return grids


_HTML_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)


_CHARSET_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "big5": "big5hkscs",
}


def _html_text(data: bytes) -> str:
    """The page as text: a byte-order mark first, then the <meta> charset (GB2312 and GBK read as
    their superset GB18030, Big5 as Big5-HKSCS), else the guess used for CSV."""
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return decode_text(data)
    found = _HTML_CHARSET.search(data[:8192])
    if found:
        declared = found.group(1).decode("ascii").lower()
        try:
            codec = codecs.lookup(_CHARSET_SUPERSETS.get(declared, declared)).name
            return data.decode(codec)
        except (LookupError, UnicodeDecodeError):
            pass  # an unknown name or a page that is not what it says: guess instead
    return decode_text(data)


def _html_rows(table: Any) -> list[list[str]]:
    """One table's own rows (not those of tables nested in its cells). A cell with colspan
    repeats across; with rowspan it carries down into the rows below."""
    rows: list[list[str]] = []
    carry: dict[int, tuple[int, str]] = {}  # column → (rows still to fill, value)

    def carry_into(row: list[str]) -> None:
        while len(row) in carry:
            col = len(row)
            left, value = carry[col]
            row.append(value)
            if left > 1:
                carry[col] = (left - 1, value)
            else:
                del carry[col]

    for tr in table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr"):
        row: list[str] = []
        for cell in tr.xpath("./td | ./th"):
            value = _cell_text(cell).strip()
            carry_into(row)
            cols, down = (_span(cell.get(key)) for key in ("colspan", "rowspan"))
            for _ in range(cols):
                if down > 1:
                    carry[len(row)] = (down - 1, value)
                row.append(value)
        carry_into(row)
        rows.append(row)
    return rows


def _span(text: str | None) -> int:
    text = (text or "1").strip()
    return int(text) if text.isdigit() and 0 < int(text) < 1000 else 1


def _cell_text(cell: Any) -> str:
    """A cell's text with <br> as a line break, leaving out tables nested in it (walked with a
    stack, not recursion: a hostile page may nest tags thousands deep)."""
    parts = [cell.text or ""]
    stack: list[tuple[bool, Any]] = [(False, child) for child in reversed(cell)]
    while stack:
        is_tail, element = stack.pop()
        if is_tail:
            parts.append(element.tail or "")
            continue
        stack.append((True, element))
        if not isinstance(element.tag, str):  # a comment or processing instruction
            continue
        if element.tag == "br":
            parts.append("\n")
        elif element.tag != "table":
            parts.append(element.text or "")
            stack.extend((False, child) for child in reversed(element))
    return "".join(parts)
