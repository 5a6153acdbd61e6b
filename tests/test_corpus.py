"""The shared corpus of 247 real spreadsheets (Excel of every era, WPS, LibreOffice, Numbers,
Google Sheets, many libraries; some broken or hostile on purpose) as one inbox: the merge must
finish, crash on none, and account for every file in 校验问题. Read in place, never copied."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import ROOT
from typer.testing import CliRunner

from toolkit.cli import app

CORPUS = Path(os.environ.get("TOOLKIT_CORPUS", ROOT.parent / "shared" / "corpus" / "real-files"))


@pytest.fixture(scope="module")
def merged(tmp_path_factory):
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS}; set TOOLKIT_CORPUS")
    import shutil

    ws = tmp_path_factory.mktemp("corpus")
    shutil.copy(ROOT / "issues.xlsx", ws / "issues.xlsx")
    (ws / "toolkit.toml").write_text(
        f'as_of = "2025-03-31"\n[paths]\ninbox = "{CORPUS.as_posix()}"\n', encoding="utf-8"
    )
    before = {p.name: p.stat().st_mtime_ns for p in CORPUS.iterdir()}
    result = CliRunner().invoke(app, ["merge", "-w", str(ws), "--json"])
    after = {p.name: p.stat().st_mtime_ns for p in CORPUS.iterdir()}
    return result, before, after


def test_merge_finishes_on_the_whole_corpus(merged):
    result, before, after = merged
    assert result.exit_code == 0, result.output[-2000:]
    assert before == after  # read in place, nothing changed


def test_every_corpus_file_is_accounted_for(merged):
    result, before, _ = merged
    data = json.loads(result.stdout)
    mentioned = {f["file"].split("/")[0] for f in data["findings"] if f["file"]}
    expected = {name for name in before if not name.startswith((".", "~$"))}
    assert expected - mentioned == set()
    codes = {f["code"] for f in data["findings"]}
    assert {"encrypted-file", "unreadable-file", "no-header", "skipped-file"} <= codes
