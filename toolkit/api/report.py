"""`toolkit report`: the report to the upper level, in the upper office's own layout."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from toolkit.core.errors import WorkspaceError
from toolkit.core.model.merge_result import MergeResult
from toolkit.core.settings import Settings


@dataclass
class ReportRun:
    docx: Path
    xlsx: Path
    run_id: int
    as_of: date
    problems: int
    measures: int
    fallback: bool  # the issue list kept no source layout: DESIGN §7's five columns were used
    notes: list[str]
    seconds: float


def run_report(
    settings: Settings, run_id: int | None = None, now: datetime | None = None
) -> ReportRun:
    """The report to the upper level from the latest merge (or archived run N): a .docx and an .xlsx
    in the upper office's own layout, published in outbox/ without replacing anything."""
    import time

    from toolkit.core.errors import IssueListError
    from toolkit.read.issue_list import load_issue_list
    from toolkit.write.report import build_report

    started = time.perf_counter()
    result, chosen = _archived_run(settings, run_id)
    try:
        issues = load_issue_list(settings)
    except IssueListError:
        issues = None  # the run's own tasks still make the report; the problem texts are left short
    table = build_report(result, issues, settings)
    docx, xlsx = _publish(table, settings.path("outbox"), now or datetime.now())
    measures = sum(len(row.measures) for row in table.rows)
    return ReportRun(
        docx,
        xlsx,
        chosen,
        result.as_of,
        len(table.rows),
        measures,
        table.fallback,
        table.notes,
        time.perf_counter() - started,
    )


def _archived_run(settings: Settings, run_id: int | None) -> tuple[MergeResult, int]:
    """Run N (or the latest) from the archive, and its number; the clerk's message when missing."""
    from toolkit.archive.database import DB_NAME
    from toolkit.archive.store import open_archive
    from toolkit.core.errors import ArchiveError

    first = "还没有汇总结果：请先运行 toolkit merge 汇总各单位报回的台账，再运行 toolkit report"
    if not (settings.path("archive") / DB_NAME).exists():
        raise ArchiveError(first)
    archive = open_archive(settings)
    try:
        runs = archive.runs()
        if not runs:
            raise ArchiveError(first)
        if run_id is not None and run_id not in {r.run_id for r in runs}:
            raise ArchiveError(
                f"留档中没有第 {run_id} 次汇总（已有第 {runs[0].run_id}–{runs[-1].run_id} 次）；"
                "用 toolkit history 查看"
            )
        chosen = run_id if run_id is not None else runs[-1].run_id
        result, _ = archive.load(chosen, settings)
    finally:
        archive.close()
    return result, chosen


def _publish(table: Any, outbox: Path, now: datetime) -> tuple[Path, Path]:
    """Write the .docx and the .xlsx beside each other in the outbox, each published whole."""
    from toolkit.write.files import publish
    from toolkit.write.report import report_name
    from toolkit.write.report_docx import write_report_docx
    from toolkit.write.report_xlsx import write_report_xlsx

    outbox.mkdir(parents=True, exist_ok=True)
    target = report_name(outbox, now)
    temp = outbox / f".{target.stem}.{os.getpid()}.tmp"
    docx_temp, xlsx_temp = temp.with_suffix(".tmp.docx"), temp.with_suffix(".tmp.xlsx")
    try:
        write_report_docx(table, docx_temp)
        write_report_xlsx(table, xlsx_temp)
        docx = publish(docx_temp, target)
        xlsx = publish(xlsx_temp, docx.with_suffix(".xlsx"))
    except PermissionError as exc:
        raise WorkspaceError(
            f"无法在 {outbox} 写入整改情况报告（{exc.strerror or exc}）：请检查文件夹权限，"
            "或关闭正在打开它的程序后重试"
        ) from exc
    finally:
        docx_temp.unlink(missing_ok=True)
        xlsx_temp.unlink(missing_ok=True)
    return docx, xlsx
