"""Saving a run into the archive: its inputs (copied by hash), fingerprints and every resulting
state and finding, in one write transaction; and each change toolkit extend / close makes to
issues.xlsx."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

from toolkit.archive.copies import StoredCopies, sha256_file
from toolkit.archive.damage import damaged, is_damage, write_problem
from toolkit.archive.database import DB_NAME, STATE_COLUMNS, retry
from toolkit.core.errors import ArchiveError, NotKept
from toolkit.core.model.merge_result import DetailRow, MergeResult
from toolkit.core.settings import SETTINGS_FILE, Settings
from toolkit.core.words import EVIDENCE, FILLER, PHONE, PROBLEMS, PROGRESS
from toolkit.read.inbox import display_name

# one row of the `files` table without its run id: role, name, size, sha256, units, outcome
Kept = tuple[str, str, int, str, str, str]


class RunSaving(StoredCopies):
    """Writing runs and edits into history.sqlite."""

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
        kept, problems = self._keep_inputs(result, settings, inbox_files)
        toml = settings.workspace / SETTINGS_FILE
        settings_fp = sha256_file(toml)[:16] if toml.exists() else "defaults"
        db = self.db
        try:
            db.execute("BEGIN IMMEDIATE")
            run_id = self._insert_run(result, output, started, settings_fp, kept)
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

    def _keep_inputs(
        self, result: MergeResult, settings: Settings, inbox_files: list[Path]
    ) -> tuple[list[Kept], list[str]]:
        """Copies of the inbox files, the issue list and toolkit.toml; and the problems met."""
        problems: list[str] = []
        inbox = settings.path("inbox")
        outcome = _outcomes(result)
        kept: list[Kept] = []
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
        return kept, problems

    def _insert_run(
        self,
        result: MergeResult,
        output: Path,
        started: datetime,
        settings_fp: str,
        kept: list[Kept],
    ) -> int:
        """The run's rows in every table (inside the caller's transaction); returns its id."""
        summary = json.dumps(
            {
                "totals": result.totals(),
                "units": [asdict(u) for u in result.units],
                "fingerprint": result.issues.fingerprint,
            },
            ensure_ascii=False,
        )
        db = self.db
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
        return run_id

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
            return retry(
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
