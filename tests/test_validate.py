"""Row rules in validate.py, one finding code at a time, on in-memory rows."""

from __future__ import annotations

from datetime import date

from toolkit.core.matching import match_task
from toolkit.core.model.issue_list import Task, build_issue_list
from toolkit.core.model.ledger import LedgerFile, LedgerRow
from toolkit.core.normalize import status_table
from toolkit.core.settings import Settings
from toolkit.core.validate import EXCEL_CELL_LIMIT, check_entry, check_ledger
from toolkit.core.words import STATUSES

AS_OF = date(2025, 3, 31)
SETTINGS = Settings(as_of=AS_OF)
TASK = Task(
    "7-1",
    7,
    "畜禽粪污管理还不到位",
    1,
    "2024年4月底前，制定《二道区 2024年畜禽粪污资源化利用春季集中治理专项行动方案》，开展督导检查",
    ("区农业农村局",),
    date(2024, 4, 30),
)
OTHER = Task(
    "7-2",
    7,
    "畜禽粪污管理还不到位",
    2,
    "适时开展畜禽粪污资源化利用技术推广培训，加强技术指导服务",
    ("区农业农村局",),
    None,
)
ISSUES = build_issue_list([TASK, OTHER], SETTINGS)
STATUS_TABLE = status_table(STATUSES, SETTINGS.status_synonyms)
LEDGER = LedgerFile("农业.xlsx", unit="区农业农村局", ok=True)


def check(**values):
    row = LedgerRow("农业.xlsx", "台账", 5, values, {name: "C" for name in values})
    entry, findings = check_entry(row, LEDGER, TASK, "区农业农村局", SETTINGS, STATUS_TABLE, AS_OF)
    return entry, {f.code: f for f in findings}


def test_clean_row_has_no_findings():
    entry, found = check(完成状态="已完成", 实际完成日期=date(2024, 4, 20), 整改进展="已制定方案")
    assert found == {}
    assert entry.status == "已完成" and entry.done_date == date(2024, 4, 20)


def test_status_synonyms_and_fullwidth():
    assert check(完成状态="　已办结 ")[0].status == "已完成"
    assert check(完成状态="正在推进")[0].status == "推进中"


def test_yearless_done_date_takes_the_as_of_year():
    entry, found = check(完成状态="已完成", 实际完成日期="3月5日")
    assert entry.done_date == date(2025, 3, 5)
    assert found["yearless-date"].level == "警告"


def test_date_without_done():
    _, found = check(完成状态="推进中", 实际完成日期="2024-05-01")
    assert "date-without-done" in found


def test_text_too_long_is_reported_and_kept_whole():
    text = "很长的进展。" * 6000
    entry, found = check(完成状态="推进中", 整改进展=text)
    assert len(text) > EXCEL_CELL_LIMIT
    assert (
        entry.texts["整改进展"] == text
    )  # kept whole in memory; the writer cuts and saves a side file
    assert found["text-too-long"].column.endswith("（整改进展）")


def test_match_by_text_needs_the_threshold():
    values = {"问题序号": 7, "整改措施": "适时开展畜禽粪污资源化利用技术推广培训"}
    assert match_task(values, ISSUES, 0.6) == (OTHER, "text")
    assert match_task({"问题序号": 7, "整改措施": "完全无关的文字内容"}, ISSUES, 0.6) == (None, "")


def test_phone_numbers_stay_text():
    entry, _ = check(完成状态="推进中", 联系电话=13904311234.0)
    assert entry.texts["联系电话"] == "13904311234"


def test_check_ledger_wrong_unit():
    ledger = LedgerFile("卫健.xlsx", unit="区卫健局", ok=True)
    ledger.rows = [
        LedgerRow(
            "卫健.xlsx", "台账", 3, {"任务编号": "7-1", "完成状态": "已完成"}, {"任务编号": "A"}
        )
    ]
    entries, findings = check_ledger(ledger, ISSUES, SETTINGS, AS_OF)
    assert entries == [] and [f.code for f in findings] == ["wrong-unit"]


def test_renumbered_issue_list_follows_the_measure_text():
    moved = Task("7-3", 7, "畜禽粪污管理还不到位", 3, OTHER.measure, ("区农业农村局",), None)
    inserted = Task(
        "7-2",
        7,
        "畜禽粪污管理还不到位",
        2,
        "新增：建立畜禽粪污工作专班，统筹调度",
        ("区农业农村局",),
        None,
    )
    issues = build_issue_list([TASK, inserted, moved], SETTINGS)
    # the ledger went out when OTHER was 7-2; the issue list has since gained a new 7-2
    task, how = match_task({"任务编号": "7-2", "整改措施": OTHER.measure}, issues, 0.6)
    assert (task.task_id, how) == ("7-3", "renumbered")
    task, how = match_task({"任务编号": "7-2", "整改措施": inserted.measure}, issues, 0.6)
    assert (task.task_id, how) == ("7-2", "id")


