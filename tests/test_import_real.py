"""Five real public rectification tables (tests/fixtures/real, sources in SOURCES.md): each imports to as
many tasks as the table holds, in every shape and format an office sends it, and a whole round on it
(import → template → every unit fills its ledger from the table's own rows → merge) matches every row."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from fixtures.real import tables as real
from typer.testing import CliRunner

from toolkit.api.merge import run_merge
from toolkit.api.template import run_template
from toolkit.api.workspace import open_workspace
from toolkit.cli import app
from toolkit.read.issue_list import load_issue_list
from toolkit.read.issues_import import import_table

runner = CliRunner()
AS_OF = date(2025, 3, 31)
SHAPES = [real.CELL, real.ROWS, real.REPEATED, real.BLANK_BELOW]
WRITERS = {"xlsx": real.write_xlsx, "docx": real.write_docx}


def test_five_kinds_from_different_offices():
    assert len(real.TABLES) >= 5
    assert {t.kind for t in real.TABLES} >= {"督察整改", "巡察整改", "审计整改", "安全隐患整改"}
    assert len({t.office for t in real.TABLES}) == len(real.TABLES)
    sources = (Path(__file__).parent / "fixtures" / "real" / "SOURCES.md").read_text(
        encoding="utf-8"
    )
    for table in real.TABLES:
        assert table.url in sources and table.title in sources, table.key


@pytest.mark.parametrize("fmt", sorted(WRITERS))
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("table", real.TABLES, ids=lambda t: t.key)
def test_import_gives_every_task(tmp_path, table, shape, fmt):
    path = WRITERS[fmt](table, shape, tmp_path / f"{table.key}.{fmt}")
    imported = import_table(path)
    assert len(imported.problems) == len(table.problems)
    measures = [m for p in imported.problems for m in p.measures]
    assert len(measures) == table.tasks
    assert [name for name, _ in imported.layout.columns] == table.columns
    assert imported.layout.title == table.title
    assert imported.unplaced == []
    for problem, source in zip(imported.problems, table.problems, strict=True):
        texts = [next(iter(m.values())) for m in source.measures]
        for measure, text in zip(problem.measures, texts, strict=True):
            assert text.endswith(
                measure.text.split("\n")[-1]
            )  # the number taken off, the text kept
    if table.units:
        assert {u for m in measures for u in m.units} == set(table.units)
    else:  # the table names no unit: left blank, each with a finding asking the clerk to fill it in
        assert all(not m.units for m in measures)
        assert [f.code for f in imported.findings] == ["unknown-unit"] * table.tasks


def test_what_the_real_tables_say(tmp_path):
    chuxiong = import_table(real.write_docx(real.CHUXIONG, real.CELL, tmp_path / "a.docx"))
    first = chuxiong.problems[0].measures[0]
    assert first.deadline is None and first.deadline_text == "立行立改，长期坚持"  # standing
    assert first.leader.startswith("州委办公室、州政府办公室主要负责人")
    changde = import_table(real.write_xlsx(real.CHANGDE, real.ROWS, tmp_path / "b.xlsx"))
    measures = changde.problems[0].measures
    assert [m.deadline for m in measures] == [date(2025, 12, 31)] * 2  # from the 整改目标
    assert measures[1].completion.startswith("严格工作抓严抓实")
    assert [role for _, role in changde.layout.columns][4:6] == [
        "其他",
        "其他",
    ]  # 验收 units do not report
    xialu = import_table(real.write_xlsx(real.XIALU, real.CELL, tmp_path / "c.xlsx"))
    hazard = xialu.problems[0].measures[0]
    assert (hazard.units, hazard.support, hazard.deadline) == (
        ["下陆区文旅局", "团城山街道办事处"],
        ["团城山街道办事处"],
        date(2024, 6, 30),
    )


def _fill(path: Path, progress: dict[str, str]) -> int:
    """Fill a unit's ledger from the table's own rows; returns how many rows were filled."""
    book = openpyxl.load_workbook(path)
    sheet = book["台账"]
    header_row = next(r for r in sheet.iter_rows(max_row=10) if r[0].value == "任务编号")
    col = {cell.value: cell.column - 1 for cell in header_row if cell.value}
    filled = 0
    for row in sheet.iter_rows(min_row=header_row[0].row + 1):
        task_id = row[0].value
        if not task_id:
            continue
        text = progress.get(task_id, "")
        row[col["完成状态"]].value = "已完成" if text else "推进中"
        row[col["整改进展"]].value = text or "已按要求推进。"
        if text:
            row[col["实际完成日期"]].value = datetime(2025, 3, 1)
        filled += 1
    book.save(path)
    return filled


def round_on(table, shape: str, fmt: str, ws: Path) -> tuple[int, int, int, int]:
    """(tasks in the table, tasks imported, rows returned, rows matched) of a whole round."""
    assert runner.invoke(app, ["init", str(ws)]).exit_code == 0
    (ws / "toolkit.toml").write_text('as_of = "2025-03-31"\n', encoding="utf-8")
    source = WRITERS[fmt](table, shape, ws / f"{table.key}.{fmt}")
    result = runner.invoke(app, ["issues", "import", str(source), "-w", str(ws)])
    assert result.exit_code == 0, result.output
    if not table.units:  # the clerk fills in what the import asked for: the office that answers
        book = openpyxl.load_workbook(ws / "issues.xlsx")
        for row in book["问题清单"].iter_rows(min_row=2):
            row[5].value = row[5].value or "南宁市人民政府"
        book.save(ws / "issues.xlsx")
    settings = open_workspace(ws)
    issues = load_issue_list(settings)
    progress = {}
    for problem in import_table(source).problems:
        for measure in problem.measures:
            progress[f"{problem.issue_no}-{measure.measure_no}"] = measure.completion
    sent = run_template(settings, AS_OF, now=datetime(2025, 3, 1, 9, 0))
    returned = 0
    for _, path, _ in sent.ledgers:
        returned += _fill(path, progress)
        shutil.copy(path, ws / "inbox" / path.name)
    merged = run_merge(settings).result
    assert not [
        f
        for f in merged.report.findings
        if f.code in ("unknown-task", "unknown-unit", "matched-by-text")
    ]
    matched = sum(1 for line in merged.rows if line.entry is not None)
    return table.tasks, len(issues.tasks), returned, matched


@pytest.mark.parametrize(("shape", "fmt"), [(real.CELL, "docx"), (real.ROWS, "xlsx")])
@pytest.mark.parametrize("table", real.TABLES, ids=lambda t: t.key)
def test_round_matches_every_returned_row(tmp_path, table, shape, fmt):
    in_table, imported, returned, matched = round_on(table, shape, fmt, tmp_path / "ws")
    assert imported == in_table
    assert (
        matched
        == returned
        == sum(max(1, len(t.units)) for t in load_issue_list(open_workspace(tmp_path / "ws")).tasks)
    )


def test_the_leader_column_travels_from_the_table_to_the_report(tmp_path):
    """惠济's table names a 责任领导 per task: issues.xlsx keeps it in its optional 责任领导 column, and
    the report in that table's layout fills the column again (it printed blank before)."""
    from toolkit.write.report import build_report

    ws = tmp_path / "ws"
    round_on(real.HUIJI, real.CELL, "docx", ws)
    settings = open_workspace(ws)
    sheet = openpyxl.load_workbook(ws / "issues.xlsx")["问题清单"]
    header = [c.value for c in sheet[1]]
    assert header[-1] == "责任领导"
    assert {row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)} == {"党组书记"}
    issues = load_issue_list(settings)
    assert {t.leader for t in issues.tasks} == {"党组书记"}
    table = build_report(run_merge(settings).result, issues, settings)
    column = table.headers.index("责任领导")
    cells = ["".join(r.text for p in row.cells[column] for r in p) for row in table.rows]
    assert cells == ["党组书记", "党组书记"]  # shared by each problem's measures: said once


def test_a_table_without_leaders_gets_no_leader_column(tmp_path):
    ws = tmp_path / "ws"
    round_on(real.NANNING, real.ROWS, "xlsx", ws)
    header = [c.value for c in openpyxl.load_workbook(ws / "issues.xlsx")["问题清单"][1]]
    assert "责任领导" not in header
