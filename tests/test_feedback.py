"""Feedback copies: the unit's own file with a 校验问题 sheet first and every problem cell marked."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from conftest import HEADER, to_pdf, write_ledger

from toolkit.core.catalogue import CATALOGUE
from toolkit.core.findings import Finding, fix_for
from toolkit.write.feedback import AUTHOR, MARK_FILL, SHEET, write_feedback

CHECKED = datetime(2025, 3, 31, 17, 0)
ROWS = [
    [
        "1-1",
        1,
        "标题一",
        1,
        "措施一",
        "区卫健局",
        date(2024, 6, 30),
        "好了",
        "=SUM(A1:A3) 方案已印发",
        date(2024, 6, 1),
        "",
        "",
        "王五",
        "0431-8888",
    ],
    [
        "1-2",
        1,
        "标题一",
        2,
        "措施二",
        "区卫健局",
        date(2024, 7, 31),
        "推进中",
        "正在推进",
        "六月底",
        "",
        "",
        "王五",
        "",
    ],
    [
        None,
        9,
        "没有的问题",
        1,
        "乱填的措施",
        "区卫健局",
        "长期坚持",
        "推进中",
        "",
        None,
        "",
        "",
        "",
        "",
    ],
]


def findings() -> list[Finding]:
    return [
        Finding("file-read", "已读取 3 行", file="a.xlsx"),
        Finding(
            "bad-status",
            "完成状态“好了”不是规定的词语",
            sheet="台账",
            row=3,
            column="H（完成状态）",
            value="好了",
        ),
        Finding(
            "bad-date",
            "实际完成日期“六月底”无法识别",
            sheet="台账",
            row=4,
            column="J（实际完成日期）",
            value="六月底",
        ),
        Finding(
            "unknown-task", "问题清单中没有问题序号 9 的任务", sheet="台账", row=5, value="=1+1"
        ),
        Finding("missing-task", "缺少任务 13-2（区卫健局整改措施）"),
        Finding(
            "done-without-date", "标为已完成但没有填写实际完成日期", sheet="台账", row=4, column="H"
        ),
        Finding(
            "date-without-done",
            "填写了实际完成日期\x07，但完成状态不是已完成",
            sheet="台账",
            row=4,
            column="H",
        ),
    ]


def template_like(path: Path) -> Path:
    """A returned ledger shaped like templates/ledger.xlsx: title, header, protection, drop-down, _meta."""
    return write_ledger(
        path,
        ROWS,
        title="区卫健局 整改台账（截至2025年3月31日）",
        merges=["A1:N1"],
        meta={"单位": "区卫健局"},
        drop_down=True,
        protect=True,
    )


def problem_rows(path: Path) -> list[tuple]:
    sheet = openpyxl.load_workbook(path)[SHEET]
    return [
        r for r in sheet.iter_rows(min_row=4, values_only=True) if any(v is not None for v in r)
    ]


def test_every_code_has_a_fix() -> None:
    assert all(entry.fix for entry in CATALOGUE.values())
    assert fix_for("bad-status") == "从下拉列表选择：已完成、推进中、未启动、长期坚持、申请延期"


def test_problem_sheet_comes_first_and_lists_every_problem(tmp_path: Path) -> None:
    out = write_feedback(
        template_like(tmp_path / "in.xlsx"),
        findings(),
        tmp_path / "out" / "fb.xlsx",
        unit="区卫健局",
        checked_at=CHECKED,
    )
    assert out == tmp_path / "out" / "fb.xlsx"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [SHEET, "台账", "_meta"]
    assert wb.active.title == SHEET
    sheet = wb[SHEET]
    assert sheet["A1"].value == "区卫健局 台账校验结果（2025-03-31 17:00 检查）"
    assert sheet["A2"].value.startswith(
        "共 3 个错误、3 个警告。请按下表逐项修改后重新报送；标红的单元格有批注说明"
    )
    assert [c.value for c in sheet[3]] == [
        "级别",
        "工作表",
        "行",
        "列",
        "内容",
        "问题说明",
        "怎么改",
    ]
    assert sheet.freeze_panes == "A4"
    rows = problem_rows(out)
    assert len(rows) == 6  # file-read is bookkeeping, not a problem for the unit
    assert [r[0] for r in rows] == ["错误"] * 3 + ["警告"] * 3
    assert rows[0][:4] == ("错误", "台账", 3, "H（完成状态）")
    assert rows[0][6] == fix_for("bad-status")
    assert (
        "警告",
        None,
        None,
        None,
        None,
        "缺少任务 13-2（区卫健局整改措施）",
        "补填该任务的一行",
    ) in rows
    assert sheet["A4"].font.color.rgb.endswith("9C0006")
    assert sheet.cell(row=9, column=1).font.color is None or not sheet.cell(
        row=9, column=1
    ).font.color.rgb.endswith("9C0006")
    assert "\x07" not in "".join(str(v) for r in rows for v in r)
    assert sheet["C4"].hyperlink.location == "'台账'!H3"


def test_problem_cells_are_marked_and_commented(tmp_path: Path) -> None:
    out = write_feedback(
        template_like(tmp_path / "in.xlsx"),
        findings(),
        tmp_path / "fb.xlsx",
        unit="区卫健局",
        checked_at=CHECKED,
    )
    sheet = openpyxl.load_workbook(out)["台账"]
    for ref in ("H3", "J4", "B5", "H4"):
        assert sheet[ref].fill.fgColor.rgb.endswith(MARK_FILL), ref
        assert sheet[ref].comment is not None and sheet[ref].comment.author == AUTHOR, ref
    assert "完成状态“好了”不是规定的词语" in sheet["H3"].comment.text
    assert fix_for("bad-status") in sheet["H3"].comment.text
    assert "填写日期，如 2024-06-30" in sheet["J4"].comment.text
    assert (
        "问题清单中没有问题序号 9 的任务" in sheet["B5"].comment.text
    )  # A5 is empty: first filled cell
    assert sheet["A5"].comment is None
    both = sheet["H4"].comment.text
    assert (
        "标为已完成但没有填写实际完成日期" in both
        and "填写了实际完成日期，但完成状态不是已完成" in both
    )
    assert "\x07" not in both


def test_everything_else_survives(tmp_path: Path) -> None:
    source = template_like(tmp_path / "in.xlsx")
    before = source.read_bytes()
    out = write_feedback(
        source, findings(), tmp_path / "fb.xlsx", unit="区卫健局", checked_at=CHECKED
    )
    assert source.read_bytes() == before
    old, new = openpyxl.load_workbook(source), openpyxl.load_workbook(out)
    marked = {"H3", "J4", "B5", "H4"}
    for name in ("台账", "_meta"):
        for row in old[name].iter_rows():
            for cell in row:
                twin = new[name][cell.coordinate]
                assert twin.value == cell.value, cell.coordinate
                if cell.coordinate not in marked:
                    assert twin.fill.fill_type == cell.fill.fill_type, cell.coordinate
                    assert twin.fill.fgColor.rgb == cell.fill.fgColor.rgb, cell.coordinate
                    assert twin.comment is None, cell.coordinate
    sheet = new["台账"]
    assert sheet["I3"].data_type == "s" and sheet["I3"].value == "=SUM(A1:A3) 方案已印发"
    assert new[SHEET]["E6"].data_type == "s" and new[SHEET]["E6"].value == "=1+1"
    assert new["_meta"].sheet_state == "hidden"
    assert [str(v.sqref) for v in sheet.data_validations.dataValidation] == ["H3:H1000"]
    assert sheet.protection.sheet
    assert [str(r) for r in sheet.merged_cells.ranges] == ["A1:N1"]


def test_never_overwrites(tmp_path: Path) -> None:
    source = template_like(tmp_path / "in.xlsx")
    first = write_feedback(source, findings(), tmp_path / "fb.xls", unit=None, checked_at=CHECKED)
    second = write_feedback(source, findings(), tmp_path / "fb.xlsx", unit=None, checked_at=CHECKED)
    third = write_feedback(source, [], tmp_path / "fb.xlsx", unit=None, checked_at=CHECKED)
    assert [p.name for p in (first, second, third)] == ["fb.xlsx", "fb_2.xlsx", "fb_3.xlsx"]
    assert (
        openpyxl.load_workbook(first)[SHEET]["A1"].value == "台账校验结果（2025-03-31 17:00 检查）"
    )
    assert openpyxl.load_workbook(third)[SHEET]["A2"].value == "未发现需要修改的问题。"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "fb.xlsx",
        "fb_2.xlsx",
        "fb_3.xlsx",
        "in.xlsx",
    ]


def test_returned_feedback_copy_is_marked_afresh(tmp_path: Path) -> None:
    source = template_like(tmp_path / "in.xlsx")
    first = write_feedback(source, findings(), tmp_path / "fb.xlsx", unit=None, checked_at=CHECKED)
    later = [Finding("bad-date", "日期无法识别", sheet="台账", row=4, column="J")]
    again = write_feedback(first, later, tmp_path / "fb.xlsx", unit=None, checked_at=CHECKED)
    wb = openpyxl.load_workbook(again)
    assert wb.sheetnames == [SHEET, "台账", "_meta"]
    assert len(problem_rows(again)) == 1
    sheet = wb["台账"]
    assert sheet["H3"].comment is None and sheet["H3"].fill.fill_type is None
    assert sheet["J4"].comment.text.count("日期无法识别") == 1


def test_xlsm_keeps_its_macros(tmp_path: Path) -> None:
    plain = template_like(tmp_path / "plain.xlsx")
    source = tmp_path / "in.xlsm"
    with zipfile.ZipFile(plain) as old, zipfile.ZipFile(source, "w") as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
            new.writestr(item, data)
        new.writestr("xl/vbaProject.bin", b"fake macros")
    out = write_feedback(source, findings(), tmp_path / "fb.xlsx", unit=None, checked_at=CHECKED)
    assert out.name == "fb.xlsm"
    with zipfile.ZipFile(out) as archive:
        assert archive.read("xl/vbaProject.bin") == b"fake macros"
    assert openpyxl.load_workbook(out, keep_vba=True).sheetnames[0] == SHEET


def test_gbk_csv_is_converted(tmp_path: Path) -> None:
    source = tmp_path / "区卫健局台账.csv"
    lines = [
        ",".join(HEADER),
        "1-1,1,标题一,1,措施一,区卫健局,2024-06-30,好了,=1+1 已开会,,,,王五,",
    ]
    source.write_bytes("\r\n".join(lines).encode("gbk"))
    found = [
        Finding(
            "bad-status",
            "完成状态“好了”不是规定的词语",
            sheet="区卫健局台账",
            row=2,
            column="H",
            value="好了",
        )
    ]
    out = write_feedback(source, found, tmp_path / "fb.csv", unit="区卫健局", checked_at=CHECKED)
    assert out.name == "fb.xlsx"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [SHEET, "区卫健局台账"]
    assert "原文件为 .csv，反馈件已转为 .xlsx" in wb[SHEET]["A2"].value
    sheet = wb["区卫健局台账"]
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet["H2"].value == "好了" and sheet["H2"].fill.fgColor.rgb.endswith(MARK_FILL)
    assert "不是规定的词语" in sheet["H2"].comment.text
    assert sheet["I2"].data_type == "s" and sheet["I2"].value == "=1+1 已开会"


def test_xls_is_converted_with_merges(tmp_path: Path) -> None:
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    sheet = book.add_sheet("台账")
    sheet.write_merge(0, 0, 0, 13, "区卫健局 整改台账")
    for c, name in enumerate(HEADER):
        sheet.write(1, c, name)
    dated = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for r, row in enumerate(ROWS, start=2):
        for c, value in enumerate(row):
            if isinstance(value, date):
                sheet.write(r, c, value, dated)
            elif value not in (None, ""):
                sheet.write(r, c, value)
    source = tmp_path / "in.xls"
    book.save(str(source))
    out = write_feedback(
        source, findings(), tmp_path / "fb.xlsx", unit="区卫健局", checked_at=CHECKED
    )
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [SHEET, "台账"]
    assert "原文件为 .xls，反馈件已转为 .xlsx" in wb[SHEET]["A2"].value
    sheet = wb["台账"]
    assert [str(r) for r in sheet.merged_cells.ranges] == ["A1:N1"]
    assert sheet["A1"].value == "区卫健局 整改台账"
    assert sheet["E3"].value == "措施一" and sheet["G3"].value == datetime(2024, 6, 30)
    assert sheet["I3"].data_type == "s" and sheet["I3"].value == "=SUM(A1:A3) 方案已印发"
    for ref in ("H3", "J4", "B5", "H4"):
        assert sheet[ref].fill.fgColor.rgb.endswith(MARK_FILL), ref
    assert sheet["H3"].comment.author == AUTHOR


def test_unreadable_file_still_gets_a_problem_list(tmp_path: Path) -> None:
    source = tmp_path / "broken.xlsx"
    source.write_bytes(b"PK\x03\x04 not really a zip")
    found = [Finding("unreadable-file", "文件已损坏或不完整")]
    out = write_feedback(source, found, tmp_path / "fb.xlsx", unit="区卫健局", checked_at=CHECKED)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [SHEET]
    assert "未能在原表中标注" in wb[SHEET]["A2"].value
    assert problem_rows(out)[0][6] == fix_for("unreadable-file")


def test_feedback_converts_to_pdf(tmp_path: Path) -> None:
    out = write_feedback(
        template_like(tmp_path / "in.xlsx"),
        findings(),
        tmp_path / "fb.xlsx",
        unit="区卫健局",
        checked_at=CHECKED,
    )
    assert to_pdf(out, tmp_path).stat().st_size > 0


def test_charts_notes_and_conditional_formats_survive(tmp_path: Path) -> None:
    xlsxwriter = pytest.importorskip("xlsxwriter")
    source = tmp_path / "in.xlsx"
    book = xlsxwriter.Workbook(str(source))
    sheet = book.add_worksheet("台账")
    sheet.write_row(0, 0, ["完成状态", "数量"])
    sheet.write_column(1, 1, [1, 2, 3])
    sheet.write_comment("A1", "单位自己的批注")
    chart = book.add_chart({"type": "column"})
    chart.add_series({"values": "=台账!$B$2:$B$4"})
    sheet.insert_chart("D2", chart)
    sheet.conditional_format(
        "B2:B4",
        {
            "type": "cell",
            "criteria": ">",
            "value": 1,
            "format": book.add_format({"bg_color": "#FF0000"}),
        },
    )
    book.close()
    found = [Finding("bad-status", "完成状态不是规定的词语", sheet="台账", row=1, column="A")]
    out = write_feedback(source, found, tmp_path / "fb.xlsx", unit=None, checked_at=CHECKED)
    with zipfile.ZipFile(out) as archive:
        assert any(name.startswith("xl/charts/chart") for name in archive.namelist())
    sheet = openpyxl.load_workbook(out)["台账"]
    assert "B2:B4" in [str(r.sqref) for r in sheet.conditional_formatting]
    note = sheet["A1"].comment.text
    assert note.index("完成状态不是规定的词语") < note.index("单位自己的批注")
