"""Low-level reading: any supported file into plain grids of cell values. Opens files; knows no ledgers."""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import zipfile
from pathlib import Path
from typing import Any

from toolkit.core.errors import ReadError
from toolkit.read.grid import Grid
from toolkit.read.xlsxscan import put_specials, sheet_xml, special_cells, trim_far_cells

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlsb", ".ods"}


CSV_SUFFIXES = {".csv", ".txt", ".tsv"}


# Word documents holding a table: .docx read directly, .doc/.wps converted by LibreOffice first
WORD_SUFFIXES = {".docx", ".doc", ".wps"}


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _is_encrypted_ole(head: bytes, data_probe: bytes) -> bool:
    return head.startswith(OLE_MAGIC) and (
        "EncryptedPackage".encode("utf-16-le") in data_probe
        or "EncryptionInfo".encode("utf-16-le") in data_probe
    )


def check_zip(path_or_bytes: Path | bytes, max_unzipped: int) -> None:
    """Refuse an OOXML/ODS package that is truncated or inflates past the limit, before parsing it."""
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    try:
        with zipfile.ZipFile(source) as archive:
            total = 0
            for info in archive.infolist():
                total += info.file_size
                if info.file_size > max_unzipped or total > max_unzipped:
                    raise ReadError("file-too-large", "zip-bomb", limit_mb=max_unzipped // 2**20)
                if info.flag_bits & 0x1:
                    raise ReadError("encrypted-file", "encrypted-zip")
            if "META-INF/manifest.xml" in archive.namelist():
                manifest = archive.open("META-INF/manifest.xml").read(1 << 20)
                if b"encryption-data" in manifest:
                    raise ReadError("encrypted-file")
    except zipfile.BadZipFile as exc:
        raise ReadError("unreadable-file", "corrupt-zip") from exc
    except (zipfile.LargeZipFile, NotImplementedError, OSError, EOFError) as exc:
        # zipfile raises NotImplementedError for a compression method it does not support
        raise ReadError("unreadable-file", "cannot-unzip", reason=exc) from exc


def read_grids(
    path: Path, data: bytes | None = None, max_unzipped: int = 500 * 2**20
) -> list[Grid]:
    """Read every sheet of a workbook or CSV. Raises ReadError when the file can't be read at all.

    With data given (a zip member), path only supplies the name and extension."""
    suffix = path.suffix.lower()
    on_disk = data is None
    if data is None:
        try:
            data = path.read_bytes()
        except PermissionError as exc:
            raise ReadError("unreadable-file", "no-permission") from exc
        except OSError as exc:
            raise ReadError("unreadable-file", "cannot-open", reason=exc.strerror or exc) from exc
    if not data:
        raise ReadError("unreadable-file", "empty-file")
    if suffix in CSV_SUFFIXES:
        return [read_csv(data, path.stem)]
    if suffix == ".docx" and not data.startswith(b"PK"):
        raise ReadError("unreadable-file", "not-docx")
    if suffix in (".doc", ".wps") and not data.startswith(b"PK"):
        from toolkit.read.word_tables import converted, read_docx_tables

        return read_docx_tables(converted(path, data), path.stem)
    head = data[:8]
    if _is_encrypted_ole(head, data):
        raise ReadError("encrypted-file")
    if head.startswith(b"PK"):
        check_zip(data, max_unzipped)
    kind = sniff(data)
    if kind == "docx":
        from toolkit.read.word_tables import read_docx_tables

        return read_docx_tables(data, path.stem)
    if kind == "html":
        return read_html_tables(data, path.stem)
    if kind == "text":
        return [read_csv(data, path.stem)]
    if kind is None:
        raise ReadError("unreadable-file", "not-a-table", suffix=suffix or "无")
    real_suffix = suffix if _SUFFIX_KIND.get(suffix) == kind else "." + kind
    far: dict[str, list[tuple[int, int, str]]] = {}
    specials: dict[str, list[tuple[int, int, str]]] = {}
    if kind == "xlsx":
        sheets = sheet_xml(
            data
        )  # each sheet's XML read once, for both scans, and let go before reading
        data, far = trim_far_cells(data, sheets)
        specials = special_cells(sheets)
        del sheets
        on_disk = on_disk and not far
    try:
        grids = _read_calamine(
            path if on_disk and real_suffix == suffix else None, data, real_suffix
        )
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


_SUFFIX_KIND = {
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xltx": "xlsx",
    ".xltm": "xlsx",
    ".xls": "xls",
    ".xlsb": "xlsb",
    ".ods": "ods",
}


def sniff(data: bytes) -> str | None:
    """What a file really is, whatever its name says: xlsx, xlsb, ods, xls, html, text or None."""
    if data.startswith(OLE_MAGIC):
        return "xls"
    if data.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = {n.replace("\\", "/").lower() for n in archive.namelist()}
        except (zipfile.BadZipFile, OSError, ValueError):
            raise ReadError("unreadable-file", "corrupt-zip") from None
        if "xl/workbook.bin" in names:
            return "xlsb"
        if "word/document.xml" in names:
            return "docx"
        if "content.xml" in names or "mimetype" in names:
            return "ods"
        return "xlsx"
    if data[:2] in (b"\x09\x00", b"\x09\x02", b"\x09\x04", b"\x09\x08"):  # a bare BIFF2-5 stream
        return "xls"
    probe = data[:4096]
    lowered = probe.lower()
    if (
        b"<table" in lowered
        or b"<html" in lowered
        or (b"<?xml" in lowered and b"urn:schemas-microsoft-com:office:spreadsheet" in data[:65536])
    ):
        return "html" if b"<table" in data[: 1 << 20].lower() else None
    if b"\x00" in probe and not probe.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    try:
        decode_text(probe).encode("utf-8")
    except UnicodeError:
        return None
    text = decode_text(probe)
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return "text" if text and printable / len(text) > 0.95 else None


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
        raise ReadError("unreadable-file", "workbook-failed", reason=_short(exc)) from exc


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
        raise ReadError("unreadable-file", "xls-failed", reason=_short(exc)) from exc
    except Exception as exc:
        raise ReadError("unreadable-file", "xls-failed", reason=_short(exc)) from exc


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]


def decode_text(data: bytes) -> str:
    """CSV bytes as text: UTF-8 (BOM or not), UTF-16 with BOM, else GB18030 (a superset of GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    encoding = best.encoding if best else "gb18030"
    return data.decode(encoding, errors="replace")


def read_csv(data: bytes, name: str) -> Grid:
    text = decode_text(data).replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    sample = text[:20000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    csv.field_size_limit(2**31 - 1)  # a unit's long progress text is one field, however long
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = [list(row) for row in reader]
    except csv.Error as exc:
        raise ReadError("unreadable-file", "bad-csv", line=reader.line_num, reason=exc) from exc
    return Grid(name, rows)


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
        raise ReadError("unreadable-file", "bad-html", reason=_short(exc)) from exc
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
