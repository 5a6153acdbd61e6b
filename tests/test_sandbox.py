"""The worker sandbox under both start methods: fork (Linux's default) and spawn (Windows's only)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from functools import partial
from pathlib import Path

import pytest

from toolkit.read.processes import start_method
from toolkit.read.sandbox import Failed, Raised, isolated_map

METHODS = ["fork", "spawn"] if hasattr(os, "fork") else ["spawn"]
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(params=METHODS)
def method(request, monkeypatch) -> str:
    monkeypatch.setenv("TOOLKIT_START_METHOD", request.param)
    return request.param


def test_the_start_method_is_chosen_by_the_environment(monkeypatch):
    monkeypatch.delenv("TOOLKIT_START_METHOD", raising=False)
    assert start_method() == ("fork" if hasattr(os, "fork") else "spawn")
    monkeypatch.setenv("TOOLKIT_START_METHOD", "spawn")
    assert start_method() == "spawn"
    monkeypatch.setenv("TOOLKIT_START_METHOD", "no-such-method")
    assert start_method() in ("fork", "spawn")


def test_results_come_back_in_order(method):
    assert isolated_map(abs, [-3, 2, -1, 0, -7], workers=2) == [3, 2, 1, 0, 7]


def test_a_hanging_job_is_stopped_by_the_time_limit(method):
    results = isolated_map(time.sleep, [0, 600, 0], workers=1, timeout=1)
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], Failed) and "超过 1 秒" in results[1].reason


def test_a_crashing_job_costs_only_its_item(method):
    results = isolated_map(os._exit, [3], workers=1)
    assert isinstance(results[0], Failed)
    assert isolated_map(partial(pow, 2), [10], workers=1) == [1024]


@pytest.mark.skipif(
    sys.platform == "win32", reason="Windows has no RLIMIT_AS: only the time limit holds there"
)
def test_the_memory_limit_holds(method):
    results = isolated_map(bytearray, [8 * 2**30], workers=1, memory_mb=512)
    assert isinstance(results[0], Failed) and results[0].reason == "内存不足"


def test_passthrough_errors_come_back_to_be_raised(method):
    results = isolated_map(int, ["x", "5"], workers=1, passthrough=(ValueError,))
    assert isinstance(results[0], Raised) and isinstance(results[0].error, ValueError)
    assert results[1] == 5


def test_a_job_that_does_not_pickle_is_refused_under_either_method(method):
    with pytest.raises((TypeError, AttributeError)):
        isolated_map(lambda x: x, [1], workers=1)


@pytest.mark.skipif(
    sys.platform == "win32", reason="os.kill(pid, SIGINT) ends the process on Windows"
)
def test_workers_ignore_ctrl_c(method):
    """Ctrl-C in a terminal reaches the workers too: they carry on, and the parent decides."""
    results = isolated_map(_interrupt_self, [1, 2], workers=1)
    assert results == [1, 2]


def _interrupt_self(value: int) -> int:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.05)
    return value


PROGRAM = textwrap.dedent("""
    import sys, time
    from toolkit.read.sandbox import isolated_map
    if __name__ == "__main__":
        print("started", flush=True)
        isolated_map(time.sleep, [600, 600], workers=2, timeout=900)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("how", ["SIGKILL", "SIGINT"])
def test_workers_die_with_their_parent(method, tmp_path, how):
    script = tmp_path / "parent.py"
    script.write_text(PROGRAM, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    assert proc.stdout.readline().strip() == b"started"
    deadline = time.monotonic() + 60
    while len(_group(proc.pid)) < 3 and time.monotonic() < deadline:  # the parent and two workers
        time.sleep(0.05)
    assert len(_group(proc.pid)) >= 3
    time.sleep(0.3)  # the workers are inside their jobs now
    os.kill(proc.pid, getattr(signal, how))
    _, err = proc.communicate(timeout=60)
    deadline = time.monotonic() + 15
    while _group(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _group(proc.pid) == []
    if how == "SIGINT":  # stopped by the parent: its KeyboardInterrupt only, nothing from a worker
        assert err.decode().count("KeyboardInterrupt") == 1


def _group(pgid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if fields[0] != "Z" and int(fields[2]) == pgid:
                found.append(int(entry.name))
    return found
