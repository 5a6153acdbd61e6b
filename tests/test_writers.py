"""Big consolidated workbooks are streamed (XlsxWriter's constant_memory): rows must reach the file
once each and in order, or Excel reports the file as damaged."""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime

from toolkit.core.merge import merge
from toolkit.core.model.issue_list import Task, build_issue_list
from toolkit.core.model.ledger import LedgerFile, LedgerRow
from toolkit.core.settings import Settings
from toolkit.write import writers
from toolkit.write.workbook import write_workbook

AS_OF = date(2025, 3, 31)
COLUMNS = {"任务编号": "A", "完成状态": "B", "整改进展": "C", "实际完成日期": "D"}


def big_result(tmp_path, tasks_n: int):
    """A merge of `tasks_n` tasks of one unit, every other one reported on (some with long texts,
    so row heights vary), and a few findings."""
    unit = "区农业农村局"
    tasks = [
        Task(
            f"{n}-1",
            n,
            f"问题{n}",
            1,
            "落实整改措施" * (1 + n % 5),
            (unit,),
            date(2024, 1, 1) if n % 3 else None,
            row=n + 1,
        )
        for n in range(1, tasks_n + 1)
    ]
    settings = Settings(as_of=AS_OF, workspace=tmp_path)
    issues = build_issue_list(tasks, settings)
    ledger = LedgerFile(f"{unit}.xlsx", unit=unit, unit_source="_meta", ok=True)
    ledger.rows = [
        LedgerRow(
            ledger.name,
            "台账",
            n + 2,
            {
                "任务编号": f"{n}-1",
                "完成状态": "已完成" if n % 4 else "推进中",
                "整改进展": "已召开会议，印发方案。" * (n % 7),
                "实际完成日期": "2024-06-01",
            },
            COLUMNS,
        )
        for n in range(1, tasks_n + 1, 2)
    ]
    ledger.rows.append(
        LedgerRow(ledger.name, "台账", tasks_n + 5, {"任务编号": "不存在-9"}, COLUMNS)
    )
    result = merge(issues, [ledger], settings, AS_OF)
    result.changes = []  # the 变化 sheet too
    return result, settings


def row_numbers(path, sheet_xml: str) -> list[int]:
    with zipfile.ZipFile(path) as z:
        xml = z.read(sheet_xml).decode("utf-8")
    return [int(n) for n in re.findall(r'<row r="(\d+)"', xml)]


def test_streamed_sheets_have_each_row_once_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr(writers, "STREAM_ROWS", 2_000)  # stream from 2,000 rows, not 150,000
    rows_n = writers.STREAM_ROWS + 500
    result, settings = big_result(tmp_path, rows_n)
    assert len(result.rows) > writers.STREAM_ROWS  # constant_memory mode
    path = write_workbook(result, settings, datetime(2025, 3, 31, 17, 0, 0))
    with zipfile.ZipFile(path) as z:
        sheets = sorted(n for n in z.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
        streamed = b"inlineStr" in z.read(
            "xl/worksheets/sheet2.xml"
        )  # no shared strings when streamed
    assert streamed
    assert len(sheets) == 6  # 汇总 台账明细 校验问题 未报送 延期申请 变化
    for sheet in sheets:
        numbers = row_numbers(path, sheet)
        assert numbers, sheet
        assert numbers == sorted(set(numbers)), sheet
    assert (
        len(row_numbers(path, "xl/worksheets/sheet2.xml")) == rows_n + 1
    )  # 台账明细: header + one per task


def test_small_workbooks_keep_the_same_row_order(tmp_path):
    result, settings = big_result(tmp_path, 30)
    path = write_workbook(result, settings, datetime(2025, 3, 31, 17, 0, 0))
    numbers = row_numbers(path, "xl/worksheets/sheet2.xml")
    assert numbers == list(range(1, 32))
    with zipfile.ZipFile(path) as z:  # built in memory: each text once, in the shared string table
        assert b"inlineStr" not in z.read("xl/worksheets/sheet2.xml")
        assert "xl/sharedStrings.xml" in z.namelist()
