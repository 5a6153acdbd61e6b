"""Roll-up: a lower office's report (its .docx, its .xlsx, the seed document itself as a Word table)
read as that office's return in an upper-level workspace; Word tables read as grids; the seed's
round trip from import through templates, returns, merge and report."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import docx
import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from toolkit.api.issues import run_import
from toolkit.api.merge import run_merge
from toolkit.api.report import run_report
from toolkit.api.template import run_template
from toolkit.core.model.issue_list import Task
from toolkit.core.settings_file import load_settings
from toolkit.read.grid import fill_merged
from toolkit.read.issues_import import import_file, to_tasks
from toolkit.read.report_return import split_measures
from toolkit.read.sheets import read_grids
from toolkit.write.issue_list import write_issue_list
from toolkit.write.report import ordinal

SEED_TITLE = "第二轮吉林省生态环境保护督察反馈问题整改任务完成情况"
DISTRICTS = ("二道区", "南关区")


def squash(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="module")
def seed_problems(seed_path):
    problems, _ = import_file(seed_path)
    return problems


def write_seed_docx(problems, path: Path) -> Path:
    """The seed as the Word table it was rendered from: 序号 | 问题 | 整改目标 | 整改措施 |
    整改完成情况, one row per problem, 序号 written 序号一 …, measures and completions numbered （一）."""
    document = docx.Document()
    document.add_paragraph(SEED_TITLE)
    table = document.add_table(rows=1, cols=5)
    for cell, text in zip(
        table.rows[0].cells, ["序号", "问题", "整改目标", "整改措施", "整改完成情况"], strict=True
    ):
        cell.text = text
    for problem in problems:
        cells = table.add_row().cells
        cells[0].text = f"序号{ordinal(problem.issue_no)[1:-1]}"  # 序号十三, as the seed writes it
        cells[1].text = problem.description
        cells[2].text = problem.target
        for column, texts in (
            (3, [m.text for m in problem.measures]),
            (4, [m.completion for m in problem.measures]),
        ):
            first = True
            for measure, text in zip(problem.measures, texts, strict=True):
                for index, line in enumerate(text.splitlines() or [""]):
                    paragraph = (
                        cells[column].paragraphs[0] if first else cells[column].add_paragraph()
                    )
                    first = False
                    paragraph.add_run((ordinal(measure.measure_no) if index == 0 else "") + line)
    document.save(str(path))
    return path


def city_workspace(root: Path, seed_path: Path) -> Path:
    """An upper level whose issue list has the seed's problems, every task belonging to two districts."""
    ws = root / "city"
    (ws / "inbox").mkdir(parents=True)
    problems, _ = import_file(seed_path)
    write_issue_list([replace(t, units=DISTRICTS) for t in to_tasks(problems)], ws / "issues.xlsx")
    (ws / "toolkit.toml").write_text(
        'as_of = "2025-03-31"\n[report]\noffice = "长春市"\n', encoding="utf-8"
    )
    return ws


def district_entries(result, unit: str) -> dict[str, object]:
    return {line.task.task_id: line for line in result.rows if line.unit == unit}


def assert_silent(result, unit: str) -> None:
    lines = district_entries(result, unit)
    assert len(lines) == 55 and all(
        line.entry is None and line.state == "未报送" for line in lines.values()
    )
    assert next(u for u in result.units if u.unit == unit).return_state == "未报送"


# --- the seed document itself, as a Word table, is 二道区's return ---------------------------------


