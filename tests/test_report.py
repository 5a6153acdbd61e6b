"""`toolkit report`: the report to the upper level (.docx and .xlsx) from the latest or an archived merge."""

from __future__ import annotations

import re
import subprocess
from datetime import date, datetime
from pathlib import Path

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn
from typer.testing import CliRunner

from toolkit.api.merge import run_merge
from toolkit.api.report import run_report
from toolkit.cli import app
from toolkit.core.model.issue_list import SourceLayout
from toolkit.core.settings_file import load_settings
from toolkit.read.issue_list import load_issue_list
from toolkit.write.report import build_report, ordinal
from toolkit.write.report_docx import write_report_docx
from toolkit.write.report_xlsx import write_report_xlsx

runner = CliRunner()


def merged(ws: Path, as_of: date | None = None):
    return run_merge(load_settings(ws), as_of)


def table_of(path: Path):
    document = docx.Document(str(path))
    return document, document.tables[0]


def cell_lines(cell) -> list[str]:
    return [p.text for p in cell.paragraphs if p.text]


def test_ordinals_follow_the_upper_list():
    assert [ordinal(n) for n in (1, 2, 10, 11, 20, 23)] == [
        "（一）",
        "（二）",
        "（十）",
        "（十一）",
        "（二十）",
        "（二十三）",
    ]


def test_report_on_the_sample(sample_ws):
    merged(sample_ws)
    made = run_report(load_settings(sample_ws), now=datetime(2025, 4, 1, 9, 0))
    assert made.docx.name == "整改情况报告_20250401.docx"
    assert made.xlsx == made.docx.with_suffix(".xlsx")
    assert (made.problems, made.measures, made.fallback) == (18, 55, True)
    document, table = table_of(made.docx)
    section = document.sections[0]
    assert section.page_width > section.page_height  # A4 landscape
    assert round(section.page_width.mm) == 297 and round(section.page_height.mm) == 210
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "整改任务完成情况" and texts[1] == "（截至2025年3月31日）"
    assert texts[-1] == "2025年3月31日"
    assert [c.text for c in table.rows[0].cells] == [
        "序号",
        "问题",
        "整改目标",
        "整改措施",
        "整改完成情况",
    ]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated on every page
    assert len(table.rows) == 19
    assert [r.cells[0].text for r in table.rows[1:]][:4] == ["1", "2", "4", "5"]
    footer = section.footer._element.xml
    assert "PAGE" in footer and "fldChar" in footer
    title_run = document.paragraphs[0].runs[0]
    assert title_run._element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    body_style = (
        table.rows[1].cells[1].paragraphs[0].style
    )  # the table's fonts are set on its styles
    assert body_style.element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"
    assert (
        table.rows[0].cells[0].paragraphs[0].style.element.rPr.rFonts.get(qn("w:eastAsia"))
        == "黑体"
    )
    measures = cell_lines(table.rows[1].cells[3])
    assert measures[0].startswith("（一）") and any(line.startswith("（五）") for line in measures)


def test_completion_cell_holds_ordinal_status_and_text(sample_ws):
    merged(sample_ws)
    made = run_report(load_settings(sample_ws))
    _, table = table_of(made.docx)
    rows = {r.cells[0].text: r for r in table.rows[1:]}
    lines = cell_lines(rows["5"].cells[4])
    assert lines[0].startswith("（一）【")
    # 13-1 belongs to two units: its ordinal, then one line per unit
    thirteen = cell_lines(rows["13"].cells[4])
    start = thirteen.index("（一）")
    assert thirteen[start + 1].startswith("区生态环境分局：【") and thirteen[start + 2].startswith(
        "区卫健局：【"
    )


def test_overdue_and_silent_are_marked_red_and_listed(sample_ws):
    merged(sample_ws)
    made = run_report(load_settings(sample_ws))
    document, table = table_of(made.docx)
    marked = [
        run
        for row in table.rows[1:]
        for p in row.cells[4].paragraphs
        for run in p.runs
        if run.text.endswith("，逾期】") or run.text == "【未报送】"
    ]
    assert marked and all(run.bold and str(run.font.color.rgb) == "C00000" for run in marked)
    plain = [
        run
        for row in table.rows[1:]
        for p in row.cells[4].paragraphs
        for run in p.runs
        if run.text == "【已完成】"
    ]
    assert plain and not any(run.bold for run in plain)
    texts = [p.text for p in document.paragraphs]
    assert "备注：" in texts
    assert any("未报送整改情况的单位 1 个：区自然资源局" in t for t in texts)
    assert any(t.startswith("逾期未完成的整改措施") and "5-2（区农业农村局）" in t for t in texts)
    assert made.notes and "区自然资源局" in made.notes[-1]


