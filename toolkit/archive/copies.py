"""The archive's copies of input files, under archive/files/: each stored once, named by its
SHA-256. A copy whose content no longer matches its name is reported and never used."""

from __future__ import annotations

import hashlib
import itertools
import os
import time
from pathlib import Path

from toolkit.archive.database import Database, guarded
from toolkit.core.errors import NotKept
from toolkit.read.inbox import open_regular

_SERIAL = itertools.count()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class StoredCopies(Database):
    """Keeping and checking the copies of a run's input files."""

    def blob(self, digest: str) -> Path:
        return self.store / digest[:2] / digest

    def keep(
        self, path: Path, max_bytes: int | None = None, seconds: float | None = None
    ) -> tuple[str, int, str]:
        """Store a copy of an input file by content hash; returns (sha256, size, problem). The file
        is read once, hashing and copying the same bytes, so the copy always matches its hash; only
        a regular file is opened (never a link's outside target, a pipe or a device), and reading
        stops past max_bytes or after `seconds` (a file that keeps growing). Raises OSError or
        NotKept; nothing is left behind either way."""
        deadline = time.monotonic() + seconds if seconds else None
        digest = hashlib.sha256()
        size = 0
        self.store.mkdir(parents=True, exist_ok=True)
        temp = self.store / f".incoming.{os.getpid()}.{next(_SERIAL)}.tmp"
        try:
            with os.fdopen(open_regular(path), "rb") as source, open(temp, "wb") as copy:
                for block in iter(lambda: source.read(1 << 20), b""):
                    size += len(block)
                    if max_bytes is not None and size > max_bytes:
                        raise NotKept(
                            f"超过 limits.max_file_mb 上限（{max_bytes // 2**20} MB），没有留档副本"
                        )
                    if deadline is not None and time.monotonic() > deadline:
                        raise NotKept(
                            f"读取超过 limits.file_timeout_s 上限（{seconds:g} 秒），没有留档副本"
                        )
                    digest.update(block)
                    copy.write(block)
            name = digest.hexdigest()
            target = self.blob(name)
            problem = ""
            if target.exists():
                if sha256_file(target) == name:
                    return name, size, ""
                problem = "留档中的同名副本已损坏（内容与指纹不符），已用收件目录中的文件替换"
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, target)
            return name, size, problem
        finally:
            temp.unlink(missing_ok=True)

    @guarded
    def verify(self, run_id: int) -> list[tuple[str, str]]:
        """Stored files of a run that are missing or whose content no longer matches its hash."""
        bad = []
        for name, digest in self.db.execute(
            "SELECT name, sha256 FROM files WHERE run_id=?", (run_id,)
        ):
            target = self.blob(digest)
            if not target.exists():
                bad.append((name, "留档副本不见了"))
            elif sha256_file(target) != digest:
                bad.append((name, "留档副本已被改动（内容与指纹不符），不再使用"))
        return bad
