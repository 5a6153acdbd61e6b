"""Returns in the layouts units really use (issue 11), end to end through the CLI on the small workspace."""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from pathlib import Path

import openpyxl
from conftest import HEADER, write_ledger
from typer.testing import CliRunner

from toolkit.cli import app

runner = CliRunner()


def merged(ws: Path) -> tuple[dict, dict[tuple[str, str], tuple]]:
    result = runner.invoke(app, ["merge", "-w", str(ws), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    sheet = openpyxl.load_workbook(data["output"])["台账明细"]
    header = [c.value for c in sheet[1]]
    rows = {}
    for line in sheet.iter_rows(min_row=2, values_only=True):
        record = dict(zip(header, line, strict=False))
        rows[(record["任务编号"], record["责任单位"])] = record
    return data, rows


def test_a_unit_layout_with_shortened_texts_chinese_numbers_and_no_status(small_ws):
    """序号五 as the problem number, 措施 under 整改任务, a cut measure text, the status only in the text."""
    (small_ws / "inbox" / "区农业农村局.xlsx").unlink()
    write_ledger(
        small_ws / "inbox" / "区农业农村局整改台账.xlsx",
        [
            ["区农业农村局督察反馈问题整改落实情况"],
            ["序号", "问题", "整改任务", "", "完成状态", "整改进展", "完成时间"],
            ["", "", "措施", "内容", "", "", ""],
            [
                "序号五",
                "秸秆综合利用难题需深入破解",
                "（一）",
                "成立区农作物秸秆综合利用工作领导小组",
                "长期坚持",
                "已成立",
                None,
            ],
            [
                "",
                "",
                "（二）",
                "2024年7月底前，区农业农村局联合……",
                "",
                "已完成整改，见附件",
                datetime(2024, 7, 20),
            ],
        ],
        header=None,
        merges=("A2:A3", "B2:B3", "C2:D2", "E2:E3", "F2:F3", "G2:G3", "A4:A5", "B4:B5"),
    )
    data, rows = merged(small_ws)
    assert rows[("5-1", "区农业农村局")]["完成状态"] == "长期坚持"
    done = rows[("5-2", "区农业农村局")]
    assert (done["完成状态"], done["逾期状态"]) == ("已完成", "已完成")
    codes = {f["code"] for f in data["findings"] if f["file"] == "区农业农村局整改台账.xlsx"}
    assert "status-from-text" in codes
    assert not codes & {
        "unknown-task",
        "no-status",
        "matched-by-text",
        "locked-field-changed",
        "missing-task",
    }


def test_another_units_row_and_the_feedback_copy(small_ws):
    """区卫健局's file also holds 区生态环境分局's row for 13-1: that row is 生态环境分局's, 卫健局's own row
    for 13-1 counts, and the feedback copy does not ask 卫健局 to delete anything."""
    path = small_ws / "inbox" / "区卫健局.xlsx"
    write_ledger(
        path,
        header=None,
        rows=[
            ["区卫健局 整改台账"],
            HEADER,
            [
                "13-1",
                13,
                "",
                1,
                "",
                "区卫健局",
                "",
                "推进中",
                "已召开会议",
                None,
                "",
                "",
                "王五",
                "",
            ],
            [
                "13-1",
                13,
                "",
                1,
                "",
                "区生态环境分局",
                "",
                "已完成",
                "生态环境分局已组织会商",
                date(2024, 6, 20),
                "",
                "",
                "王五",
                "",
            ],
            [
                "13-2",
                13,
                "",
                2,
                "",
                "区卫健局",
                "",
                "已完成",
                "已制定登记表",
                date(2025, 3, 1),
                "",
                "",
                "王五",
                "",
            ],
        ],
    )
    data, rows = merged(small_ws)
    assert rows[("13-1", "区卫健局")]["完成状态"] == "推进中"
    assert rows[("13-1", "区生态环境分局")]["完成状态"] == "已完成"
    assert "区卫健局.xlsx" in rows[("13-1", "区生态环境分局")]["来源文件"]
    found = [
        (f["code"], f["level"], f["row"]) for f in data["findings"] if f["file"] == "区卫健局.xlsx"
    ]
    assert ("filed-by-other", "提示", 4) in found and not any(
        code == "duplicate-row" for code, _, _ in found
    )

    result = runner.invoke(app, ["check", "-w", str(small_ws), str(path)])
    assert result.exit_code == 0, result.output
    assert "责任单位是 区生态环境分局" in result.output and "删除" not in result.output
    feedback = next((small_ws / "outbox" / "反馈").glob("*.xlsx"))
    book = openpyxl.load_workbook(feedback)
    texts = [
        str(v) for sheet in book for line in sheet.iter_rows(values_only=True) for v in line if v
    ]
    assert any("filed-by-other" in t or "责任单位是 区生态环境分局" in t for t in texts)
    assert not any("删除" in t for t in texts)


def test_two_versions_ordered_only_by_file_time_are_named(small_ws):
    inbox = small_ws / "inbox"
    (inbox / "区卫健局.xlsx").rename(inbox / "区卫健局v1.xlsx")
    write_ledger(
        inbox / "区卫健局v2.xlsx",
        header=None,
        rows=[
            ["区卫健局 整改台账"],
            HEADER,
            [
                "13-1",
                13,
                "",
                1,
                "",
                "",
                "",
                "已完成",
                "已召开会议",
                date(2024, 6, 20),
                "",
                "",
                "王五",
                "",
            ],
            [
                "13-2",
                13,
                "",
                2,
                "",
                "",
                "",
                "已完成",
                "已制定登记表",
                date(2025, 3, 1),
                "",
                "",
                "王五",
                "",
            ],
        ],
    )
    os.utime(inbox / "区卫健局v1.xlsx", (1_743_000_000, 1_743_000_000))
    os.utime(inbox / "区卫健局v2.xlsx", (1_743_100_000, 1_743_100_000))
    data, rows = merged(small_ws)
    warned = [f for f in data["findings"] if f["code"] == "order-by-file-time"]
    assert (
        len(warned) == 1 and warned[0]["level"] == "警告" and warned[0]["file"] == "区卫健局v2.xlsx"
    )
    assert (
        "区卫健局v1.xlsx" in warned[0]["message"]
        and "采用了 区卫健局v2.xlsx" in warned[0]["message"]
    )
    assert rows[("13-1", "区卫健局")]["完成状态"] == "已完成"


def test_the_leaders_mail_reads_the_status_taken_from_the_text(small_ws):
    import email
    from email import policy

    path = small_ws / "inbox" / "区农业农村局.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book["台账"]
    sheet["H4"], sheet["I4"] = (
        None,
        "已完成整改，见附件",
    )  # 5-2: status blank, the text says it is done
    book.save(path)
    result = runner.invoke(app, ["mail", "-w", str(small_ws), "--to", "boss@example.gov.cn"])
    assert result.exit_code == 0, result.output
    draft = next((small_ws / "outbox" / "邮件").glob("汇总_*.eml"))
    message = email.message_from_bytes(draft.read_bytes(), policy=policy.default)
    html = message.get_body(("html",)).get_content()
    assert "13-1" in html  # a task past its deadline and not done is listed ...
    assert "5-2" not in html  # ... 5-2 is done, by its progress text
