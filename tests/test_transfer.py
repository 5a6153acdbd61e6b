"""A returned file crosses from its reading worker to the merge whole, and compactly."""

from __future__ import annotations

import pickle
from datetime import date, datetime

from toolkit.core.model.ledger import LedgerFile, LedgerRow
from toolkit.read.sandbox import isolated_map

COLUMNS = {"任务编号": "A", "完成状态": "B", "整改进展": "C", "实际完成日期": "D"}
LABELS = {
    "任务编号": "编号",
    "完成状态": "完成情况",
    "整改进展": "进展",
    "实际完成日期": "完成日期",
}


def ledger(rows_n: int = 50) -> LedgerFile:
    file = LedgerFile(
        "区卫健局.xlsx",
        unit="区卫健局",
        unit_source="_meta",
        reported=date(2025, 3, 28),
        meta_time=datetime(2025, 3, 28, 9, 30),
        ok=True,
        context=["标题"],
        meta={"单位": "区卫健局"},
    )
    file.note("duplicate-column", "列名重复", sheet="台账", row=2, column="E", value="完成状态")
    other = {"任务编号": "C", "完成状态": "D"}  # a second sheet, laid out differently
    for n in range(rows_n):
        values = {
            "任务编号": f"{n}-1",
            "完成状态": "已完成" if n % 2 else 2.0,
            "整改进展": "" if n % 5 == 0 else f"已召开会议{n % 3}",
            "实际完成日期": datetime(2024, 6, 1) if n % 3 else None,
        }
        file.rows.append(LedgerRow(file.name, "台账", n + 3, values, COLUMNS, LABELS))
    file.rows.append(
        LedgerRow(
            file.name,
            "台账",
            rows_n + 9,
            {"任务编号": "9-9", "完成状态": True, "问题序号": 1},
            COLUMNS,
            LABELS,
        )
    )
    for n in range(3):
        file.rows.append(
            LedgerRow(file.name, "补充", n + 2, {"任务编号": f"补{n}", "完成状态": 1}, other)
        )
    file.rows.append(LedgerRow(file.name, "空", 4, {}, {}))
    return file


def same(a: LedgerFile, b: LedgerFile) -> None:
    assert vars(a).keys() == vars(b).keys()
    for name in vars(a):
        if name != "rows":
            assert getattr(a, name) == getattr(b, name), name
    assert len(a.rows) == len(b.rows)
    for x, y in zip(a.rows, b.rows, strict=True):
        assert (x.file, x.sheet, x.row, x.columns, x.labels) == (
            y.file,
            y.sheet,
            y.row,
            y.columns,
            y.labels,
        )
        assert list(x.values.items()) == list(y.values.items())  # same fields, same order
        assert [type(v) for v in x.values.values()] == [
            type(v) for v in y.values.values()
        ]  # 1 stays 1, 2.0 stays 2.0


def test_every_row_field_and_value_survives_pickling():
    original = ledger()
    same(original, pickle.loads(pickle.dumps(original)))


def test_an_empty_file_survives_pickling():
    original = LedgerFile("空.xlsx")
    same(original, pickle.loads(pickle.dumps(original)))


def test_equal_texts_travel_once():
    original = ledger(2000)
    back = pickle.loads(pickle.dumps(original))
    progress = {id(row.values["整改进展"]) for row in back.rows if row.values.get("整改进展")}
    assert len(progress) == 3  # one object per distinct text
    assert len(pickle.dumps(original)) < 0.7 * len(
        pickle.dumps(original.rows)
    )  # than a row at a time


def _make(n: int) -> LedgerFile:
    return ledger(n)


def test_rows_come_back_from_a_worker():
    [back] = isolated_map(_make, [300], workers=1)
    same(ledger(300), back)
