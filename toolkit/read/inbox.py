"""The inbox: finding returned files (sub-folders and zips too), reading each in a worker with
memory and time limits, and loading the issue list alongside on the other core."""

from __future__ import annotations

import errno
import os
import stat
import zipfile
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from toolkit.core.errors import ReadError, WorkspaceError
from toolkit.core.model.issue_list import UnitBook
from toolkit.core.model.ledger import LedgerFile
from toolkit.core.settings import Settings
from toolkit.read.ledger import READ_SUFFIXES, read_ledger
from toolkit.read.ledger_unit import identify
from toolkit.read.sheets import check_zip


def _ignored(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base.startswith("~$") or base.startswith(".") or base in ("Thumbs.db", "desktop.ini")


MAX_DEPTH = 32  # folders nested deeper than this in the inbox are reported, not walked


def readable(name: str) -> str:
    """A file name as the clerk should see it: names that are not valid UTF-8 on disk (GBK bytes
    from Windows zip tools and Samba shares, held by Python as surrogate escapes) decoded as
    GB18030; anything still undecodable shown as �."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        raw = os.fsencode(name)
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")


def display_name(path: Path, inbox: Path) -> str:
    """An inbox file's name in findings, the archive and the workbook: relative, /-separated, readable."""
    return readable(Path(path).relative_to(inbox).as_posix())


def scan_inbox(inbox: Path, max_depth: int = MAX_DEPTH) -> tuple[list[Path], list[LedgerFile]]:
    """The regular files under the inbox (sorted; without hidden files, hidden folders or Excel
    lock files), and a refused entry, with its finding, for everything else that is there: links
    pointing outside the inbox, pipes, devices and sockets (never opened), folders too deep or
    unreadable. Walked without recursion, so no nesting depth can exhaust the stack."""
    inbox = Path(inbox)
    root = os.path.realpath(inbox)
    files: list[Path] = []
    refused: list[LedgerFile] = []

    def refuse(path: Path, code: str, **values: Any) -> None:
        entry = LedgerFile(display_name(path, inbox))
        entry.note(code, **values)
        refused.append(entry)

    todo: list[tuple[Path, int]] = [(inbox, 0)]
    while todo:
        folder, depth = todo.pop()
        try:
            with os.scandir(folder) as listing:
                names = sorted(entry.name for entry in listing)
        except OSError as exc:
            if folder == inbox:
                raise WorkspaceError(
                    f"收件目录 {inbox} 无法打开（{exc.strerror or exc}），请检查它的权限"
                ) from exc
            refuse(folder, "unreadable-folder", reason=exc.strerror or exc)
            continue
        for name in names:
            if _ignored(name):
                continue
            path = folder / name
            kind = _kind(path, root)
            if kind == "dir":
                if depth + 1 >= max_depth:
                    refuse(path, "folder-too-deep", limit=max_depth)
                else:
                    todo.append((path, depth + 1))
            elif kind == "file":
                files.append(path)
            elif kind == "outside":
                refuse(path, "link-outside-inbox")
            elif kind is not None:
                refuse(path, "not-a-file", kind=kind)
    files.sort(key=lambda p: p.relative_to(inbox).parts)
    refused.sort(key=lambda entry: entry.name)
    return files, refused


def _kind(path: Path, root: str) -> str | None:
    """'file', 'dir', 'outside' (a link leaving the inbox), a description of anything that is not
    a regular file, or None for a link to a folder inside the inbox (walked there already).
    Decided with lstat: nothing is opened."""
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            target = os.path.realpath(path)
            if os.path.commonpath([root, target]) != root:
                return "outside"
            info = os.stat(path)
            if stat.S_ISDIR(info.st_mode):
                return None
    except (OSError, ValueError):
        return "无法访问的链接"
    if stat.S_ISDIR(info.st_mode):
        return "dir"
    if stat.S_ISREG(info.st_mode):
        return "file"
    if stat.S_ISFIFO(info.st_mode):
        return "命名管道"
    if stat.S_ISSOCK(info.st_mode):
        return "套接字"
    if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode):
        return "设备文件"
    return "特殊文件"


def open_regular(path: Path) -> int:
    """A file descriptor for path, only when it is a regular file: never follows a final symlink
    (the link's real target is opened instead, once checked), never blocks on a pipe."""
    flags = (
        os.O_RDONLY
        | getattr(os, "O_NOFOLLOW", 0)
        | getattr(os, "O_NONBLOCK", 0)
        | getattr(os, "O_BINARY", 0)
    )
    real = os.path.realpath(path)
    fd = os.open(real, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "不是普通文件", os.fspath(path))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _unsafe_member(name: str) -> bool:
    """A member that would land outside the folder it is unpacked into: .., an absolute path, a drive."""
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":")


def _zip_name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & 0x800:
        return info.filename
    try:  # Windows zip tools store Chinese names in the local code page without saying so
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def read_inbox(
    settings: Settings, units: UnitBook, progress: Callable[[str], None] | None = None
) -> list[LedgerFile]:
    """Read every file under the inbox, each in a worker with memory and time limits."""
    return read_issues_and_inbox(settings, _no_issue_list, progress, units)[1]


