"""merge/validate are pure: tested on in-memory issue lists and ledger rows, no workbook involved."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from toolkit.core.merge import merge, overdue_state
from toolkit.core.model.issue_list import Task, build_issue_list
from toolkit.core.model.ledger import LedgerFile, LedgerRow
from toolkit.core.settings import Settings

AS_OF = date(2025, 3, 31)
SETTINGS = Settings(as_of=AS_OF)

TASKS = [
    Task(
        "13-1",
        13,
        "医疗废物贮运管理存在薄弱环节",
        1,
        "2024年6月底前，组织辖区生态环境分局、区卫健局等部门集中开展1次会商协调会议",
        ("区生态环境分局", "区卫健局"),
        date(2024, 6, 30),
    ),
    Task(
        "13-2",
        13,
        "医疗废物贮运管理存在薄弱环节",
        2,
        "区卫健局整改措施：统一制定全区医疗机构医疗废物贮运登记表",
        ("区卫健局",),
        date(2024, 12, 31),
    ),
    Task(
        "5-1",
        5,
        "秸秆综合利用难题需深入破解",
        1,
        "成立区农作物秸秆综合利用工作领导小组",
        ("区农业农村局",),
        None,
    ),
    Task(
        "5-2",
        5,
        "秸秆综合利用难题需深入破解",
        2,
        "2024年7月底前，区农业农村局联合相关部门制定下发秸秆综合利用工作方案",
        ("区农业农村局",),
        date(2025, 4, 3),
    ),
    Task(
        "6-1",
        6,
        "建筑垃圾资源化利用仍要加强",
        1,
        "区城市管理局积极落实市局要求",
        ("区城市管理局",),
        date(2025, 12, 31),
    ),
]


def issue_list():
    return build_issue_list(list(TASKS), SETTINGS)


COLUMNS = {
    "任务编号": "A",
    "问题序号": "B",
    "措施序号": "C",
    "整改措施": "D",
    "完成状态": "E",
    "整改进展": "F",
    "实际完成日期": "G",
}


def ledger(
    name: str, unit: str | None, rows: list[dict], reported: date | None = None
) -> LedgerFile:
    file = LedgerFile(
        name, unit=unit, unit_source="_meta" if unit else "", reported=reported, ok=True
    )
    file.rows = [LedgerRow(name, "台账", i + 3, values, COLUMNS) for i, values in enumerate(rows)]
    return file


def row(task_id: str, status: str = "已完成", done: object = "2024-06-01", **extra) -> dict:
    return {
        "任务编号": task_id,
        "完成状态": status,
        "实际完成日期": done,
        "整改进展": f"{task_id} 进展",
        **extra,
    }


def codes(result) -> list[str]:
    return [f.code for f in result.report.findings]


def detail(result, task_id: str, unit: str):
    return next(r for r in result.rows if r.task.task_id == task_id and r.unit == unit)


@pytest.mark.parametrize(
    "status, deadline, done, expected, days",
    [
        ("推进中", date(2024, 6, 30), None, "逾期", 274),
        ("未启动", date(2025, 3, 30), None, "逾期", 1),
        ("推进中", date(2025, 3, 31), None, "临期", None),
        ("推进中", date(2025, 4, 7), None, "临期", None),
        ("推进中", date(2025, 4, 8), None, "正常", None),
        ("已完成", date(2024, 6, 30), date(2024, 6, 30), "已完成", None),
        ("已完成", date(2024, 6, 30), None, "已完成", None),
        ("已完成", date(2024, 6, 30), date(2024, 7, 10), "逾期完成", 10),
        ("推进中", None, None, "长期", None),
        ("长期坚持", None, None, "长期", None),
        (None, date(2024, 6, 30), None, "未报送", 274),
        (None, date(2026, 1, 1), None, "未报送", None),
    ],
)
def test_overdue_state(status, deadline, done, expected, days):
    assert overdue_state(status, deadline, done, AS_OF, 7) == (expected, days)


def test_due_soon_window_is_a_setting():
    assert overdue_state("推进中", date(2025, 4, 10), None, AS_OF, 15)[0] == "临期"
    assert overdue_state("推进中", date(2025, 4, 2), None, AS_OF, 1)[0] == "正常"


def test_multi_unit_task_is_tracked_once_per_unit():
    result = merge(
        issue_list(),
        [ledger("卫健局.xlsx", "区卫健局", [row("13-1"), row("13-2", "推进中", "")])],
        SETTINGS,
        AS_OF,
    )
    assert [(r.task.task_id, r.unit) for r in result.rows][:2] == [
        ("13-1", "区生态环境分局"),
        ("13-1", "区卫健局"),
    ]
    assert detail(result, "13-1", "区卫健局").state == "已完成"
    assert detail(result, "13-1", "区生态环境分局").state == "未报送"
    assert detail(result, "13-2", "区卫健局").state == "逾期"
    assert detail(result, "13-2", "区卫健局").overdue_days == 90


def test_newest_return_wins_and_older_is_superseded():
    old = ledger("旧.xlsx", "区卫健局", [row("13-2", "推进中", "")], reported=date(2025, 3, 20))
    new = ledger(
        "新.xlsx", "区卫健局", [row("13-2", "已完成", "2024-12-01")], reported=date(2025, 3, 30)
    )
    for order in ([old, new], [new, old]):
        result = merge(issue_list(), order, SETTINGS, AS_OF)
        line = detail(result, "13-2", "区卫健局")
        assert line.status == "已完成" and line.entry.ledger.name == "新.xlsx"
        superseded = [f for f in result.report.findings if f.code == "superseded"]
        assert (
            len(superseded) == 1
            and superseded[0].file == "旧.xlsx"
            and "新.xlsx" in superseded[0].message
        )


def test_missing_task_and_no_return():
    result = merge(
        issue_list(),
        [ledger("农业.xlsx", "区农业农村局", [row("5-1", "长期坚持", "")])],
        SETTINGS,
        AS_OF,
    )
    missing = [f for f in result.report.findings if f.code == "missing-task"]
    assert [f.value for f in missing] == ["5-2"]
    silent = {u.unit for u in result.silent_units}
    assert silent == {"区生态环境分局", "区卫健局", "区城市管理局"}
    assert sum(1 for f in result.report.findings if f.code == "no-return") == 3
    farm = next(u for u in result.units if u.unit == "区农业农村局")
    assert farm.return_state == "部分报送（缺1项）"


def test_row_level_findings_keep_values():
    rows = [
        row("13-2", "差不多", ""),
        row("13-1", "", ""),
        {
            "问题序号": 99,
            "措施序号": 1,
            "整改措施": "不存在的任务",
            "完成状态": "已完成",
            "整改进展": "做了",
        },
        row("6-1"),
        row("13-2", "已完成", "2024-12-01"),
    ]
    result = merge(issue_list(), [ledger("卫健局.xlsx", "区卫健局", rows)], SETTINGS, AS_OF)
    found = {f.code: f for f in result.report.findings}
    assert found["bad-status"].value == "差不多" and found["bad-status"].level == "错误"
    assert found["bad-status"].row == 3 and found["bad-status"].column.startswith("E")
    assert detail(result, "13-2", "区卫健局").status == "差不多"
    assert found["no-status"].level == "警告"
    assert detail(result, "13-1", "区卫健局").status == "未填报"
    assert "问题序号=99" in found["unknown-task"].value and "做了" in found["unknown-task"].value
    assert found["wrong-unit"].row == 6 and "6-1" in found["wrong-unit"].message
    assert found["duplicate-row"].row == 7


def test_dates_checked():
    rows = [
        row("13-1", "已完成", "2024年13月"),
        row("13-2", "已完成", ""),
    ]
    result = merge(
        issue_list(),
        [
            ledger("卫健局.xlsx", "区卫健局", rows),
            ledger("城管.xlsx", "区城市管理局", [row("6-1", "已完成", "2025-05-01")]),
        ],
        SETTINGS,
        AS_OF,
    )
    got = codes(result)
    assert "bad-date" in got and "done-without-date" in got and "future-date" in got
    bad = next(f for f in result.report.findings if f.code == "bad-date")
    assert bad.value == "2024年13月"
    assert detail(result, "13-1", "区卫健局").entry.done_text == "2024年13月"


def test_match_by_pair_and_by_text():
    rows = [
        {"问题序号": "十三", "措施序号": "（二）", "完成状态": "推进中"},
        {
            "问题序号": "5",
            "整改措施": "成立区农作物秸秆综合利用工作领导小组，加强组织领导",
            "完成状态": "长期",
        },
    ]
    result = merge(issue_list(), [ledger("x.xlsx", None, rows)], SETTINGS, AS_OF)
    assert detail(result, "13-2", "区卫健局").status == "推进中"
    assert detail(result, "5-1", "区农业农村局").status == "长期坚持"
    assert "matched-by-text" in codes(result)
    assert "unknown-unit" in codes(
        result
    )  # the file's unit is unknown; single-unit tasks still merge


def test_unknown_unit_multi_unit_task_is_reported_not_guessed():
    result = merge(issue_list(), [ledger("x.xlsx", None, [row("13-1")])], SETTINGS, AS_OF)
    assert all(r.entry is None for r in result.rows if r.task.task_id == "13-1")
    rows = [f for f in result.report.findings if f.code == "unknown-unit" and f.row]
    assert rows and "13-1" in rows[0].message


def test_locked_field_changed():
    changed = row("13-2", 整改措施="我们改写了措施的内容，完全不一样了")
    result = merge(issue_list(), [ledger("卫健局.xlsx", "区卫健局", [changed])], SETTINGS, AS_OF)
    locked = [f for f in result.report.findings if f.code == "locked-field-changed"]
    assert len(locked) == 1 and locked[0].column.startswith("D")
    assert detail(result, "13-2", "区卫健局").task.measure.startswith("区卫健局整改措施")


STATUS_WORDS = st.sampled_from(
    ["已完成", "推进中", "完成", "正在推进", "", "差不多", "长期", "已办结"]
)
TASK_IDS = st.sampled_from([t.task_id for t in TASKS] + ["99-1", "13-9"])
UNITS = st.sampled_from(["区卫健局", "区农业农村局", "区城市管理局", None])


@hsettings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(UNITS, st.lists(st.tuples(TASK_IDS, STATUS_WORDS), max_size=6)), max_size=5)
)
def test_every_input_row_ends_merged_or_reported(files):
    ledgers = []
    for n, (unit, rows) in enumerate(files):
        ledgers.append(ledger(f"f{n}.xlsx", unit, [row(t, s, "") for t, s in rows]))
    result = merge(issue_list(), ledgers, SETTINGS, AS_OF)
    merged = {(r.entry.row.file, r.entry.row.row) for r in result.rows if r.entry}
    reported = {
        (f.file, f.row)
        for f in result.report.findings
        if f.code in ("unknown-task", "wrong-unit", "duplicate-row", "superseded", "unknown-unit")
        and f.row
    }
    for file in ledgers:
        for line in file.rows:
            assert (line.file, line.row) in merged | reported


def test_a_correction_without_a_date_is_not_beaten_by_an_older_dated_file():
    old = ledger("旧.xlsx", "区卫健局", [row("13-2", "未启动", "")], reported=date(2025, 3, 20))
    old.mtime = datetime(2025, 3, 20, 9, 0)
    new = ledger("更正.xlsx", "区卫健局", [row("13-2", "已完成", "2025-03-25")])
    new.mtime = datetime(2025, 3, 26, 9, 0)
    result = merge(issue_list(), [new, old], SETTINGS, AS_OF)
    assert detail(result, "13-2", "区卫健局").entry.ledger.name == "更正.xlsx"


def test_tasks_left_out_of_a_return_are_listed_as_unreported():
    result = merge(
        issue_list(),
        [ledger("卫健局.xlsx", "区卫健局", [row("13-2", "推进中", "")])],
        SETTINGS,
        AS_OF,
    )
    unit = next(u for u in result.unreported_units if u.unit == "区卫健局")
    assert (unit.missing, unit.missing_overdue, unit.return_state) == (1, 1, "部分报送（缺1项）")


def test_stale_template_is_reported():
    file = ledger("卫健局.xlsx", "区卫健局", [row("13-2", "推进中", "")])
    file.meta = {"问题清单指纹": "0123456789abcdef"}
    result = merge(issue_list(), [file], SETTINGS, AS_OF)
    stale = [f for f in result.report.findings if f.code == "stale-template"]
    assert len(stale) == 1 and stale[0].file == "卫健局.xlsx"


def test_mistakes_in_a_fully_replaced_file_are_no_longer_errors():
    old = ledger("旧.xlsx", "区卫健局", [row("13-2", "差不多", "")], reported=date(2025, 3, 20))
    new = ledger(
        "新.xlsx", "区卫健局", [row("13-2", "已完成", "2024-12-01")], reported=date(2025, 3, 30)
    )
    result = merge(issue_list(), [old, new], SETTINGS, AS_OF)
    bad = next(f for f in result.report.findings if f.code == "bad-status")
    assert bad.level == "提示" and bad.message.startswith(
        "（该文件已被同一单位更新的报送全部替代）"
    )
    assert not result.report.has_errors


def test_another_units_row_counts_for_that_unit_and_its_own_return_comes_first():
    mine = ledger(
        "卫健局.xlsx",
        "区卫健局",
        [
            row("13-1", "推进中", "", 责任单位="区卫健局"),
            row("13-1", "已完成", "2024-06-20", 责任单位="区生态环境分局"),
        ],
    )
    result = merge(issue_list(), [mine], SETTINGS, AS_OF)
    assert detail(result, "13-1", "区卫健局").status == "推进中"
    filed = detail(result, "13-1", "区生态环境分局")
    assert filed.status == "已完成" and filed.entry.row.row == 4
    assert "duplicate-row" not in codes(result) and codes(result).count("filed-by-other") == 1
    unit = next(u for u in result.units if u.unit == "区生态环境分局")
    assert unit.files == ["卫健局.xlsx"] and unit.return_state == "已报送"
    # the unit's own return, even an older one, is its word on its task
    own = ledger(
        "生态.xlsx", "区生态环境分局", [row("13-1", "推进中", "")], reported=date(2025, 3, 1)
    )
    mine.reported = date(2025, 3, 30)
    result = merge(issue_list(), [mine, own], SETTINGS, AS_OF)
    assert detail(result, "13-1", "区生态环境分局").entry.ledger.name == "生态.xlsx"
    superseded = [f for f in result.report.findings if f.code == "superseded"]
    assert [(f.file, f.row) for f in superseded] == [("卫健局.xlsx", 4)]
    assert "区生态环境分局 自己报送的 生态.xlsx 优先" in superseded[0].message


def test_two_returns_told_apart_only_by_file_time_are_warned_about():
    v1 = ledger("卫健局v1.xlsx", "区卫健局", [row("13-1", "推进中", ""), row("13-2", "推进中", "")])
    v2 = ledger(
        "卫健局v2.xlsx",
        "区卫健局",
        [row("13-1", "已完成", "2024-06-20"), row("13-2", "已完成", "2024-12-01")],
    )
    for file in (v1, v2):
        file.meta_time = datetime(2025, 3, 10, 9, 0)  # the same template generation time
    v1.mtime, v2.mtime = (
        datetime(2025, 3, 28, 9, 0),
        datetime(2025, 3, 27, 9, 0),
    )  # saved out of order
    result = merge(issue_list(), [v1, v2], SETTINGS, AS_OF)
    warned = [f for f in result.report.findings if f.code == "order-by-file-time"]
    assert len(warned) == 1 and warned[0].level == "警告" and warned[0].file == "卫健局v1.xlsx"
    assert "卫健局v1.xlsx" in warned[0].message and "卫健局v2.xlsx" in warned[0].message
    assert detail(result, "13-2", "区卫健局").status == "推进中"
    # 填报日期 in both settles it: no warning
    v1.reported, v2.reported = date(2025, 3, 20), date(2025, 3, 29)
    result = merge(issue_list(), [v1, v2], SETTINGS, AS_OF)
    assert "order-by-file-time" not in codes(result)
    assert detail(result, "13-2", "区卫健局").status == "已完成"


def test_a_row_naming_its_unit_identifies_it_in_a_file_of_no_known_sender():
    rows = [row("13-1", "推进中", "", 责任单位="区卫健局")]
    result = merge(issue_list(), [ledger("x.xlsx", None, rows)], SETTINGS, AS_OF)
    assert detail(result, "13-1", "区卫健局").status == "推进中"
    assert "filed-by-other" not in codes(result)