def test_seed_document_is_one_districts_return(tmp_path, seed_path, seed_problems):
    city = city_workspace(tmp_path, seed_path)
    write_seed_docx(seed_problems, city / "inbox" / "二道区督察整改完成情况.docx")
    result = run_merge(load_settings(city)).result
    lines = district_entries(result, "二道区")
    expected = {
        f"{p.issue_no}-{m.measure_no}": m.completion for p in seed_problems for m in p.measures
    }
    assert len(expected) == 55
    assert {tid for tid, line in lines.items() if line.entry is not None} == set(expected)
    for task_id, text in expected.items():
        assert squash(lines[task_id].entry.texts["整改进展"]) == squash(text), task_id
    assert_silent(result, "南关区")
    codes = [f.code for f in result.report.findings]
    assert "unknown-task" not in codes and "missing-task" not in codes
    read = next(f for f in result.report.findings if f.code == "file-read")
    assert (
        "二道区" in read.message and "文件名" in read.message
    )  # the seed's title names no district
    # the status where the text states it, else 未填报 with a finding
    statuses = [line.entry.status for line in lines.values()]
    assert (
        set(statuses) <= {"已完成", "推进中", "未启动", "长期坚持", "未填报"}
        and "已完成" in statuses
    )
    unfilled = sum(s == "未填报" for s in statuses)
    assert unfilled and sum(f.code == "no-status" for f in result.report.findings) == unfilled
    silent = [f for f in result.report.findings if f.code == "no-return"]
    assert [f.value for f in silent] == ["南关区"]


# --- round trip: import, templates, every unit returns the seed's texts, merge, report ------------


def fill_ledger(path: Path, out: Path, texts: dict[str, str], status_of) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book["台账"]
    header = [c.value for c in sheet[2]]
    col = {
        name: header.index(name) + 1
        for name in ("任务编号", "完成状态", "整改进展", "实际完成日期")
    }
    for r in range(3, sheet.max_row + 1):
        task_id = sheet.cell(r, col["任务编号"]).value
        if not task_id:
            continue
        status = status_of(task_id)
        sheet.cell(r, col["完成状态"]).value = status
        sheet.cell(r, col["整改进展"]).value = texts[task_id]
        if status == "已完成":
            sheet.cell(r, col["实际完成日期"]).value = datetime(2025, 3, 1)
    book.save(out)


def status_of(task_id: str) -> str:
    issue, measure = map(int, task_id.split("-"))
    return ("已完成", "推进中", "长期坚持")[(issue + measure) % 3]


@pytest.fixture(scope="module")
def district(tmp_path_factory, seed_path, seed_problems):
    """二道区's workspace after the round: imported, sent, returned with the seed's texts, merged, reported."""
    ws = tmp_path_factory.mktemp("district") / "二道区"
    ws.mkdir()
    (ws / "toolkit.toml").write_text(
        'as_of = "2025-03-31"\n[report]\noffice = "二道区"\n', encoding="utf-8"
    )
    settings = load_settings(ws)
    run_import(settings, seed_path)
    book = openpyxl.load_workbook(ws / "issues.xlsx")
    sheet = book["问题清单"]
    header = [c.value for c in sheet[1]]
    unit_col = header.index("责任单位") + 1
    for r in range(2, sheet.max_row + 1):
        if not sheet.cell(r, unit_col).value:
            sheet.cell(
                r, unit_col
            ).value = "区政府办公室"  # the clerk fills in what the import left blank
    book.save(ws / "issues.xlsx")
    sent = run_template(settings, date(2025, 3, 31))
    texts = {
        f"{p.issue_no}-{m.measure_no}": m.completion for p in seed_problems for m in p.measures
    }
    (ws / "inbox").mkdir()
    for unit, path, _ in sent.ledgers:
        fill_ledger(path, ws / "inbox" / f"{unit}.xlsx", texts, status_of)
    merged = run_merge(settings)
    report = run_report(settings, now=datetime(2025, 4, 1, 9, 0))
    return ws, merged.result, report, texts


def test_round_trip_report_holds_every_measures_seed_text_in_order(district, seed_problems):
    _, result, report, texts = district
    assert all(line.entry is not None for line in result.rows)  # every unit returned every task
    assert (report.problems, report.measures) == (18, 55)
    table = docx.Document(str(report.docx)).tables[0]
    assert len(table.rows) == 19
    for problem, row in zip(seed_problems, table.rows[1:], strict=True):
        assert row.cells[0].text == str(problem.issue_no)
        cell = squash(row.cells[4].text)
        position = 0
        for measure in problem.measures:
            head = squash(ordinal(measure.measure_no))
            found = cell.find(head, position)
            assert found >= position, (problem.issue_no, measure.measure_no)
            text = squash(texts[f"{problem.issue_no}-{measure.measure_no}"])
            found_text = cell.find(text, found)
            assert found_text > found, (problem.issue_no, measure.measure_no)
            position = found_text + len(text)
    title = docx.Document(str(report.docx)).paragraphs[0].text
    assert title.startswith("二道区")