def test_two_measures_about_as_close_are_not_guessed():
    a = Task(
        "9-1",
        9,
        "扬尘",
        1,
        "严格落实《大气污染防治法》和《建设工程施工扬尘管理规定》的各项要求，加强工地巡查",
        ("区住建局",),
    )
    b = Task(
        "9-2",
        9,
        "扬尘",
        2,
        "严格落实《大气污染防治法》和《建设工程施工扬尘管理规定》的各项要求，加强道路保洁",
        ("区住建局",),
    )
    issues = build_issue_list([a, b], SETTINGS)
    assert match_task({"问题序号": 9, "整改措施": b.measure}, issues, 0.6) == (b, "text")
    assert match_task(
        {
            "问题序号": 9,
            "整改措施": "严格落实《大气污染防治法》和《建设工程施工扬尘管理规定》的各项要求",
        },
        issues,
        0.6,
    ) == (None, "")
    assert match_task({"问题序号": 9, "整改措施": "加强"}, issues, 0.6) == (None, "")


def test_yearless_done_date_never_lands_after_the_as_of_date():
    entry, found = check(完成状态="已完成", 实际完成日期="12月5日")
    assert entry.done_date == date(2024, 12, 5) and "future-date" not in found


def test_impossible_years_are_bad_dates():
    for typo in ("0224-06-30", "2204-06-30"):
        entry, found = check(完成状态="已完成", 实际完成日期=typo)
        assert entry.done_date is None and found["bad-date"].value == typo


# --- returns in the layouts units use (issue 11) ---

STRAW = [
    Task(
        "5-1",
        5,
        "秸秆综合利用难题需深入破解",
        1,
        "成立区农作物秸秆综合利用工作领导小组",
        ("区农业农村局",),
    ),
    Task(
        "5-2",
        5,
        "秸秆综合利用难题需深入破解",
        2,
        "2024年7月底前，区农业农村局联合相关部门制定下发秸秆综合利用工作方案",
        ("区农业农村局",),
        date(2024, 7, 31),
    ),
    Task(
        "5-3",
        5,
        "秸秆综合利用难题需深入破解",
        3,
        "2024年7月底前，区农业农村局组织开展秸秆禁烧督导检查",
        ("区农业农村局", "区生态环境分局"),
        date(2024, 7, 31),
    ),
    Task(
        "7-1",
        7,
        "畜禽粪污管理还不到位",
        1,
        "适时开展畜禽粪污资源化利用技术推广培训，加强技术指导服务",
        ("区农业农村局",),
    ),
]
STRAW_ISSUES = build_issue_list(STRAW, SETTINGS)


def test_the_ordinal_opening_the_measure_text_is_the_measure_number():
    for opening in ("（二）", "(2)", "2.", "2、", "②", "二是", "第二，"):
        values = {"问题序号": "五", "整改措施": f"{opening}2024年7月底前，区农业农村局联合……"}
        assert match_task(values, STRAW_ISSUES, 0.6) == (STRAW[1], "pair"), opening
    # a year is not an ordinal: the same text without one is still matched, by its text
    assert match_task(
        {"问题序号": 5, "整改措施": "2024年7月底前，区农业农村局联合……"}, STRAW_ISSUES, 0.6
    ) == (STRAW[1], "text")


def test_cut_and_shortened_texts_match_by_prefix_and_containment():
    cases = [
        ({"问题序号": "序号五", "整改措施": "2024年7月底前，区农业农村局联合..."}, STRAW[1]),
        (
            {"问题序号": "第五项", "整改措施": "2024年7月底前，区农业农村局组织开展秸秆"},
            STRAW[2],
        ),  # truncated
        (
            {"问题序号": "（五）", "整改措施": "组织开展秸秆禁烧督导检查"},
            STRAW[2],
        ),  # the middle of the text
        (
            {"整改措施": "开展畜禽粪污资源化利用技术推广培训……"},
            STRAW[3],
        ),  # no problem number: the whole list
    ]
    for values, task in cases:
        assert match_task(values, STRAW_ISSUES, 0.6) == (task, "text"), values
    # a part two measures of the problem share is not guessed
    assert match_task(
        {"问题序号": 5, "整改措施": "2024年7月底前，区农业农村局……"}, STRAW_ISSUES, 0.6
    ) == (None, "")


