"""A damaged or unwritable archive/history.sqlite, told in one line with what to do."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from toolkit.core.errors import ArchiveError


def is_damage(exc: BaseException) -> bool:
    """An SQLite error saying the file itself is damaged (not locked, not full)."""
    name = getattr(exc, "sqlite_errorname", "")
    text = str(exc).lower()
    return name in ("SQLITE_CORRUPT", "SQLITE_NOTADB") or any(
        w in text for w in ("malformed", "not a database", "corrupt", "file is encrypted")
    )


def damaged(path: Path, exc: BaseException) -> ArchiveError:
    return ArchiveError(
        f"留档 {path} 已损坏（{exc}），无法使用。请运行 toolkit history --repair：损坏的文件改名保留，"
        "能恢复的汇总记录转入新建的留档，之后即可照常汇总"
    )


def write_problem(folder: Path, exc: sqlite3.Error) -> str:
    """Why SQLite could not write into folder, in the words the outbox uses (full, read-only …)."""
    from toolkit.write.files import diagnose, fault_message

    name = getattr(exc, "sqlite_errorname", "")
    code = errno.ENOSPC if name == "SQLITE_FULL" or "disk is full" in str(exc) else None
    if code is None and (
        name.startswith(("SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM"))
        or "disk i/o error" in str(exc).lower()
        or "readonly" in str(exc).lower()
    ):
        code = diagnose(folder) or (errno.EROFS if "readonly" in str(exc).lower() else None)
    return fault_message(code, folder, "留档") if code is not None else ""