def test_marking_follows_the_office_settings(sample_ws):
    (sample_ws / "toolkit.toml").write_text(
        'as_of = "2025-03-31"\n[report]\nmark_color = ""\nmark_bold = false\nnote = false\noffice = "二道区"\n',
        encoding="utf-8",
    )
    merged(sample_ws)
    made = run_report(load_settings(sample_ws))
    document, table = table_of(made.docx)
    runs = [run for row in table.rows[1:] for p in row.cells[4].paragraphs for run in p.runs]
    assert not any(run.bold or run.font.color.rgb for run in runs)
    texts = [p.text for p in document.paragraphs]
    assert "备注：" not in texts and not made.notes
    assert texts[0] == "二道区整改任务完成情况" and "二道区" in texts[-1]


def test_bad_report_setting_is_one_line(sample_ws):
    (sample_ws / "toolkit.toml").write_text('[report]\nmark_color = "red"\n', encoding="utf-8")
    result = runner.invoke(app, ["report", "-w", str(sample_ws)])
    assert result.exit_code == 2 and "report.mark_color" in result.output


def test_xlsx_has_merged_problem_cells_and_prints_landscape(sample_ws):
    merged(sample_ws)
    made = run_report(load_settings(sample_ws))
    book = openpyxl.load_workbook(made.xlsx)
    sheet = book["整改情况"]
    assert sheet["A1"].value == "整改任务完成情况" and sheet["A2"].value == "（截至2025年3月31日）"
    assert [c.value for c in sheet[3]] == ["序号", "问题", "整改目标", "整改措施", "整改完成情况"]
    assert sheet["A4"].value == "1" and str(sheet["D4"].value).startswith("（一）")
    ranges = {str(r) for r in sheet.merged_cells.ranges}
    assert "A4:A8" in ranges and "B4:B8" in ranges  # problem 1 over its five measures
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize in (9, "9")
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth in (1, None)
    assert "&P" in sheet.oddFooter.center.text
    completions = [sheet.cell(r, 5).value for r in range(4, 4 + 55)]
    assert all(str(v).startswith("（") for v in completions)


def test_report_never_overwrites(sample_ws):
    merged(sample_ws)
    settings = load_settings(sample_ws)
    first = run_report(settings, now=datetime(2025, 4, 1, 9, 0, 0))
    second = run_report(settings, now=datetime(2025, 4, 1, 9, 30, 5))
    assert first.docx.name == "整改情况报告_20250401.docx"
    assert second.docx.name == "整改情况报告_20250401_093005.docx" and second.xlsx.exists()
    third = run_report(settings, now=datetime(2025, 4, 1, 9, 30, 5))
    assert third.docx.name == "整改情况报告_20250401_093005_2.docx"
    assert len(list((sample_ws / "outbox").glob("整改情况报告_*"))) == 6
    assert not list((sample_ws / "outbox").glob(".*tmp*"))


def test_report_of_an_archived_run(sample_ws):
    merged(sample_ws, date(2024, 5, 1))
    merged(sample_ws)
    made = run_report(load_settings(sample_ws), 1)
    assert made.run_id == 1 and made.as_of == date(2024, 5, 1)
    document, _ = table_of(made.docx)
    assert document.paragraphs[1].text == "（截至2024年5月1日）"
    latest = run_report(load_settings(sample_ws))
    assert latest.run_id == 2 and latest.as_of == date(2025, 3, 31)


def outbox_names(ws: Path) -> set[str]:
    folder = ws / "outbox"
    return {p.name for p in folder.rglob("*")} if folder.exists() else set()


def test_cli_report_before_any_merge_says_merge_first(sample_ws):
    before = outbox_names(sample_ws)
    result = runner.invoke(app, ["report", "-w", str(sample_ws)])
    assert result.exit_code == 2
    assert "toolkit merge" in result.output and len(result.output.strip().splitlines()) == 1
    assert (
        outbox_names(sample_ws) == before
        and not (sample_ws / "archive" / "history.sqlite").exists()
    )


