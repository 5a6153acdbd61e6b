"""A merge as pandas DataFrames, for analysts: 台账明细 and 校验问题 with the workbook's columns.

pandas is imported here only, when a frame is asked for, so the command line never loads it.
A cell the workbook leaves blank is None here; texts are whole (the workbook cuts those over
Excel's cell limit); 完成时限, 调整后时限 and 实际完成日期 hold a date, or the text written when it is not one.
"""

from __future__ import annotations

from typing import Any

from toolkit.core.model.merge_result import DetailRow, MergeResult
from toolkit.core.words import (
    DAYS_OVERDUE,
    EVIDENCE,
    FILLER,
    ISSUE_NO,
    MEASURE_NO,
    PHONE,
    PROBLEMS,
    PROGRESS,
)
from toolkit.write.workbook_detail import DETAIL_COLUMNS
from toolkit.write.workbook_lists import FINDING_COLUMNS


def _blank(text: str) -> str | None:
    return text or None


def detail_record(line: DetailRow) -> list[Any]:
    """One row of 台账明细, its values in DETAIL_COLUMNS order."""
    task, entry = line.task, line.entry
    texts = entry.texts if entry else {}
    done = (entry.done_date or _blank(entry.done_text)) if entry else None
    return [
        _blank(task.task_id),
        task.issue_no,
        _blank(task.issue_title),
        task.measure_no,
        _blank(task.measure),
        _blank(line.unit),
        task.deadline or _blank(task.deadline_text),
        task.adjusted_deadline,
        _blank(entry.status) if entry else None,
        _blank(line.state),
        line.overdue_days,
        _blank(texts.get(PROGRESS, "")),
        done,
        _blank(texts.get(EVIDENCE, "")),
        _blank(texts.get(PROBLEMS, "")),
        _blank(texts.get(FILLER, "")),
        _blank(texts.get(PHONE, "")),
        _blank(entry.source) if entry else None,
    ]


def detail_frame(result: MergeResult) -> Any:
    """台账明细: one row per (task, unit), the sheet's column names in the sheet's order."""
    import pandas as pd

    frame = pd.DataFrame(
        [detail_record(line) for line in result.rows],
        columns=[name for name, _ in DETAIL_COLUMNS],
        dtype=object,
    )
    for name in (ISSUE_NO, MEASURE_NO, DAYS_OVERDUE):
        frame[name] = frame[name].astype("Int64")
    return frame


def findings_frame(result: MergeResult) -> Any:
    """校验问题: every finding, sorted as in the sheet, with the sheet's columns."""
    import pandas as pd

    rows = [
        [
            f.level,
            f.code,
            _blank(f.file),
            _blank(f.sheet),
            f.row or None,
            _blank(f.column),
            _blank(f.value),
            _blank(f.message),
        ]
        for f in result.report.sorted()
    ]
    frame = pd.DataFrame(rows, columns=[name for name, _ in FINDING_COLUMNS], dtype=object)
    frame["行"] = frame["行"].astype("Int64")
    return frame
