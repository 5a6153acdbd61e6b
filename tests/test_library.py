"""The library face for analysts: toolkit.merge / toolkit.history and pandas frames."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date, datetime

import openpyxl
import pandas as pd
import pytest

import toolkit
from toolkit.core.errors import ToolkitError
from toolkit.write.workbook_detail import DETAIL_COLUMNS
from toolkit.write.workbook_lists import FINDING_COLUMNS


def sheet_rows(path, name):
    sheet = openpyxl.load_workbook(path)[name]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    return rows[0], rows[1:]


def plain(value):
    """A frame or sheet value as one comparable Python value (sheet dates come back as datetimes)."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def test_merge_writes_the_workbook_and_archives_the_run(small_ws):
    run = toolkit.merge(str(small_ws), as_of="2025-03-31")
    assert run.output.exists() and run.output.parent == small_ws / "outbox"
    assert run.result.as_of == date(2025, 3, 31)
    assert run.run_id == 1
    history = toolkit.history(small_ws)
    assert list(history["次数"]) == [1]
    assert history["汇总台账"][0] == run.output.name


def test_to_frame_is_the_detail_sheet(small_ws):
    run = toolkit.merge(small_ws, as_of=date(2025, 3, 31))
    frame = run.to_frame()
    assert isinstance(frame, pd.DataFrame)
    header, rows = sheet_rows(run.output, "台账明细")
    assert list(frame.columns) == header == [name for name, _ in DETAIL_COLUMNS]
    assert len(frame) == len(rows) == len(run.result.rows)
    assert [[plain(v) for v in row] for row in frame.itertuples(index=False)] == [
        [plain(v) for v in row] for row in rows
    ]
    one = frame.set_index(["任务编号", "责任单位"]).loc[("5-2", "区农业农村局")]
    assert one["完成状态"] == "已完成" and one["实际完成日期"] == date(2024, 8, 15)
    assert frame["逾期天数"].dtype == "Int64"


def test_findings_frame_is_the_findings_sheet(small_ws):
    run = toolkit.merge(small_ws, as_of="2025-03-31")
    frame = run.findings_frame()
    header, rows = sheet_rows(run.output, "校验问题")
    assert list(frame.columns) == header == [name for name, _ in FINDING_COLUMNS]
    assert len(frame) == len(rows) > 0
    assert [[plain(v) for v in row] for row in frame.itertuples(index=False)] == [
        [plain(v) for v in row] for row in rows
    ]


def test_history_lists_every_run_oldest_first(small_ws):
    empty = toolkit.history(small_ws)
    assert empty.empty and "次数" in empty.columns and "汇总台账" in empty.columns
    toolkit.merge(small_ws, as_of="2025-03-31")
    toolkit.merge(small_ws, as_of="2025-04-30")
    history = toolkit.history(small_ws)
    assert list(history["次数"]) == [1, 2]
    assert list(history["统计截止"]) == [date(2025, 3, 31), date(2025, 4, 30)]
    assert list(history["任务数"]) == [6, 6]
    assert (history["已读取"] == 2).all()


def test_problems_stop_with_the_clerks_message(tmp_path, small_ws):
    with pytest.raises(ToolkitError, match="不存在"):
        toolkit.merge(tmp_path / "没有这个目录")
    with pytest.raises(ToolkitError, match="日期"):
        toolkit.merge(small_ws, as_of="下个月")


def test_importing_the_package_and_the_cli_loads_no_pandas():
    code = "import sys, toolkit, toolkit.cli; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_merge_gives_the_garbage_collector_back_as_it_found_it(tmp_path, small_ws):
    """The collector is paused during a merge (millions of small objects, no cycles): an analyst's
    session gets it back enabled, nothing left frozen, after a merge that worked and one that failed."""
    import gc

    toolkit.merge(small_ws, as_of="2025-03-31")
    assert gc.isenabled() and gc.get_freeze_count() == 0
    broken = tmp_path / "ws"
    shutil.copytree(small_ws, broken)
    shutil.rmtree(broken / "inbox")  # found inside the merge: no inbox
    with pytest.raises(ToolkitError):
        toolkit.merge(broken, as_of="2025-03-31")
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    try:
        toolkit.merge(small_ws, as_of="2025-03-31")
        assert not gc.isenabled()  # a caller who had it off keeps it off
    finally:
        gc.enable()
