"""Reading returned ledgers of every shape a unit sends: formats, header shapes, which unit sent it."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from conftest import HEADER, write_ledger

from toolkit.core.model.issue_list import UnitBook
from toolkit.core.normalize import column_letter
from toolkit.core.settings import Settings
from toolkit.read.grid import Grid
from toolkit.read.inbox import read_inbox, scan_inbox
from toolkit.read.ledger import read_ledger
from toolkit.read.ledger_header import header_lookup, locate_header

UNITS = UnitBook(
    ["区卫健局", "区农业农村局", "区城市管理局", "区生态环境分局"], {"区城管局": "区城市管理局"}
)
ROWS = [
    [
        "13-1",
        13,
        "医疗废物贮运管理存在薄弱环节",
        1,
        "组织会商协调会议",
        "区生态环境分局、区卫健局",
        date(2024, 6, 30),
        "已完成",
        "召开了政府常务会议",
        date(2024, 6, 20),
        "会议纪要",
        "",
        "张三",
        "0431-84651234",
    ],
    [
        "13-2",
        13,
        "医疗废物贮运管理存在薄弱环节",
        2,
        "统一制定登记表",
        "区卫健局",
        date(2024, 12, 31),
        "推进中",
        "已制定登记表",
        None,
        "",
        "人手不足",
        "张三",
        "13904311234",
    ],
]


def read(path: Path, settings: Settings | None = None):
    return read_ledger(path, path.name, settings or Settings(), UNITS)


def values(ledger, field):
    return [r.values.get(field) for r in ledger.rows]


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]


def test_template_shape_with_meta(tmp_path):
    path = write_ledger(
        tmp_path / "随便起的名字.xlsx",
        ROWS,
        title="区卫健局 整改台账（截至2025年3月31日）",
        meta={"单位": "区卫健局", "模板版本": "1", "生成时间": "2025-03-01 09:00:00"},
    )
    ledger = read(path)
    assert ledger.ok and ledger.unit == "区卫健局" and ledger.unit_source == "_meta"
    assert ledger.meta_time == datetime(2025, 3, 1, 9, 0)
    assert [r.row for r in ledger.rows] == [3, 4]
    assert values(ledger, "任务编号") == ["13-1", "13-2"]
    assert values(ledger, "联系电话") == ["0431-84651234", "13904311234"]
    assert ledger.rows[0].columns["完成状态"] == "H"


def test_title_block_two_row_merged_header_sections_and_notes(tmp_path):
    rows = [
        ["区卫健局整改台账"],
        ["填报单位：区卫健局", None, None, "填报日期：2025年3月28日"],
        [],
        ["基本信息", None, None, "整改情况", None, None],
        ["序号", "措施序号", "整改措施", "状态", "进展情况", "完成时间"],
        ["一、医疗废物"],
        ["十三", "1", "组织会商协调会议", "完成", "召开了会议", "2024/6/20"],
        [None, "2", "统一制定登记表", "正在推进", "制定中", None],
        ["填表说明：状态请从下拉列表中选择"],
    ]
    path = write_ledger(
        tmp_path / "卫健局.xlsx", rows, merges=["A4:C4", "D4:F4", "A6:F6", "A7:A8"], header=None
    )
    ledger = read(path)
    assert ledger.ok, ledger.findings
    assert [r.row for r in ledger.rows] == [7, 8]
    assert values(ledger, "问题序号") == ["十三", "十三"]  # the merged cell fills down
    assert values(ledger, "完成状态") == ["完成", "正在推进"]
    assert values(ledger, "实际完成日期")[0] == "2024/6/20"
    assert ledger.unit == "区卫健局" and ledger.unit_source == "标题"
    assert ledger.reported == date(2025, 3, 28)


def test_instruction_sheet_first(tmp_path):
    path = write_ledger(
        tmp_path / "区农业农村局.xlsx",
        [HEADER, *ROWS],
        before=("填报说明", [["1. 请勿修改灰色列"], ["2. 完成状态从下拉列表选择"]]),
        header=None,
    )
    ledger = read(path)
    assert ledger.ok and len(ledger.rows) == 2 and ledger.rows[0].sheet == "台账"
    assert ledger.unit == "区卫健局"  # every row's 责任单位 names 区卫健局


def test_unit_from_file_name_alias(tmp_path):
    header = ["问题序号", "措施序号", "整改措施", "完成状态", "整改进展"]
    path = write_ledger(
        tmp_path / "区城管局-3月.xlsx",
        [header, [6, 1, "落实市局要求", "已完成", "已落实"]],
        header=None,
    )
    ledger = read(path)
    assert ledger.unit == "区城市管理局" and ledger.unit_source == "文件名"


def test_duplicate_header_is_reported(tmp_path):
    header = ["任务编号", "问题序号", "整改措施", "完成状态", "完成状态"]
    ledger = read(
        write_ledger(
            tmp_path / "区卫健局.xlsx", [header, ["13-1", 13, "x", "已完成", "推进中"]], header=None
        )
    )
    dup = [f for f in ledger.findings if f.code == "duplicate-column"]
    assert len(dup) == 1 and dup[0].column == "E" and dup[0].row == 1
    assert values(ledger, "完成状态") == ["已完成"]


def test_header_with_no_rows_is_read_as_empty(tmp_path):
    ledger = read(write_ledger(tmp_path / "区卫健局.xlsx", [HEADER], header=None))
    assert ledger.ok and ledger.rows == []


def test_no_header(tmp_path):
    ledger = read(
        write_ledger(tmp_path / "区卫健局.xlsx", [["姓名", "年龄"], ["张三", 30]], header=None)
    )
    assert not ledger.ok and [f.code for f in ledger.findings] == ["no-header"]


def test_csv_gbk_bom_and_mixed_line_endings(tmp_path):
    text = '任务编号,完成状态,整改进展,问题序号,整改措施\r\n13-1,完成,开了会,13,会商\n13-2,正在推进,"多行\r\n文字",13,登记表\r'
    for encoding, prefix in (
        ("gbk", b""),
        ("gb18030", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("utf-8", b""),
    ):
        path = tmp_path / f"区卫健局_{encoding}_{len(prefix)}.csv"
        path.write_bytes(prefix + text.encode(encoding))
        ledger = read(path)
        assert ledger.ok, (encoding, ledger.findings)
        assert values(ledger, "完成状态") == ["完成", "正在推进"]
        assert values(ledger, "整改进展")[1] == "多行\n文字"


def test_xls_via_xlwt(tmp_path):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    notes = book.add_sheet("填报说明")
    notes.write(0, 0, "请按说明填写")
    sheet = book.add_sheet("台账")
    for c, name in enumerate(HEADER[:10]):
        sheet.write(1, c, name)
    style = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for r, line in enumerate(ROWS, start=2):
        for c, value in enumerate(line[:10]):
            if isinstance(value, date):
                sheet.write(r, c, datetime(value.year, value.month, value.day), style)
            elif value is not None:
                sheet.write(r, c, value)
    path = tmp_path / "区卫健局.xls"
    book.save(str(path))
    ledger = read(path)
    assert ledger.ok and values(ledger, "任务编号") == ["13-1", "13-2"]
    assert values(ledger, "实际完成日期")[0] in (date(2024, 6, 20), datetime(2024, 6, 20))


def test_ods(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("odf")
    path = tmp_path / "区卫健局.ods"
    pd.DataFrame([line[:9] for line in ROWS], columns=HEADER[:9]).to_excel(
        path, engine="odf", index=False
    )
    ledger = read(path)
    assert ledger.ok and values(ledger, "完成状态") == ["已完成", "推进中"]


def test_zip_with_gbk_member_names(tmp_path):
    member = write_ledger(tmp_path / "m.xlsx", [HEADER, *ROWS], header=None).read_bytes()
    inbox = tmp_path / "ws" / "inbox"
    inbox.mkdir(parents=True)
    buffer = io.BytesIO()
    gbk_name = "台账/区卫健局.xlsx".encode(
        "gbk"
    )  # as Windows zip tools store it: GBK, no UTF-8 flag
    placeholder = "Q" * (len(gbk_name) - 5) + ".xlsx"
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(placeholder, member)
        archive.writestr("说明.docx", b"not a ledger")
    (inbox / "打包.zip").write_bytes(buffer.getvalue().replace(placeholder.encode(), gbk_name))
    files = read_inbox(Settings(workspace=tmp_path / "ws"), UNITS)
    names = [f.name for f in files]
    assert "打包.zip/台账/区卫健局.xlsx" in names
    ledger = files[names.index("打包.zip/台账/区卫健局.xlsx")]
    assert ledger.ok and len(ledger.rows) == 2
    skipped = files[names.index("打包.zip/说明.docx")]
    assert [f.code for f in skipped.findings] == ["skipped-file"]


def test_inbox_ignores_lock_and_hidden_files(tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "sub").mkdir(parents=True)
    (inbox / "~$区卫健局.xlsx").write_bytes(b"owner")
    (inbox / ".DS_Store").write_bytes(b"x")
    (inbox / "sub" / "a.xlsx").write_bytes(b"x")
    (inbox / "说明.docx").write_bytes(b"x")
    assert sorted(p.name for p in scan_inbox(inbox)[0]) == ["a.xlsx", "说明.docx"]


@pytest.mark.parametrize(
    "name, content, code",
    [
        ("空.xlsx", b"", "unreadable-file"),
        ("不是压缩包.xlsx", bytes(range(256)) * 8, "unreadable-file"),
        ("文字.xlsx", b"this is plain text, not a workbook\n" * 10, "no-header"),
        ("截断.xlsx", None, "unreadable-file"),
        ("图片.xls", b"BM" + bytes(range(256)) * 4, "unreadable-file"),
    ],
)
def test_broken_files_become_findings(tmp_path, name, content, code):
    if content is None:
        whole = write_ledger(tmp_path / "whole.xlsx", [HEADER, *ROWS], header=None).read_bytes()
        content = whole[: len(whole) // 2]
    path = tmp_path / name
    path.write_bytes(content)
    ledger = read(path)
    assert not ledger.ok and [f.code for f in ledger.findings] == [code]
    assert ledger.findings[0].file == name and ledger.findings[0].message


def test_encrypted_ole_xlsx(tmp_path):
    fake = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 200
        + "EncryptedPackage".encode("utf-16-le")
        + b"\0" * 600
    )
    path = tmp_path / "加密.xlsx"
    path.write_bytes(fake)
    assert [f.code for f in read(path).findings] == ["encrypted-file"]


def test_locate_header_prefers_canonical_names():
    grid = Grid("台账", [["序号", "问题序号", "整改措施", "完成情况"], [1, 13, "x", "做了"]])
    header, start, mapping = locate_header(grid, header_lookup(Settings()), 30)
    assert (header, start) == (0, 1)
    assert mapping == {1: "问题序号", 2: "整改措施", 3: "整改进展"}


def test_control_characters_are_removed_and_reported(tmp_path):
    path = tmp_path / "区卫健局.csv"
    path.write_text(
        "任务编号,问题序号,整改措施,整改进展\n13-1,13,会商,开了\x07会\x1b\n", encoding="utf-8"
    )
    ledger = read(path)
    assert values(ledger, "整改进展") == ["开了会"]
    found = [f for f in ledger.findings if f.code == "control-chars"]
    assert found and found[0].row == 2 and found[0].column == "D"


def test_error_values_typed_in_cells(tmp_path):
    path = tmp_path / "区卫健局.csv"
    path.write_text(
        "任务编号,问题序号,整改措施,实际完成日期\n13-1,13,会商,#REF!\n", encoding="utf-8"
    )
    ledger = read(path)
    assert values(ledger, "实际完成日期") == [""]
    assert [f.code for f in ledger.findings] == ["cell-error"]


def test_file_over_size_limit_is_refused(tmp_path):
    from toolkit.core.settings_file import settings_from_dict

    settings = settings_from_dict({"limits": {"max_file_mb": 1}}, tmp_path)
    path = tmp_path / "区卫健局.csv"
    path.write_bytes(b"a,b\n" * 400_000)
    ledger = read(path, settings)
    assert [f.code for f in ledger.findings] == ["file-too-large"]


def test_zip_bomb_is_refused_before_inflating(tmp_path):
    from toolkit.core.settings_file import settings_from_dict

    settings = settings_from_dict({"limits": {"max_unzipped_mb": 1}}, tmp_path)
    path = tmp_path / "区卫健局.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (3 * 2**20))
    ledger = read(path, settings)
    assert [f.code for f in ledger.findings] == ["file-too-large"]


def test_unreadable_permissions(tmp_path, monkeypatch):
    path = write_ledger(tmp_path / "区卫健局.xlsx", [HEADER, *ROWS], header=None)

    def denied(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", denied)  # root reads anything, so deny it this way
    ledger = read(path)
    assert [f.code for f in ledger.findings] == ["unreadable-file"]
    assert "权限" in ledger.findings[0].message


def test_xlsx_error_cells_and_formulas_without_values(tmp_path):
    """openpyxl writes formulas with no cached result, as scripts do; error cells need raw XML."""
    path = tmp_path / "区卫健局.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(["任务编号", "问题序号", "整改措施", "完成状态", "实际完成日期", "整改进展"])
    ws.append(["13-1", 13, "会商", "已完成", "=DATE(2024,6,20)", "开了会"])
    ws.append(["13-2", 13, "登记表", "推进中", None, "x"])
    wb.save(path)
    # turn F3 into an error cell, the way Excel stores #REF!
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    import re as _re

    sheet = _re.sub(r'<c r="F3"[^>]*?(/>|>.*?</c>)', '<c r="F3" t="e"><v>#REF!</v></c>', sheet)
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    ledger = read(path)
    found = {(f.code, f.row, f.column) for f in ledger.findings}
    assert ("formula-no-value", 2, "E") in found
    assert ("cell-error", 3, "F") in found
    assert values(ledger, "实际完成日期") == ["", None] or values(ledger, "实际完成日期")[0] == ""
    assert values(ledger, "整改进展") == ["开了会", ""]


def test_million_row_used_range_costs_only_real_rows(tmp_path):
    path = write_ledger(tmp_path / "区卫健局.xlsx", [HEADER, *ROWS], header=None)
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    import re as _re

    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet = _re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048576"', sheet)
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    ledger = read(path)
    assert ledger.ok and len(ledger.rows) == 2


def test_a_data_row_is_never_taken_for_a_second_header_row(tmp_path):
    header = ["任务编号", "问题序号", "整改措施", "完成状态", "整改进展", "备注"]
    rows = [
        header,
        ["13-1", 13, "会商", "已完成", "开了会", "附件（照片）"],
        ["13-2", 13, "登记表", "推进中", "x", ""],
    ]
    ledger = read(write_ledger(tmp_path / "区卫健局.xlsx", rows, header=None))
    assert values(ledger, "任务编号") == ["13-1", "13-2"]


def test_column_number_row_under_the_header_is_skipped(tmp_path):
    rows = [HEADER, list(range(1, 15)), ROWS[0]]
    ledger = read(write_ledger(tmp_path / "区卫健局.xlsx", rows, header=None))
    assert values(ledger, "任务编号") == ["13-1"]


def test_narrow_merge_across_a_data_row_keeps_its_text_in_one_field(tmp_path):
    row = list(ROWS[1])
    row[9] = None
    ledger = read(
        write_ledger(tmp_path / "区卫健局.xlsx", [HEADER, row], merges=["I2:K2"], header=None)
    )
    assert values(ledger, "整改进展") == ["已制定登记表"]
    assert values(ledger, "实际完成日期") in ([None], [""]) and values(ledger, "佐证材料") in (
        [None],
        [""],
    )


def test_web_page_xls_with_rowspan(tmp_path):
    html = (
        "<html><body><table><tr><th>问题序号</th><th>措施序号</th><th>整改措施</th><th>完成状态</th></tr>"
        "<tr><td rowspan='2'>13</td><td>1</td><td>会商</td><td>已完成</td></tr>"
        "<tr><td>2</td><td>登记表</td><td>推进中</td></tr></table></body></html>"
    )
    path = tmp_path / "区卫健局.xls"
    path.write_text(html, encoding="utf-8")
    ledger = read(path)
    assert values(ledger, "问题序号") == ["13", "13"]
    assert values(ledger, "完成状态") == ["已完成", "推进中"]


def test_meta_time_with_a_time_zone(tmp_path):
    path = write_ledger(
        tmp_path / "x.xlsx",
        ROWS[:1],
        meta={"单位": "区卫健局", "生成时间": "2025-03-01T10:00:00+08:00"},
    )
    ledger = read(path)
    assert ledger.meta_time is not None and ledger.meta_time.tzinfo is None


@pytest.mark.parametrize("below", [("措施", "内容"), ("措施", "具体措施"), ("序号", "整改措施")])
def test_two_row_header_with_measure_numbers_under_a_task_group(tmp_path, below):
    """整改任务 merged over two columns, 措施 (the measure's number) and its text below."""
    rows = [
        ["区农业农村局整改台账"],
        ["序号", "问题", "整改任务", "", "责任单位", "完成时限", "完成状态", "整改进展"],
        ["", "", *below, "", "", "", ""],
        [
            "七",
            "秸秆综合利用难题需深入破解",
            "（一）",
            "成立区农作物秸秆综合利用工作领导小组",
            "区农业农村局",
            "长期坚持",
            "",
            "已成立",
        ],
        [
            "",
            "",
            "（二）",
            "2024年7月底前，区农业农村局联合……",
            "区农业农村局",
            "2024-07-31",
            "已完成",
            "已印发",
        ],
    ]
    merges = ["A2:A3", "B2:B3", "C2:D2", "E2:E3", "F2:F3", "G2:G3", "H2:H3", "A4:A5", "B4:B5"]
    ledger = read(write_ledger(tmp_path / "农业.xlsx", rows, header=None, merges=merges))
    assert ledger.ok and [r.row for r in ledger.rows] == [4, 5]
    assert values(ledger, "措施序号") == ["（一）", "（二）"]
    assert values(ledger, "整改措施")[1] == "2024年7月底前，区农业农村局联合……"
    assert values(ledger, "问题序号") == ["七", "七"]
    assert ledger.rows[0].columns["措施序号"] == "C" and ledger.rows[0].columns["整改措施"] == "D"


def test_measure_number_column_beside_the_text_in_a_one_row_header(tmp_path):
    rows = [
        ["序号", "措施", "具体措施", "责任单位", "完成状态"],
        [13, "1.", "组织会商协调会议", "区卫健局", "已完成"],
        [13, "2.", "统一制定登记表", "区卫健局", "推进中"],
    ]
    ledger = read(write_ledger(tmp_path / "卫健.xlsx", rows, header=None))
    assert (
        values(ledger, "措施序号") == ["1.", "2."]
        and values(ledger, "整改措施")[0] == "组织会商协调会议"
    )


def test_reported_date_as_a_label_and_a_date_cell(tmp_path):
    """填报日期 | 2025-03-28 in two cells, above the table (as the template has it) or below it."""
    above = [["区卫健局整改台账", "", "", "填报日期", datetime(2025, 3, 28)], HEADER, ROWS[0]]
    assert read(write_ledger(tmp_path / "a.xlsx", above, header=None)).reported == date(2025, 3, 28)
    below = [HEADER, ROWS[0], ROWS[1], ["填报日期：", "2025年3月27日"]]
    ledger = read(write_ledger(tmp_path / "b.xlsx", below, header=None))
    assert ledger.reported == date(2025, 3, 27) and len(ledger.rows) == 2 and ledger.findings == []


def test_csv_with_a_quote_and_semicolon_in_a_text_is_still_comma_separated(tmp_path):
    """Hypothesis found it: one progress text `";` in a comma file, and the separator was guessed
    from the quotes as `;` — the whole file then had no header."""
    rows = ["整改进展,措施序号,整改措施,完成状态,问题序号,实际完成日期"]
    rows += [",1,成立工作领导小组,已完成,5,"] * 7 + ['""";",1,成立工作领导小组,已完成,5,']
    path = tmp_path / "区农业农村局.csv"
    path.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8")
    ledger = read(path)
    assert ledger.ok, ledger.findings
    assert values(ledger, "整改进展")[-1] == '";'
    assert values(ledger, "完成状态") == ["已完成"] * 8
