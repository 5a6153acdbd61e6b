"""The bundled sample, rebuilt from the seed: every seeded fault is found, every row gets its state."""

from __future__ import annotations

import json

import openpyxl
import pytest
from conftest import ROOT
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.core.defaults import DEFAULT_COLORS


@pytest.fixture(scope="module")
def merged(sample_source, tmp_path_factory):
    import shutil

    ws = tmp_path_factory.mktemp("merged") / "ws"
    shutil.copytree(sample_source, ws)
    result = CliRunner().invoke(app, ["merge", "-w", str(ws), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    return data, openpyxl.load_workbook(data["output"])


def test_rebuilt_sample_matches_the_bundled_one(sample_source):
    for name in ["issues.xlsx", "templates/ledger.xlsx", "toolkit.toml"]:
        assert (ROOT / name).exists(), name
    bundled = sorted(
        p.relative_to(ROOT / "inbox").as_posix() for p in (ROOT / "inbox").rglob("*") if p.is_file()
    )
    rebuilt = sorted(
        p.relative_to(sample_source / "inbox").as_posix()
        for p in (sample_source / "inbox").rglob("*")
        if p.is_file()
    )
    assert bundled == rebuilt
    for name in ["issues.xlsx", *[f"inbox/{n}" for n in bundled if n.endswith(".xlsx")]]:
        a = openpyxl.load_workbook(ROOT / name)
        b = openpyxl.load_workbook(sample_source / name)
        for sheet in a.sheetnames:
            assert [[c.value for c in r] for r in a[sheet].iter_rows()] == [
                [c.value for c in r] for r in b[sheet].iter_rows()
            ], (name, sheet)


def test_issue_list_holds_every_measure_of_the_seed(sample_source):
    sheet = openpyxl.load_workbook(sample_source / "issues.xlsx")["问题清单"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 55
    assert sorted({r[1] for r in rows}) == [
        1,
        2,
        4,
        5,
        6,
        7,
        8,
        11,
        13,
        14,
        15,
        16,
        18,
        19,
        20,
        22,
        23,
        27,
    ]
    assert all(r[5] for r in rows), "every task has a responsible unit"


def test_seeded_faults_are_reported_with_code_and_file(merged):
    data, _ = merged
    found = {(f["code"], f["file"]) for f in data["findings"]}
    expected = {
        ("bad-date", "住建局台账（3月）.xlsx"),
        ("bad-status", "区政府办公室整改台账.xls"),
        ("unknown-task", "河长办台账.csv"),
        ("done-without-date", "生态环境分局台账（已填）.xlsx"),
        ("superseded", "区发改局-整改台账.xlsx"),
        ("no-return", ""),
    }
    assert expected <= found
    errors = [f for f in data["findings"] if f["level"] == "错误"]
    assert len(errors) == 3, errors
    bad = next(f for f in data["findings"] if f["code"] == "bad-status")
    assert (bad["sheet"], bad["row"], bad["column"], bad["value"]) == (
        "台账",
        6,
        "H（完成状态）",
        "差不多",
    )


def test_every_file_is_accounted_for(merged, sample_source):
    data, _ = merged
    files = {p.name for p in (sample_source / "inbox").iterdir()}
    mentioned = {f["file"].split("/")[0] for f in data["findings"] if f["file"]}
    assert files <= mentioned


def test_units_and_states(merged):
    data, book = merged
    units = {u["责任单位"]: u for u in data["units"]}
    assert units["区自然资源局"]["报送状态"] == "未报送"
    assert units["区城市管理局"]["报送文件"] == ["区城管局.xlsx"]
    assert units["区发改局"]["报送文件"] == ["区发改局-整改台账.xlsx", "发改局台账（报送）.xlsx"]
    rows = {(r[0].value, r[5].value): r for r in book["台账明细"].iter_rows(min_row=2)}
    assert len(rows) == data["totals"]["任务数"] == 62
    for (task_id, unit), line in rows.items():
        state = line[9].value
        fill = DEFAULT_COLORS[state]["fill"]
        if fill:
            assert line[0].fill.fgColor.rgb.endswith(fill), (task_id, unit, state)
    # the resubmission's newer 填报日期 wins
    assert rows[("5-2", "区发改局")][8].value == "已完成"
    # the late unit is red
    assert rows[("13-2", "区卫健局")][9].value == "逾期"
    # a text that starts with "=" stays text
    assert str(rows[("5-3", "区农业农村局")][11].value).startswith("=SUM(A1)")
    assert rows[("5-3", "区农业农村局")][11].data_type == "s"
    # the silent unit is grey
    assert rows[("23-1", "区自然资源局")][9].value == "未报送"