@pytest.mark.parametrize("suffix", [".docx", ".xlsx"])
def test_districts_own_report_is_its_return(district, tmp_path, seed_path, suffix):
    _, district_result, report, texts = district
    city = city_workspace(tmp_path, seed_path)
    source = report.docx if suffix == ".docx" else report.xlsx
    shutil.copy(source, city / "inbox" / source.name)  # 整改情况报告_….: the unit is in the title
    result = run_merge(load_settings(city)).result
    lines = district_entries(result, "二道区")
    assert all(line.entry is not None for line in lines.values()) and len(lines) == 55
    assert_silent(result, "南关区")
    read = next(f for f in result.report.findings if f.code == "file-read")
    assert "标题" in read.message
    by_task: dict[str, list] = {}
    for line in district_result.rows:
        by_task.setdefault(line.task.task_id, []).append(line)
    for task_id, units in by_task.items():
        entry = lines[task_id].entry
        assert squash(texts[task_id]) in squash(entry.texts["整改进展"]), task_id
        stated = {u.entry.status for u in units}
        if len(stated) == 1:
            assert entry.status == stated.pop(), task_id
        if entry.status == "已完成":  # the done date travels up inside 【已完成，2025年3月1日完成】
            assert entry.done_date == date(2025, 3, 1), task_id
    codes = {f.code for f in result.report.findings}
    assert not codes & {
        "unknown-task",
        "missing-task",
        "bad-status",
        "no-status",
        "done-without-date",
    }
    # and the city reports one level further up
    up = run_report(load_settings(city))
    assert (up.problems, up.measures) == (18, 55)
    assert any("南关区" in note for note in up.notes)


# --- Word tables as grids, and an ordinary ledger sent as a Word table (issue #11) ---------------


def test_word_tables_are_grids_with_merged_cells(tmp_path):
    document = docx.Document()
    document.add_paragraph("区卫健局整改台账")
    table = document.add_table(rows=4, cols=3)
    for r in range(4):
        for c in range(3):
            table.cell(r, c).text = f"{r}{c}"
    table.cell(1, 0).merge(table.cell(2, 0))  # down: rows 1-2 of column 0
    table.cell(3, 1).merge(table.cell(3, 2))  # across: row 3, columns 1-2
    document.add_paragraph("说明")
    second = document.add_table(rows=1, cols=2)
    second.cell(0, 0).text = "甲"
    path = tmp_path / "t.docx"
    document.save(str(path))
    grids = read_grids(path)
    assert [g.name for g in grids] == ["表格1", "表格2"]
    grid = grids[0]
    assert grid.rows[0][0] == "区卫健局整改台账"  # the paragraph above, as a row of its own
    assert (2, 0, 3, 0) in grid.merged and (4, 1, 4, 2) in grid.merged
    assert grid.rows[3][0] == ""
    fill_merged(grid)
    assert grid.rows[3][0] == grid.rows[2][0] == "10\n20"  # python-docx joins merged contents
    assert grids[1].rows[0][0] == "说明" and grids[1].rows[1][0] == "甲"


def word_ledger(path: Path, header: list[str], rows: list[list]) -> Path:
    document = docx.Document()
    document.add_paragraph("区农业农村局 整改台账")
    table = document.add_table(rows=1, cols=len(header))
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = (
                ""
                if value is None
                else (value.isoformat() if isinstance(value, date) else str(value))
            )
    document.save(str(path))
    return path


