"""archive/history.sqlite opened, locked and brought to the current schema.

Two merges at once are safe: SQLite in WAL mode with a busy timeout, and one write transaction
per run (BEGIN IMMEDIATE). A damaged file is told as such, with what to do (archive.damage).
"""

from __future__ import annotations

import sqlite3
import time
from functools import wraps
from pathlib import Path

from toolkit.archive.damage import damaged, is_damage, write_problem
from toolkit.core.errors import ArchiveError

DB_NAME = "history.sqlite"


SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started TEXT NOT NULL,
    as_of TEXT NOT NULL,
    settings_fingerprint TEXT NOT NULL,
    issues_fingerprint TEXT NOT NULL,
    output TEXT NOT NULL,
    summary TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS files (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    units TEXT NOT NULL,
    outcome TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS states (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    seq INTEGER NOT NULL,
    task_id TEXT, issue_no INTEGER, issue_title TEXT, measure_no INTEGER, measure TEXT,
    deadline TEXT, deadline_text TEXT, unit TEXT, returned INTEGER, status TEXT, status_ok INTEGER,
    state TEXT, overdue_days INTEGER, progress TEXT, evidence TEXT, problems TEXT, reporter TEXT,
    phone TEXT, done_date TEXT, done_text TEXT, source TEXT
);
CREATE TABLE IF NOT EXISTS findings (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    seq INTEGER NOT NULL,
    level TEXT, code TEXT, file TEXT, sheet TEXT, row INTEGER, col TEXT, value TEXT, message TEXT
);
CREATE TABLE IF NOT EXISTS edits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    task_id TEXT NOT NULL,
    before TEXT, after TEXT, basis TEXT, backup TEXT
);
CREATE INDEX IF NOT EXISTS states_run ON states(run_id);
CREATE INDEX IF NOT EXISTS findings_run ON findings(run_id);
CREATE INDEX IF NOT EXISTS files_run ON files(run_id);
"""


# columns added to `states` after the first release: added to older archives when opened
LIFE_COLUMNS = ("adjusted_deadline", "adjust_basis", "closed_date", "close_basis", "extension_to")


STATE_COLUMNS = (
    "run_id",
    "seq",
    "task_id",
    "issue_no",
    "issue_title",
    "measure_no",
    "measure",
    "deadline",
    "deadline_text",
    "unit",
    "returned",
    "status",
    "status_ok",
    "state",
    "overdue_days",
    "progress",
    "evidence",
    "problems",
    "reporter",
    "phone",
    "done_date",
    "done_text",
    "source",
    *LIFE_COLUMNS,
)


def retry(action, seconds: float = 60.0):
    """Run an SQLite statement, waiting while another merge holds the lock (switching to WAL does
    not always go through SQLite's own busy handler)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return action()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def guarded(method):
    """Archive methods: a damaged history.sqlite is told as such, with what to do."""

    @wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):
                raise damaged(self.folder / DB_NAME, exc) from exc
            raise

    return call


class Database:
    """The open history.sqlite of an archive folder (and its files/ store beside it)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.store = folder / "files"
        try:
            self.store.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(folder / DB_NAME, timeout=60, isolation_level=None)
            self.db.execute("PRAGMA busy_timeout=60000")
            retry(lambda: self.db.execute("PRAGMA journal_mode=WAL"))
            retry(lambda: self.db.executescript(SCHEMA))
            self._add_life_columns()
            self.db.execute("SELECT count(*) FROM runs").fetchone()
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):
                raise damaged(folder / DB_NAME, exc) from exc
            raise ArchiveError(
                write_problem(folder, exc)
                or f"无法打开留档 {folder / DB_NAME}：{exc}。请检查 archive 目录是否可写"
            ) from exc
        except OSError as exc:
            raise ArchiveError(
                f"无法打开留档 {folder / DB_NAME}：{exc.strerror or exc}。请检查 archive 目录是否可写"
            ) from exc

    def close(self) -> None:
        self.db.close()

    def _add_life_columns(self) -> None:
        """An archive from before extensions and closing gets their columns (NULL in its old runs)."""
        have = {row[1] for row in self.db.execute("PRAGMA table_info(states)")}
        for column in LIFE_COLUMNS:
            if column in have:
                continue
            try:
                retry(
                    lambda column=column: self.db.execute(
                        f"ALTER TABLE states ADD COLUMN {column} TEXT"
                    )
                )
            except sqlite3.OperationalError as exc:
                if "duplicate column" not in str(
                    exc
                ):  # another merge opening the archive added it first
                    raise
