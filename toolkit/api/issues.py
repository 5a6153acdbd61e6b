"""`toolkit issues import`: an upper office's table becomes issues.xlsx, its layout kept."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from toolkit.core.errors import WorkspaceError
from toolkit.core.findings import Finding
from toolkit.core.settings import Settings
from toolkit.write.files import next_free, writing


@dataclass
class ImportRun:
    path: Path
    problems: int
    tasks: int
    findings: list[Finding]
    backup: Path | None = None
    summary: list[str] = field(default_factory=list)  # what the import understood, for the clerk
    written: bool = True  # False with --dry-run


def run_import(
    settings: Settings, source: Path, force: bool = False, dry_run: bool = False
) -> ImportRun:
    """Read an upper office's table (.docx/.doc/.wps, .xlsx/.xls/.et/.ods, or the text form) and write
    issues.xlsx with the source's layout kept; with dry_run, only say what was understood."""
    from toolkit.read.issues_import import import_table, summary_lines, supports, to_tasks
    from toolkit.write.issue_list import write_issue_list

    target = settings.path("issues")
    if target.exists() and not force and not dry_run:
        raise WorkspaceError(
            f"{target} 已存在。确认要用 {source.name} 的内容替换它，请加 --force 重新运行"
        )
    if not source.is_file():
        raise WorkspaceError(f"找不到要导入的文件 {source}")
    table = import_table(
        source,
        list(settings.unit_names),
        dict(settings.unit_aliases),
        {k: list(v) for k, v in settings.import_headers.items()},
    )
    tasks = to_tasks(table.problems)
    if not tasks:
        raise WorkspaceError(
            f"{source.name} 中没有找到问题和整改措施；请确认表格有“问题”和“整改措施”等列"
        )
    run = ImportRun(
        target,
        len(table.problems),
        len(tasks),
        table.findings,
        summary=summary_lines(table, tasks),
        written=not dry_run,
    )
    if dry_run:
        return run
    temp = target.with_name(f".{target.stem}.{os.getpid()}.tmp.xlsx")
    made: list[Path] = [temp]
    with writing(target.parent, f"{target.name}（问题清单）", cleanup=made):
        write_issue_list(tasks, temp, table.layout, supports(table.problems))
        if (
            target.exists()
        ):  # --force: keep the clerk's edited list (units filled in, 单位通讯录) first
            run.backup = next_free(
                settings.path("archive") / f"{target.stem}_备份_{datetime.now():%Y%m%d_%H%M%S}.xlsx"
            )
            run.backup.parent.mkdir(parents=True, exist_ok=True)
            made.append(run.backup)
            shutil.copy2(target, run.backup)
        os.replace(temp, target)
    return run
