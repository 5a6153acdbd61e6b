"""The consolidated workbook, read back with openpyxl and opened by LibreOffice."""

from __future__ import annotations

from datetime import date, datetime

import openpyxl
import pytest
from conftest import sheet_charts, to_pdf

from toolkit.api.merge import run_merge
from toolkit.api.workspace import open_workspace
from toolkit.core.defaults import DEFAULT_COLORS
from toolkit.write.workbook_detail import DETAIL_COLUMNS
from toolkit.write.workbook_lists import FINDING_COLUMNS


@pytest.fixture
def merged(small_ws):
    run = run_merge(open_workspace(small_ws), now=datetime(2025, 3, 31, 17, 0, 0))
    return run, openpyxl.load_workbook(run.output)


def detail_rows(book):
    sheet = book["台账明细"]
    header = [c.value for c in sheet[1]]
    return header, {(r[0].value, r[5].value): r for r in sheet.iter_rows(min_row=2)}


def test_sheets_and_headers(merged):
    run, book = merged
    assert run.output.name == "汇总台账_20250331_170000.xlsx"
    assert book.sheetnames == ["汇总", "台账明细", "校验问题", "未报送", "延期申请", "变化"]
    header, _ = detail_rows(book)
    assert header == [name for name, _ in DETAIL_COLUMNS]
    assert [c.value for c in book["校验问题"][1]] == [name for name, _ in FINDING_COLUMNS]
    assert [c.value for c in book["未报送"][1]] == ["责任单位", "任务数", "其中逾期", "说明"]
    summary = book["汇总"]
    assert summary["A1"].value == "整改台账汇总（截至2025年3月31日）"
    assert sheet_charts(run.output, "汇总") == 1, "the 汇总 sheet carries a chart"


def test_states_and_static_fills(merged):
    _, book = merged
    _, rows = detail_rows(book)
    expected = {
        ("5-1", "区农业农村局"): "长期",
        ("5-2", "区农业农村局"): "逾期完成",
        ("6-1", "区城市管理局"): "未报送",
        ("13-1", "区生态环境分局"): "未报送",
        ("13-1", "区卫健局"): "逾期",
        ("13-2", "区卫健局"): "已完成",
    }
    assert set(rows) == set(expected)
    for key, state in expected.items():
        row = rows[key]
        assert row[9].value == state
        fill = DEFAULT_COLORS[state]["fill"]
        for cell in row:
            if fill:
                assert cell.fill.fgColor.rgb.endswith(fill), (key, cell.coordinate)
                assert cell.font.color.rgb.endswith(DEFAULT_COLORS[state]["font"])
            else:
                assert cell.fill.fill_type in (None, "none")
    assert rows[("13-1", "区卫健局")][10].value == 274  # 逾期天数
    assert rows[("5-2", "区农业农村局")][10].value == 15  # finished 15 days late


def test_values_dates_and_text_never_formulas(merged):
    _, book = merged
    _, rows = detail_rows(book)
    line = rows[("5-2", "区农业农村局")]
    assert line[6].value == datetime(2024, 7, 31) and line[6].number_format == "yyyy-mm-dd"
    assert line[12].value == datetime(2024, 8, 15)
    assert line[11].value == "=SUM(A1:A3) 方案已印发" and line[11].data_type == "s"
    assert line[16].value == "0431-8888"
    assert rows[("5-1", "区农业农村局")][6].value == "长期坚持"
    assert rows[("5-1", "区农业农村局")][17].value.startswith("区农业农村局.xlsx › 台账 › 第3行")


