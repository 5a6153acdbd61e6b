"""The issue list and unit names: loading issues.xlsx, 区/市 prefixes, aliases."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest

from toolkit.core.errors import IssueListError
from toolkit.core.model.issue_list import UnitBook
from toolkit.core.settings import Settings
from toolkit.core.settings_file import settings_from_dict
from toolkit.read.issue_list import load_issue_list

HEADER = ["任务编号", "问题序号", "问题标题", "措施序号", "整改措施", "责任单位", "完成时限"]


def write_issues(ws, rows, merges=()):
    ws.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "问题清单"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    for rng in merges:
        sheet.merge_cells(rng)
    book.save(ws / "issues.xlsx")
    return Settings(workspace=ws)


def test_district_and_city_units_stay_apart():
    book = UnitBook(["区委宣传部", "市委宣传部", "区卫健局", "市市场监管局二道分局"])
    assert book.resolve("市委宣传部") == "市委宣传部"
    assert book.resolve("区委宣传部") == "区委宣传部"
    assert book.resolve("委宣传部") is None  # ambiguous without its prefix: not guessed
    assert book.resolve("卫健局") == "区卫健局"
    assert book.resolve("市场监管局二道分局") == "市市场监管局二道分局"


def test_alias_short_form_gives_way_to_the_full_name():
    book = UnitBook(["区城管局", "区城市管理局", "区卫健局"], {"区城管局": "区城市管理局"})
    assert book.names == ["区城市管理局", "区卫健局"]
    for written in ("区城管局", "城管局", "区城市管理局", "城市管理局"):
        assert book.resolve(written) == "区城市管理局", written
    assert book.find_in("区城管局-3月.xlsx") == "区城市管理局"


def test_issue_list_spelled_with_an_alias_is_canonicalised(tmp_path):
    ws = tmp_path / "ws"
    write_issues(ws, [["1-1", 1, "市容", 1, "整治市容", "区城管局", date(2024, 6, 30)]])
    (ws / "toolkit.toml").write_text(
        '[units.aliases]\n"区城管局" = "区城市管理局"\n', encoding="utf-8"
    )
    issues = load_issue_list(
        settings_from_dict({"units": {"aliases": {"区城管局": "区城市管理局"}}}, ws)
    )
    assert issues.tasks[0].units == ("区城市管理局",)
    assert (
        issues.units.resolve("区城市管理局台账") is None
        and issues.units.find_in("区城市管理局台账") == "区城市管理局"
    )


def test_merged_problem_cells_reach_every_measure(tmp_path):
    settings = write_issues(
        tmp_path / "ws",
        [
            [None, 1, "思想认识", 1, "学习贯彻", "区政府办公室", date(2024, 6, 30)],
            [None, None, None, 2, "召开会议", "区政府办公室", date(2024, 6, 30)],
        ],
        merges=["B2:B3", "C2:C3"],
    )
    issues = load_issue_list(settings)
    assert [(t.task_id, t.issue_title) for t in issues.tasks] == [
        ("1-1", "思想认识"),
        ("1-2", "思想认识"),
    ]


def test_blank_measure_is_refused(tmp_path):
    settings = write_issues(
        tmp_path / "ws", [["1-1", 1, "思想认识", 1, None, "区政府办公室", None]]
    )
    with pytest.raises(IssueListError, match="第 2 行“整改措施”是空的"):
        load_issue_list(settings)
