"""A generated ledger as LibreOffice itself sees it: locks, protection, drop-downs, hidden _meta.

The project's other template tests read the file back with openpyxl, which only shows what was
written. Here LibreOffice's own engine loads it (through its Python-UNO bridge, tests/lo_probe.py,
run by the system python3 with Debian's python3-uno) and reports what a clerk would get.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import uuid
from datetime import date
from pathlib import Path

import pytest

from toolkit.api.template import run_template
from toolkit.api.workspace import open_workspace
from toolkit.core.words import STATUSES

ROOT = Path(__file__).resolve().parents[1]
PROBE = Path(__file__).resolve().with_name("lo_probe.py")
SYSTEM_PYTHON = "/usr/bin/python3"
UNIT = "区卫健局"
PROBE_TIMEOUT = 120


def _unavailable() -> str | None:
    """Why LibreOffice's Python-UNO bridge can't be used here, or None when it can."""
    if not (shutil.which("soffice") or shutil.which("libreoffice")):
        return "LibreOffice (soffice) is not installed"
    if not Path(SYSTEM_PYTHON).exists():
        return f"{SYSTEM_PYTHON} is missing"
    try:
        check = subprocess.run(
            [SYSTEM_PYTHON, "-c", "import uno"], capture_output=True, env=_system_env(), timeout=30
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{SYSTEM_PYTHON} could not run: {exc}"
    if check.returncode != 0:
        return f"{SYSTEM_PYTHON} cannot import uno (apt-get install python3-uno)"
    return None


def _system_env() -> dict[str, str]:
    """The environment for the system python3: nothing from the project's venv."""
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    env = {key: value for key, value in os.environ.items() if key not in drop}
    env.setdefault("HOME", tempfile.gettempdir())
    return env


@pytest.fixture(scope="module")
def uno_ready() -> None:
    reason = _unavailable()
    if reason is None:
        return
    if os.environ.get("TOOLKIT_REQUIRE_SOFFICE"):
        pytest.fail(f"TOOLKIT_REQUIRE_SOFFICE is set but {reason}")
    pytest.skip(reason)


def _stop(process: subprocess.Popen, grace: float) -> None:
    """Let soffice exit after the probe's terminate(); kill its process group if it lingers."""
    try:
        process.wait(timeout=grace)
        return
    except subprocess.TimeoutExpired:
        pass
    for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)  # its own session: soffice and the soffice.bin it starts
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def probe_with_libreoffice(ledger: Path) -> dict:
    """Start a private headless soffice, run tests/lo_probe.py against it, return its report."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    assert exe is not None
    profile = Path(tempfile.mkdtemp(prefix="toolkit-lo-profile-"))
    # A named pipe rather than a TCP port: unique by name, so no race for a free port.
    connection = f"pipe,name=toolkit-lo-probe-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    office = subprocess.Popen(
        [
            exe,
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            f"-env:UserInstallation={profile.as_uri()}",
            f"--accept={connection};urp;",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_system_env(),
        start_new_session=True,
    )
    try:
        result = subprocess.run(
            [SYSTEM_PYTHON, str(PROBE), "--connect", connection, "--timeout", "60", str(ledger)],
            capture_output=True,
            text=True,
            env=_system_env(),
            timeout=PROBE_TIMEOUT,
        )
    finally:
        _stop(office, grace=15)
        shutil.rmtree(profile, ignore_errors=True)
    assert result.returncode == 0, f"lo_probe.py failed ({result.returncode}):\n{result.stderr}"
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def report(uno_ready, tmp_path_factory) -> dict:
    """What LibreOffice reports for 区卫健局's ledger from `toolkit template` in a new workspace."""
    workspace = tmp_path_factory.mktemp("lo-ws")
    shutil.copy(ROOT / "issues.xlsx", workspace / "issues.xlsx")
    shutil.copy(ROOT / "toolkit.toml", workspace / "toolkit.toml")
    run = run_template(open_workspace(workspace), date(2025, 3, 31), unit=UNIT)
    assert [name for name, _, _ in run.ledgers] == [UNIT]
    return probe_with_libreoffice(run.ledgers[0][1])


def test_sheets_visible_and_hidden(report: dict) -> None:
    assert report["sheets"] == ["台账", "_meta"]
    assert report["visible"] == {"台账": True, "_meta": False}


def test_sheet_protected_without_password(report: dict) -> None:
    assert report["protected"] is True
    unprotect = report["unprotect_empty_password"]
    assert unprotect["raised"] is None, unprotect  # no password: a clerk can lift it
    assert unprotect["protected_after"] is False
    assert unprotect["locked_entry_after"]["accepted"] is True


def test_first_seven_columns_locked_the_rest_open(report: dict) -> None:
    assert report["locked"] == {letter: letter <= "G" for letter in "ABCDEFGHIJKLMN"}


def test_locked_cell_refuses_user_entry(report: dict) -> None:
    """Typed in as the user interface does: a locked task id stays, an open cell takes text."""
    locked, unlocked = report["user_entry"]["locked"], report["user_entry"]["unlocked"]
    assert locked["before"] == report["A3"]
    assert locked["accepted"] is False and locked["after"] == locked["before"], locked
    assert unlocked["accepted"] is True, unlocked


def test_status_drop_down(report: dict) -> None:
    validation = report["status_validation"]
    assert validation["type"] == "LIST"
    assert validation["list_values"] == list(STATUSES), validation["formula1"]
    assert validation["show_list"] != 0  # the drop-down arrow is shown
    assert validation["show_error"] is True and validation["error_style"] == "STOP"


def test_done_date_validation(report: dict) -> None:
    validation = report["done_date_validation"]
    assert validation["type"] == "DATE"
    assert validation["show_error"] is True and validation["error_style"] == "STOP"


def test_title_and_task_ids_read_back(report: dict) -> None:
    assert report["A1"].startswith(f"{UNIT} 整改台账"), report["A1"]
    assert report["A2"] == "任务编号"
    assert re.fullmatch(r"\d+-\d+", report["A3"]), report["A3"]
    assert report["rows_with_task_id"][0] == report["A3"]
    assert all(re.fullmatch(r"\d+-\d+", task) for task in report["rows_with_task_id"])