def test_layout_freeze_filter_print(merged):
    _, book = merged
    sheet = book["台账明细"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:R")
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows == "$1:$1"
    assert sheet["E2"].alignment.wrap_text
    assert sheet.column_dimensions["E"].width > 40


def test_findings_sheet_and_silent_units(merged):
    _, book = merged
    findings = [[c.value for c in r] for r in book["校验问题"].iter_rows(min_row=2)]
    codes = {row[1] for row in findings}
    assert {"no-return", "file-read"} <= codes
    assert [row[0] for row in findings] == sorted(
        (row[0] for row in findings), key=["错误", "警告", "提示"].index
    )
    silent = [[c.value for c in r] for r in book["未报送"].iter_rows(min_row=2)]
    assert sorted(silent) == [
        ["区城市管理局", 1, 0, "没有收到台账"],
        ["区生态环境分局", 1, 1, "没有收到台账"],
    ]


def test_summary_counts(merged):
    run, book = merged
    rows = {
        r[0].value: [c.value for c in r] for r in book["汇总"].iter_rows(min_row=9) if r[0].value
    }
    farm = rows["区农业农村局"]
    assert farm[1:8] == [2, 1, 1, 0, 0, 0, 0.5]
    assert farm[8] == "已报送"
    assert rows["区城市管理局"][8] == "未报送"
    assert run.result.as_of == date(2025, 3, 31)


def test_libreoffice_opens_the_workbook(merged, tmp_path):
    run, _ = merged
    pdf = to_pdf(run.output, tmp_path)
    assert pdf.read_bytes().startswith(b"%PDF")


def test_text_over_cell_limit_is_cut_in_the_cell_and_kept_whole_beside(small_ws):
    long_text = (
        "召开会议研究部署。" * 5000
    )  # only a CSV can carry this much: Excel cells stop at 32767
    (small_ws / "inbox" / "区卫健局.xlsx").unlink()
    (small_ws / "inbox" / "区卫健局.csv").write_text(
        f"任务编号,完成状态,整改进展\n13-1,推进中,{long_text}\n13-2,已完成,已制定登记表\n",
        encoding="utf-8",
    )
    run = run_merge(open_workspace(small_ws), now=datetime(2025, 3, 31, 18, 0, 0))
    cell = openpyxl.load_workbook(run.output)["台账明细"]["L6"]
    assert len(cell.value) <= 32767 and cell.value.endswith("（已截断，全文见同名的“_长文本.txt”）")
    side = run.output.with_name(run.output.stem + "_长文本.txt")
    assert long_text in side.read_text(encoding="utf-8")
    assert any(f.code == "text-too-long" for f in run.result.report.findings)


def test_unwritable_outbox_gives_a_clear_error(small_ws):
    from toolkit.core.errors import OutputError

    (small_ws / "outbox").write_text("a file where the folder should be", encoding="utf-8")
    with pytest.raises(OutputError, match="无法创建输出目录"):
        run_merge(open_workspace(small_ws))


def test_problem_titles_are_whole_wrapped_and_wide_enough(sample_ws):
    """汇总's per-problem table shares its columns with the unit table: 问题标题 must not sit in a
    narrow count column, cut after a few characters. Each title is whole, wrapped, in a cell spanning
    a wide stretch of columns, and its row is tall enough for the lines it wraps to."""
    import math

    from openpyxl.utils import get_column_letter

    from toolkit.write.workbook_cells import display_width

    long_title = (
        "思想认识有待进一步提高，个别部门对生态环境保护工作重要性认识不足，"
        "存在重发展轻保护的倾向，整改压力传导不到位"
    )
    issues = openpyxl.load_workbook(sample_ws / "issues.xlsx")
    sheet = issues["问题清单"]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[header.index("问题序号")].value == 1:
            row[header.index("问题标题")].value = long_title
    issues.save(sample_ws / "issues.xlsx")

    run = run_merge(open_workspace(sample_ws))
    summary = openpyxl.load_workbook(run.output)["汇总"]
    head = next(row for row in summary.iter_rows() if row[0].value == "问题序号")
    at = {c.value: c.column for c in head if c.value}
    assert list(at) == ["问题序号", "问题标题", "措施数", "已完成", "逾期", "问题状态"]
    spans = {(r.min_row, r.min_col): r for r in summary.merged_cells.ranges}
    title = spans[(head[0].row, at["问题标题"])]
    width = sum(
        summary.column_dimensions[get_column_letter(col)].width
        for col in range(title.min_col, title.max_col + 1)
    )
    assert width >= 24, "room for a dozen Chinese characters a line"

    problems = {p.issue_no: p for p in run.result.problems()}
    assert problems[1].title == long_title
    seen = 0
    for row in summary.iter_rows(min_row=head[0].row + 1):
        if row[0].value is None:
            break
        problem = problems[row[0].value]
        cell = summary.cell(row=row[0].row, column=at["问题标题"])
        assert cell.value == problem.title  # whole, never cut
        assert cell.alignment.wrap_text
        span = spans[(cell.row, cell.column)]
        assert (span.min_col, span.max_col) == (title.min_col, title.max_col)
        lines = math.ceil(display_width(problem.title) / width)
        assert (summary.row_dimensions[cell.row].height or 15) >= 13 * lines, problem.title
        assert summary.cell(row=cell.row, column=at["措施数"]).value == problem.measures
        assert summary.cell(row=cell.row, column=at["问题状态"]).value == problem.state
        seen += 1
    assert seen == len(problems) == 18
    assert summary.row_dimensions[head[0].row + 1].height >= 13 * 3  # the long title: 3+ lines
