"""Double-click launchers: 合并台账 / 检查台账 for Windows (.bat) and Linux (.sh)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.write.launchers import (
    CHECK_NAME,
    MERGE_NAME,
    NOT_INSTALLED,
    launcher_files,
    write_launchers,
)

SH = shutil.which("sh") or "/bin/sh"


def _run(
    script: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    base = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(script.parent),
        "TOOLKIT_NO_OPEN": "1",
        "LANG": "C.UTF-8",
    }
    return subprocess.run(
        [SH, str(script), *args],
        cwd=script.parent,
        env={**base, **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=300,
    )


@pytest.mark.parametrize("name", [f"{MERGE_NAME}.bat", f"{CHECK_NAME}.bat"])
def test_bat_files_are_crlf_and_gbk_so_cmd_reads_them(name):
    data = launcher_files(sys.executable)[name]
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    text = data.decode("gbk")  # cmd.exe on a Chinese Windows reads the file in code page 936
    assert text.startswith("@echo off\r\n")
    assert "-m toolkit" in text and NOT_INSTALLED in text
    assert sys.executable in text  # `toolkit init` names the Python that has toolkit


def test_the_bundled_sample_carries_current_launchers():
    for name, data in launcher_files(None).items():
        assert (ROOT / name).read_bytes() == data, f"{name}: run scripts/build_sample.py"


def test_init_writes_the_launchers(tmp_path):
    result = CliRunner().invoke(app, ["init", str(tmp_path / "ws")])
    assert result.exit_code == 0, result.output
    for name in launcher_files():
        assert (tmp_path / "ws" / name).is_file()
        assert name in result.output
    assert os.access(tmp_path / "ws" / f"{MERGE_NAME}.sh", os.X_OK)


def _workspace_with_launchers(sample_ws: Path) -> Path:
    write_launchers(sample_ws, sys.executable, overwrite=True)  # as `toolkit init` writes them
    return sample_ws


def test_merge_launcher_runs_merge_in_its_own_folder(sample_ws):
    ws = _workspace_with_launchers(sample_ws)
    done = _run(ws / f"{MERGE_NAME}.sh")
    out = done.stdout.decode("utf-8")
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert "已生成：outbox/汇总台账_" in out
    assert len(list((ws / "outbox").glob("汇总台账_*.xlsx"))) == 1


def test_check_launcher_checks_the_files_dropped_on_it(sample_ws):
    ws = _workspace_with_launchers(sample_ws)
    dropped = ws / "inbox" / "住建局台账（3月）.xlsx"
    done = _run(ws / f"{CHECK_NAME}.sh", str(dropped))
    assert done.returncode in (0, 1), done.stderr.decode("utf-8", "replace")
    assert "住建局台账（3月）.xlsx" in done.stdout.decode("utf-8")
    assert list((ws / "outbox").rglob("*.xlsx"))  # the feedback copy


def test_check_launcher_without_files_says_what_to_do(tmp_path):
    script = tmp_path / f"{CHECK_NAME}.sh"
    script.write_bytes(launcher_files(None)[f"{CHECK_NAME}.sh"])
    done = _run(script)
    assert done.returncode == 2
    assert "拖到“检查台账”图标上" in done.stderr.decode("utf-8")


def test_launcher_without_an_installed_toolkit_says_so(tmp_path):
    script = tmp_path / f"{MERGE_NAME}.sh"
    script.write_bytes(launcher_files(None)[f"{MERGE_NAME}.sh"])
    done = _run(script)
    assert done.returncode == 2
    assert NOT_INSTALLED in done.stderr.decode("utf-8")
    assert "Traceback" not in done.stderr.decode("utf-8")
