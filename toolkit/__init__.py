"""整改台账 toolkit: merge returned rectification ledgers into one checked workbook.

For analysts, the commands are also functions (pandas is loaded only when a frame is made):

    import toolkit
    run = toolkit.merge("工作目录", as_of="2025-03-31")   # as `toolkit merge`: workbook + archive
    run.output                # the consolidated workbook written
    run.to_frame()            # 台账明细 as a pandas DataFrame, one row per (task, unit)
    run.findings_frame()      # 校验问题 as a pandas DataFrame
    toolkit.history("工作目录")  # the archived runs as a pandas DataFrame, one row per run
"""

from __future__ import annotations

from datetime import date
from os import PathLike
from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "history", "merge"]


def merge(workspace: str | PathLike, as_of: str | date | None = None) -> Any:
    """Merge the workspace's inbox as `toolkit merge` does (writes the workbook into outbox/ and
    archives the run) and return the run: .output, .result, .to_frame(), .findings_frame().
    Stops with a toolkit.core.errors.ToolkitError carrying the clerk's message when it cannot."""
    from toolkit.api.merge import merge_workspace

    return merge_workspace(workspace, as_of)


def history(workspace: str | PathLike) -> Any:
    """The runs archived in the workspace, oldest first, as a pandas DataFrame: 次数, 汇总时间,
    统计截止, 文件数, 已读取, the totals (任务数, 已完成, 逾期完成, 逾期, 临期, 正常, 长期, 未报送) and 汇总台账."""
    from toolkit.api.history import runs_frame

    return runs_frame(workspace)