def test_cli_report_unknown_run(sample_ws):
    merged(sample_ws)
    before = outbox_names(sample_ws)
    result = runner.invoke(app, ["report", "--run", "9", "-w", str(sample_ws)])
    assert (
        result.exit_code == 2 and "第 9 次" in result.output and "toolkit history" in result.output
    )
    assert outbox_names(sample_ws) == before


def test_cli_report_says_when_it_falls_back_to_the_five_columns(sample_ws):
    assert load_issue_list(load_settings(sample_ws)).layout is None
    merged(sample_ws)
    result = runner.invoke(app, ["report", "-w", str(sample_ws)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert sum("默认五列" in line for line in lines) == 1
    assert "18 个问题、55 项整改措施" in result.output and "整改情况报告_" in result.output


def test_report_answers_in_the_kept_layout(sample_ws, tmp_path):
    result = merged(sample_ws).result
    issues = load_issue_list(load_settings(sample_ws))
    issues.layout = SourceLayout(
        title="反馈问题整改落实情况表",
        file="上级.docx",
        columns=(
            ("编号", "序号"),
            ("反馈问题", "问题"),
            ("整改措施", "整改措施"),
            ("责任单位", "责任单位"),
            ("整改时限", "完成时限"),
            ("整改落实情况", "整改完成情况"),
            ("备注", "其他"),
        ),
    )
    table = build_report(result, issues, load_settings(sample_ws))
    assert not table.fallback and table.title == "反馈问题整改落实情况表"
    write_report_docx(table, tmp_path / "r.docx")
    write_report_xlsx(table, tmp_path / "r.xlsx")
    _, word = table_of(tmp_path / "r.docx")
    assert [c.text for c in word.rows[0].cells] == [
        "编号",
        "反馈问题",
        "整改措施",
        "责任单位",
        "整改时限",
        "整改落实情况",
        "备注",
    ]
    five = {r.cells[0].text: r for r in word.rows[1:]}["5"]
    assert cell_lines(five.cells[3])[1].startswith("（二）区农业农村局")
    assert cell_lines(five.cells[4])[1] == "（二）2024年7月31日"
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx").active
    assert [c.value for c in sheet[3]] == [
        "编号",
        "反馈问题",
        "整改措施",
        "责任单位",
        "整改时限",
        "整改落实情况",
        "备注",
    ]


def pdf_text(pdf: Path, page: int) -> str:
    return subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_libreoffice_prints_both_files(sample_ws, tmp_path):
    from conftest import to_pdf

    merged(sample_ws)
    made = run_report(load_settings(sample_ws))
    for path, name in ((made.docx, "docx"), (made.xlsx, "xlsx")):
        pdf = to_pdf(path, tmp_path / name)
        info = subprocess.run(
            ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
        ).stdout
        pages = int(
            next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1]
        )
        assert pages >= 3, name
        assert "841.89 x 595.3" in info  # A4 landscape
        for page in range(1, pages + 1):
            text = pdf_text(pdf, page)
            if page < pages:  # the last page may hold only the 备注 and the date
                assert "整改完成情况" in text, (name, page)  # the header row on every page
            assert re.search(rf"—\s*{page}\s*—", text), (name, page)  # the page number
        assert "整改任务完成情况" in pdf_text(pdf, 1)


@pytest.mark.parametrize("role", ["责任领导", "其他"])
def test_columns_without_data_stay_blank(sample_ws, role):
    result = merged(sample_ws).result
    issues = load_issue_list(load_settings(sample_ws))
    issues.layout = SourceLayout(
        columns=(("序号", "序号"), ("问题", "问题"), (role, role), ("整改完成情况", "整改完成情况"))
    )
    table = build_report(result, issues, load_settings(sample_ws))
    assert all("".join(r.text for p in row.cells[2] for r in p) == "" for row in table.rows)


def test_a_table_without_a_completion_column_gets_one_to_answer_in(sample_ws):
    result = merged(sample_ws).result
    issues = load_issue_list(load_settings(sample_ws))
    issues.layout = SourceLayout(
        title="巡察整改情况",
        columns=(
            ("序号", "序号"),
            ("整改任务", "问题"),
            ("整改措施", "整改措施"),
            ("责任部门", "责任单位"),
        ),
    )
    table = build_report(result, issues, load_settings(sample_ws))
    assert table.headers == ["序号", "整改任务", "整改措施", "责任部门", "整改完成情况"]
    five = next(row for row in table.rows if row.issue_no == 5)
    assert any("区农业农村局" in run.text for paragraph in five.cells[4] for run in paragraph)
