"""The archive: every merge's inputs, fingerprints and results in archive/history.sqlite, and each
input file stored once by content hash under archive/files/. The inbox is never touched.

Two merges at once are safe: SQLite in WAL mode with a busy timeout, and one write transaction
per run (BEGIN IMMEDIATE). A stored file is named by its SHA-256; one whose content no longer
matches its name is reported and never used.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from toolkit.archive.damage import damaged, is_damage, write_problem
from toolkit.core.changes import Previous, State, Trend
from toolkit.core.errors import ArchiveError, NotKept
from toolkit.core.findings import Finding, Report
from toolkit.core.model.issue_list import Task, build_issue_list
from toolkit.core.model.merge_result import DetailRow, Entry, MergeResult, UnitSummary
from toolkit.core.settings import SETTINGS_FILE, Settings
from toolkit.core.words import EVIDENCE, FILE_COUNT, FILES_READ, FILLER, PHONE, PROBLEMS, PROGRESS
from toolkit.read.inbox import display_name, open_regular

DB_NAME = "history.sqlite"


_SERIAL = itertools.count()


TREND_RUNS = 6


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


def _retry(action, seconds: float = 60.0):
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


def _guarded(method):
    """Archive methods: a damaged history.sqlite is told as such, with what to do."""
    from functools import wraps

    @wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):
                raise damaged(self.folder / DB_NAME, exc) from exc
            raise

    return call


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


@dataclass
class EditInfo:
    """One change to issues.xlsx made by toolkit extend or toolkit close."""

    edit_id: int
    at: str
    kind: str  # 延期 or 销号
    task_id: str
    before: str
    after: str
    basis: str
    backup: str


@dataclass
class RunInfo:
    run_id: int
    started: str
    as_of: str
    output: str
    totals: dict[str, int]
    files: int


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


class Archive:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.store = folder / "files"
        try:
            self.store.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(folder / DB_NAME, timeout=60, isolation_level=None)
            self.db.execute("PRAGMA busy_timeout=60000")
            _retry(lambda: self.db.execute("PRAGMA journal_mode=WAL"))
            _retry(lambda: self.db.executescript(SCHEMA))
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
                _retry(
                    lambda column=column: self.db.execute(
                        f"ALTER TABLE states ADD COLUMN {column} TEXT"
                    )
                )
            except sqlite3.OperationalError as exc:
                if "duplicate column" not in str(
                    exc
                ):  # another merge opening the archive added it first
                    raise

    # ------------------------------------------------------------ stored files

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

    @_guarded
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

    # ------------------------------------------------------------ runs

    @_guarded
    def runs(self) -> list[RunInfo]:
        out = []
        for run_id, started, as_of, output, summary in self.db.execute(
            "SELECT id, started, as_of, output, summary FROM runs ORDER BY id"
        ):
            data = json.loads(summary)
            files = self.db.execute(
                "SELECT count(*) FROM files WHERE run_id=? AND role='inbox'", (run_id,)
            ).fetchone()[0]
            out.append(RunInfo(run_id, started, as_of, output, data["totals"], files))
        return out

    def record_edit(
        self,
        kind: str,
        task_id: str,
        before: str,
        after: str,
        basis: str,
        backup: str,
        at: datetime,
    ) -> int:
        """Keep one change to issues.xlsx (toolkit extend / close) in the history."""
        try:
            return _retry(
                lambda: (
                    self.db.execute(
                        "INSERT INTO edits (at, kind, task_id, before, after, basis, backup) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (
                            at.isoformat(timespec="seconds"),
                            kind,
                            task_id,
                            before,
                            after,
                            basis,
                            backup,
                        ),
                    ).lastrowid
                )
            )
        except sqlite3.Error as exc:
            raise ArchiveError(f"留档写入失败：{exc}") from exc

    def edits(self) -> list[EditInfo]:
        return [
            EditInfo(*row)
            for row in self.db.execute(
                "SELECT id, at, kind, task_id, before, after, basis, backup FROM edits ORDER BY id"
            )
        ]

    @_guarded
    def previous(self, before: int | None = None) -> Previous | None:
        """The latest run (before run `before`, when given), as the 变化 sheet compares against it."""
        query = "SELECT id, as_of, started, summary FROM runs"
        args: tuple = ()
        if before is not None:
            query += " WHERE id < ?"
            args = (before,)
        row = self.db.execute(query + " ORDER BY id DESC LIMIT 1", args).fetchone()
        if row is None:
            return None
        run_id, as_of, started, summary = row
        states = {}
        for (
            task_id,
            unit,
            status,
            state,
            progress,
            deadline,
            adjusted,
            basis,
            closed,
            close_basis,
        ) in self.db.execute(
            "SELECT task_id, unit, status, state, progress, deadline, adjusted_deadline, adjust_basis, "
            "closed_date, close_basis FROM states WHERE run_id=?",
            (run_id,),
        ):
            states[(task_id, unit)] = State(
                task_id,
                unit,
                status or "",
                state,
                progress or "",
                _day(adjusted) or _day(deadline),
                _day(adjusted),
                basis or "",
                _day(closed),
                close_basis or "",
            )
        returned = {u["unit"] for u in json.loads(summary)["units"] if u["files"]}
        return Previous(run_id, date.fromisoformat(as_of), started, states, returned)

    @_guarded
    def trend(self, current: MergeResult, upto: int | None = None) -> Trend:
        """Each unit's 完成率 in the last runs (up to run `upto`), plus this run's as the last column."""
        query = "SELECT as_of, summary FROM runs"
        args: tuple = ()
        if upto is not None:
            query += " WHERE id < ?"
            args = (upto,)
        rows = self.db.execute(
            query + " ORDER BY id DESC LIMIT ?", (*args, TREND_RUNS - 1)
        ).fetchall()[::-1]
        trend = Trend(labels=[as_of for as_of, _ in rows] + [current.as_of.isoformat()])
        past = [{u["unit"]: u for u in json.loads(summary)["units"]} for _, summary in rows]
        for unit in current.units:
            values: list[float | None] = []
            for run in past:
                u = run.get(unit.unit)
                values.append(round(u["done"] / u["tasks"], 4) if u and u["tasks"] else None)
            values.append(round(unit.rate, 4))
            trend.rates[unit.unit] = values
        return trend

    def record(
        self,
        result: MergeResult,
        output: Path,
        started: datetime,
        settings: Settings,
        inbox_files: list[Path],
        confirm: Callable[[], str | None] | None = None,
    ) -> tuple[int, list[str]] | None:
        """Store one run: its inputs (copied by hash), fingerprints and every resulting state.
        Returns the run id and any problems met with stored copies. With `confirm`, everything is
        written but committed only when confirm() returns the workbook's final name (None: the
        workbook was not written, and the run is rolled back)."""
        problems: list[str] = []
        inbox = settings.path("inbox")
        outcome = _outcomes(result)
        kept = []
        max_bytes = settings.limits["max_file_mb"] * 2**20
        for path in inbox_files:
            name = display_name(path, inbox)
            try:
                digest, size, problem = self.keep(
                    path, max_bytes, settings.limits["file_timeout_s"]
                )
            except (OSError, NotKept) as exc:
                why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                problems.append(f"{name} 未能留档：{why}")
                continue
            if problem:
                problems.append(f"{name}：{problem}")
            units, what = outcome.get(name, ("", "已跳过或未读取"))
            kept.append(("inbox", name, size, digest, units, what))
        for role, path in (
            ("issues", settings.path("issues")),
            ("settings", settings.workspace / SETTINGS_FILE),
        ):
            if path.exists():
                digest, size, problem = self.keep(path)
                kept.append((role, path.name, size, digest, "", ""))
        summary = json.dumps(
            {
                "totals": result.totals(),
                "units": [asdict(u) for u in result.units],
                "fingerprint": result.issues.fingerprint,
            },
            ensure_ascii=False,
        )
        toml = settings.workspace / SETTINGS_FILE
        settings_fp = sha256_file(toml)[:16] if toml.exists() else "defaults"
        db = self.db
        try:
            db.execute("BEGIN IMMEDIATE")
            run_id = db.execute(
                "INSERT INTO runs (started, as_of, settings_fingerprint, issues_fingerprint, output, summary) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    started.isoformat(timespec="seconds"),
                    result.as_of.isoformat(),
                    settings_fp,
                    result.issues.fingerprint,
                    output.name,
                    summary,
                ),
            ).lastrowid
            db.executemany(
                "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?)", [(run_id, *k) for k in kept]
            )
            db.executemany(
                f"INSERT INTO states ({','.join(STATE_COLUMNS)}) VALUES ("
                + ",".join("?" * len(STATE_COLUMNS))
                + ")",
                [(run_id, seq, *_state_row(line)) for seq, line in enumerate(result.rows)],
            )
            db.executemany(
                "INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        run_id,
                        seq,
                        f.level,
                        f.code,
                        f.file,
                        f.sheet,
                        f.row,
                        f.column,
                        f.value,
                        f.message,
                    )
                    for seq, f in enumerate(result.report.sorted())
                ],
            )
            if confirm is not None:
                final = confirm()
                if final is None:
                    db.execute("ROLLBACK")
                    return None
                db.execute("UPDATE runs SET output=? WHERE id=?", (final, run_id))
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            if db.in_transaction:
                try:
                    db.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            if is_damage(exc):
                raise damaged(self.folder / DB_NAME, exc) from exc
            raise ArchiveError(write_problem(self.folder, exc) or f"留档写入失败：{exc}") from exc
        return run_id, problems

    @_guarded
    def load(self, run_id: int, settings: Settings) -> tuple[MergeResult, datetime]:
        """Run `run_id` rebuilt from the archive alone: the same values its workbook was written from."""
        row = self.db.execute(
            "SELECT started, as_of, summary FROM runs WHERE id=?", (run_id,)
        ).fetchone()
        if row is None:
            raise ArchiveError(f"留档中没有第 {run_id} 次汇总；用 toolkit history 查看有哪些")
        started, as_of, summary = row
        data = json.loads(summary)
        tasks: dict[str, Task] = {}
        rows: list[DetailRow] = []
        for r in self.db.execute(
            f"SELECT {','.join(STATE_COLUMNS)} FROM states WHERE run_id=? ORDER BY seq", (run_id,)
        ):
            (
                _,
                _,
                task_id,
                issue_no,
                title,
                measure_no,
                measure,
                deadline,
                deadline_text,
                unit,
                returned,
                status,
                status_ok,
                state,
                days,
                progress,
                evidence,
                problems,
                reporter,
                phone,
                done_date,
                done_text,
                source,
                adjusted,
                adjust_basis,
                closed,
                close_basis,
                extension_to,
            ) = r
            task = tasks.get(task_id)
            if task is None:
                task = tasks[task_id] = Task(
                    task_id,
                    issue_no,
                    title,
                    measure_no,
                    measure,
                    (),
                    _day(deadline),
                    deadline_text or "",
                    adjusted_deadline=_day(adjusted),
                    adjust_basis=adjust_basis or "",
                    closed_on=_day(closed),
                    close_basis=close_basis or "",
                )
            entry = None
            if returned:
                texts = {
                    PROGRESS: progress,
                    EVIDENCE: evidence,
                    PROBLEMS: problems,
                    FILLER: reporter,
                    PHONE: phone,
                }
                entry = Entry(
                    task,
                    unit,
                    status,
                    bool(status_ok),
                    _day(done_date),
                    done_text,
                    texts,
                    None,
                    None,
                    source,
                    extension_to=_day(extension_to),
                )
            rows.append(DetailRow(task, unit, entry, state, days))
        units_of: dict[str, list[str]] = {}
        for line in rows:
            units_of.setdefault(line.task.task_id, [])
            if line.unit not in units_of[line.task.task_id]:
                units_of[line.task.task_id].append(line.unit)
        fixed = {
            tid: _with_units(task, tuple(units_of.get(tid, ()))) for tid, task in tasks.items()
        }
        for line in rows:
            line.task = fixed[line.task.task_id]
            if line.entry is not None:
                line.entry.task = line.task
        issues = build_issue_list(list(fixed.values()), settings)
        issues.fingerprint = data["fingerprint"]
        report = Report(
            [
                Finding(
                    code,
                    message,
                    file=file,
                    sheet=sheet,
                    row=row_no,
                    column=col,
                    value=value,
                    level=level,
                )
                for level, code, file, sheet, row_no, col, value, message in self.db.execute(
                    "SELECT level, code, file, sheet, row, col, value, message FROM findings "
                    "WHERE run_id=? ORDER BY seq",
                    (run_id,),
                )
            ]
        )
        units = [UnitSummary(**u) for u in data["units"]]
        totals = data["totals"]
        result = MergeResult(
            date.fromisoformat(as_of),
            issues,
            rows,
            units,
            [],
            report,
            file_counts=(totals[FILE_COUNT], totals[FILES_READ]),
        )
        return result, datetime.fromisoformat(started)


def _with_units(task: Task, units: tuple[str, ...]) -> Task:
    from dataclasses import replace

    return replace(task, units=units)


def _state_row(line: DetailRow) -> tuple[Any, ...]:
    task, entry = line.task, line.entry
    texts = entry.texts if entry else {}
    return (
        task.task_id,
        task.issue_no,
        task.issue_title,
        task.measure_no,
        task.measure,
        task.deadline.isoformat() if task.deadline else None,
        task.deadline_text,
        line.unit,
        1 if entry else 0,
        entry.status if entry else "",
        1 if entry is None or entry.status_ok else 0,
        line.state,
        line.overdue_days,
        texts.get(PROGRESS, ""),
        texts.get(EVIDENCE, ""),
        texts.get(PROBLEMS, ""),
        texts.get(FILLER, ""),
        texts.get(PHONE, ""),
        entry.done_date.isoformat() if entry and entry.done_date else None,
        entry.done_text if entry else "",
        entry.source if entry else "",
        _iso(task.adjusted_deadline),
        task.adjust_basis,
        _iso(task.closed_on),
        task.close_basis,
        _iso(entry.extension_to if entry else None),
    )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _outcomes(result: MergeResult) -> dict[str, tuple[str, str]]:
    """Per inbox entry (a zip counts once): the units found and what became of it."""
    out: dict[str, tuple[list[str], list[str]]] = {}
    for ledger in result.files:
        name = ledger.name
        top = name[: name.index(".zip/") + 4] if ".zip/" in name else name
        units, what = out.setdefault(top, ([], []))
        if ledger.unit and ledger.unit not in units:
            units.append(ledger.unit)
        if ledger.ok:
            what.append(f"已读取（{ledger.unit or '单位不明'}）")
        else:
            codes = {f.code for f in ledger.findings}
            what.append(
                "已跳过" if codes == {"skipped-file"} else "无法读取：" + "、".join(sorted(codes))
            )
    return {name: ("、".join(units), "；".join(what)) for name, (units, what) in out.items()}


def current_states(result: MergeResult) -> list[State]:
    return [
        State(
            line.task.task_id,
            line.unit,
            line.entry.status if line.entry else "",
            line.state,
            line.entry.texts.get(PROGRESS, "") if line.entry else "",
            line.task.due,
            line.task.adjusted_deadline,
            line.task.adjust_basis,
            line.task.closed_on,
            line.task.close_basis,
        )
        for line in result.rows
    ]


def returned_units(result: MergeResult) -> set[str]:
    return {u.unit for u in result.units if u.files}


def open_archive(settings: Settings) -> Archive:
    return Archive(settings.path("archive"))