def test_a_cut_measure_text_is_not_a_changed_locked_field():
    ledger = LedgerFile("农业.xlsx", unit="区农业农村局", ok=True)
    ledger.rows = [
        LedgerRow(
            "农业.xlsx",
            "台账",
            3,
            {
                "问题序号": "序号五",
                "整改措施": "（二）2024年7月底前，区农业农村局联合……",
                "完成状态": "推进中",
            },
            {"整改措施": "E"},
        )
    ]
    entries, findings = check_ledger(ledger, STRAW_ISSUES, SETTINGS, AS_OF)
    assert [e.task.task_id for e in entries] == ["5-2"] and findings == []


def test_another_units_row_is_that_units_and_the_senders_own_row_still_counts():
    ledger = LedgerFile("农业.xlsx", unit="区农业农村局", ok=True)
    ledger.rows = [
        LedgerRow(
            "农业.xlsx",
            "台账",
            3,
            {"任务编号": "5-3", "责任单位": "区农业农村局", "完成状态": "推进中"},
            {"责任单位": "F"},
        ),
        LedgerRow(
            "农业.xlsx",
            "台账",
            4,
            {"任务编号": "5-3", "责任单位": "生态环境分局", "完成状态": "推进中"},
            {"责任单位": "F"},
        ),
    ]
    entries, findings = check_ledger(ledger, STRAW_ISSUES, SETTINGS, AS_OF)
    assert [(e.unit, e.filed_by) for e in entries] == [
        ("区农业农村局", ""),
        ("区生态环境分局", "区农业农村局"),
    ]
    assert [(f.code, f.level, f.row) for f in findings] == [("filed-by-other", "提示", 4)]
    assert "区生态环境分局" in findings[0].message and findings[0].column == "F（责任单位）"


def test_a_row_naming_every_unit_of_its_task_is_the_senders():
    ledger = LedgerFile("农业.xlsx", unit="区农业农村局", ok=True)
    ledger.rows = [
        LedgerRow(
            "农业.xlsx",
            "台账",
            3,
            {"任务编号": "5-3", "责任单位": "区农业农村局、区生态环境分局", "完成状态": "推进中"},
            {"责任单位": "F"},
        )
    ]
    entries, findings = check_ledger(ledger, STRAW_ISSUES, SETTINGS, AS_OF)
    assert [(e.unit, e.filed_by) for e in entries] == [("区农业农村局", "")] and findings == []


def test_status_is_read_from_the_progress_text_when_blank():
    cases = {
        "已完成整改，见附件": "已完成",
        "该问题已办结": "已完成",
        "正在推进方案编制": "推进中",
        "整改中": "推进中",
        "尚未开始": "未启动",
        "常态化开展巡查": "长期坚持",
        "已完成方案制定，正在推进实施": "推进中",  # a done part is not the whole measure done
    }
    for text, status in cases.items():
        entry, found = check(
            完成状态="",
            整改进展=text,
            实际完成日期=date(2024, 4, 20) if status == "已完成" else None,
        )
        assert entry.status == status and entry.status_ok, text
        assert found["status-from-text"].level == "提示" and "no-status" not in found, text
    for text in ("未完成", "尚未完成整改", "确保2024年底前完成整改", "没有完成整改", ""):
        entry, found = check(完成状态="", 整改进展=text)
        assert (
            entry.status == "未填报" and "status-from-text" not in found and "no-status" in found
        ), text


def test_a_done_date_with_no_status_and_no_telling_text_is_flagged():
    entry, found = check(完成状态="", 整改进展="见附件", 实际完成日期="2024-04-20")
    assert entry.status == "未填报" and found["date-without-status"].level == "警告"
    assert "no-status" not in found
    entry, found = check(完成状态="", 整改进展="已完成整改，见附件", 实际完成日期="2024-04-20")
    assert entry.status == "已完成" and set(found) == {"status-from-text"}


def test_status_hints_are_settings():
    from toolkit.core.settings_file import settings_from_dict

    mine = settings_from_dict(
        {"status": {"hints": {"已完成": ["已销号"]}, "blockers": ["申请"]}}, SETTINGS.workspace
    )
    assert "已销号" in mine.status_hints["已完成"] and "申请" in mine.status_blockers
    row = LedgerRow("农业.xlsx", "台账", 5, {"完成状态": "", "整改进展": "该问题已销号"}, {})
    entry, _ = check_entry(row, LEDGER, TASK, "区农业农村局", mine, STATUS_TABLE, AS_OF)
    assert entry.status == "已完成"
    row = LedgerRow("农业.xlsx", "台账", 5, {"完成状态": "", "整改进展": "申请已销号"}, {})
    assert (
        check_entry(row, LEDGER, TASK, "区农业农村局", mine, STATUS_TABLE, AS_OF)[0].status
        == "未填报"
    )
