"""Three rounds from the seed: the archive, the 变化 sheet, the 完成率 trend, rebuilding a past
workbook from the archive alone, integrity of stored files, and two merges at once."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT, sheet_charts
from typer.testing import CliRunner

from toolkit.api.history import rebuild_run
from toolkit.api.merge import run_merge
from toolkit.api.workspace import open_workspace
from toolkit.cli import app
from toolkit.read.issue_list import load_issue_list
from toolkit.write.ledger import write_unit_ledger

runner = CliRunner()


def set_status(path: Path, task_id: str, status: str, done, progress: str) -> None:
    """Change one task row of a template-shaped ledger, as the unit would in its next return."""
    book = openpyxl.load_workbook(path)
    sheet = book["台账"]
    for row in sheet.iter_rows(min_row=3):
        if row[0].value == task_id:
            row[7].value, row[8].value, row[9].value = status, progress, done
            break
    else:
        raise AssertionError(f"{task_id} not in {path.name}")
    book.save(path)


def details(workbook: Path) -> dict[tuple[str, str], tuple]:
    sheet = openpyxl.load_workbook(workbook)["台账明细"]
    return {(r[0], r[5]): r for r in sheet.iter_rows(min_row=2, values_only=True)}


def changes(workbook: Path) -> set[tuple[str, str, str]]:
    sheet = openpyxl.load_workbook(workbook)["变化"]
    return {(r[0], r[1] or "", r[2]) for r in sheet.iter_rows(min_row=2, values_only=True) if r[2]}


def all_values(workbook: Path) -> dict:
    book = openpyxl.load_workbook(workbook)
    return {
        name: [[c for c in row] for row in book[name].iter_rows(values_only=True)]
        for name in book.sheetnames
    }


@pytest.fixture
def rounds(tmp_path):
    """Run three rounds on a copy of the bundled sample; returns the workspace and the three runs."""
    ws = tmp_path / "ws"
    ws.mkdir()
    for name in ("issues.xlsx", "toolkit.toml"):
        shutil.copy(ROOT / name, ws / name)
    shutil.copytree(ROOT / "inbox", ws / "inbox")
    shutil.copytree(ROOT / "templates", ws / "templates")
    settings = open_workspace(ws)
    first = run_merge(settings, date(2025, 3, 31), now=datetime(2025, 3, 31, 17, 0))

    rows = details(first.output)
    farm = ws / "inbox" / "区农业农村局-整改台账.xlsx"
    ecology = ws / "inbox" / "生态环境分局台账（已填）.xlsx"
    finished = next(
        k for k, r in rows.items() if k[1] == "区农业农村局" and r[8] == "推进中" and r[6]
    )
    backwards = next(
        k for k, r in rows.items() if k[1] == "区生态环境分局" and r[8] == "已完成" and r[6]
    )
    set_status(farm, finished[0], "已完成", datetime(2025, 4, 10), "已于4月10日印发实施。")
    set_status(ecology, backwards[0], "推进中", None, "复查发现反弹，重新整改中。")
    second = run_merge(settings, date(2025, 4, 30), now=datetime(2025, 4, 30, 17, 0))

    # the office approves an extension for the task that went back, and closes the one just finished
    assert (
        runner.invoke(
            app,
            [
                "extend",
                backwards[0],
                "--to",
                "2025-12-31",
                "--basis",
                "区整改办〔2025〕7号",
                "-w",
                str(ws),
            ],
        ).exit_code
        == 0
    )
    assert (
        runner.invoke(
            app,
            [
                "close",
                finished[0],
                "--date",
                "2025-05-20",
                "--basis",
                "经验收，整改到位",
                "-w",
                str(ws),
            ],
        ).exit_code
        == 0
    )
    issues = load_issue_list(settings)
    late = ws / "inbox" / "区自然资源局-整改台账.xlsx"
    tasks = issues.tasks_of("区自然资源局")
    write_unit_ledger(
        ws / "templates" / "ledger.xlsx",
        late,
        "区自然资源局",
        tasks,
        issues.fingerprint,
        date(2025, 5, 31),
        datetime(2025, 5, 1, 9, 0),
    )
    set_status(
        late, tasks[0].task_id, "已完成", datetime(2025, 5, 20), "已开展全区排查并立案查处。"
    )
    set_status(late, tasks[1].task_id, "推进中", None, "正在组织验收。")
    third = run_merge(settings, date(2025, 5, 31), now=datetime(2025, 5, 31, 17, 0))
    return ws, (first, second, third), finished, backwards, [t.task_id for t in tasks]


def test_three_rounds_changes_and_trend(rounds):
    ws, (first, second, third), finished, backwards, late_tasks = rounds
    assert changes(first.output) == set()
    assert (
        openpyxl.load_workbook(first.output)["变化"]["A2"].value
        == "这是第一次汇总，没有可比较的上一次"
    )
    assert changes(second.output) == {
        ("新完成", *finished),
        ("进展更新", *finished),
        ("倒退", *backwards),
        ("新逾期", *backwards),
        ("进展更新", *backwards),
        ("仍未报送", "", "区自然资源局"),
    }
    units = {t.task_id: "、".join(t.units) for t in load_issue_list(open_workspace(ws)).tasks}
    assert changes(third.output) == {
        ("延期", backwards[0], units[backwards[0]]),
        ("销号", finished[0], units[finished[0]]),
        ("新完成", late_tasks[0], "区自然资源局"),
        ("新逾期", late_tasks[1], "区自然资源局"),
        ("新报送单位", "", "区自然资源局"),
    }
    # the trend: one column per run, this run last
    summary = openpyxl.load_workbook(third.output)["汇总"]
    header = [c.value for c in summary[8]][11:15]
    assert header == ["责任单位", "2025-03-31", "2025-04-30", "2025-05-31"]
    trend = {r[11]: r[12:15] for r in summary.iter_rows(min_row=9, values_only=True) if r[11]}
    farm = trend["区农业农村局"]
    assert farm[1] == pytest.approx(farm[0] + 1 / 11, abs=1e-4) and farm[2] == farm[1]
    natural = trend["区自然资源局"]
    assert natural[:2] == (0, 0) and natural[2] == pytest.approx(0.5)
    assert sheet_charts(third.output, "汇总") == 2  # completion bars and the 完成率 trend


def test_history_lists_runs_and_rebuilds_a_past_workbook_exactly(rounds):
    ws, (first, second, third), *_ = rounds
    for path in (ws / "inbox").iterdir():
        path.unlink()  # the archive alone must be enough
    listed = runner.invoke(app, ["history", "-w", str(ws)])
    assert listed.exit_code == 0
    assert "   2  2025-04-30 17:00:00  2025-04-30" in listed.output
    shown = runner.invoke(app, ["history", "-w", str(ws), "show", "2"])
    assert shown.exit_code == 0, shown.output
    rebuilt = next((ws / "outbox").glob("汇总台账_重建_第2次_*.xlsx"))
    assert all_values(rebuilt) == all_values(second.output)
    # the round after an extension and a closing comes back with both, from the archive alone
    assert runner.invoke(app, ["history", "-w", str(ws), "show", "3"]).exit_code == 0
    rebuilt = next((ws / "outbox").glob("汇总台账_重建_第3次_*.xlsx"))
    assert all_values(rebuilt) == all_values(third.output)
    states = {r[9] for r in all_values(rebuilt)["台账明细"][1:]}
    assert "已销号" in states and any(r[7] for r in all_values(rebuilt)["台账明细"][1:])
    assert "延期  任务" in listed.output and "销号  任务" in listed.output


def test_tampered_archive_file_is_reported_not_used(rounds):
    ws, (first, second, third), *_ = rounds
    db = sqlite3.connect(ws / "archive" / "history.sqlite")
    digest = db.execute(
        "SELECT sha256 FROM files WHERE run_id=1 AND role='inbox' LIMIT 1"
    ).fetchone()[0]
    db.close()
    blob = ws / "archive" / "files" / digest[:2] / digest
    blob.write_bytes(b"tampered")
    shown = rebuild_run(open_workspace(ws), 1)
    assert any("不再使用" in problem for _, problem in shown.integrity)
    assert all_values(shown.output) == all_values(first.output)  # the results themselves are intact
    again = run_merge(open_workspace(ws), date(2025, 5, 31))
    assert any("已损坏" in p for p in again.archive_problems)
    from toolkit.archive.copies import sha256_file

    assert sha256_file(blob) == digest  # replaced by the good copy from the inbox


def test_inbox_is_copied_by_content_hash_once(rounds):
    ws, *_ = rounds
    stored = list((ws / "archive" / "files").rglob("*"))
    blobs = [p for p in stored if p.is_file()]
    db = sqlite3.connect(ws / "archive" / "history.sqlite")
    distinct = db.execute("SELECT count(DISTINCT sha256) FROM files").fetchone()[0]
    assert len(blobs) == distinct
    outcomes = dict(db.execute("SELECT name, outcome FROM files WHERE run_id=1 AND role='inbox'"))
    assert outcomes["区城管局.xlsx"].startswith("已读取")
    db.close()


def test_two_merges_at_once_do_not_corrupt_the_archive(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    for name in ("issues.xlsx", "toolkit.toml"):
        shutil.copy(ROOT / name, ws / name)
    shutil.copytree(ROOT / "inbox", ws / "inbox")
    cmd = [sys.executable, "-m", "toolkit", "merge", "-w", str(ws), "--json"]
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    db = sqlite3.connect(ws / "archive" / "history.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT count(*) FROM runs").fetchone()[0] == 2
    counts = db.execute("SELECT run_id, count(*) FROM states GROUP BY run_id").fetchall()
    assert [n for _, n in counts] == [62, 62]
    assert len(list((ws / "outbox").glob("汇总台账_*.xlsx"))) == 2


def test_a_workbook_that_was_not_written_leaves_no_run_in_the_archive(tmp_path, monkeypatch):
    import errno

    import toolkit.write.workbook

    ws = tmp_path / "ws"
    ws.mkdir()
    for name in ("issues.xlsx", "toolkit.toml"):
        shutil.copy(ROOT / name, ws / name)
    shutil.copytree(ROOT / "inbox", ws / "inbox")

    def full(*_):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(toolkit.write.workbook, "publish", full)
    result = runner.invoke(app, ["merge", "-w", str(ws)])
    assert result.exit_code == 2 and "磁盘空间不足" in result.stderr
    listed = runner.invoke(app, ["history", "-w", str(ws)])
    assert "还没有汇总记录" in listed.output
    assert not [p for p in (ws / "archive").rglob("*.tmp")]
