"""Merges killed at random points (SIGKILL, SIGTERM, Ctrl-C to the process or to its whole group):
the archive stays sound and unlocked, no process and no temporary file is left behind, a workbook
is published only with its archive entry or with a line saying so, and the next merge runs
normally. Real `python -m toolkit merge` processes on a copy of the sample workspace."""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from toolkit.api.merge import run_merge
from toolkit.api.workspace import open_workspace
from toolkit.core.errors import Interrupted

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc and sends POSIX signals"
)

ROOT = Path(__file__).resolve().parents[1]
INTERRUPT_LINES = ("已中断，未生成汇总台账", "已生成汇总台账", "已中断：汇总台账")


def _start(ws: Path, **env: str) -> subprocess.Popen:
    """A merge in its own process group (session), so its children can be found after it dies."""
    environ = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.Popen(
        [sys.executable, "-m", "toolkit", "merge", "-w", str(ws)],
        cwd=ws,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _group(pgid: int) -> list[str]:
    """Living processes (zombies excepted) of process group pgid: `pid command`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(f"{entry.name} {stat[stat.index('(') + 1 : stat.rindex(')')]}")
    return found


def _wait_group_empty(pgid: int, seconds: float = 15.0) -> list[str]:
    deadline = time.monotonic() + seconds
    while (left := _group(pgid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def _archive_sound(ws: Path) -> list[str]:
    """Run outputs in the archive, after checking its integrity and that nobody holds its lock."""
    db_path = ws / "archive" / "history.sqlite"
    if not db_path.exists():
        return []
    db = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        db.execute("BEGIN IMMEDIATE")  # "database is locked" if an orphan still held the write lock
        db.execute("ROLLBACK")
        return [row[0] for row in db.execute("SELECT output FROM runs ORDER BY id")]
    finally:
        db.close()


def _leftovers(ws: Path) -> list[str]:
    outbox = ws / "outbox"
    if not outbox.exists():
        return []
    return [p.name for p in outbox.iterdir() if p.name.startswith(".") or p.name.endswith(".tmp")]


def _published(ws: Path) -> set[str]:
    outbox = ws / "outbox"
    return {p.name for p in outbox.glob("汇总台账_*.xlsx")} if outbox.exists() else set()


def _startup() -> float:
    """How long Python takes to come to toolkit's own code: a signal before that meets only the
    interpreter (which dies of it, or prints its own traceback for Ctrl-C)."""
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-c", "import toolkit.__main__"],
        check=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return time.monotonic() - started


def _full_merge(ws: Path) -> float:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "toolkit", "merge", "-w", str(ws)],
        cwd=ws,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert "留档失败" not in done.stderr.decode() + done.stdout.decode()
    return time.monotonic() - started


@pytest.fixture(scope="module")
def merged_once(sample_source, tmp_path_factory) -> tuple[Path, float, float]:
    """The sample merged once (so later merges compare with a run and archive beside it), how long
    that merge took, and how long Python takes to start."""
    ws = tmp_path_factory.mktemp("faults") / "ws"
    shutil.copytree(sample_source, ws)
    return ws, _full_merge(ws), _startup()


@linux_only
@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM", "SIGINT", "SIGINT-group"])
def test_a_merge_killed_at_random_points_leaves_nothing_behind(merged_once, tmp_path, how):
    rng = random.Random(f"faults-{how}")
    ws = tmp_path / "ws"
    shutil.copytree(merged_once[0], ws)
    span, startup = merged_once[1], merged_once[2]
    runs_before = len(_archive_sound(ws))
    unarchived_told: set[str] = set()
    signum = getattr(signal, how.split("-")[0])
    for fraction in sorted(rng.uniform(0.0, 1.0) for _ in range(3)):
        before = _published(ws)
        proc = _start(ws)
        time.sleep(startup + (span - startup) * fraction)
        if how.endswith("group"):  # Ctrl-C in a terminal reaches every process of the group
            os.killpg(proc.pid, signum)
        else:
            os.kill(proc.pid, signum)
        out, err = proc.communicate(timeout=60)
        stderr = err.decode()
        left = _wait_group_empty(proc.pid)
        assert not left, f"{how} at {fraction:.2f}: processes left behind: {left}"
        assert "Traceback" not in stderr, stderr
        completed = "已生成：" in out.decode()  # the merge was done before the signal came
        if how != "SIGKILL" and not completed and proc.returncode != -signal.SIGTERM:
            # (SIGTERM before the merge command began: Python's default, nothing started yet)
            assert proc.returncode == 128 + signum, (proc.returncode, stderr)
            told = [line for line in stderr.splitlines() if line.startswith(INTERRUPT_LINES)]
            assert len(told) == 1, stderr
            if "但未留档" in told[0]:
                unarchived_told |= _published(ws) - before
        # a SIGKILL leaves nobody to clean up: the killed merge's temporaries wait for the next write
        left = [] if how == "SIGKILL" else _leftovers(ws)
        assert left == [], f"{how} at {fraction:.2f}"
        archived = _archive_sound(ws)
        assert set(archived) <= _published(
            ws
        )  # the archive never names a workbook that is not there
        if how != "SIGKILL":  # a workbook without its archive entry was announced as such
            assert _published(ws) - set(archived) <= unarchived_told, stderr
    _full_merge(ws)
    assert _leftovers(ws) == []  # swept by the next write
    assert len(_archive_sound(ws)) > runs_before


@linux_only
def test_a_merge_killed_while_archiving_releases_the_archive(merged_once, tmp_path):
    """The archive child holds the write lock while the workbook is written: killing the merge
    right then must not leave the lock held (it did, and every later merge waited ~60 s for it)."""
    ws = tmp_path / "ws"
    shutil.copytree(merged_once[0], ws)
    proc = _start(ws)
    caught = False
    while not caught and proc.poll() is None:
        db = sqlite3.connect(ws / "archive" / "history.sqlite", timeout=0, isolation_level=None)
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute("ROLLBACK")
        except sqlite3.OperationalError:
            caught = True  # the archive child is writing: kill its parent now
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            db.close()
        time.sleep(0.002)
    proc.communicate(timeout=60)
    assert caught, "the merge finished before its archive child was seen holding the lock"
    assert not _wait_group_empty(proc.pid)
    _archive_sound(ws)
    _full_merge(ws)
    # a private temporary folder of the killed merge may outlive it; the next write sweeps it
    assert _leftovers(ws) == []


# ------------------------------------------------------------------ Ctrl-C inside the library


def test_interrupt_before_publishing_leaves_no_workbook_and_no_run(sample_ws, monkeypatch):
    import toolkit.write.workbook as workbook

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(workbook, "write_workbook", interrupted)
    settings = open_workspace(sample_ws)
    with pytest.raises(Interrupted) as caught:
        run_merge(settings)
    assert caught.value.output is None and caught.value.exit_code == 130
    assert _published(sample_ws) == set() and _leftovers(sample_ws) == []
    assert _archive_sound(sample_ws) == []


def test_interrupt_after_publishing_says_the_archive_was_not_written(sample_ws, monkeypatch):
    import toolkit.write.workbook as workbook

    real = workbook.write_workbook

    def published_then_interrupted(*args, **kwargs):
        real(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(workbook, "write_workbook", published_then_interrupted)
    with pytest.raises(Interrupted) as caught:
        run_merge(open_workspace(sample_ws))
    assert caught.value.output is not None and caught.value.output.exists()
    assert caught.value.run_id is None
    assert _archive_sound(sample_ws) == []  # rolled back: the line says so
    assert _leftovers(sample_ws) == []


def test_cli_ctrl_c_prints_one_line_and_exits_130(sample_ws, monkeypatch):
    from typer.testing import CliRunner

    import toolkit.write.workbook as workbook
    from toolkit.cli import app

    real = workbook.write_workbook

    def published_then_interrupted(*args, **kwargs):
        real(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(workbook, "write_workbook", published_then_interrupted)
    result = CliRunner().invoke(app, ["merge", "-w", str(sample_ws)])
    assert result.exit_code == 130
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("已生成汇总台账 ") and "但未留档" in lines[0], (
        result.output
    )

    monkeypatch.setattr(
        workbook, "write_workbook", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt())
    )
    result = CliRunner().invoke(app, ["merge", "-w", str(sample_ws)])
    assert result.exit_code == 130
    assert [line for line in result.output.splitlines() if line.strip()] == [
        "已中断，未生成汇总台账"
    ]


# ------------------------------------------------------------------ spawn, as on Windows


def _values(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return {
            sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)] for sheet in book
        }
    finally:
        book.close()


def test_a_merge_under_spawn_gives_the_same_workbook_as_under_fork(
    sample_source, tmp_path, monkeypatch
):
    now = datetime(2025, 4, 1, 9, 30)
    outputs = {}
    for method in ("fork", "spawn"):
        ws = tmp_path / method
        shutil.copytree(sample_source, ws)
        monkeypatch.setenv("TOOLKIT_START_METHOD", method)
        run = run_merge(open_workspace(ws), now=now)
        assert run.run_id == 1
        outputs[method] = _values(run.output)
    assert outputs["spawn"] == outputs["fork"]
