"""Low-level reading: any supported file into plain grids of cell values. Opens files; knows no ledgers."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlsb", ".ods"}
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class Grid:
    """One sheet: rows of cell values (0-based here; Excel rows are index + 1)."""

    name: str
    rows: list[list[Any]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1 inclusive
    hidden: bool = False


class ReadError(Exception):
    """A file that cannot be read at all; code is a finding code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


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
                    raise ReadError(
                        "file-too-large",
                        f"文件解压后超过 {max_unzipped // 2**20} MB 的上限（可能是压缩炸弹），已拒绝读取",
                    )
                if info.flag_bits & 0x1:
                    raise ReadError("encrypted-file", "文件已加密，请去掉密码后重新报送")
    except zipfile.BadZipFile as exc:
        raise ReadError("unreadable-file", "文件已损坏或不完整（不是有效的 Excel 压缩包），请重新保存后报送") from exc
    except (zipfile.LargeZipFile, NotImplementedError, OSError, EOFError) as exc:
        raise ReadError("unreadable-file", f"文件无法解压：{exc}") from exc


def read_grids(path: Path, data: bytes | None = None, max_unzipped: int = 500 * 2**20) -> list[Grid]:
    """Read every sheet of a workbook or CSV. Raises ReadError when the file can't be read at all."""
    suffix = path.suffix.lower()
    if data is None:
        try:
            data = path.read_bytes()
        except PermissionError as exc:
            raise ReadError("unreadable-file", "没有读取该文件的权限") from exc
        except OSError as exc:
            raise ReadError("unreadable-file", f"文件无法打开：{exc.strerror or exc}") from exc
    if not data:
        raise ReadError("unreadable-file", "文件是空的（0 字节），请重新报送")
    if suffix in CSV_SUFFIXES:
        return [read_csv(data, path.stem)]
    head = data[:8]
    if _is_encrypted_ole(head, data[:65536] + data[-65536:]):
        raise ReadError("encrypted-file", "文件设置了打开密码，请去掉密码后重新报送")
    if head.startswith(b"PK"):
        check_zip(data, max_unzipped)
    elif suffix in (".xlsx", ".xlsm", ".ods", ".xltx") and not head.startswith(OLE_MAGIC):
        raise ReadError("unreadable-file", f"文件内容不是 {suffix} 格式（扩展名与内容不符或文件已损坏），请用 Excel 另存后重新报送")
    try:
        return _read_calamine(data)
    except ReadError as exc:
        if exc.code == "encrypted-file" or suffix != ".xls":
            raise
        first_error = exc
    try:
        return _read_xlrd(data)
    except ReadError:
        raise first_error from None


def _read_calamine(data: bytes) -> list[Grid]:
    import python_calamine as pc

    try:
        workbook = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        grids = []
        for meta in workbook.sheets_metadata:
            if str(meta.typ) not in ("SheetTypeEnum.WorkSheet", "WorkSheet"):
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            merged = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
            hidden = "Visible" not in str(meta.visible)
            grids.append(Grid(meta.name, [list(r) for r in rows], merged, hidden))
        return grids
    except pc.PasswordError as exc:
        raise ReadError("encrypted-file", "文件设置了打开密码，请去掉密码后重新报送") from exc
    except BaseException as exc:  # calamine raises its own errors and, on hostile input, Rust panics
        if isinstance(exc, (KeyboardInterrupt, SystemExit, MemoryError)):
            raise
        raise ReadError("unreadable-file", f"文件无法读取（{_short(exc)}），请用 Excel 打开后另存为 .xlsx 再报送") from exc


def _read_xlrd(data: bytes) -> list[Grid]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=False, on_demand=True)
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
            raise ReadError("encrypted-file", "文件设置了打开密码，请去掉密码后重新报送") from exc
        raise ReadError("unreadable-file", f"文件无法读取（{_short(exc)}）") from exc
    except Exception as exc:
        raise ReadError("unreadable-file", f"文件无法读取（{_short(exc)}）") from exc


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
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = [list(row) for row in reader]
    except csv.Error:
        rows = [line.split(delimiter) for line in text.split("\n")]
    return Grid(name, rows)