def test_a_ledger_sent_as_a_word_table_merges_like_a_sheet(small_ws):
    from conftest import HEADER

    before = run_merge(load_settings(small_ws)).result
    xlsx = small_ws / "inbox" / "区农业农村局.xlsx"
    sheet = openpyxl.load_workbook(xlsx).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    xlsx.unlink()
    word_ledger(small_ws / "inbox" / "区农业农村局.docx", HEADER, rows)
    after = run_merge(load_settings(small_ws)).result

    def seen(result):
        return {
            (line.task.task_id, line.unit): (
                line.state,
                line.entry.status if line.entry else None,
                line.entry.texts["整改进展"] if line.entry else None,
            )
            for line in result.rows
        }

    assert seen(after) == seen(before)
    assert next(u for u in after.units if u.unit == "区农业农村局").files == ["区农业农村局.docx"]


def test_a_word_document_without_a_ledger_is_skipped(small_ws):
    document = docx.Document()
    document.add_paragraph("关于报送整改情况的说明")
    document.save(str(small_ws / "inbox" / "情况说明.docx"))
    result = run_merge(load_settings(small_ws)).result
    found = [f for f in result.report.findings if f.file == "情况说明.docx"]
    assert [f.code for f in found] == ["skipped-file"]


def test_an_old_word_file_goes_through_libreoffice(small_ws, tmp_path):
    from conftest import HEADER, soffice

    exe = soffice()
    if exe is None:
        pytest.skip("LibreOffice not installed")
    xlsx = small_ws / "inbox" / "区农业农村局.xlsx"
    rows = [
        [c.value for c in row] for row in openpyxl.load_workbook(xlsx).active.iter_rows(min_row=3)
    ]
    xlsx.unlink()
    source = word_ledger(tmp_path / "区农业农村局.docx", HEADER, rows)
    # .docx → .odt → .doc: LibreOffice's direct .docx → .doc export drops python-docx's table
    for target, folder, original in (
        ("odt", tmp_path, source),
        ("doc:MS Word 97", small_ws / "inbox", source.with_suffix(".odt")),
    ):
        subprocess.run(
            [
                exe,
                f"-env:UserInstallation=file://{tmp_path / 'lo'}",
                "--headless",
                "--convert-to",
                target,
                "--outdir",
                str(folder),
                str(original),
            ],
            check=True,
            capture_output=True,
            timeout=240,
        )
    assert [p.name for p in (small_ws / "inbox").glob("*.doc")] == ["区农业农村局.doc"]
    result = run_merge(load_settings(small_ws)).result
    lines = [line for line in result.rows if line.unit == "区农业农村局"]
    assert lines and all(line.entry is not None for line in lines)
    assert {line.entry.status for line in lines} == {"长期坚持", "已完成"}


# --- splitting a 整改完成情况 cell -------------------------------------------------------------------


def test_split_keeps_a_restarting_sub_list_inside_its_measure():
    text = (
        "（一）已召开会议。\n（二）区卫健局：\n（一）制定登记表；\n（二）开展检查。\n（三）已完成。"
    )
    assert split_measures(text) == [
        (1, "已召开会议。"),
        (2, "区卫健局：\n（一）制定登记表；\n（二）开展检查。"),
        (3, "已完成。"),
    ]
    assert split_measures("前言\n（一）甲") == [(None, "前言"), (1, "甲")]


