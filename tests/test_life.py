"""The life of a task (DESIGN §8): a unit asks for time (申请延期), the office approves it
(toolkit extend) or closes a verified task (toolkit close); problems counted as a whole."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from toolkit.api.merge import merge_only
from toolkit.api.workspace import open_workspace
from toolkit.cli import app
from toolkit.core.defaults import DEFAULT_COLORS
from toolkit.deliver.mail import reminder_units, summary_message

runner = CliRunner()
HEALTH = "卫健局整改台账.xlsx"  # the sample's return from 区卫健局: tasks 13-1 (with 区生态环境分局) and 13-2


def merge_json(ws: Path) -> dict:
    result = runner.invoke(app, ["merge", "-w", str(ws), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def detail(workbook: str | Path) -> tuple[list[str], dict[tuple[str, str], list]]:
    sheet = openpyxl.load_workbook(workbook)["台账明细"]
    header = [c.value for c in sheet[1]]
    return header, {(r[0].value, r[5].value): r for r in sheet.iter_rows(min_row=2)}


def issue_row(ws: Path, task_id: str) -> dict[str, object]:
    sheet = openpyxl.load_workbook(ws / "issues.xlsx")["问题清单"]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2, values_only=True):
        if row[0] == task_id:
            return dict(zip(header, row, strict=False))
    raise AssertionError(task_id)


def set_cells(path: Path, task_id: str, **values: object) -> None:
    """Fill a returned ledger's row as the unit would, by column name."""
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[2]]
    for row in sheet.iter_rows(min_row=3):
        if row[0].value == task_id:
            for name, value in values.items():
                row[header.index(name)].value = value
            break
    else:
        raise AssertionError(task_id)
    book.save(path)


def drop_row(path: Path, task_id: str) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    for row in sheet.iter_rows(min_row=3):
        if row[0].value == task_id:
            sheet.delete_rows(row[0].row)
            break
    book.save(path)


# --------------------------------------------------------------------------- 申请延期


def test_a_request_is_noted_listed_and_checked(sample_ws):
    inbox = sample_ws / "inbox"
    set_cells(inbox / HEALTH, "13-1", 完成状态="申请延期", 申请延期至=datetime(2025, 5, 31))
    set_cells(inbox / HEALTH, "13-2", 完成状态="申请延期")  # no date: a clear finding
    data = merge_json(sample_ws)
    asked = [f for f in data["findings"] if f["code"] == "extension-requested"]
    assert [(f["level"], f["file"], f["message"]) for f in asked] == [
        ("提示", HEALTH, "任务 13-1 申请延期至 2025-05-31（现完成时限 2024-06-30）")
    ]
    bad = [f for f in data["findings"] if f["code"] == "bad-extension"]
    assert len(bad) == 1 and bad[0]["level"] == "警告" and "13-2" in bad[0]["message"]
    assert "申请延期至" in bad[0]["column"]

    requests = {r["任务编号"]: r for r in data["extension_requests"]}
    assert (
        requests["13-1"]["申请延期至"] == "2025-05-31"
        and requests["13-1"]["原完成时限"] == "2024-06-30"
    )
    assert "需延期至2025年5月底前" in requests["13-1"]["理由"]
    assert requests["13-2"]["申请延期至"] is None

    sheet = openpyxl.load_workbook(data["output"])["延期申请"]
    assert openpyxl.load_workbook(data["output"]).sheetnames == [
        "汇总",
        "台账明细",
        "校验问题",
        "未报送",
        "延期申请",
        "变化",
    ]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0] == ["任务编号", "责任单位", "原完成时限", "申请延期至", "理由", "来源文件"]
    first = next(r for r in rows if r[0] == "13-1")
    assert (
        first[1] == "区卫健局" and first[3] == datetime(2025, 5, 31) and first[5].startswith(HEALTH)
    )
    # the status is a known word: counted as 推进中, still overdue until the extension is approved
    unit = next(u for u in data["units"] if u["责任单位"] == "区卫健局")
    assert unit["推进中"] == 2 and unit["逾期"] == 2


