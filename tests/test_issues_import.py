"""Importing the feedback-problem table (.txt rendering of the Word table, or the .docx itself)."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from conftest import sample_units, seed_file

from toolkit.core.errors import IssueListError, OutputError
from toolkit.core.model.imported import ImportedMeasure, ImportedProblem
from toolkit.core.model.issue_list import COLUMNS, SHEET, title_of
from toolkit.core.settings import Settings
from toolkit.core.settings_file import settings_from_dict
from toolkit.core.words import ERROR, WARNING
from toolkit.read.import_cells import parse_units, split_items
from toolkit.read.import_text import UnitFinder, find_deadline, parse_seed_text
from toolkit.read.issue_list import load_issue_list
from toolkit.read.issues_import import import_file, import_table, read_docx, supports, to_tasks
from toolkit.write.issue_list import write_issue_list

# The seed names its units only inside the measure texts: a clerk of 二道区 lists them in toolkit.toml
# ([units] names and aliases); the tool itself knows no office's units.
DISTRICT_UNITS = sample_units()[0]  # samples/二道区单位.toml
SPELLINGS = {
    "党校": "区委党校",
    "区党校": "区委党校",
    "区政府": "区政府办公室",
    "区政府办": "区政府办公室",
    "区生态环境局": "区生态环境分局",
    "区环保局": "区生态环境分局",
    "市生态环境局二道分局": "区生态环境分局",
    "区城管局": "区城市管理局",
    "区住房和城乡建设局": "区住建局",
    "区市场监管局": "市市场监管局二道分局",
}

ISSUE_NOS = [1, 2, 4, 5, 6, 7, 8, 11, 13, 14, 15, 16, 18, 19, 20, 22, 23, 27]
MEASURE_COUNTS = {
    1: 5,
    2: 2,
    4: 3,
    5: 3,
    6: 2,
    7: 4,
    8: 5,
    11: 1,
    13: 3,
    14: 3,
    15: 4,
    16: 4,
    18: 3,
    19: 5,
    20: 3,
    22: 2,
    23: 1,
    27: 2,
}


@pytest.fixture(scope="module")
def seed() -> Path:
    path = seed_file()  # the copy in samples/, or $TOOLKIT_SEED
    if not path.is_file():
        pytest.skip(f"seed not found at {path} (set TOOLKIT_SEED)")
    return path


@pytest.fixture(scope="module")
def parsed(seed):
    return import_file(seed, DISTRICT_UNITS, SPELLINGS)


@pytest.fixture(scope="module")
def measures(parsed) -> dict[str, ImportedMeasure]:
    problems, _ = parsed
    return {f"{p.issue_no}-{m.measure_no}": m for p in problems for m in p.measures}


@pytest.fixture(scope="module")
def by_no(parsed) -> dict[int, ImportedProblem]:
    return {p.issue_no: p for p in parsed[0]}


# --- structure ---------------------------------------------------------------------------------


def test_issue_numbers(parsed):
    assert [p.issue_no for p in parsed[0]] == ISSUE_NOS


def test_measure_counts(by_no):
    assert {n: len(p.measures) for n, p in by_no.items()} == MEASURE_COUNTS
    assert sum(MEASURE_COUNTS.values()) == 55
    for problem in by_no.values():
        assert [m.measure_no for m in problem.measures] == list(range(1, len(problem.measures) + 1))


def test_problem_fields(by_no):
    p13 = by_no[13]
    assert p13.description.startswith("医疗废物贮运管理存在薄弱环节。长春市未针对")
    assert p13.title == "医疗废物贮运管理存在薄弱环节" == title_of(p13.description)
    # no blank line between target and measures in 13 and 18
    assert (
        p13.target
        == "进一步规范医疗废物贮运管理台账，强化医疗废物管理、暂存、转运等环节，确保医疗废物得到及时、有效处置。"
    )
    assert by_no[18].target.startswith("严格执行机动车环保检验国家标准")
    assert by_no[18].target.endswith("规定检验方法进行操作。")
    assert by_no[27].target.startswith("黑土地保护制度进一步完善")
    assert by_no[23].target.startswith("按照全市统一要求完成对违法占用土地堆砂问题治理")


def test_measure_text_has_number_removed(measures):
    assert measures["2-1"].text.startswith("深入学习贯彻习近平总书记")
    assert measures["1-3"].text.startswith("要把习近平生态文明思想")  # line began with " （三）"
    assert measures["15-2"].text.startswith("2024年12月底前，区农业农村局")  # after a blank line
    assert not any(
        re.match(r"[（(][一二三四五六七八九十]+[）)]", m.text) for m in measures.values()
    )


def test_sub_items_stay_inside_their_measure(measures):
    text = measures["13-2"].text
    assert text.startswith("区卫健局整改措施\n1.2024年6月底前，统一制定")
    for item in ("\n2.2024年4月底前完成", "\n3.严格落实长春市卫生健康委", "\n4.2024年12月底前"):
        assert item in text
    assert "区生态环境分局整改措施" not in text
    assert measures["13-3"].text.startswith("区生态环境分局整改措施\n加强对全区医疗废物处置单位")
    assert "4.提高信访案件处理效率" in measures["13-3"].text
    assert measures["22-2"].text.count("\n") == 5
    assert measures["22-2"].text.endswith("全力为项目争取资金支持。")


def test_unnumbered_measure_and_completion(measures):
    assert measures["11-1"].text.startswith("我区将在市建委的指导下")
    assert measures["11-1"].completion.startswith("东新开河01小区分流改造涉及我区5个小区")
    assert measures["23-1"].text.startswith("加强区域内巡查监管力度")
    assert measures["23-1"].completion.startswith("我区制定实施了《二道区建立国土资源违法行为")


def test_no_debris_anywhere(parsed):
    texts = []
    for p in parsed[0]:
        texts += [p.description, p.target, p.title]
        for m in p.measures:
            texts += [m.text, m.completion]
    for text in texts:
        assert "[bookmark" not in text
        for line in text.split("\n"):
            assert line == line.strip()
            assert not re.fullmatch(r"\d{1,3}", line), text[:40]
            assert not line.startswith("序号")


def test_completions_aligned(measures):
    assert all(m.completion for m in measures.values())
    assert measures["16-2"].completion.startswith("已对辖区内登记非道路移动机械")
    assert measures["1-4"].completion.startswith("严格落实“一岗双责”")  # bookmark removed
    assert measures["13-2"].completion.startswith("区卫健局：\n1、已统一制定")
    assert measures["13-3"].completion.startswith("区生态环境分局：\n1.区生态环境分局")
    assert measures["15-2"].completion.startswith("制定《长春市二道区2024年秋冬季")
    assert measures["27-2"].completion == "目前，我区不涉及环长春市经济圈环线项目（一期）。"
    assert measures["22-2"].completion.count("\n") == 5


def test_unnumbered_completion_after_numbered_measures():
    text = (
        "\t序号五\n\t问题。\n\t目标。\n\t（一）区发改局负责。\n1.细项。\n（二）区工信局负责。\n"
        "\t已全部完成整改。\n"
    )
    problems, _ = parse_seed_text(text)
    first, second = problems[0].measures
    assert first.text == "区发改局负责。\n1.细项。" and second.text == "区工信局负责。"
    assert first.completion == second.completion == "已全部完成整改。"


def test_completion_lead_in_joins_the_first_paragraph():
    text = (
        "\t序号五\n\t问题。\n\t目标。\n\t（一）区发改局负责。\n（二）区工信局负责。\n"
        "\t经整改：\n（一）甲完成。\n（二）乙完成。\n"
    )
    first, second = parse_seed_text(text)[0][0].measures
    assert (first.completion, second.completion) == ("经整改：\n甲完成。", "乙完成。")


def test_lines_without_tabs_still_parse():
    text = "序号五\n问题。\n目标。\n区发改局负责。\n已完成。\n另有说明。\n"
    problem = parse_seed_text(text)[0][0]
    assert (problem.description, problem.target) == ("问题。", "目标。")
    assert [(m.text, m.completion) for m in problem.measures] == [
        ("区发改局负责。", "已完成。\n另有说明。")
    ]


# --- deadlines ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("task_id", "expected", "words"),
    [
        ("5-2", date(2024, 7, 31), "2024年7月底前"),
        ("7-1", date(2024, 4, 30), "2024年4月底前"),
        ("8-5", date(2024, 12, 31), "2024年12月底前"),
        ("6-1", date(2024, 12, 31), "2024年12月底前"),  # the date is mid-text
        ("11-1", date(2024, 8, 31), "2024年8月底前"),
        ("13-2", date(2024, 6, 30), "2024年6月底前"),  # first date, inside sub-item 1.
        ("19-4", date(2024, 10, 31), "2024年10月底前"),
        ("14-1", None, "长期坚持"),  # 常态化巡河
        ("13-3", None, ""),
        ("2-1", None, ""),  # 《…目录 (2024年本)》 is no date
        ("20-2", None, ""),  # 2023-2025年 is no date
    ],
)
def test_deadlines(measures, task_id, expected, words):
    assert measures[task_id].deadline == expected
    assert measures[task_id].deadline_text == words


def test_seed_has_no_yearless_measure(parsed):
    assert not [f for f in parsed[1] if f.code == "yearless-date"]


def test_yearless_deadline_takes_year_from_context():
    text = (
        "\t序号三\n\t某问题。2023年检查发现。\n\t2025年底前完成整改。\n\n"
        "\t（一）8月底前，区住建局完成排查。\n（二）区发改局于2024年3月底前完成。\n"
        "（三）12月20日前，区卫健局完成2024年度报告。\n\n"
        "\t（一）已完成。\n（二）已完成。\n（三）已完成。\n"
    )
    problems, findings = parse_seed_text(text, source="x.txt")
    first, second, third = problems[0].measures
    assert (first.deadline, first.deadline_text) == (
        date(2025, 8, 31),
        "8月底前",
    )  # year of the target
    assert second.deadline == date(2024, 3, 31)
    assert third.deadline == date(2024, 12, 20)  # year of the measure itself
    yearless = [f for f in findings if f.code == "yearless-date"]
    assert len(yearless) == 2
    assert yearless[0].level == WARNING
    assert (yearless[0].file, yearless[0].column, yearless[0].value) == (
        "x.txt",
        "完成时限",
        "8月底前",
    )
    assert "3-1" in yearless[0].message and "2025-08-31" in yearless[0].message


def test_yearless_without_any_year():
    text = "\t序号一\n\t问题。\n\t目标。\n\t（一）8月底前，区住建局完成。\n\t（一）已完成。\n"
    problems, findings = parse_seed_text(text, ["区住建局"])
    measure = problems[0].measures[0]
    assert measure.deadline is None and measure.deadline_text == ""
    assert [f.code for f in findings] == ["yearless-date"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024年4月底前完成排查", date(2024, 4, 30)),
        ("于2024年6月30日前完成", date(2024, 6, 30)),
        ("2024年底前完成", date(2024, 12, 31)),
        ("２０２４年２月底前", date(2024, 2, 29)),
        ("第1.2024年5月底前", date(2024, 5, 31)),
    ],
)
def test_find_deadline(text, expected):
    assert find_deadline(text)[0] == expected


# --- units -------------------------------------------------------------------------------------


def test_units_of_seed(measures):
    assert measures["22-2"].units == [
        "区住建局",
        "区农业农村局",
        "市市场监管局二道分局",
        "区生态环境分局",
        "区发改局",
    ]
    assert measures["13-1"].units == ["区生态环境分局", "区卫健局"]  # "辖区生态环境分局"
    assert measures["13-2"].units == ["区卫健局"]
    assert measures["1-3"].units == ["区委党校", "区政府办公室"]  # 党校, 区政府
    assert measures["5-2"].units == ["区农业农村局", "区发改局"]
    assert measures["2-1"].units == ["区发改局"]
    assert measures["2-2"].units == ["区工信局"]
    assert measures["14-2"].units == ["区河长办"]
    assert measures["20-2"].units == ["英俊镇"]
    assert measures["20-3"].units == ["二道经济开发区"]
    assert measures["8-1"].units == []
    for m in measures.values():
        assert set(m.units) <= set(DISTRICT_UNITS)
        assert len(set(m.units)) == len(m.units)


def test_unknown_unit_findings(parsed, measures, seed):
    unknown = [f for f in parsed[1] if f.code == "unknown-unit"]
    empty = [tid for tid, m in measures.items() if not m.units]
    assert len(unknown) == len(empty) > 0
    finding = next(f for f in unknown if "任务 8-1 " in f.message)
    assert finding.level == ERROR
    assert (finding.file, finding.column) == (seed.name, "责任单位")
    assert finding.value == measures["8-1"].text[:30]
    assert "补填" in finding.message and "区生态环境分局" in finding.message  # hint from completion


def test_unit_finder_aliases():
    finder = UnitFinder(
        DISTRICT_UNITS, {"区城管": "区城市管理局", "环保所": "区生态环境分局", **SPELLINGS}
    )
    assert finder.find("生态环境分局牵头，党校配合") == ["区生态环境分局", "区委党校"]
    assert finder.find("区生态环境局、农业农村局、区生态环境分局") == [
        "区生态环境分局",
        "区农业农村局",
    ]
    assert finder.find("区城管、环保所") == ["区城市管理局", "区生态环境分局"]
    assert finder.find("市场监管局二道分局") == ["市市场监管局二道分局"]
    assert finder.find("召开政府常务会，纳入政府绩效考核") == []  # 政府 alone is no unit
    assert UnitFinder(["区水利局"]).find("党校、水利局") == [
        "区水利局"
    ]  # no office's units built in


def test_custom_unit_names():
    text = "\t序号一\n\t问题。\n\t目标。\n\t（一）区水务局、区住建局负责。\n\t（一）已完成。\n"
    problems, findings = parse_seed_text(text, ["区水务局"], {"住建局": "区住房和城乡建设局"})
    assert problems[0].measures[0].units == ["区水务局", "区住房和城乡建设局"]
    assert findings == []


# --- .docx -------------------------------------------------------------------------------------


def _cell_paragraphs(measure_items: list[tuple[str, str]]) -> list[str]:
    out = []
    for label, text in measure_items:
        lines = text.split("\n")
        out += [label + lines[0], *lines[1:]]
    return out


def _numeral(n: int) -> str:
    return "一二三四五六七八九十"[n - 1]


def _write_docx(path: Path, problems: list[ImportedProblem], numbers: list[str]) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("第二轮吉林省生态环境保护督察反馈问题整改任务完成情况")
    table = document.add_table(rows=1, cols=5)
    for cell, name in zip(
        table.rows[0].cells, ["序号", "问题", "整改目标", "整改措施", "整改完成情况"], strict=True
    ):
        cell.text = name
    for problem, number in zip(problems, numbers, strict=True):
        numbered = len(problem.measures) > 1
        measures = _cell_paragraphs(
            [
                (f"（{_numeral(m.measure_no)}）" if numbered else "", m.text)
                for m in problem.measures
            ]
        )
        completions = _cell_paragraphs(
            [
                (f"（{_numeral(m.measure_no)}）" if numbered else "", m.completion)
                for m in problem.measures
            ]
        )
        cells = table.add_row().cells
        for cell, paragraphs in zip(
            cells,
            [[number], [problem.description], [problem.target], measures, completions + ["9"]],
            strict=True,
        ):
            cell.text = paragraphs[0]
            for text in paragraphs[1:]:
                cell.add_paragraph(text)
    document.add_paragraph("10")
    document.save(str(path))


def test_docx_gives_the_same_problems(tmp_path, by_no):
    chosen = [by_no[11], by_no[13], by_no[22]]
    path = tmp_path / "反馈问题.docx"
    _write_docx(path, chosen, ["十一", "序号十三", "22"])
    rendered = read_docx(path)
    assert "\t序号十三" in rendered
    problems, findings = import_file(path, DISTRICT_UNITS, SPELLINGS)
    assert problems == chosen
    assert {f.file for f in findings} == {"反馈问题.docx"}


def test_docx_of_the_whole_seed(tmp_path, parsed):
    path = tmp_path / "all.docx"
    _write_docx(path, parsed[0], [f"序号{p.issue_no}" for p in parsed[0]])
    problems, findings = import_file(path, DISTRICT_UNITS, SPELLINGS)
    assert problems == parsed[0]
    assert [f.message for f in findings] == [f.message for f in parsed[1]]


def test_docx_row_continued_on_next_row(tmp_path, by_no):
    import docx

    problem = by_no[14]
    document = docx.Document()
    table = document.add_table(rows=2, cols=5)
    first = [
        ["序号十四"],
        [problem.description],
        [problem.target],
        _cell_paragraphs([(f"（{_numeral(m.measure_no)}）", m.text) for m in problem.measures[:2]]),
        _cell_paragraphs(
            [(f"（{_numeral(m.measure_no)}）", m.completion) for m in problem.measures]
        ),
    ]
    second = [[""], [], [], [f"（三）{problem.measures[2].text}"], []]
    for row, columns in zip(table.rows, [first, second], strict=True):
        for cell, paragraphs in zip(row.cells, columns, strict=True):
            cell.text = paragraphs[0] if paragraphs else ""
            for text in paragraphs[1:]:
                cell.add_paragraph(text)
    path = tmp_path / "split.docx"
    document.save(str(path))
    # the continuation row's cells are appended to the problem's cells before rendering
    problems, _ = import_file(path)
    assert [p.issue_no for p in problems] == [14]
    assert [m.text for m in problems[0].measures] == [m.text for m in problem.measures]


def test_docx_multi_paragraph_cells(tmp_path):
    import docx

    document = docx.Document()
    table = document.add_table(rows=2, cols=5)
    header = ["序号", "问题", "整改目标", "整改措施", "整改完成情况"]
    body = [
        ["3"],
        ["问题第一段。", "问题第二段。"],
        ["目标。"],
        ["区住建局负责，", "2024年5月底前完成。"],
        ["已完成。", "3"],
    ]
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for cell, paragraphs in zip(table.rows[1].cells, body, strict=True):
        cell.text = paragraphs[0]
        for text in paragraphs[1:]:
            cell.add_paragraph(text)
    path = tmp_path / "multi.docx"
    document.save(str(path))
    problem = import_file(path, ["区住建局"])[0][0]
    assert problem.issue_no == 3
    assert problem.description == "问题第一段。\n问题第二段。" and problem.target == "目标。"
    (measure,) = problem.measures
    assert measure.text == "区住建局负责，\n2024年5月底前完成。"
    assert (measure.deadline, measure.units, measure.completion) == (
        date(2024, 5, 31),
        ["区住建局"],
        "已完成。",
    )


def test_bad_files(tmp_path):
    bad = tmp_path / "broken.docx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(IssueListError, match="不是有效的 .docx"):
        import_file(bad)
    with pytest.raises(IssueListError, match="找不到"):
        import_file(tmp_path / "missing.txt")
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(b"%PDF")
    with pytest.raises(IssueListError, match="不支持"):
        import_file(pdf)
    empty = tmp_path / "empty.txt"
    empty.write_text("标题\n", encoding="utf-8")
    with pytest.raises(IssueListError, match="序号"):
        import_file(empty)


def test_txt_in_gbk(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes(
        "\t序号二\n\t问题。\n\t目标。\n\t（一）区发改局负责。\n\t（一）已完成。\n".encode("gbk")
    )
    problems, _ = import_file(path, ["区发改局"])
    assert problems[0].issue_no == 2 and problems[0].measures[0].units == ["区发改局"]


# --- tasks and issues.xlsx ---------------------------------------------------------------------


def test_to_tasks(parsed):
    tasks = to_tasks(parsed[0])
    assert len(tasks) == 55
    assert [t.row for t in tasks] == list(range(2, 57))
    assert len({t.task_id for t in tasks}) == 55
    task = next(t for t in tasks if t.task_id == "22-2")
    assert task.units[0] == "区住建局" and isinstance(task.units, tuple)
    assert (task.issue_no, task.measure_no, task.issue_title) == (
        22,
        2,
        "散煤治理推进机制作用发挥有限",
    )
    assert task.target.startswith("完善散煤治理措施")


def test_write_issue_list_round_trip(tmp_path, parsed):
    import openpyxl

    problems = list(parsed[0])
    problems.append(
        ImportedProblem(
            99,
            "=SUM(A1)",
            "=SUM(A1)",
            "+目标",
            [
                ImportedMeasure(1, "=1+1 区住建局", None, "", ["区住建局"], ""),
            ],
        )
    )
    tasks = to_tasks(problems)
    path = tmp_path / "issues.xlsx"
    write_issue_list(tasks, path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [SHEET]
    sheet = book[SHEET]
    assert [c.value for c in sheet[1]] == COLUMNS
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:I{len(tasks) + 1}"
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert len(rows) == 56
    row = rows["5-2"]
    assert row[1].value == 5 and row[3].value == 2
    assert row[6].value == datetime(2024, 7, 31)
    assert row[6].number_format == "yyyy-mm-dd"
    assert rows["14-1"][6].value == "长期坚持"
    assert rows["13-3"][6].value is None
    assert (
        rows["22-2"][5].value
        == "区住建局、区农业农村局、市市场监管局二道分局、区生态环境分局、区发改局"
    )
    assert rows["13-1"][2].value == "医疗废物贮运管理存在薄弱环节"
    assert rows["13-2"][4].value.startswith("区卫健局整改措施\n1.")
    assert rows["13-2"][4].alignment.wrap_text
    odd = rows["99-1"]
    assert odd[4].value == "=1+1 区住建局" and odd[4].data_type == "s"
    assert odd[2].value == "=SUM(A1)" and odd[2].data_type == "s"
    assert odd[7].value == "+目标" and odd[7].data_type == "s"
    assert sheet.column_dimensions["E"].width > 30
    assert not list(tmp_path.glob(".~*"))  # no temporary file left behind


def test_write_issue_list_reports_unwritable_place(tmp_path):
    with pytest.raises(OutputError, match="无法"):
        write_issue_list([], tmp_path / "no-such-folder" / "issues.xlsx")


# --- tables from any office (issue #11) --------------------------------------------------------


ISSUE_HEADER = ["序号", "反馈问题", "整改目标", "整改措施", "责任单位", "整改时限"]
# the table of issue #11: one row per measure, problem cells merged down, measures 1. / 1、 / 一是,
# one problem with an empty 整改目标 — 11 tasks
ISSUE_ROWS = [
    [
        "1",
        "秸秆焚烧管控不严。",
        "秸秆禁烧全覆盖。",
        "1.制定秸秆禁烧工作方案。",
        "区农业农村局",
        "2024年6月底前",
    ],
    [
        "1",
        "秸秆焚烧管控不严。",
        "秸秆禁烧全覆盖。",
        "2.开展网格化巡查。",
        "各街道办事处",
        "长期坚持",
    ],
    [
        "1",
        "秸秆焚烧管控不严。",
        "秸秆禁烧全覆盖。",
        "3.对焚烧行为依法查处。",
        "区城市管理局",
        "立行立改",
    ],
    [
        "2",
        "污水管网老旧。",
        "",
        "1、完成老旧管网排查。",
        "区住建局牵头，区水务局配合",
        "2024年第二季度",
    ],
    ["2", "污水管网老旧。", "", "2、实施雨污分流改造。", "区住建局", "二〇二四年十二月底"],
    ["3", "扬尘治理不到位。", "建筑工地扬尘达标。", "一是落实“六个百分之百”。", "区住建局", "每月"],
    [
        "3",
        "扬尘治理不到位。",
        "建筑工地扬尘达标。",
        "二是加强渣土车管理。",
        "区城市管理局、区公安分局",
        "6月中旬",
    ],
    ["3", "扬尘治理不到位。", "建筑工地扬尘达标。", "三是开展道路洒水保洁。", "", "上半年"],
    [
        "4",
        "医疗废物贮运不规范。",
        "规范贮运。",
        "（一）建立转移联单制度。",
        "区卫健局",
        "2024年9月30日",
    ],
    [
        "4",
        "医疗废物贮运不规范。",
        "规范贮运。",
        "（二）开展专项检查。",
        "区卫健局、区生态环境分局",
        "年底前",
    ],
    ["4", "医疗废物贮运不规范。", "规范贮运。", "（三）约谈问题单位。", "", "尽快"],
]
MERGED_COLUMNS = [0, 1, 2]


def _issue_xlsx(
    path: Path, rows=ISSUE_ROWS, header=ISSUE_HEADER, merge=True, title="某区督察反馈问题整改台账"
):
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_string(0, 0, title)
    for c, name in enumerate(header):
        sheet.write_string(1, c, name)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    if merge:  # merge each problem's cells down its measure rows, as offices do
        start = 0
        for i in range(1, len(rows) + 1):
            if i == len(rows) or rows[i][0] != rows[start][0]:
                if i - start > 1:
                    for c in MERGED_COLUMNS:
                        sheet.merge_range(start + 2, c, i + 1, c, rows[start][c])
                start = i
    book.close()
    return path


def _issue_docx(path: Path, rows=ISSUE_ROWS, header=ISSUE_HEADER):
    import docx

    document = docx.Document()
    document.add_paragraph("某区督察反馈问题整改台账")
    table = document.add_table(rows=len(rows) + 1, cols=len(header))
    for c, name in enumerate(header):
        table.cell(0, c).text = name
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if c not in MERGED_COLUMNS or r == 1 or rows[r - 2][0] != row[0]:
                table.cell(r, c).text = value
    start = 1
    for i in range(2, len(rows) + 2):
        if i == len(rows) + 1 or rows[i - 1][0] != rows[start - 1][0]:
            if i - start > 1:
                for c in MERGED_COLUMNS:
                    top = table.cell(start, c)
                    text = top.text
                    top.merge(table.cell(i - 1, c)).text = text
            start = i
    document.save(str(path))
    return path


@pytest.mark.parametrize("make", [_issue_xlsx, _issue_docx], ids=["xlsx", "docx"])
def test_the_issue_table_gives_eleven_tasks(tmp_path, make):
    table = import_table(make(tmp_path / f"台账.{make.__name__[-4:]}"))
    tasks = to_tasks(table.problems)
    assert len(tasks) == 11 and [p.issue_no for p in table.problems] == [1, 2, 3, 4]
    by_id = {t.task_id: t for t in tasks}
    assert by_id["2-1"].measure == "完成老旧管网排查。"  # no shift where 整改目标 is empty
    assert by_id["2-1"].target == "" and by_id["2-1"].units == ("区住建局", "区水务局")
    assert supports(table.problems) == {"2-1": ["区水务局"]}
    assert by_id["3-2"].units == ("区城市管理局", "区公安分局")
    assert by_id["3-3"].units == ("区住建局",)  # blank under the first: the problem's unit
    assert by_id["4-3"].units == ("区卫健局",)
    deadlines = {t.task_id: (t.deadline, t.deadline_text) for t in tasks}
    assert deadlines["1-1"] == (date(2024, 6, 30), "2024年6月底前")
    assert deadlines["1-2"] == (None, "长期坚持")
    assert deadlines["1-3"] == (None, "立行立改")
    assert deadlines["2-1"][0] == date(2024, 6, 30) and deadlines["2-2"][0] == date(2024, 12, 31)
    assert deadlines["3-1"] == (None, "每月")
    assert deadlines["3-2"][0] == date(2024, 6, 20)  # 6月中旬: the table's year
    assert [f.value for f in table.findings if f.code == "yearless-date"] == [
        "6月中旬",
        "上半年",
        "年底前",
    ]
    assert deadlines["4-2"][0] == date(2024, 12, 31)  # 年底前 takes the table's year
    assert deadlines["4-3"] == (None, "尽快")
    assert any("尽快" in line for line in table.unplaced)
    assert [name for name, _ in table.layout.columns] == ISSUE_HEADER
    assert [role for _, role in table.layout.columns] == [
        "序号",
        "问题",
        "整改目标",
        "整改措施",
        "责任单位",
        "完成时限",
    ]
    assert table.layout.title == "某区督察反馈问题整改台账"


def test_repeated_and_blank_problem_cells(tmp_path):
    repeated = import_table(_issue_xlsx(tmp_path / "a.xlsx", merge=False))
    assert len(to_tasks(repeated.problems)) == 11
    blank = [row[:] for row in ISSUE_ROWS]
    for i in range(1, len(blank)):
        if blank[i][0] == ISSUE_ROWS[i - 1][0]:
            blank[i][0] = blank[i][1] = blank[i][2] = ""
    left_blank = import_table(_issue_xlsx(tmp_path / "b.xlsx", rows=blank, merge=False))
    assert [len(p.measures) for p in left_blank.problems] == [3, 2, 3, 3]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("（一）甲。\n（二）乙。", ["甲。", "乙。"]),
        ("(1)甲；(2)乙；(3)丙。", ["甲", "乙", "丙。"]),
        ("1.甲。\n2.乙。", ["甲。", "乙。"]),
        ("1、甲。2、乙。", ["甲。", "乙。"]),
        ("①甲；②乙。", ["甲", "乙。"]),
        ("一是甲；二是乙；三是丙。", ["甲", "乙", "丙。"]),
        ("第一，甲。第二，乙。", ["甲。", "乙。"]),
        ("甲。\n乙。", ["甲。", "乙。"]),  # plain paragraphs
        (
            "区住建局负责，\n2024年5月底前完成。",
            ["区住建局负责，\n2024年5月底前完成。"],
        ),  # one sentence wrapped
        ("2024年6月底前完成1.5万亩。", ["2024年6月底前完成1.5万亩。"]),
        (
            "1.2024年6月底前，甲。\n2.2024年9月底前，乙。",
            ["2024年6月底前，甲。", "2024年9月底前，乙。"],
        ),
        (
            "（一）甲：\n1.细项。\n2.细项。\n（二）乙。",
            ["甲：\n1.细项。\n2.细项。", "乙。"],
        ),  # nested numbering stays
        ("整改措施：\n1.甲。\n2.乙。", ["甲。", "乙。"]),  # a lead-in ending in ： is dropped
    ],
)
def test_numbering_styles(text, expected):
    assert [body for _, body in split_items(text)] == expected


@pytest.mark.parametrize(
    ("cell", "support_column", "expected"),
    [
        ("区住建局牵头，区水务局、区城管局配合", False, (["区住建局"], ["区水务局", "区城管局"])),
        ("牵头单位：区住建局；配合单位：区水务局", False, (["区住建局"], ["区水务局"])),
        ("区住建局（牵头）、区水务局（配合）", False, (["区住建局"], ["区水务局"])),
        ("区水务局、区城管局", True, ([], ["区水务局", "区城管局"])),
        (
            "州委办公室、州政府办公室，各县市党委和政府",
            False,
            (["州委办公室", "州政府办公室", "各县市党委和政府"], []),
        ),
        ("", False, ([], [])),
    ],
)
def test_lead_and_support_units(cell, support_column, expected):
    assert parse_units(cell, support_column) == expected


def test_units_only_from_the_table(tmp_path):
    rows = [
        [
            "1",
            "问题甲。",
            "目标。",
            "（一）区住建局完成排查。\n（二）区水务局完成改造。\n（三）联合开展检查。",
            "区住建局、区水务局",
            "2024年6月底前",
        ],
        ["2", "问题乙。", "目标。", "开展检查。", "", "2024年6月底前"],
    ]
    table = import_table(_issue_xlsx(tmp_path / "u.xlsx", rows=rows, merge=False))
    first, second, third = table.problems[0].measures
    assert (first.units, second.units) == (["区住建局"], ["区水务局"])  # the unit its text names
    assert third.units == ["区住建局", "区水务局"]  # names none: the problem's units
    assert table.problems[1].measures[0].units == []  # no unit anywhere: blank, with a finding
    (finding,) = [f for f in table.findings if f.code == "unknown-unit"]
    assert "任务 2-1" in finding.message and "补填" in finding.message


def test_separate_lead_and_support_columns(tmp_path):
    header = ["序号", "问题", "整改措施", "牵头单位", "配合单位", "完成时限"]
    rows = [["1", "问题。", "措施。", "区住建局", "区水务局、区城管局", "2024年6月30日"]]
    table = import_table(_issue_xlsx(tmp_path / "s.xlsx", rows=rows, header=header, merge=False))
    measure = table.problems[0].measures[0]
    assert (measure.units, measure.support) == (
        ["区住建局", "区水务局", "区城管局"],
        ["区水务局", "区城管局"],
    )


def test_section_rows_and_cells_not_placed(tmp_path):
    import xlsxwriter

    path = tmp_path / "sections.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for c, name in enumerate(["序号", "存在问题", "整改措施", "责任单位", "备注"]):
        sheet.write_string(0, c, name)
    sheet.merge_range(1, 0, 1, 4, "一、大气污染防治方面")
    for c, value in enumerate(["1", "问题。", "措施。", "区住建局", "备注文字"]):
        sheet.write_string(2, c, value)
    for c, name in enumerate(["序号", "存在问题", "整改措施", "责任单位", "备注"]):
        sheet.write_string(3, c, name)  # the header repeated on a new page
    sheet.write_string(4, 6, "表外的说明")
    sheet.write_string(2, 6, "数据行旁边的批注")
    book.close()
    table = import_table(path)
    assert len(to_tasks(table.problems)) == 1
    assert any("分类标题" in line and "大气污染防治方面" in line for line in table.unplaced)
    assert any("表外的说明" in line for line in table.unplaced)
    assert any("G 列（表头之外）：数据行旁边的批注" in line for line in table.unplaced)
    assert ("备注", "其他") in table.layout.columns


def test_headers_extend_through_settings(tmp_path):
    header = ["编号", "督办事项", "落实举措", "主办单位"]
    rows = [["1", "问题。", "措施一；\n措施二。", "区住建局"]]
    path = _issue_xlsx(tmp_path / "h.xlsx", rows=rows, header=header, merge=False)
    with pytest.raises(IssueListError, match="没有找到问题表格"):
        import_table(path)
    settings = settings_from_dict(
        {
            "import": {
                "headers": {
                    "问题": ["督办事项"],
                    "整改措施": ["落实举措"],
                    "责任单位": ["主办单位"],
                }
            }
        },
        tmp_path,
    )
    table = import_table(path, headers={k: list(v) for k, v in settings.import_headers.items()})
    assert [m.units for m in table.problems[0].measures] == [["区住建局"], ["区住建局"]]
    assert Settings().import_headers["问题"][:3] == ["问题", "反馈问题", "存在问题"]


def test_layout_and_deadline_words_reach_the_issue_list(tmp_path):
    import openpyxl

    table = import_table(_issue_xlsx(tmp_path / "l.xlsx"))
    tasks = to_tasks(table.problems)
    ws = tmp_path / "ws"
    ws.mkdir()
    write_issue_list(
        tasks,
        ws / "issues.xlsx",
        table.layout,
        supports(table.problems),
        imported=date(2024, 5, 10),
    )
    book = openpyxl.load_workbook(ws / "issues.xlsx")
    assert book.sheetnames == [SHEET, "_来源格式"] and book["_来源格式"].sheet_state == "hidden"
    cells = {row[0].value: row[5].value for row in book[SHEET].iter_rows(min_row=2)}
    assert cells["2-1"] == "区住建局（牵头）、区水务局（配合）"
    issues = load_issue_list(Settings(workspace=ws))
    assert issues.layout.title == "某区督察反馈问题整改台账" and issues.layout.file == "l.xlsx"
    assert issues.layout.columns[1] == ("反馈问题", "问题") and issues.layout.imported == date(
        2024, 5, 10
    )
    by_id = issues.by_id
    assert by_id["2-1"].units == ("区住建局", "区水务局")
    assert (by_id["1-3"].deadline, by_id["1-3"].deadline_text) == (date(2024, 5, 10), "立行立改")
    assert by_id["1-2"].deadline is None and by_id["3-1"].deadline is None  # standing
    assert by_id["4-3"].deadline is None  # 尽快: a finding on the task, not a stop
    bad = [f for f in issues.findings if f.code == "bad-date"]
    assert len(bad) == 1 and "任务 4-3" in bad[0].message and bad[0].row == by_id["4-3"].row


def test_issue_list_without_layout_sheet(tmp_path, parsed):
    write_issue_list(to_tasks(parsed[0]), tmp_path / "issues.xlsx")
    assert load_issue_list(Settings(workspace=tmp_path)).layout is None


# --- the command -------------------------------------------------------------------------------

from typer.testing import CliRunner  # noqa: E402

from toolkit.cli import app  # noqa: E402

runner = CliRunner()


def test_cli_dry_run_says_what_it_understood_and_writes_nothing(tmp_path):
    source = _issue_xlsx(tmp_path / "上级台账.xlsx")
    ws = tmp_path / "ws"
    assert runner.invoke(app, ["init", str(ws)]).exit_code == 0
    result = runner.invoke(app, ["issues", "import", str(source), "-w", str(ws), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert not (ws / "issues.xlsx").exists()
    out = result.output
    assert "标题：某区督察反馈问题整改台账" in out
    assert (
        "列（6）：序号→序号；反馈问题→问题；整改目标→整改目标；整改措施→整改措施；责任单位→责任单位；整改时限→完成时限"
        in out
    )
    assert "问题 4 个，整改措施 11 项" in out
    assert "责任单位 8 个：区农业农村局（1）、各街道办事处（1）" in out
    assert "完成时限：有日期 7 项，立行立改 1 项，长期 2 项，未写或无法识别 1 项" in out
    assert "未能放入问题清单的单元格 1 处" in out and "尽快" in out
    assert "试运行" in out
    result = runner.invoke(app, ["issues", "import", str(source), "-w", str(ws)])
    assert result.exit_code == 0 and "已导入 4 个问题、11 项整改措施" in result.output
    assert (ws / "issues.xlsx").exists()
    again = runner.invoke(app, ["issues", "import", str(source), "-w", str(ws), "--dry-run"])
    assert again.exit_code == 0  # a dry run over an existing list needs no --force


def test_cli_old_formats_through_libreoffice(tmp_path, monkeypatch):
    import subprocess

    from conftest import soffice

    exe = soffice()
    if exe is None:
        pytest.skip("LibreOffice not installed")
    docx_file = _issue_docx(tmp_path / "台账.docx")
    xlsx_file = _issue_xlsx(tmp_path / "台账.xlsx")
    profile = (tmp_path / "lo").as_uri()

    def lo(path: Path, target: str, outdir: Path) -> None:
        subprocess.run(
            [
                exe,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--convert-to",
                target,
                "--outdir",
                str(outdir),
                str(path),
            ],
            check=True,
            capture_output=True,
            timeout=240,
        )

    lo(
        docx_file, "odt", tmp_path / "odt"
    )  # (python-docx's tables survive .doc only by way of .odt)
    lo(tmp_path / "odt" / "台账.odt", "doc", tmp_path / "old")
    lo(xlsx_file, "xls", tmp_path / "old")
    doc, xls = tmp_path / "old" / "台账.doc", tmp_path / "old" / "台账.xls"
    et = xls.with_name("台账.et")
    et.write_bytes(xls.read_bytes())  # WPS's .et: a binary workbook under another name
    for path in (doc, xls, et):
        assert len(to_tasks(import_table(path).problems)) == 11, path.name
    import toolkit.read.convert as convert

    monkeypatch.setattr(convert, "soffice", lambda: None)
    ws = tmp_path / "ws"
    ws.mkdir()
    result = runner.invoke(app, ["issues", "import", str(doc), "-w", str(ws)])
    assert result.exit_code == 2 and "需要 LibreOffice" in result.stderr


def test_two_row_header(tmp_path):
    import xlsxwriter

    path = tmp_path / "two.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for c, name in enumerate(["序号", "问题", "整改措施"]):
        sheet.merge_range(0, c, 1, c, name)
    sheet.merge_range(0, 3, 0, 4, "责任单位")
    sheet.write_string(1, 3, "牵头单位")
    sheet.write_string(1, 4, "配合单位")
    sheet.write_row(2, 0, ["1", "问题。", "措施。", "区住建局", "区水务局"])
    book.close()
    table = import_table(path)
    assert [name for name, _ in table.layout.columns] == [
        "序号",
        "问题",
        "整改措施",
        "牵头单位",
        "配合单位",
    ]
    measure = table.problems[0].measures[0]
    assert (measure.units, measure.support) == (["区住建局", "区水务局"], ["区水务局"])