def test_a_reports_progress_words_state_its_statuses_as_a_ledgers_would(tmp_path):
    """A lower office's report has no 完成状态 column: each measure's status is what its 整改完成情况
    text states, found as in any ledger's 整改进展 — a negated or promised phrase (未完成整改,
    确保年底前完成整改) is no 已完成, and the workspace's own status hints count."""
    texts = {
        1: ("已完成整改，见附件", "已完成"),
        2: ("正在推进，已完成一半", "推进中"),  # 推进中 is tried before 已完成
        3: ("目前仍未完成整改", "未填报"),
        4: ("确保年底前完成整改", "未填报"),
        5: ("尚未启动", "未启动"),
        6: ("常态化开展巡查", "长期坚持"),
        7: ("已制定方案，按月调度", "推进中"),  # a hint of this workspace's toolkit.toml
        8: ("我区召开会议", "未填报"),
    }
    ws = tmp_path / "ws"
    (ws / "inbox").mkdir(parents=True)
    title = "医疗废物贮运管理存在薄弱环节"
    tasks = [
        Task(f"13-{n}", 13, title, n, f"措施{n}", ("区卫健局",), date(2025, 6, 30), row=n + 1)
        for n in texts
    ]
    write_issue_list(tasks, ws / "issues.xlsx")
    (ws / "toolkit.toml").write_text(
        'as_of = "2025-03-31"\n[status.hints]\n"推进中" = ["按月调度"]\n', encoding="utf-8"
    )
    document = docx.Document()
    document.add_paragraph("区卫健局整改情况")
    table = document.add_table(rows=2, cols=4)
    for cell, text in zip(
        table.rows[0].cells, ["序号", "问题", "整改措施", "整改完成情况"], strict=True
    ):
        cell.text = text
    cells = table.rows[1].cells
    cells[0].text, cells[1].text = "13", title
    for column, lines in ((2, [f"措施{n}" for n in texts]), (3, [t for t, _ in texts.values()])):
        cells[column].text = ordinal(1) + lines[0]
        for n, line in enumerate(lines[1:], start=2):
            cells[column].add_paragraph(ordinal(n) + line)
    document.save(str(ws / "inbox" / "区卫健局整改情况.docx"))
    result = run_merge(load_settings(ws)).result
    stated = {line.task.task_id: line.entry.status for line in result.rows}
    assert stated == {f"13-{n}": status for n, (_, status) in texts.items()}
    codes = [f.code for f in result.report.findings]
    assert codes.count("no-status") == 3  # 13-3, 13-4, 13-8: the text states nothing
    assert "status-from-text" not in codes  # the report's own words, not a blank status cell


measure_text = st.text(
    alphabet=st.sampled_from(list("整改措施已推进中完成甲乙丙丁，。1、\n")), min_size=1, max_size=40
)


@given(st.lists(measure_text.filter(lambda t: t.strip()), min_size=1, max_size=12))
def test_split_inverts_numbering(texts):
    joined = "\n".join(ordinal(n) + text for n, text in enumerate(texts, start=1))
    parts = split_measures(joined)
    assert [n for n, _ in parts] == list(range(1, len(texts) + 1))
    assert [squash(t) for _, t in parts] == [squash(t) for t in texts]


def test_an_upper_table_with_a_row_per_measure_is_read_by_its_measure_ordinals(small_ws):
    """序号 | 问题 | 整改措施 | 整改完成情况 with the problem merged down its measures, the completion
    cells unnumbered: each row's completion belongs to the measure numbered in its own row."""
    document = docx.Document()
    document.add_paragraph("区农业农村局整改情况")
    table = document.add_table(rows=3, cols=4)
    for cell, text in zip(
        table.rows[0].cells, ["序号", "问题", "整改措施", "整改完成情况"], strict=True
    ):
        cell.text = text
    table.cell(1, 0).merge(table.cell(2, 0)).text = "5"
    table.cell(1, 1).merge(table.cell(2, 1)).text = "秸秆综合利用难题需深入破解"
    table.cell(1, 2).text, table.cell(1, 3).text = "（一）成立领导小组", "已成立领导小组，长期坚持"
    table.cell(2, 2).text, table.cell(2, 3).text = "（二）制定方案", "方案已完成整改并印发"
    (small_ws / "inbox" / "区农业农村局.xlsx").unlink()
    document.save(str(small_ws / "inbox" / "区农业农村局情况.docx"))
    result = run_merge(load_settings(small_ws)).result
    lines = {line.task.task_id: line for line in result.rows if line.unit == "区农业农村局"}
    assert lines["5-1"].entry.texts["整改进展"] == "已成立领导小组，长期坚持"
    assert lines["5-2"].entry.texts["整改进展"] == "方案已完成整改并印发"
    assert lines["5-2"].entry.status == "已完成"
