"""Send out and check back: import the issue list, write per-unit ledgers, check returned files.

Library calls for `toolkit issues import`, `toolkit template` and `toolkit check`; the CLI renders.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from toolkit.config import Settings
from toolkit.errors import WorkspaceError
from toolkit.files import next_free
from toolkit.findings import Finding

# ---------------------------------------------------------------- toolkit issues import


@dataclass
class ImportRun:
    path: Path
    problems: int
    tasks: int
    findings: list[Finding]
    used_default_units: bool
    backup: Path | None = None


def run_import(settings: Settings, source: Path, force: bool = False) -> ImportRun:
    """Read the upper level's table (.docx or its text rendering) and write issues.xlsx."""
    from toolkit.issues_import import DISTRICT_UNITS, import_file, to_tasks, write_issue_list

    target = settings.path("issues")
    if target.exists() and not force:
        raise WorkspaceError(f"{target} 已存在。确认要用 {source.name} 的内容替换它，请加 --force 重新运行")
    if not source.is_file():
        raise WorkspaceError(f"找不到要导入的文件 {source}")
    names = list(settings.unit_names) or list(DISTRICT_UNITS)
    problems, findings = import_file(source, names, dict(settings.unit_aliases))
    tasks = to_tasks(problems)
    if not tasks:
        raise WorkspaceError(f"{source.name} 中没有找到问题和整改措施；请确认它是“序号 | 问题 | 整改目标 | 整改措施 | 整改完成情况”的表格")
    temp = target.with_name(f".{target.stem}.{os.getpid()}.tmp.xlsx")
    write_issue_list(tasks, temp)
    backup = None
    if target.exists():  # --force: keep the clerk's edited list (units filled in, 单位通讯录) first
        backup = next_free(settings.path("archive") / f"{target.stem}_备份_{datetime.now():%Y%m%d_%H%M%S}.xlsx")
        backup.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(target, backup)
    os.replace(temp, target)
    return ImportRun(target, len(problems), len(tasks), findings, not settings.unit_names, backup)


# ---------------------------------------------------------------- toolkit template


@dataclass
class TemplateRun:
    folder: Path
    template: Path
    ledgers: list[tuple[str, Path, int]] = field(default_factory=list)  # unit, file, tasks
    template_created: bool = False
    unassigned: list[str] = field(default_factory=list)  # tasks with no 责任单位: sent to nobody


def run_template(settings: Settings, as_of: date, unit: str | None = None,
                 now: datetime | None = None) -> TemplateRun:
    """The blank template (when missing) and one ledger per unit into outbox/分发_YYYYMMDD/."""
    from toolkit.issues import load_issue_list
    from toolkit.template import write_blank_template, write_unit_ledger

    now = now or datetime.now()
    issues = load_issue_list(settings)
    template = settings.path("template")
    created = False
    if not template.exists():
        template.parent.mkdir(parents=True, exist_ok=True)
        write_blank_template(template)
        created = True
    units = [u for u in issues.unit_names if issues.tasks_of(u)]
    if unit is not None:
        found = issues.units.resolve(unit)
        if found is None or found not in units:
            raise WorkspaceError(f"问题清单中没有责任单位“{unit}”。可选的有：{'、'.join(units)}")
        units = [found]
    outbox = settings.path("outbox")
    folder = next_free(outbox / f"分发_{now:%Y%m%d}")
    folder.mkdir(parents=True)
    run = TemplateRun(folder, template, template_created=created,
                      unassigned=[t.task_id for t in issues.tasks if not t.units])
    for name in units:
        tasks = issues.tasks_of(name)
        out = folder / f"{name}_整改台账.xlsx"
        write_unit_ledger(template, out, name, tasks, issues.fingerprint, as_of, now)
        run.ledgers.append((name, out, len(tasks)))
    return run


# ---------------------------------------------------------------- toolkit check


@dataclass
class CheckedFile:
    name: str
    unit: str | None
    findings: list[Finding]
    feedback: Path | None
    note: str = ""

    def count(self, level: str) -> int:
        return sum(1 for f in self.findings if f.level == level)


def run_check(settings: Settings, files: list[Path], as_of: date,
              now: datetime | None = None) -> list[CheckedFile]:
    """Check returned files one by one, exactly as merge would, and write a feedback copy of each."""
    from toolkit.feedback import write_feedback
    from toolkit.inbox import read_path
    from toolkit.issues import load_issue_list
    from toolkit.merge import merge
    from toolkit.sandbox import Failed, isolated_map

    now = now or datetime.now()
    issues = load_issue_list(settings)
    missing = [p for p in files if not p.is_file()]
    if missing:
        raise WorkspaceError(f"找不到文件：{'、'.join(str(p) for p in missing)}")
    limits = settings.limits
    results = isolated_map(lambda p: read_path(p, p.name, settings, issues.units), files,
                           workers=limits["workers"], timeout=limits["file_timeout_s"],
                           memory_mb=limits["memory_mb"])
    feedback_dir = settings.path("outbox") / "反馈"
    checked: list[CheckedFile] = []
    for path, result in zip(files, results, strict=True):
        if isinstance(result, Failed):
            finding = Finding("unreadable-file", f"文件无法读取：{result.reason}", file=path.name)
            checked.append(CheckedFile(path.name, None, [finding], None))
            continue
        for ledger in result:
            report = merge(issues, [ledger], settings, as_of).report
            own = [f for f in report.findings if f.file == ledger.name or f.file.startswith(ledger.name + "/")]
            own = [f for f in own if f.code != "file-read"]
            item = CheckedFile(ledger.name, ledger.unit, own, None)
            if ledger.name != path.name:  # a member of a zip: no file of its own to mark up
                item.note = "压缩包中的文件请解压后单独检查，才能生成反馈件"
            elif own:
                feedback_dir.mkdir(parents=True, exist_ok=True)
                item.feedback = write_feedback(path, own, feedback_dir / f"{path.stem}_反馈{path.suffix}",
                                               unit=ledger.unit, checked_at=now)
            checked.append(item)
    return checked
