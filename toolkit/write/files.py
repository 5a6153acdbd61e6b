"""Never over an earlier file: the next free name, publishing a finished temporary file, and write
failures (full disk, read-only, refused, too large) told as one line naming the folder."""

from __future__ import annotations

import errno
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from toolkit.core.errors import OutputError


def numbered(path: Path, n: int) -> Path:
    """path for n = 1, else path with _n before the suffix (汇总台账_…_2.xlsx)."""
    return path if n == 1 else path.with_name(f"{path.stem}_{n}{path.suffix}")


def next_free(path: Path) -> Path:
    """path, or the first of path_2, path_3 … that does not exist yet."""
    n = 1
    while numbered(path, n).exists():
        n += 1
    return numbered(path, n)


def publish(temp: Path, target: Path) -> Path:
    """Give a finished temporary file the first free name from target on, never replacing an
    existing file (a hard link fails instead of overwriting); returns the name used."""
    for n in range(1, 100_000):
        candidate = numbered(target, n)
        try:
            os.link(temp, candidate)
        except FileExistsError:
            continue
        except OSError as exc:  # a file system without hard links
            if exc.errno in _FAULTS and exc.errno not in (errno.EPERM, errno.EXDEV):
                raise
            if candidate.exists():
                continue
            os.replace(temp, candidate)
            return candidate
        Path(temp).unlink(missing_ok=True)
        return candidate
    raise FileExistsError(target)


def publish_folder(staging: Path, target: Path) -> Path:
    """Rename a finished staging folder to the first free name from target on: its files all
    appear at once or not at all."""
    for n in range(1, 100_000):
        candidate = numbered(target, n)
        if candidate.exists():
            continue
        try:
            os.rename(staging, candidate)
        except OSError as exc:
            if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
                continue
            raise
        return candidate
    raise FileExistsError(target)


# errno → (what happened, what to do)
_FAULTS: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("磁盘空间不足", "请清理磁盘后重试"),
    errno.EROFS: (
        "所在磁盘是只读的",
        "请换到可写的磁盘，或在 toolkit.toml 的 [paths] 中改到可写的文件夹",
    ),
    errno.EACCES: (
        "拒绝写入（没有权限或被占用）",
        "请确认该文件夹可写、文件没有被其他程序占用后重试",
    ),
    errno.EPERM: (
        "拒绝写入（没有权限或被占用）",
        "请确认该文件夹可写、文件没有被其他程序占用后重试",
    ),
    errno.EFBIG: ("文件超过了系统允许的大小", "请清理磁盘或换一个位置后重试"),
}
if hasattr(errno, "EDQUOT"):
    _FAULTS[errno.EDQUOT] = ("超出了磁盘配额", "请清理磁盘或请管理员放宽配额后重试")

# What libraries print when they lose the errno (lxml, zipfile wrappers): message text → errno.
_WORDS = {
    "no space left": errno.ENOSPC,
    "disk full": errno.ENOSPC,
    "read-only file system": errno.EROFS,
    "permission denied": errno.EACCES,
    "file too large": errno.EFBIG,
    "disk quota": errno.ENOSPC,
    "enospc": errno.ENOSPC,
    "erofs": errno.EROFS,
    "eacces": errno.EACCES,
    "efbig": errno.EFBIG,
    "edquot": errno.ENOSPC,
}