def test_a_request_for_a_date_not_after_the_deadline_is_a_finding(sample_ws):
    set_cells(
        sample_ws / "inbox" / HEALTH, "13-1", 完成状态="申请延期", 申请延期至=datetime(2024, 6, 1)
    )
    set_cells(
        sample_ws / "inbox" / HEALTH, "13-2", 申请延期至=datetime(2025, 9, 30)
    )  # a date, no request
    data = merge_json(sample_ws)
    messages = [f["message"] for f in data["findings"] if f["code"] == "bad-extension"]
    assert any("不晚于现完成时限 2024-06-30" in m for m in messages)
    assert any("完成状态是“未启动”" in m for m in messages)
    assert not data["extension_requests"] or all(
        r["申请延期至"] is None for r in data["extension_requests"]
    )


def test_the_template_offers_the_request(sample_ws):
    result = runner.invoke(app, ["template", "-w", str(sample_ws), "--unit", "区卫健局"])
    assert result.exit_code == 0, result.output
    ledger = next((sample_ws / "outbox").glob("分发_*/区卫健局_整改台账.xlsx"))
    sheet = openpyxl.load_workbook(ledger)["台账"]
    header = [c.value for c in sheet[2]]
    assert header[header.index("实际完成日期") + 1] == "申请延期至"
    kinds = {v.type: v for v in sheet.data_validations.dataValidation}
    assert "申请延期" in kinds["list"].formula1
    dates = [str(v.sqref) for v in sheet.data_validations.dataValidation if v.type == "date"]
    assert any(ref.startswith("K3:") for ref in dates)


# --------------------------------------------------------------------------- toolkit extend


def test_extend_writes_the_issue_list_and_moves_the_deadline(sample_ws):
    before = merge_json(sample_ws)
    _, rows = detail(before["output"])
    assert rows[("13-2", "区卫健局")][9].value == "逾期"
    book = openpyxl.load_workbook(sample_ws / "issues.xlsx")
    sheets = [(s.title, s.sheet_state) for s in book.worksheets]
    old = (sample_ws / "issues.xlsx").read_bytes()

    result = runner.invoke(
        app,
        [
            "extend",
            "13-2",
            "--to",
            "2025-09-30",
            "--basis",
            "区整改办〔2025〕3号",
            "-w",
            str(sample_ws),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (
        "已批准任务 13-2 延期：完成时限 2024-06-30 → 2025-09-30（依据：区整改办〔2025〕3号）"
        in result.output
    )
    row = issue_row(sample_ws, "13-2")
    assert row["调整后时限"] == datetime(2025, 9, 30) and row["调整依据"] == "区整改办〔2025〕3号"
    assert row["完成时限"] == datetime(2024, 6, 30)  # the original date stays
    book = openpyxl.load_workbook(sample_ws / "issues.xlsx")
    assert [
        (s.title, s.sheet_state) for s in book.worksheets
    ] == sheets  # 单位通讯录, hidden sheets kept
    backups = list((sample_ws / "archive").glob("issues_备份_*.xlsx"))
    assert len(backups) == 1 and backups[0].read_bytes() == old

    after = merge_json(sample_ws)
    header, rows = detail(after["output"])
    assert header[6:8] == ["完成时限", "调整后时限"]
    line = rows[("13-2", "区卫健局")]
    assert line[6].value == datetime(2024, 6, 30) and line[7].value == datetime(2025, 9, 30)
    assert line[9].value == "正常" and line[10].value is None
    assert {
        "kind": "延期",
        "task_id": "13-2",
        "unit": "区卫健局",
        "before": "2024-06-30",
        "after": "2025-09-30",
        "note": "完成时限调整为 2025-09-30，依据：区整改办〔2025〕3号",
    } in after["changes"]
    assert {
        "任务编号": "13-2",
        "完成时限": "2024-06-30",
        "调整后时限": "2025-09-30",
        "调整依据": "区整改办〔2025〕3号",
        "销号日期": None,
        "销号依据": "",
    } in after["adjusted"]
    # a ledger sent after the extension shows the new deadline, and reads back without a finding
    assert (
        runner.invoke(app, ["template", "-w", str(sample_ws), "--unit", "区卫健局"]).exit_code == 0
    )
    ledger = next((sample_ws / "outbox").glob("分发_*/区卫健局_整改台账.xlsx"))
    sheet = openpyxl.load_workbook(ledger)["台账"]
    assert [r[6] for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] == "13-2"] == [
        datetime(2025, 9, 30)
    ]
    # extending again needs a later date still
    again = runner.invoke(
        app, ["extend", "13-2", "--to", "2025-09-30", "--basis", "x", "-w", str(sample_ws)]
    )
    assert again.exit_code == 2
    assert "新的完成时限 2025-09-30 不晚于任务 13-2 现在的完成时限 2025-09-30" in again.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["99-9", "--to", "2026-01-01", "--basis", "x"], "问题清单中没有任务编号“99-9”，没有改动"),
        (
            ["13-2", "--to", "2024-06-30", "--basis", "x"],
            "新的完成时限 2024-06-30 不晚于任务 13-2 现在的完成时限 2024-06-30",
        ),
        (["13-2", "--to", "2026-01-01", "--basis", "  "], "请用 --basis 写明延期依据"),
        (["13-2", "--to", "明年", "--basis", "x"], "--to 应为日期"),
    ],
)
def test_bad_extensions_change_nothing(sample_ws, args, message):
    old = (sample_ws / "issues.xlsx").read_bytes()
    result = runner.invoke(app, ["extend", *args, "-w", str(sample_ws)])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert (sample_ws / "issues.xlsx").read_bytes() == old
    assert (
        not list((sample_ws / "archive").glob("issues_备份_*"))
        if (sample_ws / "archive").exists()
        else True
    )


