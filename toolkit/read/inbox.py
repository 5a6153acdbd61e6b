"""The inbox: finding returned files (sub-folders and zips too), reading each in a worker with
memory and time limits, and loading the issue list alongside on the other core."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from toolkit.core.errors import ReadError
from toolkit.core.model import LedgerFile, UnitBook
from toolkit.core.settings import Settings
from toolkit.read.ledger import READ_SUFFIXES, identify, read_ledger
from toolkit.read.sheets import check_zip


def _ignored(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base.startswith("~$") or base.startswith(".") or base in ("Thumbs.db", "desktop.ini")


def iter_inbox(inbox: Path) -> Iterator[Path]:
    """Every file under the inbox, sorted, without hidden files, hidden folders or Excel lock files."""
    for path in sorted(inbox.rglob("*")):
        rel = path.relative_to(inbox)
        if any(_ignored(part) for part in rel.parts):
            continue
        if path.is_file() or path.is_symlink():
            yield path


def _zip_name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & 0x800:
        return info.filename
    try:  # Windows zip tools store Chinese names in the local code page without saying so
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def read_inbox(settings: Settings, units: UnitBook,
               progress: Callable[[str], None] | None = None) -> list[LedgerFile]:
    """Read every file under the inbox, each in a worker with memory and time limits."""
    return read_issues_and_inbox(settings, _no_issue_list, progress, units)[1]


def read_issues_and_inbox(settings: Settings, load_issues: Callable[[], Any],
                          progress: Callable[[str], None] | None = None,
                          units: UnitBook | None = None) -> tuple[Any, list[LedgerFile]]:
    """Load the issue list and read every inbox file, all in workers with memory and time limits:
    the issue list loads on one core while the first files are read on the other. Which unit
    sent each file is decided afterwards, here, against the issue list's units."""
    from toolkit.core.errors import IssueListError, ToolkitError
    from toolkit.read.sandbox import Failed, Raised, isolated_map

    inbox = settings.path("inbox")
    paths = list(iter_inbox(inbox))
    names = [p.relative_to(inbox).as_posix() for p in paths]
    job = partial(_read_item, load_issues, inbox, settings)  # pickles, for spawn
    limits = settings.limits
    results = isolated_map(job, [None, *paths], workers=limits["workers"], timeout=limits["file_timeout_s"],
                           memory_mb=limits["memory_mb"], passthrough=(ToolkitError,),
                           on_result=(lambda i: progress(names[i - 1]) if i else None) if progress else None)
    first = results[0]
    if isinstance(first, Raised):
        raise first.error
    if isinstance(first, Failed):
        raise IssueListError(f"问题清单 {settings.path('issues')} 无法读取：{first.reason}")
    issues = first
    book = units if units is not None else getattr(issues, "units", None)
    files: list[LedgerFile] = []
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


def _read_item(load_issues: Callable[[], Any], inbox: Path, settings: Settings, item: Path | None) -> Any:
    """One job of a worker: the issue list (item None) or one inbox entry."""
    if item is None:
        return load_issues()
    return read_path(item, item.relative_to(inbox).as_posix(), settings, None)


def read_named(path: Path, settings: Settings, units: UnitBook | None) -> list[LedgerFile]:
    """One file given by the clerk, named by its own name (toolkit check)."""
    return read_path(path, path.name, settings, units)


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
        return read_ledger(path, rel, settings, units, mtime=_mtime(path))
    except (MemoryError, RecursionError, ValueError, TypeError, IndexError, KeyError, OSError) as exc:
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
            if info.is_dir() or any(_ignored(p) for p in name.split("/")) or name.startswith("__MACOSX"):
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