def _related(exc: BaseException) -> Iterator[BaseException]:
    """exc, its causes and contexts, and exceptions it carries in its args (XlsxWriter's
    FileCreateError wraps the OSError there)."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        todo += [
            e
            for e in (item.__cause__, item.__context__, *getattr(item, "args", ()))
            if isinstance(e, BaseException)
        ]


def write_fault(exc: BaseException) -> int | None:
    """The errno of a write failure (no space, read-only, refused, too large) behind exc, however a
    library wrapped it; None when exc is something else."""
    chain = list(_related(exc))
    for item in chain:
        if isinstance(item, OSError) and item.errno in _FAULTS:
            return item.errno
    for item in chain:
        text = str(item).lower()
        for words, code in _WORDS.items():
            if words in text:
                return code
    return None


def diagnose(folder: Path) -> int | None:
    """For a library that failed to write into folder without saying why (lxml, SQLite's "disk
    I/O error"): the likely errno, from the folder's disk (read-only, full) and the process's
    file size limit; None when nothing explains it."""
    where = _existing(folder)
    try:
        info = os.statvfs(where) if hasattr(os, "statvfs") else None
        if info is not None and info.f_flag & getattr(os, "ST_RDONLY", 1):
            return errno.EROFS
        if shutil.disk_usage(where).free < 256 * 1024:
            return errno.ENOSPC
    except OSError:
        pass
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
        if soft != resource.RLIM_INFINITY:
            return errno.EFBIG
    except (ImportError, AttributeError, ValueError, OSError):
        pass
    return None


def _existing(folder: Path) -> Path:
    folder = Path(folder)
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    return folder


def _library_write_error(exc: BaseException) -> bool:
    """An error a writing library raises in place of the OSError (lxml's SerialisationError, a
    zipfile or SQLite I/O error), as opposed to a bug of ours."""
    module = type(exc).__module__ or ""
    return module.startswith(("lxml", "zipfile", "sqlite3", "xlsxwriter", "openpyxl"))


def fault_message(code: int, folder: Path, what: str) -> str:
    happened, advice = _FAULTS.get(code, ("无法写入", "请检查该文件夹后重试"))
    return f"{what}没有写成：{folder} {happened}。{advice}；之前生成的文件都没有改动"


def fault_line(exc: BaseException) -> str | None:
    """One line for a write failure that reached the command unhandled, naming the folder of the
    file it failed on (when known); None when exc is not a write failure."""
    code = write_fault(exc)
    if code is None:
        return None
    named = next(
        (
            Path(os.fsdecode(e.filename))
            for e in _related(exc)
            if isinstance(e, OSError) and e.filename
        ),
        None,
    )
    folder = named.parent if named is not None else Path.cwd()
    return fault_message(code, folder, "结果")


def write_failure(exc: BaseException, folder: Path, what: str) -> OutputError | None:
    """One OutputError line for a write failure behind exc, or None when exc is not one. A library
    error with no errno (lxml, openpyxl) counts as a full disk when the folder's disk is full."""
    if isinstance(
        exc, OutputError
    ):  # an older, vaguer line: told again by its real cause, if known
        code = write_fault(exc.__cause__) if exc.__cause__ is not None else None
        return exc if code is None else OutputError(fault_message(code, folder, what))
    code = write_fault(exc)
    if code is None and _library_write_error(exc):
        code = diagnose(folder)
    if code is None:
        return None
    return OutputError(fault_message(code, folder, what))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, ValueError):  # no permission to signal it (it exists), or no such call here
        return True
    return True


def sweep_orphans(folder: Path) -> None:
    """Private temporary folders and half-written files (.name.PID.tmp) left by a toolkit process
    that was killed outright (kill -9 leaves nobody to clean up): removed at the next write here."""
    try:
        names = [p for p in folder.iterdir() if p.name.startswith((".~tmp-", "."))]
    except OSError:
        return
    for path in names:
        if path.name.startswith(".~tmp-"):
            pid = path.name[len(".~tmp-") :].split("-", 1)[0]
        elif path.name.endswith(".tmp") and path.name.count(".") >= 3:
            pid = path.name.rsplit(".", 2)[-2]
        else:
            continue
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        elif path.is_file():
            path.unlink(missing_ok=True)


@contextmanager
def writing(folder: Path, what: str, cleanup: Iterable[Path] = ()) -> Iterator[Path]:
    """Write into folder: libraries' temporary files go into a private folder inside it (removed
    afterwards, so nothing is left in $TMPDIR or beside the output), and any write failure becomes
    one OutputError line naming the folder. Yields the private folder."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        sweep_orphans(folder)
        private = Path(tempfile.mkdtemp(prefix=f".~tmp-{os.getpid()}-", dir=folder))
    except OSError as exc:
        failure = write_failure(exc, folder, what)
        if failure is None:
            failure = OutputError(
                f"无法创建输出目录 {folder}：{exc.strerror or exc}。请检查该目录的权限"
            )
        raise failure from exc
    saved = tempfile.tempdir
    tempfile.tempdir = str(private)
    try:
        yield private
    except BaseException as exc:
        for path in cleanup:
            remove(path)
        if not isinstance(exc, Exception):
            raise
        failure = write_failure(exc, folder, what)
        if failure is None and isinstance(exc, OSError):
            failure = OutputError(
                f"{what}没有写成：{folder}（{exc.strerror or exc}）。请检查该文件夹后重试"
            )
        if failure is None or failure is exc:
            raise
        _quiet_unraisable()
        raise failure from exc
    finally:
        tempfile.tempdir = saved
        shutil.rmtree(private, ignore_errors=True)


def _quiet_unraisable() -> None:
    """A library's half-closed writer (openpyxl's lxml stream) reports the same full disk again
    when it is collected, as "Exception ignored in …": that echo is dropped, anything else shown."""
    hook = sys.unraisablehook
    if getattr(hook, "toolkit_quiet", False):
        return

    def quiet(unraisable: Any) -> None:
        exc = unraisable.exc_value
        if exc is not None and (write_fault(exc) is not None or _serialiser_io(exc)):
            return
        hook(unraisable)

    quiet.toolkit_quiet = True  # type: ignore[attr-defined]
    sys.unraisablehook = quiet


def _serialiser_io(exc: BaseException) -> bool:
    """lxml's "SerialisationError: IO_WRITE": older lxml (4.9) names no cause, only that the
    stream's write failed — after a reported write failure, the same failure again."""
    try:
        from lxml.etree import SerialisationError
    except ImportError:  # pragma: no cover - lxml is a dependency
        return False
    return isinstance(exc, SerialisationError) and str(exc).startswith("IO_")


def remove(path: Path) -> None:
    """Remove a temporary file or folder, quietly (a cleanup must not hide the real error)."""
    path = Path(path)
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass
