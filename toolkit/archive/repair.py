"""Repairing a damaged archive/history.sqlite: the damaged file is renamed and kept, a new one is
started, and every row SQLite can still read is carried over (runs only with a readable summary;
their files, states and findings as far as they survive)."""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from toolkit.archive.damage import is_damage
from toolkit.archive.database import DB_NAME, SCHEMA
from toolkit.core.errors import ArchiveError

TABLES = ("runs", "files", "states", "findings")


CHUNK = 200


@dataclass
class Repaired:
    state: str  # "missing" (no archive), "sound" (nothing to do) or "repaired"
    database: Path
    kept: Path | None = None  # the damaged file, renamed
    runs: int = 0  # runs carried over
    rows: int = 0  # rows of files/states/findings carried over


def check(database: Path) -> str:
    """'ok', or what SQLite says is wrong with the file."""
    try:
        db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        rows = db.execute("PRAGMA integrity_check").fetchall()
        return "ok" if rows == [("ok",)] else "；".join(str(r[0]) for r in rows[:3])
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        db.close()


def repair(folder: Path, now: datetime | None = None) -> Repaired:
    """Move a damaged history.sqlite aside (history.damaged-YYYYMMDD_HHMMSS.sqlite, with its -wal
    and -shm) and start a new one holding whatever can still be read from it."""
    database = Path(folder) / DB_NAME
    if not database.exists():
        return Repaired("missing", database)
    if check(database) == "ok":
        return Repaired("sound", database)
    now = now or datetime.now()
    kept = database.with_name(f"history.damaged-{now:%Y%m%d_%H%M%S}.sqlite")
    n = 2
    while kept.exists():
        kept = database.with_name(f"history.damaged-{now:%Y%m%d_%H%M%S}_{n}.sqlite")
        n += 1
    try:
        for suffix in ("", "-wal", "-shm"):
            side = Path(f"{database}{suffix}")
            if side.exists():
                os.replace(side, f"{kept}{suffix}")
    except OSError as exc:
        raise ArchiveError(
            f"无法把损坏的留档改名保留（{exc.strerror or exc}）：请确认 {folder} 可写后重试"
        ) from exc
    runs, rows = _carry_over(kept, database)
    return Repaired("repaired", database, kept, runs, rows)


def _carry_over(damaged: Path, database: Path) -> tuple[int, int]:
    new = sqlite3.connect(database, isolation_level=None)
    try:
        new.executescript(SCHEMA)
        try:
            old = sqlite3.connect(f"file:{damaged}?mode=ro", uri=True)
        except sqlite3.Error:
            return 0, 0
        try:
            new.execute("BEGIN")
            runs = _runs(old, new)
            rows = sum(_copy(old, new, table, runs) for table in TABLES[1:])
            new.execute("COMMIT")
        finally:
            old.close()
        new.execute("PRAGMA journal_mode=WAL")
        return len(runs), rows
    finally:
        new.close()


def _readable(old: sqlite3.Connection, table: str):
    """Every row of table that SQLite can still read, in rowid order, skipping damaged stretches."""
    last = 0
    try:
        top = old.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0] or 0  # noqa: S608 - fixed names
    except sqlite3.DatabaseError:
        top = 10**7
    while last < top:
        try:
            chunk = old.execute(
                f"SELECT rowid, * FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT ?",  # noqa: S608
                (last, CHUNK),
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc):
                return
            last += CHUNK  # step over the damaged pages
            continue
        if not chunk:
            return
        yield from chunk
        last = chunk[-1][0]


def _runs(old: sqlite3.Connection, new: sqlite3.Connection) -> set[int]:
    kept: set[int] = set()
    for row in _readable(old, "runs"):
        try:
            json.loads(row[7])["totals"]
        except (TypeError, ValueError, KeyError, IndexError):
            continue
        new.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)", row[1:])
        kept.add(row[1])
    return kept


def _copy(old: sqlite3.Connection, new: sqlite3.Connection, table: str, runs: set[int]) -> int:
    count = 0
    for row in _readable(old, table):
        if row[1] in runs:
            new.execute(f"INSERT INTO {table} VALUES ({','.join('?' * (len(row) - 1))})", row[1:])  # noqa: S608
            count += 1
    return count
