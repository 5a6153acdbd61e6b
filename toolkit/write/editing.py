"""Editing an existing workbook with openpyxl (a unit's copy of the template, issues.xlsx): text
is stored as text, and the file is saved under a temporary name and renamed, keeping its
document times."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from toolkit.core.normalize import strip_control


def _clean(value: str) -> str:
    return strip_control(value)[0]


def set_text(cell, value: str) -> None:
    """Store text as text: a value beginning with '=' stays a string, never a formula."""
    cell.value = _clean(value)
    if isinstance(cell.value, str) and cell.value.startswith("="):
        cell.data_type = "s"
        cell.quotePrefix = True


def save_workbook(workbook, out: Path) -> None:
    """Save an openpyxl workbook to a temporary name beside `out`, then rename it into place.

    Unlike openpyxl's own save, the document times set in `workbook.properties` are kept.
    """
    from zipfile import ZIP_DEFLATED, ZipFile

    from openpyxl.writer.excel import ExcelWriter

    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        mode = out.stat().st_mode & 0o777
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    handle, temp = tempfile.mkstemp(prefix=".~", suffix=".xlsx", dir=out.parent)
    os.close(handle)
    try:
        with ZipFile(temp, "w", ZIP_DEFLATED, allowZip64=True) as archive:
            ExcelWriter(
                workbook, archive
            ).write_data()  # openpyxl's save_workbook resets `modified`
        os.chmod(temp, mode)  # mkstemp makes it private; give it a normal file's mode
        os.replace(temp, out)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