def read_issues_and_inbox(
    settings: Settings,
    load_issues: Callable[[], Any],
    progress: Callable[[str], None] | None = None,
    units: UnitBook | None = None,
    scanned: tuple[list[Path], list[LedgerFile]] | None = None,
) -> tuple[Any, list[LedgerFile]]:
    """Load the issue list and read every inbox file, all in workers with memory and time limits:
    the issue list loads on one core while the first files are read on the other. Which unit
    sent each file is decided afterwards, here, against the issue list's units. `scanned` is the
    caller's scan_inbox() when it already walked the inbox."""
    from toolkit.core.errors import IssueListError, ToolkitError
    from toolkit.read.sandbox import Failed, Raised, isolated_map

    inbox = settings.path("inbox")
    paths, refused = scanned if scanned is not None else scan_inbox(inbox)
    names = [display_name(p, inbox) for p in paths]
    job = partial(_read_item, load_issues, inbox, settings)  # pickles, for spawn
    limits = settings.limits
    results = isolated_map(
        job,
        [None, *paths],
        workers=limits["workers"],
        timeout=limits["file_timeout_s"],
        memory_mb=limits["memory_mb"],
        passthrough=(ToolkitError,),
        on_result=(lambda i: progress(names[i - 1]) if i else None) if progress else None,
    )
    first = results[0]
    if isinstance(first, Raised):
        raise first.error
    if isinstance(first, Failed):
        raise IssueListError(f"问题清单 {settings.path('issues')} 无法读取：{first.reason}")
    issues = first
    book = units if units is not None else getattr(issues, "units", None)
    files: list[LedgerFile] = list(refused)
    for name, result in zip(names, results[1:], strict=True):
        if isinstance(result, (Failed, Raised)):
            failed = LedgerFile(name)
            reason = result.reason if isinstance(result, Failed) else str(result.error)
            failed.note("unreadable-file", "worker-failed", reason=reason)
            files.append(failed)
            continue
        for ledger in result:
            if ledger.ok and book is not None:
                identify(ledger, book)
            files.append(ledger)
    return issues, files


def _read_item(
    load_issues: Callable[[], Any], inbox: Path, settings: Settings, item: Path | None
) -> Any:
    """One job of a worker: the issue list (item None) or one inbox entry."""
    if item is None:
        return load_issues()
    return read_path(item, display_name(item, inbox), settings, None)


def read_named(path: Path, settings: Settings, units: UnitBook | None) -> list[LedgerFile]:
    """One file given by the clerk, named by its own name (toolkit check)."""
    return read_path(path, readable(path.name), settings, units)


def _no_issue_list() -> None:
    return None


def read_path(path: Path, rel: str, settings: Settings, units: UnitBook | None) -> list[LedgerFile]:
    """One inbox entry: a zip gives one result per member, a workbook or CSV one, anything else is skipped."""
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return _read_zip(path, rel, settings, units)
    if suffix in READ_SUFFIXES:
        return [_read_safely(path, rel, settings, units)]
    skipped = LedgerFile(rel)
    skipped.note("skipped-file", suffix=suffix or "无扩展名")
    return [skipped]


def _read_safely(path: Path, rel: str, settings: Settings, units: UnitBook | None) -> LedgerFile:
    """read_ledger, with any unexpected failure on one file turned into a finding for that file."""
    try:
        data = None
        if (
            readable(os.fspath(path)) != os.fspath(path)
            and path.stat().st_size <= settings.limits["max_file_mb"] * 2**20
        ):
            data = (
                path.read_bytes()
            )  # a name that is not UTF-8: some readers (calamine) cannot open it by name
        return read_ledger(path, rel, settings, units, data=data, mtime=_mtime(path))
    except (
        MemoryError,
        RecursionError,
        ValueError,
        TypeError,
        IndexError,
        KeyError,
        OSError,
    ) as exc:
        failed = LedgerFile(rel)
        failed.note("unreadable-file", "reader-crashed", error=type(exc).__name__)
        return failed


def _mtime(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime)
    except OSError:
        return None


def _read_zip(path: Path, rel: str, settings: Settings, units: UnitBook | None) -> list[LedgerFile]:
    limit = settings.limits["max_unzipped_mb"] * 2**20
    try:
        check_zip(path, limit)
        archive = zipfile.ZipFile(path)
    except ReadError as exc:
        failed = LedgerFile(rel)
        failed.note(exc.code, exc.variant, **exc.values)
        return [failed]
    except (zipfile.BadZipFile, OSError) as exc:
        failed = LedgerFile(rel)
        failed.note("unreadable-file", "bad-zip", reason=exc)
        return [failed]
    out: list[LedgerFile] = []
    with archive:
        for info in archive.infolist():
            name = _zip_name(info)
            member = f"{rel}/{name}"
            if _unsafe_member(name):
                unsafe = LedgerFile(member)
                unsafe.note("unsafe-zip-name", name=name)
                out.append(unsafe)
                continue
            if (
                info.is_dir()
                or any(_ignored(p) for p in name.split("/"))
                or name.startswith("__MACOSX")
            ):
                continue
            suffix = Path(name).suffix.lower()
            if suffix not in READ_SUFFIXES:
                skipped = LedgerFile(member)
                skipped.note("skipped-file", "zip-member", name=name)
                out.append(skipped)
                continue
            try:
                data = archive.read(info)
            except Exception as exc:  # noqa: BLE001 - any damage in a member is a finding
                failed = LedgerFile(member)
                code = "encrypted-file" if info.flag_bits & 0x1 else "unreadable-file"
                failed.note(code, "zip-member", reason=exc)
                out.append(failed)
                continue
            try:
                mtime = datetime(*info.date_time)
            except ValueError:
                mtime = None
            out.append(read_ledger(Path(name), member, settings, units, data=data, mtime=mtime))
    return out
