"""Any supported file into plain grids of cell values: what the file really is (whatever its name
says) decides which reader reads it (excel, csv_text, html_tables, word_tables). Opens files; knows
no ledgers."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from toolkit.core.errors import ReadError
from toolkit.read.csv_text import decode_text, read_csv
from toolkit.read.excel import read_workbook
from toolkit.read.grid import Grid
from toolkit.read.html_tables import read_html_tables

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
    return read_workbook(path if on_disk else None, data, suffix, kind)


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
