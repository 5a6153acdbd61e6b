"""A whole round as a clerk runs it: import the seed → template → units fill in (mistakes included)
→ check and merge report the same mistakes with the same codes, and the merge holds what was filled."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from conftest import sample_units
from typer.testing import CliRunner

from toolkit.api.check import run_check
from toolkit.api.merge import run_merge
from toolkit.api.template import run_template
from toolkit.api.workspace import open_workspace
from toolkit.cli import app

AS_OF = date(2025, 3, 31)
runner = CliRunner()
STATUSES = ["已完成", "推进中", "未启动", "长期坚持"]
DISTRICT_UNITS = sample_units()[0]  # samples/二道区单位.toml


@pytest.fixture
def imported(tmp_path, seed_path) -> Path:
    ws = tmp_path / "round"
    assert runner.invoke(app, ["init", str(ws)]).exit_code == 0
    # the seed names its units only inside the measure texts: the clerk lists the district's units
    names = ", ".join(f'"{u}"' for u in DISTRICT_UNITS)
    (ws / "toolkit.toml").write_text(
        f'as_of = "2025-03-31"\n[units]\nnames = [{names}]\n[units.aliases]\n'
        '"党校" = "区委党校"\n"区政府" = "区政府办公室"\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["issues", "import", str(seed_path), "-w", str(ws)])
    assert result.exit_code == 0, result.output
    assert "已导入 18 个问题、55 项整改措施" in result.output
    # the clerk fills in the units the importer could not find
    book = openpyxl.load_workbook(ws / "issues.xlsx")
    sheet = book["问题清单"]
    for row in sheet.iter_rows(min_row=2):
        if not row[5].value:
            row[5].value = "区生态环境分局"
    book.save(ws / "issues.xlsx")
    return ws


def test_import_refuses_to_overwrite_without_force(imported, seed_path):
    result = runner.invoke(app, ["issues", "import", str(seed_path), "-w", str(imported)])
    assert result.exit_code == 2 and "--force" in result.stderr
    assert (
        runner.invoke(
            app, ["issues", "import", str(seed_path), "-w", str(imported), "--force"]
        ).exit_code
        == 0
    )


def test_template_for_one_unit_and_unknown_unit(imported):
    result = runner.invoke(app, ["template", "-w", str(imported), "--unit", "卫健局"])
    assert result.exit_code == 0, result.output
    assert "区卫健局：2 项任务" in result.output
    bad = runner.invoke(app, ["template", "-w", str(imported), "--unit", "区教育局"])
    assert bad.exit_code == 2 and "没有责任单位“区教育局”" in bad.stderr


def fill(path: Path, unit: str, mistakes: dict[str, str]) -> dict[str, tuple]:
    """Fill a unit's ledger as the unit would; returns what was filled per task id."""
    book = openpyxl.load_workbook(path)
    sheet = book["台账"]
    filled: dict[str, tuple] = {}
    rows = list(sheet.iter_rows(min_row=3))
    for n, row in enumerate(rows):
        task_id = row[0].value
        if not task_id:
            continue
        status = STATUSES[n % 4]
        done = datetime(2024, 5, 1 + n % 27) if status == "已完成" else None
        progress = f"{unit}关于{task_id}的进展：已按要求推进。"
        row[7].value, row[8].value, row[9].value = status, progress, done
        row[13].value, row[14].value = "张三", "0431-8000000" + str(n % 10)
        filled[task_id] = (status, progress, done.date() if done else None)
    first = rows[0]
    if mistakes.get("status"):
        first[7].value = mistakes["status"]
    if mistakes.get("date"):
        first[7].value, first[9].value = "已完成", mistakes["date"]
    if mistakes.get("no-date"):
        first[7].value, first[9].value = "已完成", None
    if mistakes.get("locked"):
        first[4].value = "我们把措施改写成了完全不同的内容"
    if mistakes.get("drop"):
        sheet.delete_rows(rows[-1][0].row)
    book.save(path)
    return filled


