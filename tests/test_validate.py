"""Row rules in validate.py, one finding code at a time, on in-memory rows."""

from __future__ import annotations

from datetime import date

from toolkit.core.model import LedgerFile, LedgerRow, Task, build_issue_list
from toolkit.core.normalize import status_table
from toolkit.core.settings import STATUSES, Settings
from toolkit.core.validate import EXCEL_CELL_LIMIT, check_entry, check_ledger, match_task

AS_OF = date(2025, 3, 31)
SETTINGS = Settings(as_of=AS_OF)
TASK = Task("7-1", 7, "畜禽粪污管理还不到位", 1,
            "2024年4月底前，制定《二道区 2024年畜禽粪污资源化利用春季集中治理专项行动方案》，开展督导检查",
            ("区农业农村局",), date(2024, 4, 30))
OTHER = Task("7-2", 7, "畜禽粪污管理还不到位", 2, "适时开展畜禽粪污资源化利用技术推广培训，加强技术指导服务",
             ("区农业农村局",), None)
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
    assert entry.texts["整改进展"] == text  # kept whole in memory; the writer cuts and saves a side file
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
    ledger.rows = [LedgerRow("卫健.xlsx", "台账", 3, {"任务编号": "7-1", "完成状态": "已完成"}, {"任务编号": "A"})]
    entries, findings = check_ledger(ledger, ISSUES, SETTINGS, AS_OF)
    assert entries == [] and [f.code for f in findings] == ["wrong-unit"]


def test_renumbered_issue_list_follows_the_measure_text():
    moved = Task("7-3", 7, "畜禽粪污管理还不到位", 3, OTHER.measure, ("区农业农村局",), None)
    inserted = Task("7-2", 7, "畜禽粪污管理还不到位", 2, "新增：建立畜禽粪污工作专班，统筹调度", ("区农业农村局",), None)
    issues = build_issue_list([TASK, inserted, moved], SETTINGS)
    # the ledger went out when OTHER was 7-2; the issue list has since gained a new 7-2
    task, how = match_task({"任务编号": "7-2", "整改措施": OTHER.measure}, issues, 0.6)
    assert (task.task_id, how) == ("7-3", "renumbered")
    task, how = match_task({"任务编号": "7-2", "整改措施": inserted.measure}, issues, 0.6)
    assert (task.task_id, how) == ("7-2", "id")


def test_two_measures_about_as_close_are_not_guessed():
    a = Task("9-1", 9, "扬尘", 1, "严格落实《大气污染防治法》和《建设工程施工扬尘管理规定》的各项要求，加强工地巡查", ("区住建局",))
    b = Task("9-2", 9, "扬尘", 2, "严格落实《大气污染防治法》和《建设工程施工扬尘管理规定》的各项要求，加强道路保洁", ("区住建局",))
    issues = build_issue_list([a, b], SETTINGS)
    assert match_task({"问题序号": 9, "整改措施": b.measure}, issues, 0.6) == (b, "text")
    assert match_task({"问题序号": 9, "整改措施": "严格落实《大气污染防治法》和《建设工程施工扬尘管理规定》的各项要求"},
                      issues, 0.6) == (None, "")
    assert match_task({"问题序号": 9, "整改措施": "加强"}, issues, 0.6) == (None, "")


def test_yearless_done_date_never_lands_after_the_as_of_date():
    entry, found = check(完成状态="已完成", 实际完成日期="12月5日")
    assert entry.done_date == date(2024, 12, 5) and "future-date" not in found


def test_impossible_years_are_bad_dates():
    for typo in ("0224-06-30", "2204-06-30"):
        entry, found = check(完成状态="已完成", 实际完成日期=typo)
        assert entry.done_date is None and found["bad-date"].value == typo