def test_a_standing_task_needs_no_extension(sample_ws):
    standing = next(
        t for t in merge_only(open_workspace(sample_ws)).issues.tasks if t.deadline is None
    )
    result = runner.invoke(
        app,
        ["extend", standing.task_id, "--to", "2026-01-01", "--basis", "x", "-w", str(sample_ws)],
    )
    assert result.exit_code == 2 and "没有完成时限" in result.stderr


def test_a_locked_issue_list_is_left_alone(sample_ws, monkeypatch):
    old = (sample_ws / "issues.xlsx").read_bytes()

    def locked(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(
        "toolkit.write.issue_edit.save_workbook", locked
    )  # what Excel's lock does on Windows
    result = runner.invoke(
        app, ["extend", "13-2", "--to", "2025-09-30", "--basis", "x", "-w", str(sample_ws)]
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "错误：issues.xlsx 正被其他程序占用，没有改动：请先关闭 Excel/WPS 中打开的 issues.xlsx，"
        "再重新运行"
    )
    assert (sample_ws / "issues.xlsx").read_bytes() == old
    assert not list((sample_ws / "archive").glob("issues_备份_*"))
    monkeypatch.undo()
    # Excel's own lock file beside it: refused before anything is touched
    (sample_ws / "~$issues.xlsx").write_bytes(b"\x00")
    result = runner.invoke(
        app, ["close", "13-2", "--date", "2025-06-30", "--basis", "x", "-w", str(sample_ws)]
    )
    assert result.exit_code == 2 and "请先关闭 Excel/WPS 中打开的 issues.xlsx" in result.stderr
    assert (sample_ws / "issues.xlsx").read_bytes() == old


# --------------------------------------------------------------------------- toolkit close


def test_close_marks_the_task_and_stops_sending_and_chasing_it(sample_ws):
    first = merge_json(sample_ws)
    result = runner.invoke(
        app,
        [
            "close",
            "13-1",
            "--date",
            "2025-03-20",
            "--basis",
            "经验收，整改到位",
            "-w",
            str(sample_ws),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "已将任务 13-1 销号" in result.output
    row = issue_row(sample_ws, "13-1")
    assert row["销号日期"] == datetime(2025, 3, 20) and row["销号依据"] == "经验收，整改到位"

    drop_row(
        sample_ws / "inbox" / HEALTH, "13-1"
    )  # the unit leaves the closed task out of its return
    data = merge_json(sample_ws)
    _, rows = detail(data["output"])
    closed = DEFAULT_COLORS["已销号"]
    for unit in ("区生态环境分局", "区卫健局"):
        line = rows[("13-1", unit)]
        assert line[9].value == "已销号"
        assert line[0].fill.fgColor.rgb.endswith(closed["fill"]) and line[
            0
        ].font.color.rgb.endswith(closed["font"])
    assert data["totals"]["已销号"] == 2 == first["totals"]["已销号"] + 2
    assert not [f for f in data["findings"] if f["code"] == "missing-task" and f["value"] == "13-1"]
    health = next(u for u in data["units"] if u["责任单位"] == "区卫健局")
    assert health["已销号"] == 1 and health["报送状态"] == "已报送"
    summary = openpyxl.load_workbook(data["output"])["汇总"]
    totals = dict(zip([c.value for c in summary[4]], [c.value for c in summary[5]], strict=False))
    assert totals["已销号"] == 2
    assert {
        "kind": "销号",
        "task_id": "13-1",
        "unit": "区生态环境分局、区卫健局",
        "before": "逾期",
        "after": "已销号",
        "note": "2025-03-20 销号，依据：经验收，整改到位",
    } in data["changes"]

    # remind does not chase it
    result = merge_only(open_workspace(sample_ws))
    chased = {(r.task.task_id, r.unit) for _, lines in reminder_units(result) for r in lines}
    assert ("13-1", "区卫健局") not in chased and ("13-2", "区卫健局") in chased
    # template does not send it out
    sent = runner.invoke(app, ["template", "-w", str(sample_ws)])
    assert sent.exit_code == 0 and "已销号的 1 项任务不再下发：13-1" in sent.output
    ledger = next((sample_ws / "outbox").glob("分发_*/区卫健局_整改台账.xlsx"))
    ids = [
        r[0]
        for r in openpyxl.load_workbook(ledger)["台账"].iter_rows(min_row=3, values_only=True)
        if r[0]
    ]
    assert ids == ["13-2"]

    # a closed task is neither closed again nor extended
    again = runner.invoke(
        app, ["close", "13-1", "--date", "2025-04-01", "--basis", "x", "-w", str(sample_ws)]
    )
    assert again.exit_code == 2 and "任务 13-1 已于 2025-03-20 销号" in again.stderr
    extend = runner.invoke(
        app, ["extend", "13-1", "--to", "2026-01-01", "--basis", "x", "-w", str(sample_ws)]
    )
    assert extend.exit_code == 2 and "已于 2025-03-20 销号，不能再延期" in extend.stderr
    history = runner.invoke(app, ["history", "-w", str(sample_ws)])
    assert "销号  任务 13-1：已销号（2025-03-20）（依据：经验收，整改到位" in history.output


def test_a_unit_whose_tasks_are_all_closed_is_not_unreported(sample_ws):
    issues = merge_only(open_workspace(sample_ws)).issues
    silent = [t.task_id for t in issues.tasks_of("区自然资源局")]
    for task_id in silent:
        assert (
            runner.invoke(
                app,
                [
                    "close",
                    task_id,
                    "--date",
                    "2025-03-01",
                    "--basis",
                    "验收合格",
                    "-w",
                    str(sample_ws),
                ],
            ).exit_code
            == 0
        )
    data = merge_json(sample_ws)
    unit = next(u for u in data["units"] if u["责任单位"] == "区自然资源局")
    assert unit["报送状态"] == "无需报送（已全部销号）" and unit["已完成"] == unit["已销号"] == len(
        silent
    )
    assert not [
        f for f in data["findings"] if f["code"] == "no-return" and f["value"] == "区自然资源局"
    ]
    assert "区自然资源局" not in {
        u.unit for u, _ in reminder_units(merge_only(open_workspace(sample_ws)))
    }


# --------------------------------------------------------------------------- problems as a whole


def test_problems_as_a_whole(sample_ws):
    data = merge_json(sample_ws)
    problems = {p["问题序号"]: p for p in data["problems"]}
    assert len(problems) == 18 and sum(p["措施数"] for p in problems.values()) == 55
    assert problems[13] == {
        "问题序号": 13,
        "问题标题": "医疗废物贮运管理存在薄弱环节",
        "措施数": 3,
        "已完成": 0,
        "逾期": 2,
        "问题状态": "逾期",
    }
    done = sum(p["问题状态"] == "已完成" for p in problems.values())
    late = sum(p["问题状态"] == "逾期" for p in problems.values())
    assert data["headline"] == f"共 18 个问题，已完成 {done} 个，逾期 {late} 个"

    # closing every measure of problem 13 makes it 已完成
    for task_id in ("13-1", "13-2", "13-3"):
        assert (
            runner.invoke(
                app,
                [
                    "close",
                    task_id,
                    "--date",
                    "2025-03-30",
                    "--basis",
                    "验收合格",
                    "-w",
                    str(sample_ws),
                ],
            ).exit_code
            == 0
        )
    after = merge_json(sample_ws)
    problem = next(p for p in after["problems"] if p["问题序号"] == 13)
    assert problem["问题状态"] == "已完成" and problem["已完成"] == 3
    assert after["headline"] == f"共 18 个问题，已完成 {done + 1} 个，逾期 {late - 1} 个"

    # the workbook, the terminal and the mail say the same line
    summary = openpyxl.load_workbook(after["output"])["汇总"]
    # 问题标题 spans several columns (merged cells read back as None): the table read by its values
    cells = [[v for v in (c.value for c in r) if v is not None] for r in summary.iter_rows()]
    assert cells[2][0] == after["headline"]
    head = next(
        i
        for i, r in enumerate(cells)
        if r[:6] == ["问题序号", "问题标题", "措施数", "已完成", "逾期", "问题状态"]
    )
    assert cells[head + 1][:6] == [
        1,
        problems[1]["问题标题"],
        problems[1]["措施数"],
        problems[1]["已完成"],
        problems[1]["逾期"],
        problems[1]["问题状态"],
    ]
    assert len([r for r in cells[head + 1 :] if r and r[0]]) == 18
    shown = runner.invoke(app, ["merge", "-w", str(sample_ws)])
    assert after["headline"] in shown.output
    result = merge_only(open_workspace(sample_ws))
    message = summary_message(result, Path(after["output"]), ["leader@example.gov.cn"])
    assert after["headline"] in message.get_body(("plain",)).get_content()


def test_history_show_rebuilds_extensions_and_closings(sample_ws):
    merge_json(sample_ws)
    assert (
        runner.invoke(
            app,
            [
                "extend",
                "13-2",
                "--to",
                "2025-09-30",
                "--basis",
                "区整改办〔2025〕3号",
                "-w",
                str(sample_ws),
            ],
        ).exit_code
        == 0
    )
    assert (
        runner.invoke(
            app,
            ["close", "13-1", "--date", "2025-03-20", "--basis", "验收合格", "-w", str(sample_ws)],
        ).exit_code
        == 0
    )
    set_cells(
        sample_ws / "inbox" / HEALTH, "13-2", 完成状态="申请延期", 申请延期至=datetime(2025, 12, 31)
    )
    second = merge_json(sample_ws)
    shown = runner.invoke(app, ["history", "show", "2", "-w", str(sample_ws)])
    assert shown.exit_code == 0, shown.output
    rebuilt = next((sample_ws / "outbox").glob("汇总台账_重建_第2次*.xlsx"))
    original, again = openpyxl.load_workbook(second["output"]), openpyxl.load_workbook(rebuilt)
    for name in ("台账明细", "延期申请", "变化"):
        assert [[c.value for c in r] for r in original[name].iter_rows()] == [
            [c.value for c in r] for r in again[name].iter_rows()
        ], name
    summary = [[c.value for c in r] for r in original["汇总"].iter_rows()]
    assert summary[:6] == [[c.value for c in r] for r in again["汇总"].iter_rows()][:6]
    assert (
        date(2025, 9, 30)
        == again["台账明细"][
            "H"
            + str(
                next(
                    r[0].row for r in again["台账明细"].iter_rows(min_row=2) if r[0].value == "13-2"
                )
            )
        ].value.date()
    )


def test_a_template_made_before_the_request_column_gets_it(tmp_path):
    from toolkit.core.model.issue_list import Task
    from toolkit.write.ledger import write_unit_ledger
    from toolkit.write.template import LEDGER_COLUMNS, write_blank_template

    template = tmp_path / "ledger.xlsx"
    write_blank_template(template)
    book = openpyxl.load_workbook(template)
    sheet = book["台账"]
    sheet.delete_cols(LEDGER_COLUMNS.index("申请延期至") + 1)  # the template as it was before
    for letter, right in zip("KLMN", "LMNO", strict=True):  # delete_cols leaves the widths behind
        sheet.column_dimensions[letter].width = sheet.column_dimensions[right].width
    sheet.data_validations.dataValidation = [
        v for v in sheet.data_validations.dataValidation if not str(v.sqref).startswith("K")
    ]
    book.save(template)
    task = Task(
        "13-2",
        13,
        "医疗废物贮运管理存在薄弱环节",
        2,
        "统一制定医疗废物贮运登记表",
        ("区卫健局",),
        date(2024, 6, 30),
        row=2,
    )
    out = tmp_path / "out.xlsx"
    write_unit_ledger(
        template, out, "区卫健局", [task], "fp", date(2025, 3, 31), datetime(2025, 3, 1, 9, 0)
    )
    sheet = openpyxl.load_workbook(out)["台账"]
    assert [c.value for c in sheet[2]] == LEDGER_COLUMNS
    assert [c.value for c in sheet[3]][:7] == [
        "13-2",
        13,
        "医疗废物贮运管理存在薄弱环节",
        2,
        "统一制定医疗废物贮运登记表",
        "区卫健局",
        datetime(2024, 6, 30),
    ]
    assert sheet["K3"].protection.locked is False and sheet["K3"].number_format == "yyyy-mm-dd"
    assert {str(v.sqref)[0]: v.type for v in sheet.data_validations.dataValidation} == {
        "H": "list",
        "J": "date",
        "K": "date",
    }
    assert "A1:O1" in {str(r) for r in sheet.merged_cells.ranges}
    assert (
        round(sheet.column_dimensions["L"].width) == 17
    )  # 佐证材料 (16 + padding) kept its width, moved right


def test_an_archive_from_before_extensions_still_opens(sample_ws):
    import sqlite3

    merge_json(sample_ws)
    db = sqlite3.connect(sample_ws / "archive" / "history.sqlite")
    for column in (
        "adjusted_deadline",
        "adjust_basis",
        "closed_date",
        "close_basis",
        "extension_to",
    ):
        db.execute(f"ALTER TABLE states DROP COLUMN {column}")  # the schema of the first release
    db.execute("DROP TABLE edits")
    db.commit()
    db.close()
    assert (
        runner.invoke(
            app,
            ["close", "13-1", "--date", "2025-03-20", "--basis", "验收合格", "-w", str(sample_ws)],
        ).exit_code
        == 0
    )
    second = merge_json(sample_ws)
    assert any(c["kind"] == "销号" for c in second["changes"])
    shown = runner.invoke(app, ["history", "show", "1", "-w", str(sample_ws)])
    assert shown.exit_code == 0, shown.output