def test_round_trip(imported, tmp_path):
    settings = open_workspace(imported)
    sent = run_template(settings, AS_OF, now=datetime(2025, 3, 1, 9, 0))
    assert len(sent.ledgers) >= 10
    mistakes = {
        "区卫健局": {"status": "差不多"},
        "区农业农村局": {"date": "2024年13月"},
        "区住建局": {"no-date": "1"},
        "区发改局": {"locked": "1"},
        "区生态环境分局": {"drop": "1"},
    }
    expected_codes = {
        "区卫健局": "bad-status",
        "区农业农村局": "bad-date",
        "区住建局": "done-without-date",
        "区发改局": "locked-field-changed",
        "区生态环境分局": "missing-task",
    }
    filled: dict[tuple[str, str], tuple] = {}
    for unit, path, _ in sent.ledgers:
        for task_id, values in fill(path, unit, mistakes.get(unit, {})).items():
            filled[(task_id, unit)] = values
        shutil.copy(path, imported / "inbox" / path.name)

    run = run_merge(settings)
    merged_codes: dict[str, set[str]] = {}
    for finding in run.result.report.findings:
        merged_codes.setdefault(finding.file, set()).add(finding.code)
    for unit, code in expected_codes.items():
        assert code in merged_codes[f"{unit}_整改台账.xlsx"], (unit, code)
    clean = [u for u, _, _ in sent.ledgers if u not in mistakes]
    for unit in clean:
        assert merged_codes[f"{unit}_整改台账.xlsx"] == {"file-read"}, unit

    # the consolidated workbook holds exactly what was filled
    book = openpyxl.load_workbook(run.output)
    seen = 0
    for row in book["台账明细"].iter_rows(min_row=2, values_only=True):
        key = (row[0], row[5])
        if key not in filled or row[8] in ("", None):
            continue
        status, progress, done = filled[key]
        if mistakes.get(key[1]) and row[17] and "第3行" in row[17]:
            continue  # the row with the planted mistake
        assert row[8] == status and row[11] == progress, key
        assert (row[12].date() if row[12] else None) == done, key
        seen += 1
    assert seen >= len(filled) - len(mistakes) - 1

    # check reports the same codes for each file, and writes a feedback copy for the faulty ones
    checked = run_check(settings, [imported / "inbox" / p.name for _, p, _ in sent.ledgers], AS_OF)
    for item in checked:
        merge_side = merged_codes[item.name] - {"file-read"}
        assert {f.code for f in item.findings} == merge_side, item.name
        if item.findings:
            assert item.feedback and item.feedback.exists()
            assert openpyxl.load_workbook(item.feedback).sheetnames[0] == "校验问题"
        else:
            assert item.feedback is None


def test_check_cli_messages(imported):
    settings = open_workspace(imported)
    sent = run_template(settings, AS_OF, unit="区卫健局")
    _, path, _ = sent.ledgers[0]
    fill(path, "区卫健局", {"status": "差不多"})
    result = runner.invoke(app, ["check", str(path), "-w", str(imported)])
    assert result.exit_code == 0, result.output
    assert "✘ 区卫健局_整改台账.xlsx（区卫健局）：错误 1 条" in result.output
    assert "完成状态“差不多”不认识" in result.output
    assert "反馈件：" in result.output
    assert runner.invoke(app, ["check", str(path), "-w", str(imported), "--strict"]).exit_code == 1


def test_template_warns_about_tasks_without_a_unit(imported):
    book = openpyxl.load_workbook(imported / "issues.xlsx")
    book["问题清单"]["F2"] = None
    book.save(imported / "issues.xlsx")
    result = runner.invoke(app, ["template", "-w", str(imported)])
    assert result.exit_code == 0, result.output
    assert "1 项任务没有责任单位，没有发给任何单位：1-1" in result.output


def test_import_force_keeps_a_backup_of_the_clerks_list(imported, seed_path):
    before = (imported / "issues.xlsx").read_bytes()
    result = runner.invoke(
        app, ["issues", "import", str(seed_path), "-w", str(imported), "--force"]
    )
    assert result.exit_code == 0 and "已备份为" in result.output
    backups = list((imported / "archive").glob("issues_备份_*.xlsx"))
    assert len(backups) == 1 and backups[0].read_bytes() == before
